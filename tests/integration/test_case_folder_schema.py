"""The database keeps the case folder's documents (migration 0024): it refuses a row the services must never write
(too big, empty, another section, another type, bytes that do not match their SHA-256, minutes of another review's
meeting, a document in another account's name), refuses every change but one removal with a reason, and refuses a
DELETE or TRUNCATE to the app's role (no privilege) and to the owner (a trigger)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.acting import act_as
from db.models import Account, Agency
from services.case_folder.service import upload_case_document
from services.meetings.service import record_meeting
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import MakeAccount

RECEIVED = date(2026, 12, 18)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
LIMIT = 10 * 1024 * 1024  # 10 MiB, written out here (migration 0024 and db/models_folder.py each say it too)

INSERT = text(
    "INSERT INTO case_folder_documents (review_id, folder_section, title, file_name, content_type, size_bytes,"
    " sha256, content, meeting_id, added_by_id)"
    " VALUES (:review, :section, :title, :file_name, :content_type, :size, :sha256, :content, :meeting, :account)"
    " RETURNING id")


@dataclass(frozen=True)
class Case:
    review_id: int
    account_id: int


def _review(session: Session, account: Account, initials: str = "AB") -> int:
    return open_review(session, account, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                       csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                       children=[ChildEntry(initials, 4)], as_of=RECEIVED).id


@pytest.fixture
def case(session: Session, make_account: MakeAccount) -> Case:
    officer = make_account("officer")
    return Case(_review(session, officer), officer.id)


def _row(case: Case, **changes: object) -> dict[str, object]:
    content = changes.pop("content", PDF)
    assert isinstance(content, bytes)
    row: dict[str, object] = dict(review=case.review_id, section="II", title="Minutes", file_name="minutes.pdf",
                                  content_type="application/pdf", size=len(content),
                                  sha256=hashlib.sha256(content).hexdigest(), content=content, meeting=None,
                                  account=case.account_id)
    row.update(changes)
    return row


def _insert(session: Session, row: dict[str, object]) -> int:
    return int(session.execute(INSERT, row).scalar_one())


def test_a_plain_pdf_row_is_kept_with_its_bytes(session: Session, case: Case) -> None:
    document_id = _insert(session, _row(case))
    assert session.execute(text("SELECT content, size_bytes FROM case_folder_documents WHERE id = :id"),
                           {"id": document_id}).one() == (PDF, 50)


@pytest.mark.parametrize("changes, constraint", [
    (dict(content=b"%PDF-1.4\n" + b"0" * (LIMIT + 1 - 9)), "folder_document_size_limit"),  # 10 MiB and one byte
    (dict(content=b""), "folder_document_size_limit"),
    (dict(section="V"), "folder_document_section_known"),
    (dict(section="i"), "folder_document_section_known"),
    (dict(content_type="application/x-msdownload"), "folder_document_type_known"),
    (dict(title="   "), "folder_document_title_not_blank"),
    (dict(file_name="../minutes.pdf"), "folder_document_file_name_plain"),
    (dict(file_name="C:\\minutes.pdf"), "folder_document_file_name_plain"),
    (dict(size=47), "folder_document_size_matches"),
    (dict(sha256="0" * 64), "folder_document_sha256_matches"),
], ids=["too-big", "empty", "section-V", "section-lower-case", "exe", "blank-title", "folder-in-name",
        "backslash-in-name", "size-not-content", "sha256-not-content"])
def test_the_database_refuses_a_row_the_services_never_write(session: Session, case: Case,
                                                             changes: dict[str, object], constraint: str) -> None:
    with pytest.raises(DBAPIError, match=constraint), session.begin_nested():
        _insert(session, _row(case, **changes))


def test_the_limit_itself_is_accepted(session: Session, case: Case) -> None:
    at_limit = b"%PDF-1.4\n" + b"0" * (LIMIT - 9)
    document_id = _insert(session, _row(case, content=at_limit))
    assert session.scalar(text("SELECT size_bytes FROM case_folder_documents WHERE id = :id"),
                          {"id": document_id}) == LIMIT


def test_minutes_name_a_meeting_of_the_same_review(session: Session, case: Case) -> None:
    officer = session.get(Account, case.account_id)
    assert officer is not None
    other_review = _review(session, officer, "CD")
    police = Agency(name="Demoshire Police", kind="police", active=True)
    session.add(police)
    session.flush()
    meeting = record_meeting(session, officer, review_id=other_review, kind="rr_meeting", held_on=date(2026, 12, 30),
                             agency_ids=[police.id], chair_name="JCR Chair", as_of=date(2026, 12, 30))
    with pytest.raises(DBAPIError, match=f"meeting {meeting.id} is not a meeting of review {case.review_id}"), \
            session.begin_nested():
        _insert(session, _row(case, meeting=meeting.id))
    assert _insert(session, _row(case, review=other_review, meeting=meeting.id)) > 0


def test_a_document_is_added_in_the_acting_accounts_name(session: Session, case: Case,
                                                         make_account: MakeAccount) -> None:
    other = make_account("officer")
    with session.begin_nested():
        act_as(session, other.id, via="page")
        with pytest.raises(DBAPIError, match="added by the account acting"), session.begin_nested():
            _insert(session, _row(case))
        assert _insert(session, _row(case, account=other.id)) > 0


def test_only_one_removal_with_a_reason_changes_a_document(session: Session, case: Case) -> None:
    document_id = _insert(session, _row(case))
    params = {"id": document_id, "by": case.account_id}
    for statement, refusal in [
        ("UPDATE case_folder_documents SET title = 'Changed' WHERE id = :id", "only its removal can be recorded"),
        ("UPDATE case_folder_documents SET folder_section = 'III' WHERE id = :id", "only its removal"),
        ("UPDATE case_folder_documents SET removed_at = now() WHERE id = :id", "folder_document_removal_complete"),
        ("UPDATE case_folder_documents SET removed_at = now(), removed_by_id = :by, removed_reason = ' '"
         " WHERE id = :id", "folder_document_removal_reason_not_blank"),
    ]:
        with pytest.raises(DBAPIError, match=refusal), session.begin_nested():
            session.execute(text(statement), params)
    session.execute(text("UPDATE case_folder_documents SET removed_at = now(), removed_by_id = :by,"
                         " removed_reason = 'Uploaded to the wrong review.' WHERE id = :id"), params)
    with pytest.raises(DBAPIError, match="was removed: it is kept as it was"), session.begin_nested():
        session.execute(text("UPDATE case_folder_documents SET removed_reason = 'Another reason.' WHERE id = :id"),
                        params)
    assert session.execute(text("SELECT removed_reason, content FROM case_folder_documents WHERE id = :id"),
                           params).one() == ("Uploaded to the wrong review.", PDF)
    with pytest.raises(DBAPIError, match="added first"), session.begin_nested():
        session.execute(text(
            "INSERT INTO case_folder_documents (review_id, folder_section, title, file_name, content_type,"
            " size_bytes, sha256, content, added_by_id, removed_at, removed_by_id, removed_reason)"
            " SELECT review_id, folder_section, title, file_name, content_type, size_bytes, sha256, content,"
            " added_by_id, removed_at, removed_by_id, removed_reason FROM case_folder_documents WHERE id = :id"),
            params)


@pytest.mark.parametrize("statement", ["DELETE FROM case_folder_documents", "TRUNCATE case_folder_documents"])
def test_the_app_role_may_not_delete_a_document(session: Session, case: Case, statement: str) -> None:
    _insert(session, _row(case))
    with pytest.raises(DBAPIError, match="permission denied"), session.begin_nested():
        session.execute(text(statement))


def test_the_app_roles_grants_on_the_table(owner_url: str) -> None:
    owner = create_engine(owner_url)
    with owner.connect() as conn:
        granted = conn.scalar(text(
            "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.role_table_grants"
            " WHERE table_name = 'case_folder_documents' AND grantee LIKE 'rrt\\_app%'"))
    owner.dispose()
    assert granted == "INSERT,SELECT,UPDATE"


@pytest.fixture
def owner_session(owner_url: str) -> Iterator[tuple[Session, Connection]]:
    """A session as the owner of the tables, rolled back after the test."""
    owner = create_engine(owner_url)
    with owner.connect() as conn:
        outer = conn.begin()
        yield Session(bind=conn, join_transaction_mode="create_savepoint"), conn
        outer.rollback()
    owner.dispose()


@pytest.mark.parametrize("statement, refusal", [
    ("DELETE FROM case_folder_documents", "never deleted"),
    ("TRUNCATE case_folder_documents CASCADE", "never deleted"),
    ("UPDATE case_folder_documents SET content = content || 'x'::bytea, size_bytes = size_bytes + 1,"
     " sha256 = encode(sha256(content || 'x'::bytea), 'hex')", "only its removal can be recorded"),
])
def test_the_trigger_refuses_the_owner_too(owner_session: tuple[Session, Connection], statement: str,
                                           refusal: str) -> None:
    session, conn = owner_session
    officer = Account(username="folder-owner-probe", display_name="Probe", roles=["officer"], active=True,
                      password_hash="x", failed_attempts=0)
    session.add(officer)
    session.flush()
    review_id = _review(session, officer)
    upload_case_document(session, officer, review_id=review_id, folder_section="I", title="Notification email",
                         file_name="notification.pdf", data=PDF)
    session.flush()
    with pytest.raises(DBAPIError, match=refusal), conn.begin_nested():
        conn.execute(text(statement))


def test_the_history_keeps_the_bytes_as_their_sha256(session: Session, case: Case) -> None:
    document_id = _insert(session, _row(case))
    new_row = session.scalar(text(
        "SELECT new_row FROM record_history WHERE table_name = 'case_folder_documents' AND row_key = :key"
        " AND operation = 'INSERT'"), {"key": str(document_id)})
    assert new_row["content"] == "sha256:" + hashlib.sha256(PDF).hexdigest()
    assert new_row["review_id"] == case.review_id
