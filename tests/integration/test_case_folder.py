"""The case folder on a real PostgreSQL: one hand-built review whose folder holds an upload (the Rapid Review
meeting's minutes), a document an agency sent through its link, two versions of the report (one submitted) and a
path recorded in the daily log, each listed in its section exactly; downloads, removal with a reason, and the
refusals (a renamed program, the board, a withdrawn review, another review's meeting)."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry
from db.models_folder import FolderDocument
from db.models_report import ReportVersion
from services.agency_exchange.service import (
    ConfirmationInput,
    attach_agency_document,
    record_forms_sent_with_links,
    submit_agency_return,
)
from services.case_folder import (
    FolderFile,
    FolderRow,
    case_folder,
    case_folder_file,
    remove_case_document,
    upload_case_document,
)
from services.daily_log.service import add_log_entry
from services.errors import InvalidInput, NotAllowed
from services.meetings.service import record_meeting
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from tests.types import MakeAccount

RECEIVED = date(2026, 12, 18)  # Fri: the case reference is 181226AB
ANSWERED = date(2026, 12, 22)
MEETING = date(2026, 12, 30)  # Wed
SUBMITTED = date(2027, 1, 12)  # Tue
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"  # 50 bytes: "1 KB"
MINUTES = b"%PDF-1.4\n" + b"0" * (86016 - 15) + b"%%EOF\n"  # 86,016 bytes = 84 KiB: "84 KB"
DRAFT_BYTES = b"PK draft report" + b"d" * 2033  # 2,048 bytes: "2 KB"
SUBMITTED_BYTES = b"PK submitted report" + b"s" * 5101  # 5,120 bytes: "5 KB"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PATH = "S:/Reviews/181226AB/IV/Letter to the GP.docx"


def _exe() -> bytes:
    """A Windows program, as filetype reads one: 'MZ', the PE header's offset at 0x3C, 'PE\\0\\0' there."""
    header = bytearray(b"MZ" + b"\x00" * 62)
    header[0x3C:0x40] = (64).to_bytes(4, "little")
    return bytes(header) + b"PE\x00\x00" + b"\x00" * 200


def _docx() -> bytes:
    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Folder:
    review_id: int
    officer: Account
    manager: Account
    meeting_id: int
    upload_id: int
    attachment_id: int
    draft_id: int
    submitted_id: int
    entry_id: int
    now: datetime


def _version(session: Session, review_id: int, author: Account, number: int, state: str, step_date: date | None,
             data: bytes, made: datetime) -> int:
    """A report version stored as the report's service stores one (hand-built: the state and time chosen here)."""
    version = ReportVersion(review_id=review_id, number=number, state=state, step_date=step_date,
                            created_at=made, created_by_id=author.id, created_by_name=author.display_name,
                            file_name=f"Rapid Review 181226AB v{number}.docx", content=data, size_bytes=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), content_fingerprint="f" * 64)
    session.add(version)
    session.flush()
    return version.id


@pytest.fixture
def folder(session: Session, make_account: MakeAccount) -> Folder:
    officer, manager = make_account("officer"), make_account("manager")
    police = Agency(name="Demoshire Police", kind="police", active=True, contact_email="police@example.org")
    session.add(police)
    session.flush()
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                         csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                         children=[ChildEntry("AB", 4)], as_of=RECEIVED)
    [link] = record_forms_sent_with_links(session, officer, review_id=review.id, agency_ids=[police.id],
                                          requested_on=RECEIVED, as_of=RECEIVED)
    attachment_id = attach_agency_document(session, token=link.token, author_name="J Smith",
                                           file_name="Chronology.pdf", data=PDF, as_of=ANSWERED)
    submit_agency_return(session, token=link.token, author_name="J Smith", answers={"involvement": "Two visits"},
                         confirmation=ConfirmationInput("A Jones", "Head of Safeguarding", ANSWERED, True),
                         as_of=ANSWERED)
    meeting = record_meeting(session, officer, review_id=review.id, kind="rr_meeting", held_on=MEETING,
                             agency_ids=[police.id], chair_name="JCR Chair", as_of=MEETING)
    upload = upload_case_document(session, officer, review_id=review.id, folder_section="II",
                                  title="Minutes of the Rapid Review meeting", file_name="minutes.pdf", data=MINUTES,
                                  meeting_id=meeting.id)
    now = session.scalar(select(func.now()))
    assert now is not None
    draft_id = _version(session, review.id, officer, 1, "draft", None, DRAFT_BYTES, now - timedelta(days=2))
    submitted_id = _version(session, review.id, manager, 2, "submitted", SUBMITTED, SUBMITTED_BYTES,
                            now - timedelta(days=1))
    entry = add_log_entry(session, officer, review_id=review.id, category="document filed",
                          text="Letter to the GP filed.", folder_section="IV", file_path=PATH)
    return Folder(review.id, officer, manager, meeting.id, upload.id, attachment_id, draft_id, submitted_id,
                  entry.id, now)


