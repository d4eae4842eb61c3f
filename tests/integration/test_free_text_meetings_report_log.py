"""Issue 11 for meetings, the report and the daily log, on a real PostgreSQL: every free-text argument goes
through services.text (a hidden control character or an over-long value is refused with a sentence, never a
database error), and text already stored with characters XML cannot hold still exports and still builds the
Word file."""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Protocol, Unpack

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review
from db.models_report import Meeting, ReportSection
from db.models_returns import AgencyReturn
from services.daily_log.exports import export_log_csv, export_log_xlsx
from services.daily_log.reads import search_log
from services.daily_log.rules import LogFilters
from services.daily_log.service import add_log_entry
from services.errors import InvalidInput
from services.meetings.reads import MeetingRecord
from services.meetings.service import record_meeting, update_meeting
from services.report.reads import get_version_file
from services.report.service import make_draft, record_lcspr_decision, save_section
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import LogEntryFields, MeetingFields

D = date
RECEIVED = D(2026, 12, 18)
HELD = D(2026, 12, 31)
AS_OF = D(2027, 1, 8)
HIDDEN = "".join(chr(c) for c in range(1, 9)) + "\v"  # \x01-\x08 and Word's Shift+Enter, as already stored


class LogRead(Protocol):
    """A read of the daily log by its filters: search_log, export_log_csv or export_log_xlsx."""

    def __call__(self, session: Session, actor: Account | None, /, *, filters: LogFilters) -> object: ...


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    agencies = [Agency(name=name, kind="health", active=True) for name in ("GP practices", "Demoshire Police")]
    session.add_all(agencies)
    session.flush()
    review = open_review(session, officer, notification_type="serious_harm", incident_date=D(2026, 12, 14),
                         csc_aware_date=D(2026, 12, 15), notification_received_date=RECEIVED,
                         children=[ChildEntry("AB", 4)], as_of=RECEIVED)
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies],
                             requested_on=RECEIVED, as_of=RECEIVED)
    return review


def _meeting(session: Session, officer: Account, review: Review, **changes: Unpack[MeetingFields]) -> MeetingRecord:
    values: MeetingFields = {"review_id": review.id, "kind": "rr_meeting", "held_on": HELD,
                             "agency_ids": list(session.scalars(select(Agency.id))), "chair_name": "Charlie Chair",
                             "minute_taker_name": "", "decisions": "Agreed.", "as_of": AS_OF}
    values.update(changes)
    return record_meeting(session, officer, **values)


# ---------------------------------------------------------------- the gate


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(chair_name="Charlie\x00Chair"), r"The chair's name contains a hidden control character \(U\+0000"),
        (dict(minute_taker_name="Min\x07"), r"The minute-taker's name contains a hidden control character \(U\+0007"),
        (dict(decisions="Agreed\x1b[31m."),
         r"The record of the meeting's decisions contains a hidden control character"),
        (dict(chair_name="C" * 121), r"The chair's name is 121 characters long; it can be at most 120"),
        (dict(decisions="d" * 8001),
         r"The record of the meeting's decisions is 8,001 characters long; it can be at most 8,000"),
        (dict(chair_name=" \n\t "), r"Give the chair's name\."),
    ],
)
def test_a_meetings_free_text_is_refused_with_a_sentence(session: Session, officer: Account, review: Review,
                                                         changes: MeetingFields, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _meeting(session, officer, review, **changes)
    assert session.scalars(select(Meeting)).all() == []


def test_a_meetings_text_is_stored_as_cleaned_and_an_edit_goes_through_the_gate_too(session: Session, officer: Account,
                                                                                    review: Review) -> None:
    meeting = _meeting(session, officer, review, chair_name="  Charlie \t  Chair ",
                       decisions="First line\vsecond line\u2028third   ")
    assert (meeting.chair_name, meeting.decisions) == ("Charlie Chair", "First line\nsecond line\nthird")
    with pytest.raises(InvalidInput,
                       match="The record of the meeting's decisions contains a hidden control character"):
        update_meeting(session, officer, meeting_id=meeting.id, expected_version=meeting.version,
                       agency_ids=meeting.agency_ids, chair_name="Charlie Chair", minute_taker_name="",
                       minutes_circulated_on=None, decisions="Changed\x00", as_of=AS_OF)
    with pytest.raises(InvalidInput, match="minute-taker's name is 200 characters long"):
        update_meeting(session, officer, meeting_id=meeting.id, expected_version=meeting.version,
                       agency_ids=meeting.agency_ids, chair_name="Charlie Chair", minute_taker_name="m" * 200,
                       minutes_circulated_on=None, decisions="Agreed.", as_of=AS_OF)


def test_report_sections_and_the_lcspr_reasons_go_through_the_gate(session: Session, officer: Account,
                                                                   review: Review) -> None:
    with pytest.raises(InvalidInput, match=r"The text of section 7 \(Learning identified, good practice included\) "
                                           r"contains a hidden control character \(U\+0000"):
        save_section(session, officer, review_id=review.id, section_key="learning", text="Learn\x00ing",
                     expected_version=0)
    with pytest.raises(InvalidInput, match="The reasons for the LCSPR decision contains a hidden control character"):
        record_lcspr_decision(session, officer, review_id=review.id, expected_version=review.version,
                              decision=False, reason="Not met\x01.")
    with pytest.raises(InvalidInput, match="reasons for the LCSPR decision is 4,001 characters long"):
        record_lcspr_decision(session, officer, review_id=review.id, expected_version=review.version,
                              decision=False, reason="r" * 4001)
    with pytest.raises(InvalidInput, match="U\\+202E"):
        save_section(session, officer, review_id=review.id, section_key="learning", text="abc\u202edef",
                     expected_version=0)
    saved = save_section(session, officer, review_id=review.id, section_key="learning", text="- one\v- two\r\n",
                         expected_version=0)
    assert saved.text == "- one\n- two"
    assert session.scalars(select(ReportSection.text)).all() == ["- one\n- two"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(text="Called\x00 the GP."), r"The entry contains a hidden control character \(U\+0000"),
        (dict(text="x" * 4001), r"The entry is 4,001 characters long; it can be at most 4,000\. .*case folder"),
        (dict(folder_section="I", file_path="Scoping/\x00form.docx"), "The file path contains a hidden control"),
        (dict(folder_section="I", file_path="p" * 501), "The file path is 501 characters long; it can be at most 500"),
    ],
)
def test_a_log_entry_is_refused_with_a_sentence(session: Session, officer: Account, review: Review,
                                                changes: LogEntryFields, message: str) -> None:
    before = session.scalar(select(LogEntry.id).order_by(LogEntry.id.desc()).limit(1))
    values: LogEntryFields = {"review_id": review.id, "category": "other", "text": "Something happened."}
    values.update(changes)
    with pytest.raises(InvalidInput, match=message):
        add_log_entry(session, officer, **values)
    assert session.scalar(select(LogEntry.id).order_by(LogEntry.id.desc()).limit(1)) == before


