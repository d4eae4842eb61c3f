"""Writing to the daily log: the entry a service writes for its own action, and a person's entry (or correction).
The reads are services.daily_log.reads."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review, ReviewMilestone
from services.daily_log.reads import LogRow, read_entry
from services.daily_log.rules import (
    LOG_CATEGORIES,
    NO_SUCH_REVIEW,
    PERSON_CATEGORIES,
    clean_entry_text,
    clean_file_location,
)
from services.errors import InvalidInput
from services.permissions import LOG_WRITERS, requires


def append_system_entry(
    session: Session,
    actor: Account,
    *,
    review_id: int | None,
    category: str,
    text: str,
    milestone_id: int | None = None,
    folder_section: str | None = None,
    file_path: str | None = None,
    agency_return_id: int | None = None,
    corrects_id: int | None = None,
) -> LogEntry:
    """The entry a service writes for its own action, in the caller's transaction, naming the actor; with
    `corrects_id` it puts right an earlier entry of the same review (a corrected date)."""
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
        agency_return_id=agency_return_id,
        corrects_id=corrects_id,
    )
    session.add(entry)
    session.flush()
    return entry


@requires(*LOG_WRITERS, action="add to the daily log")
def add_log_entry(
    session: Session,
    actor: Account,
    *,
    review_id: int | None,
    category: str,
    text: str,
    folder_section: str | None = None,
    file_path: str | None = None,
    corrects_id: int | None = None,
    milestone_id: int | None = None,
) -> LogRow:
    """Add a person's entry to a review's log; with corrects_id it puts right an earlier entry of that review."""
    if review_id is None:
        raise InvalidInput("Choose the review this entry belongs to.")
    if session.get(Review, review_id) is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    if category not in PERSON_CATEGORIES:
        raise InvalidInput("Choose a category for the entry (for example communication or decision).")
    cleaned_text = clean_entry_text(text)
    section, path = clean_file_location(folder_section, file_path)
    if corrects_id is not None:
        corrected = session.execute(
            select(LogEntry.id, LogEntry.review_id).where(LogEntry.id == corrects_id)).first()
        if corrected is None:
            raise InvalidInput(f"There is no log entry number {corrects_id} to correct.")
        if corrected.review_id != review_id:
            raise InvalidInput(
                f"Entry {corrects_id} belongs to another review: a correction must name an entry of the same review."
            )
    if milestone_id is not None:
        milestone_review = session.scalar(select(ReviewMilestone.review_id).where(ReviewMilestone.id == milestone_id))
        if milestone_review != review_id:
            raise InvalidInput("That milestone is not one of this review's milestones. Reload the page.")
    entry = LogEntry(
        review_id=review_id,
        author_id=actor.id,
        category=category,
        text=cleaned_text,
        folder_section=section,
        file_path=path,
        milestone_id=milestone_id,
        corrects_id=corrects_id,
        by_system=False,
    )
    session.add(entry)
    session.flush()
    return read_entry(session, entry.id)