def test_each_section_lists_exactly_what_the_folder_holds(session: Session, folder: Folder, chair: Account) -> None:
    read = case_folder(session, chair, review_id=folder.review_id)
    assert read.folder_name == "181226AB"
    assert [(s.code, s.title) for s in read.sections] == [
        ("I", "I. Notification and scoping"), ("II", "II. Rapid Review meeting"),
        ("III", "III. Statutory Correspondence"), ("IV", "IV. General Correspondence")]
    rows = {s.code: list(s.rows) for s in read.sections}
    submitted_file = FolderFile("report", folder.submitted_id, "Rapid Review 181226AB v2.docx", DOCX_MIME)
    assert rows["I"] == [
        FolderRow(section="I", source="agency", source_id=folder.attachment_id, name="Chronology.pdf",
                  kind="Agency return document", size="1 KB", added_by="J Smith (as typed) through the agency link",
                  added_at=folder.now, note="Return from Demoshire Police, round 1",
                  file=FolderFile("agency", folder.attachment_id, "Chronology.pdf", "application/pdf")),
    ]
    assert rows["II"] == [  # oldest first: the draft two days ago, the submitted version yesterday, the minutes now
        FolderRow(section="II", source="report", source_id=folder.draft_id, name="Rapid Review 181226AB v1.docx",
                  kind="Report version", size="2 KB", added_by="Test officer", added_at=folder.now - timedelta(days=2),
                  note="Version 1: draft",
                  file=FolderFile("report", folder.draft_id, "Rapid Review 181226AB v1.docx", DOCX_MIME)),
        FolderRow(section="II", source="report", source_id=folder.submitted_id, name="Rapid Review 181226AB v2.docx",
                  kind="Report version", size="5 KB", added_by="Test manager",
                  added_at=folder.now - timedelta(days=1),
                  note="Version 2: submitted to the National Panel on Tue 12 Jan 2027", file=submitted_file),
        FolderRow(section="II", source="upload", source_id=folder.upload_id, name="Minutes of the Rapid Review meeting",
                  kind="Minutes", size="84 KB", added_by="Test officer", added_at=folder.now,
                  note="Rapid Review meeting held Wed 30 Dec 2026",
                  file=FolderFile("upload", folder.upload_id, "minutes.pdf", "application/pdf")),
    ]
    assert rows["III"] == [
        FolderRow(section="III", source="report", source_id=folder.submitted_id,
                  name="Rapid Review 181226AB v2.docx", kind="Report version", size="5 KB", added_by="Test manager",
                  added_at=folder.now - timedelta(days=1), note="Sent to the Panel on Tue 12 Jan 2027 (version 2)",
                  file=submitted_file),
    ]
    assert rows["IV"] == [
        FolderRow(section="IV", source="path", source_id=folder.entry_id, name=PATH, kind="File location", size="",
                  added_by="Test officer", added_at=folder.now, note=f"Daily log entry #{folder.entry_id}"),
    ]
    assert [m.label for m in read.meetings] == ["Rapid Review meeting held Wed 30 Dec 2026"]
    assert read.accepts_uploads and [r.source_id for r in read.removable] == [folder.upload_id]


def test_every_stored_file_downloads_its_own_bytes(session: Session, folder: Folder, chair: Account) -> None:
    def download(source: str, file_id: int) -> bytes:
        return case_folder_file(session, chair, review_id=folder.review_id, source=source, file_id=file_id).content

    assert download("upload", folder.upload_id) == MINUTES
    assert download("agency", folder.attachment_id) == PDF
    assert download("report", folder.draft_id) == DRAFT_BYTES
    assert download("report", folder.submitted_id) == SUBMITTED_BYTES
    with pytest.raises(InvalidInput, match="not in this case folder"):
        case_folder_file(session, chair, review_id=folder.review_id + 1, source="upload", file_id=folder.upload_id)
    with pytest.raises(InvalidInput, match="not in this case folder"):
        download("path", folder.entry_id)


