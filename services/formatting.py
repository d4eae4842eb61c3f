"""How a date and a file size read in the text the services write (daily log entries, the report's facts, the case
folder)."""
from __future__ import annotations

from datetime import date


def log_date(value: date | None) -> str:
    """A date in a daily log entry: '18 Dec 2026', or 'blank' for a date left empty."""
    return f"{value:%d %b %Y}" if value else "blank"


def long_date(value: date | None, *, blank: str = "—") -> str:
    """A date as the report shows it: 'Fri 18 Dec 2026', or `blank` (a dash) for a date left empty."""
    return f"{value:%a %d %b %Y}" if value else blank


def file_size(size_bytes: int) -> str:
    """A stored file's size as people read it: '84 KB' (whole kilobytes, at least 1), '2.5 MB' from a megabyte on
    (1 KB = 1,024 bytes, 1 MB = 1,024 KB, as the size limits are given)."""
    if size_bytes >= 1024 * 1024:
        return f"{size_bytes / 1024 / 1024:.1f} MB"
    return f"{max(1, size_bytes // 1024)} KB"
