"""What every CSV and Excel export shares: text a spreadsheet would run as a formula stays text."""
from __future__ import annotations

from datetime import datetime
from typing import Any

# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A CSV cell: text that looks like a formula gets a leading apostrophe; other values pass through."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def is_formula_like(value: Any) -> bool:
    """Whether openpyxl would store this value as a formula (it does so for text starting with '=')."""
    return isinstance(value, str) and value.startswith("=")