def test_the_upload_is_logged_and_kept_as_sent(session: Session, folder: Folder) -> None:
    logged = session.scalars(select(LogEntry.text).where(LogEntry.review_id == folder.review_id,
                                                         LogEntry.text.like("Document % added%"))).all()
    sha = hashlib.sha256(MINUTES).hexdigest()
    assert logged == [
        f"Document {folder.upload_id} added to the case folder, II. Rapid Review meeting: \"Minutes of the Rapid "
        f"Review meeting\" (minutes.pdf, 84 KB, SHA-256 {sha[:12]}…). The minutes of the Rapid Review meeting held "
        "Wed 30 Dec 2026."]
    stored = session.get(FolderDocument, folder.upload_id)
    assert stored is not None
    assert (stored.sha256, stored.size_bytes, stored.meeting_id) == (sha, 86016, folder.meeting_id)


def test_a_program_renamed_as_minutes_is_refused_and_nothing_is_kept(session: Session, folder: Folder) -> None:
    before = session.scalar(select(func.count()).select_from(FolderDocument))
    with pytest.raises(InvalidInput, match=r"^minutes\.pdf is not a PDF or a Word document \(judged by what the file "
                                           r"holds, not its name\)\. Attach the document as a PDF or a Word document"):
        upload_case_document(session, folder.officer, review_id=folder.review_id, folder_section="II",
                             title="Minutes", file_name="minutes.pdf", data=_exe())
    assert session.scalar(select(func.count()).select_from(FolderDocument)) == before


def test_a_word_document_named_pdf_is_kept_as_word(session: Session, folder: Folder) -> None:
    saved = upload_case_document(session, folder.manager, review_id=folder.review_id, folder_section="IV",
                                 title="Letter to the family", file_name="letter.pdf", data=_docx())
    assert (saved.file_name, saved.content_type) == ("letter.docx", DOCX_MIME)


@pytest.mark.parametrize("changes, refusal", [
    (dict(folder_section=None), "Choose the case folder section: I, II, III or IV."),
    (dict(folder_section="V"), "Choose the case folder section: I, II, III or IV."),
    (dict(title="  "), "Give the document's title."),
    (dict(file_name=None, data=b""), "Choose a file to attach."),
    (dict(data=b""), "letter.pdf is empty: choose the document again."),
    (dict(data=b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 8)), "a document can be at most 10 MB"),
])
def test_what_a_user_gets_wrong_is_refused_with_a_sentence(session: Session, folder: Folder,
                                                            changes: dict[str, object], refusal: str) -> None:
    arguments: dict[str, object] = dict(review_id=folder.review_id, folder_section="IV", title="Letter",
                                        file_name="letter.pdf", data=PDF)
    arguments.update(changes)
    with pytest.raises(InvalidInput, match=refusal.replace(".", r"\.")):
        upload_case_document(session, folder.officer, **arguments)  # type: ignore[arg-type]


def test_minutes_name_a_meeting_of_this_review(session: Session, folder: Folder) -> None:
    other = open_review(session, folder.officer, notification_type="death", incident_date=date(2026, 12, 14),
                        csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                        children=[ChildEntry("CD", 2)], as_of=RECEIVED)
    with pytest.raises(InvalidInput, match="That meeting is not one of this review's meetings"):
        upload_case_document(session, folder.officer, review_id=other.id, folder_section="II", title="Minutes",
                             file_name="minutes.pdf", data=PDF, meeting_id=folder.meeting_id)


@pytest.mark.parametrize("role", ["board", "admin", "chair"])
def test_only_managers_and_officers_upload_or_remove(session: Session, folder: Folder, make_account: MakeAccount,
                                                     role: str) -> None:
    account = make_account(role)
    with pytest.raises(NotAllowed, match="Only a Partnership Manager, Partnership officer may add a document"):
        upload_case_document(session, account, review_id=folder.review_id, folder_section="IV", title="Letter",
                             file_name="letter.pdf", data=PDF)
    with pytest.raises(NotAllowed):
        remove_case_document(session, account, review_id=folder.review_id, document_id=folder.upload_id,
                             reason="Not mine.")


