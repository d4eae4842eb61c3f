"""Saves made against an older version of a record are refused (StaleRecord), never overwritten.

Each versioned model counts its saves in `version` (SQLAlchemy's version_id_col). A form carries the version it
was filled against; `check_version` refuses it when someone saved in between, and `flush_or_stale` refuses the
rarer save that raced with ours between the read and the write.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.errors import StaleRecord

RECHECK_ADVICE = "The page now shows the saved values: check them and make your change again."
RELOAD_ADVICE = "Reload the page and make your change again."


def check_version(record: Any, expected_version: int | None, record_name: str, *,
                  advice: str = RECHECK_ADVICE) -> None:
    """Refuse the save when `record` is no longer at `expected_version` (None: the caller did not read one).
    `record_name` starts the sentence: 'This review', 'The return from Demoshire Police'."""
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord(f"{record_name} was changed by someone else since you opened it. {advice}")


def flush_or_stale(session: Session, record_name: str, *, advice: str = RELOAD_ADVICE) -> None:
    """Flush; a row whose version moved under us (a concurrent save) becomes a StaleRecord naming the record."""
    try:
        session.flush()
    except StaleDataError:
        raise StaleRecord(f"{record_name} was changed by someone else at the same moment. {advice}") from None
