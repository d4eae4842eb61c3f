"""Writing to the case folder: a document uploaded to a section (minutes naming their meeting), and an uploaded
document removed with a reason. Managers and officers (FOLDER_KEEPERS). Each appends its daily log entry in the same
transaction; the database keeps every document as it was added (migration 0024: a removal is recorded, never a
deletion).

Minutes uploaded for a meeting carry its id and show it; the meetings' own "minutes circulated" step (its date,
recorded on the Meetings page) is untouched: the upload is where the minutes are kept, not when they went round."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import LogCategory
from db.models import Account, Review
from db.models_folder import FolderDocument
from db.models_report import Meeting
from services.case_folder.reads import NO_SUCH_REVIEW, NOT_IN_FOLDER
from services.case_folder.rules import (
    FOLDER_SECTION_TITLES,
    clean_reason,
    clean_section,
    clean_title,
    judge_document,
    meeting_words,
)
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.formatting import file_size
from services.milestones import refuse_if_withdrawn
from services.permissions import FOLDER_KEEPERS, requires


@dataclass(frozen=True)
class UploadedDocument:
    """A document as it was stored (its bytes stay in the database)."""

    id: int
    review_id: int
    folder_section: str
    title: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    meeting_id: int | None
    added_at: datetime
    removed_at: datetime | None = None
    removed_reason: str | None = None


def _read(document: FolderDocument) -> UploadedDocument:
    return UploadedDocument(document.id, document.review_id, document.folder_section, document.title,
                            document.file_name, document.content_type, document.size_bytes, document.sha256,
                            document.meeting_id, document.added_at, document.removed_at, document.removed_reason)


def _writable_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    return review


@requires(*FOLDER_KEEPERS, action="add a document to the case folder")
def upload_case_document(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    folder_section: str | None,
    title: str | None,
    file_name: str | None,
    data: bytes,
    meeting_id: int | None = None,
) -> UploadedDocument:
    """Keep a PDF or Word document (judged by its content) in a section of the review's case folder; with
    `meeting_id`, as the minutes of that meeting of the review."""
    review = _writable_review(session, review_id)
    section = clean_section(folder_section)
    cleaned_title = clean_title(title)
    meeting = None
    if meeting_id is not None:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or meeting.review_id != review.id:
            raise InvalidInput("That meeting is not one of this review's meetings. Reload the page.")
    accepted = judge_document(file_name, data)
    document = FolderDocument(
        review_id=review.id, folder_section=section, title=cleaned_title, file_name=accepted.file_name,
        content_type=accepted.content_type, size_bytes=accepted.size_bytes, sha256=accepted.sha256, content=data,
        meeting_id=meeting_id, added_by_id=actor.id)
    session.add(document)
    session.flush()
    minutes = f" The minutes of the {meeting_words(meeting.kind, meeting.held_on)}." if meeting is not None else ""
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.DOCUMENT_FILED,
        text=(f"Document {document.id} added to the case folder, {FOLDER_SECTION_TITLES[section]}: \"{cleaned_title}"
              f"\" ({accepted.file_name}, {file_size(accepted.size_bytes)}, SHA-256 {accepted.sha256[:12]}…)."
              + minutes))
    session.refresh(document, ["added_at"])
    return _read(document)


@requires(*FOLDER_KEEPERS, action="remove a document from the case folder")
def remove_case_document(session: Session, actor: Account, *, review_id: int, document_id: int,
                         reason: str | None) -> UploadedDocument:
    """Take an uploaded document out of the folder's listing, with a reason: it stays in the database (no longer
    offered for download), its removal logged."""
    review = _writable_review(session, review_id)
    document = session.scalars(select(FolderDocument).where(FolderDocument.id == document_id)
                               .with_for_update()).first()
    if document is None or document.review_id != review.id:
        raise InvalidInput(NOT_IN_FOLDER)
    if document.removed_at is not None:
        raise InvalidInput(f"\"{document.title}\" was already removed from the case folder.")
    cleaned = clean_reason(reason)
    document.removed_at = session.scalar(select(func.now()))
    document.removed_by_id = actor.id
    document.removed_reason = cleaned
    session.flush()
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.DOCUMENT_FILED,
        text=(f"Document {document.id} removed from the case folder, {FOLDER_SECTION_TITLES[document.folder_section]}"
              f": \"{document.title}\" ({document.file_name}). Reason: {cleaned} (it is kept, no longer listed for "
              "download)."))
    return _read(document)
