"""The state machine's own working-day arithmetic, read from domain.md alone (never services.working_days):
Monday to Friday, minus England's bank holidays. The test database has no closure days."""
from __future__ import annotations

from datetime import date, timedelta

import holidays


class Oracle:
    def __init__(self) -> None:
        self.bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(2025, 2030))

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.bank_holidays

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after d (d not counted); n == 0: d if working, else the next working day."""
        if n == 0:
            while not self.is_working_day(d):
                d += timedelta(days=1)
            return d
        while n:
            d += timedelta(days=1)
            n -= self.is_working_day(d)
        return d

    def day_n(self, received: date, n: int) -> date:
        """Day 1 is the first working day on or after the notification's receipt; Day n is n - 1 working days on."""
        return self.add_working_days(self.add_working_days(received, 0), n - 1)
