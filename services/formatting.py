"""How a date reads in the text the services write (daily log entries, the report's facts)."""
from __future__ import annotations

from datetime import date


def log_date(value: date | None) -> str:
    """A date in a daily log entry: '18 Dec 2026', or 'blank' for a date left empty."""
    return f"{value:%d %b %Y}" if value else "blank"


def long_date(value: date | None, *, blank: str = "—") -> str:
    """A date as the report shows it: 'Fri 18 Dec 2026', or `blank` (a dash) for a date left empty."""
    return f"{value:%a %d %b %Y}" if value else blank