def test_a_log_entry_and_its_path_are_stored_as_cleaned(session: Session, officer: Account, review: Review) -> None:
    row = add_log_entry(session, officer, review_id=review.id, category="other", text="  Called\vthe GP.  ",
                        folder_section="I", file_path="  Scoping/\tPolice form.docx \n")
    assert (row.text, row.file_path) == ("Called\nthe GP.", "Scoping/ Police form.docx")


@pytest.mark.parametrize("service", [search_log, export_log_csv, export_log_xlsx])
@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("police\x00", r"The search box contains a hidden control character \(U\+0000"),
        ("w" * 201, "The search box is 201 characters long; it can be at most 200"),
    ],
)
def test_the_search_box_refuses_a_nul_byte_with_a_sentence_not_a_database_error(
        session: Session, officer: Account, review: Review, service: LogRead, words: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        service(session, officer, filters=LogFilters(review_id=review.id, words=words))


# ---------------------------------------------------------------- text already stored


def _store_hidden_characters(session: Session, review: Review) -> None:
    """What an older version let in: written straight into the tables, as the gate would now refuse it."""
    session.execute(text("INSERT INTO daily_log (review_id, author_id, category, text, folder_section, file_path, "
                         "by_system) SELECT :review, author_id, 'other', :text, 'I', :path, false FROM daily_log "
                         "WHERE review_id = :review LIMIT 1"),
                    {"review": review.id, "text": f"Stored{HIDDEN}entry", "path": f"Scoping/{HIDDEN}.docx"})
    session.execute(text("INSERT INTO report_sections (review_id, section_key, text, updated_by_id) "
                         "SELECT :review, 'learning', :text, author_id FROM daily_log WHERE review_id = :review "
                         "LIMIT 1"), {"review": review.id, "text": f"Learning{HIDDEN}here"})
    session.execute(text("UPDATE agency_returns SET summary = :text WHERE review_id = :review"),
                    {"review": review.id, "text": f"Summary{HIDDEN}kept"})
    session.execute(text("UPDATE reviews SET lcspr_decision = false, lcspr_reason = :text WHERE id = :review"),
                    {"review": review.id, "text": f"Reason{HIDDEN}given"})
    session.execute(text("UPDATE agencies SET name = name || :tail"), {"tail": "\x02"})
    session.expire_all()


def test_the_daily_log_exports_text_already_stored_with_characters_xml_cannot_hold(session: Session, officer: Account,
                                                                                   review: Review) -> None:
    _store_hidden_characters(session, review)
    workbook = load_workbook(io.BytesIO(export_log_xlsx(session, officer, filters=LogFilters(review_id=review.id))))
    rows = list(workbook["Daily log"].iter_rows(values_only=True))
    assert rows[1][5] == "Stored" + "\ufffd" * 8 + "\nentry"
    assert rows[1][7] == "Scoping/" + "\ufffd" * 8 + "\n.docx"
    exported = list(csv.reader(io.StringIO(export_log_csv(session, officer, filters=LogFilters(review_id=review.id))
                                           .decode("utf-8-sig"))))
    assert exported[1][5] == "Stored" + "\ufffd" * 8 + "\nentry"
    assert not any(ch in cell for row in exported for cell in row for ch in HIDDEN)


def test_the_word_file_builds_from_text_already_stored_with_characters_xml_cannot_hold(
        session: Session, officer: Account, review: Review) -> None:
    _store_hidden_characters(session, review)
    made = make_draft(session, officer, review_id=review.id, as_of=AS_OF)
    body = "\n".join(p.text for p in Document(io.BytesIO(
        get_version_file(session, officer, version_id=made.version.id).data)).paragraphs)
    assert "Learning" + "\ufffd" * 8 in body and "Summary" + "\ufffd" * 8 in body
    assert "Reason" + "\ufffd" * 8 in body and "Demoshire Police\ufffd" in body
    assert not any(ch in body for ch in HIDDEN[:-1])
    summary = session.scalars(select(AgencyReturn.summary)).first()
    assert summary is not None and summary.startswith("Summary\x01")  # stored text unchanged