@pytest.mark.parametrize("role", ["board", "admin"])
def test_the_board_and_the_admin_read_nothing_of_the_folder(session: Session, folder: Folder,
                                                            make_account: MakeAccount, role: str) -> None:
    account = make_account(role)
    with pytest.raises(NotAllowed):
        case_folder(session, account, review_id=folder.review_id)
    with pytest.raises(NotAllowed):
        case_folder_file(session, account, review_id=folder.review_id, source="upload", file_id=folder.upload_id)


def test_a_removed_document_stays_listed_with_its_reason_and_no_download(session: Session, folder: Folder) -> None:
    with pytest.raises(InvalidInput, match=r"Give the reason for removing the document\."):
        remove_case_document(session, folder.officer, review_id=folder.review_id, document_id=folder.upload_id,
                             reason=" ")
    removed = remove_case_document(session, folder.manager, review_id=folder.review_id, document_id=folder.upload_id,
                                   reason="Uploaded to the wrong section.")
    assert removed.removed_reason == "Uploaded to the wrong section."
    [row] = [r for s in case_folder(session, folder.officer, review_id=folder.review_id).sections for r in s.rows
             if r.source == "upload"]
    removed_on = folder.now.astimezone(ZoneInfo("Europe/London")).date()
    assert (row.removed, row.file, row.removable) == (True, None, False)
    assert row.note == (f"Rapid Review meeting held Wed 30 Dec 2026; Removed {removed_on:%a %d %b %Y} by Test "
                        "manager: Uploaded to the wrong section.")
    with pytest.raises(InvalidInput, match="not in this case folder"):
        case_folder_file(session, folder.officer, review_id=folder.review_id, source="upload",
                         file_id=folder.upload_id)
    with pytest.raises(InvalidInput, match="was already removed"):
        remove_case_document(session, folder.officer, review_id=folder.review_id, document_id=folder.upload_id,
                             reason="Again.")
    assert session.get(FolderDocument, folder.upload_id) is not None  # kept
    logged = session.scalars(select(LogEntry.text).where(LogEntry.text.like("Document % removed%"))).all()
    assert logged == [f"Document {folder.upload_id} removed from the case folder, II. Rapid Review meeting: "
                      "\"Minutes of the Rapid Review meeting\" (minutes.pdf). Reason: Uploaded to the wrong section. "
                      "(it is kept, no longer listed for download)."]


def test_a_withdrawn_review_takes_no_document(session: Session, folder: Folder) -> None:
    withdraw_review(session, folder.manager, review_id=folder.review_id, expected_version=None,
                    reason="duplicate", as_of=SUBMITTED)
    with pytest.raises(InvalidInput, match="was withdrawn"):
        upload_case_document(session, folder.officer, review_id=folder.review_id, folder_section="IV",
                             title="Letter", file_name="letter.pdf", data=PDF)
    assert not case_folder(session, folder.officer, review_id=folder.review_id).accepts_uploads


def test_a_returns_file_location_is_a_path_recorded_by_whoever_filed_it(session: Session, folder: Folder) -> None:
    from db.models_returns import AgencyReturn
    from services.returns.service import record_file_location

    return_id = session.scalars(select(AgencyReturn.id).where(AgencyReturn.review_id == folder.review_id)).one()
    record_file_location(session, folder.officer, return_id=return_id, expected_version=None, file_section="I",
                         file_path="S:/Reviews/181226AB/I/Police return.pdf")
    record_file_location(session, folder.manager, return_id=return_id, expected_version=None, file_section="I",
                         file_path="S:/Reviews/181226AB/I/Police return v2.pdf")
    [section_one] = [s for s in case_folder(session, folder.officer, review_id=folder.review_id).sections
                     if s.code == "I"]
    assert [(r.name, r.kind, r.added_by, r.note) for r in section_one.rows] == [
        ("Chronology.pdf", "Agency return document", "J Smith (as typed) through the agency link",
         "Return from Demoshire Police, round 1"),
        ("S:/Reviews/181226AB/I/Police return v2.pdf", "File location", "Test manager",
         "Return from Demoshire Police"),
    ]
