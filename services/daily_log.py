"""The daily log: an append-only record of every action on a review."""
from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from db.models import LOG_CATEGORIES, Account, LogEntry
from services.errors import InvalidInput


def append_system_entry(
    session: Session,
    actor: Account,
    *,
    review_id: Optional[int],
    category: str,
    text: str,
    milestone_id: Optional[int] = None,
    folder_section: Optional[str] = None,
    file_path: Optional[str] = None,
) -> LogEntry:
    """The entry a service writes for its own action, in the caller's transaction, naming the actor."""
    if category not in LOG_CATEGORIES:
        raise InvalidInput(f"'{category}' is not a log category.")
    entry = LogEntry(
        review_id=review_id,
        author_id=actor.id,
        category=category,
        text=text,
        milestone_id=milestone_id,
        folder_section=folder_section,
        file_path=file_path,
        by_system=True,
    )
    session.add(entry)
    session.flush()
    return entry
