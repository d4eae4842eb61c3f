"""Working-day arithmetic: Monday to Friday, minus England bank holidays and closure days."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _england_holidays(year: int) -> frozenset[date]:
    # subdiv="ENG" matters: without it Easter Monday and the August holiday are dropped.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_england_bank_holiday(d: date) -> bool:
    return d in _england_holidays(d.year)


class WorkingCalendar:
    """England working days, minus the partnership's own closure days."""

    def __init__(self, closures: Iterable[date] = ()):
        self.closures = frozenset(closures)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and not is_england_bank_holiday(d) and d not in self.closures

    def next_working_day(self, d: date) -> date:
        """The first working day on or after d."""
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (d not counted); n == 0 gives d if working, else the next."""
        if n < 0:
            raise ValueError("n must be 0 or more")
        if n == 0:
            return self.next_working_day(d)
        while n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after a up to and including b; 0 when b <= a."""
        count = 0
        d = a
        while d < b:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return count

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
