"""Working-day arithmetic: Monday to Friday, minus England bank holidays and closure days."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _england_holidays(year: int) -> frozenset[date]:
    # subdiv="ENG" matters: without it Easter Monday and the August holiday are dropped.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_england_bank_holiday(d: date) -> bool:
    return d in _england_holidays(d.year)


class WorkingCalendar:
    """England working days, minus the partnership's own closure days. Each year's working days are listed once
    (as ordinals) the first time it is asked about, so counting and adding are a binary search, not a walk."""

    def __init__(self, closures: Iterable[date] = ()):
        self.closures = frozenset(closures)
        self._years: dict[int, list[int]] = {}

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and not is_england_bank_holiday(d) and d not in self.closures

    def _working_in(self, year: int) -> list[int]:
        """The ordinals of the working days of `year`, in order."""
        found = self._years.get(year)
        if found is None:
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            found = [o for o in range(first, last + 1) if self.is_working_day(date.fromordinal(o))]
            self._years[year] = found
        return found

    def _nth_from(self, year: int, index: int) -> date:
        """The working day at position `index` of `year`'s list, counting on into the following years."""
        days = self._working_in(year)
        while index >= len(days):
            index -= len(days)
            year += 1
            days = self._working_in(year)
        return date.fromordinal(days[index])

    def next_working_day(self, d: date) -> date:
        """The first working day on or after d."""
        return self._nth_from(d.year, bisect_left(self._working_in(d.year), d.toordinal()))

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (d not counted); n == 0 gives d if working, else the next."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        if n == 0:
            return self.next_working_day(d)
        return self._nth_from(d.year, bisect_right(self._working_in(d.year), d.toordinal()) + n - 1)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after a up to and including b; 0 when b <= a."""
        if b <= a:
            return 0
        whole_years = sum(len(self._working_in(year)) for year in range(a.year, b.year))
        return (whole_years + bisect_right(self._working_in(b.year), b.toordinal())
                - bisect_right(self._working_in(a.year), a.toordinal()))

    def day_one(self, received: date) -> date:
        """Day 1 of a review: the first working day on or after the notification was received."""
        return self.next_working_day(received)

    def day_n(self, received: date, n: int) -> date:
        """The date of Day n of a review (n >= 1)."""
        if n < 1:
            raise ValueError("Day numbers start at 1")
        return self.add_working_days(self.day_one(received), n - 1)

    def day_number(self, received: date, on: date) -> int:
        """Which Day of the review `on` is (Day 1 = day_one); 0 before Day 1."""
        first = self.day_one(received)
        if on < first:
            return 0
        # A non-working day counts as the Day of the last working day before it.
        return 1 + self.working_days_between(first, on)
