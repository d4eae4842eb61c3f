"""The case folder as its readers see it: every document and path of a review, per section I to IV
(`case_folder`), and one stored file's bytes for a download (`case_folder_file`). Case readers only (manager, officer,
JCR Chair), as every read of a review; the agencies' documents and the report's versions are read through their own
packages' reads, so each keeps its own rule (an agency's draft stays the agency's until it is sent)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db.enums import LogCategory, ReportVersionState, ReviewState
from db.models import Account, Agency, LogEntry, Review
from db.models_agency import AgencyAttachment, AgencyRound
from db.models_folder import FolderDocument
from db.models_report import Meeting, ReportVersion
from db.models_returns import AgencyReturn
from services.agency_exchange.reads import DocumentFile, agency_document_file
from services.case_folder.rules import (
    AGENCY,
    AGENCY_SECTION,
    FOLDER_SECTION_TITLES,
    KIND_AGENCY,
    KIND_DOCUMENT,
    KIND_MINUTES,
    KIND_PATH,
    KIND_REPORT,
    PATH,
    REPORT,
    REPORT_SECTION,
    SUBMITTED_SECTION,
    UPLOAD,
    FolderFile,
    FolderRow,
    agency_author,
    arrange,
    meeting_words,
    panel_note,
    path_note,
    removal_words,
    version_note,
)
from services.errors import InvalidInput
from services.formatting import file_size
from services.permissions import CASE_READERS, requires
from services.report.reads import get_version_file
from services.word_document import DOCX_MIME

NO_SUCH_REVIEW = "That review does not exist. Go back to the live list and open it again."
NOT_IN_FOLDER = "That document is not in this case folder (it may have been removed). Reload the page."


@dataclass(frozen=True)
class FolderSectionRead:
    """One section of the case folder and its rows, in the order of services.case_folder.rules."""

    code: str
    title: str
    rows: tuple[FolderRow, ...] = ()


@dataclass(frozen=True)
class MeetingChoice:
    """A meeting of the review whose minutes may be uploaded."""

    id: int
    label: str  # 'Rapid Review meeting held Wed 30 Dec 2026'


@dataclass(frozen=True)
class CaseFolder:
    review_id: int
    folder_name: str  # the case reference names the folder
    accepts_uploads: bool  # a withdrawn review is kept as it was
    sections: tuple[FolderSectionRead, ...]
    meetings: tuple[MeetingChoice, ...] = ()

    @property
    def removable(self) -> tuple[FolderRow, ...]:
        """The uploaded documents still in the folder, section by section."""
        return tuple(row for section in self.sections for row in section.rows if row.removable)


def _uploads(session: Session, review_id: int) -> list[FolderRow]:
    adder, remover = aliased(Account), aliased(Account)
    rows = session.execute(
        select(FolderDocument.id, FolderDocument.folder_section, FolderDocument.title, FolderDocument.file_name,
               FolderDocument.content_type, FolderDocument.size_bytes, FolderDocument.added_at, adder.display_name,
               FolderDocument.removed_at, remover.display_name, FolderDocument.removed_reason, Meeting.kind,
               Meeting.held_on)
        .join(adder, adder.id == FolderDocument.added_by_id)
        .outerjoin(remover, remover.id == FolderDocument.removed_by_id)
        .outerjoin(Meeting, Meeting.id == FolderDocument.meeting_id)
        .where(FolderDocument.review_id == review_id)).all()
    found = []
    for (doc_id, section, title, file_name, content_type, size, added_at, added_by, removed_at, removed_by, reason,
         meeting_kind, held_on) in rows:
        notes = [meeting_words(meeting_kind, held_on)] if meeting_kind is not None else []
        if removed_at is not None:
            notes.append(removal_words(removed_at, removed_by or "unknown", reason or ""))
        found.append(FolderRow(
            section=section, source=UPLOAD, source_id=doc_id, name=title,
            kind=KIND_MINUTES if meeting_kind is not None else KIND_DOCUMENT, size=file_size(size),
            added_by=added_by, added_at=added_at, note="; ".join(notes),
            file=None if removed_at is not None else FolderFile(UPLOAD, doc_id, file_name, content_type),
            removed=removed_at is not None))
    return found


def _agency_documents(session: Session, review_id: int) -> list[FolderRow]:
    """The documents of every round an agency sent through its link (a draft's are the agency's own)."""
    rows = session.execute(
        select(AgencyAttachment.id, AgencyAttachment.file_name, AgencyAttachment.content_type,
               AgencyAttachment.size_bytes, AgencyAttachment.added_by_name, AgencyAttachment.added_at, Agency.name,
               AgencyRound.round)
        .join(AgencyRound, AgencyRound.id == AgencyAttachment.round_id)
        .join(AgencyReturn, AgencyReturn.id == AgencyAttachment.agency_return_id)
        .join(Agency, Agency.id == AgencyReturn.agency_id)
        .where(AgencyAttachment.review_id == review_id, AgencyRound.submitted_at.is_not(None))).all()
    return [FolderRow(section=AGENCY_SECTION, source=AGENCY, source_id=doc_id, name=file_name, kind=KIND_AGENCY,
                      size=file_size(size), added_by=agency_author(author), added_at=added_at,
                      note=f"Return from {agency}, round {round_number}",
                      file=FolderFile(AGENCY, doc_id, file_name, content_type))
            for doc_id, file_name, content_type, size, author, added_at, agency, round_number in rows]


def _report_versions(session: Session, review_id: int) -> list[FolderRow]:
    """Every version in section II; the one submitted to the National Panel again in section III."""
    rows = session.execute(
        select(ReportVersion.id, ReportVersion.number, ReportVersion.state, ReportVersion.step_date,
               ReportVersion.ofsted_sent_on, ReportVersion.file_name, ReportVersion.size_bytes,
               ReportVersion.created_by_name, ReportVersion.created_at)
        .where(ReportVersion.review_id == review_id)).all()
    found = []
    for version_id, number, state, step_date, ofsted_sent_on, file_name, size, made_by, made_at in rows:
        file = FolderFile(REPORT, version_id, file_name, DOCX_MIME)
        found.append(FolderRow(section=REPORT_SECTION, source=REPORT, source_id=version_id, name=file_name,
                               kind=KIND_REPORT, size=file_size(size), added_by=made_by, added_at=made_at,
                               note=version_note(number, state, step_date), file=file))
        if state == ReportVersionState.SUBMITTED:
            found.append(FolderRow(section=SUBMITTED_SECTION, source=REPORT, source_id=version_id, name=file_name,
                                   kind=KIND_REPORT, size=file_size(size), added_by=made_by, added_at=made_at,
                                   note=panel_note(number, step_date, ofsted_sent_on), file=file))
    return found


def _log_paths(session: Session, review_id: int) -> list[FolderRow]:
    """The paths people recorded in the daily log (a return's location is its own row: `_return_paths`)."""
    rows = session.execute(
        select(LogEntry.id, LogEntry.folder_section, LogEntry.file_path, LogEntry.logged_at, Account.display_name)
        .join(Account, Account.id == LogEntry.author_id)
        .where(LogEntry.review_id == review_id, LogEntry.file_path.is_not(None),
               LogEntry.agency_return_id.is_(None))).all()
    corrected: dict[int, list[int]] = defaultdict(list)
    if rows:
        for corrects_id, entry_id in session.execute(
                select(LogEntry.corrects_id, LogEntry.id).where(LogEntry.corrects_id.in_([r[0] for r in rows]))
                .order_by(LogEntry.id)).all():
            if corrects_id is not None:
                corrected[corrects_id].append(entry_id)
    return [FolderRow(section=section, source=PATH, source_id=entry_id, name=path, kind=KIND_PATH, size="",
                      added_by=author, added_at=logged_at,
                      note=path_note(entry_id=entry_id, corrected_by=corrected.get(entry_id, ())))
            for entry_id, section, path, logged_at, author in rows if section is not None and path is not None]


def _return_paths(session: Session, review_id: int) -> list[FolderRow]:
    """Each return's file location now, recorded by whoever filed it there last (its daily log entry)."""
    returns = session.execute(
        select(AgencyReturn.id, AgencyReturn.file_section, AgencyReturn.file_path, Agency.name)
        .join(Agency, Agency.id == AgencyReturn.agency_id)
        .where(AgencyReturn.review_id == review_id, AgencyReturn.file_path.is_not(None))).all()
    recorded: dict[tuple[int | None, str | None, str | None], tuple[datetime | None, str]] = {}
    if returns:
        for return_id, section, path, logged_at, author in session.execute(
                select(LogEntry.agency_return_id, LogEntry.folder_section, LogEntry.file_path, LogEntry.logged_at,
                       Account.display_name)
                .join(Account, Account.id == LogEntry.author_id)
                .where(LogEntry.agency_return_id.in_([r[0] for r in returns]), LogEntry.file_path.is_not(None),
                       LogEntry.category == LogCategory.DOCUMENT_FILED)
                .order_by(LogEntry.id)).all():
            recorded[(return_id, section, path)] = (logged_at, author)  # the latest entry wins
    found = []
    for return_id, section, path, agency in returns:
        if section is None or path is None:  # the query asks for a path; a path has its section (a CHECK)
            continue
        filed_at, filed_by = recorded.get((return_id, section, path), (None, "not on record"))
        found.append(FolderRow(section=section, source=PATH, source_id=return_id, name=path, kind=KIND_PATH, size="",
                               added_by=filed_by, added_at=filed_at, note=path_note(agency=agency)))
    return found


def _meetings(session: Session, review_id: int) -> tuple[MeetingChoice, ...]:
    return tuple(MeetingChoice(meeting_id, meeting_words(kind, held_on)) for meeting_id, kind, held_on in
                 session.execute(select(Meeting.id, Meeting.kind, Meeting.held_on)
                                 .where(Meeting.review_id == review_id).order_by(Meeting.held_on, Meeting.id)))


@requires(*CASE_READERS, action="see a review's case folder")
def case_folder(session: Session, actor: Account, *, review_id: int) -> CaseFolder:
    """Every document and path of the review's case folder, per section I to IV (services.case_folder.rules)."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    rows = [*_uploads(session, review_id), *_agency_documents(session, review_id),
            *_report_versions(session, review_id), *_log_paths(session, review_id),
            *_return_paths(session, review_id)]
    arranged = arrange(rows)
    return CaseFolder(
        review_id=review.id, folder_name=review.case_reference,
        accepts_uploads=review.state != ReviewState.WITHDRAWN,
        sections=tuple(FolderSectionRead(code, FOLDER_SECTION_TITLES[code], arranged[code])
                       for code in FOLDER_SECTION_TITLES),
        meetings=_meetings(session, review_id))


@requires(*CASE_READERS, action="download a document of the case folder")
def case_folder_file(session: Session, actor: Account, *, review_id: int, source: str, file_id: int) -> DocumentFile:
    """One stored file of the review's case folder, for a download (never shown inline): an uploaded document still
    in the folder, an agency's document (agency_document_file) or a version of the report (get_version_file)."""
    if source == UPLOAD:
        document = session.get(FolderDocument, file_id)
        if document is None or document.review_id != review_id or document.removed_at is not None:
            raise InvalidInput(NOT_IN_FOLDER)
        return DocumentFile(document.file_name, document.content_type, bytes(document.content))
    if source == AGENCY:
        if session.scalar(select(AgencyAttachment.review_id).where(AgencyAttachment.id == file_id)) != review_id:
            raise InvalidInput(NOT_IN_FOLDER)
        return agency_document_file(session, actor, attachment_id=file_id)
    if source == REPORT:
        if session.scalar(select(ReportVersion.review_id).where(ReportVersion.id == file_id)) != review_id:
            raise InvalidInput(NOT_IN_FOLDER)
        version = get_version_file(session, actor, version_id=file_id)
        return DocumentFile(version.file_name, version.mime, version.data)
    raise InvalidInput(NOT_IN_FOLDER)
