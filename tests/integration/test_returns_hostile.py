"""Agency returns against careless and hostile input (issue 11): the free-text gate on every step, date bounds,
stale saves, and exports of text already stored with characters a file cannot hold."""
import csv
import io
from collections.abc import Callable
from datetime import date
from typing import TypedDict, Unpack

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.enums import ReviewState
from db.models import Account, Review
from db.models_returns import AgencyReturn
from services.errors import InvalidInput, StaleRecord
from services.returns.exports import export_checklist
from services.returns.service import (
    record_file_location,
    record_returns_requested,
    record_summary,
    set_return_agreed_date,
)
from services.returns.service_receipts import record_resubmission_received
from tests.integration.test_returns import (
    FRI_18_DEC,
    TUE_22_DEC,
    WED_23_DEC,
    D,
    _agencies,
    _check,
    _qa,
    _receive,
    _review,
)


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    """A review received Fri 18 Dec 2026."""
    return _review(session, officer)


@pytest.fixture
def ret(session: Session, officer: Account, review: Review) -> AgencyReturn:
    """One return from Agency 1, requested Fri 18 Dec 2026."""
    return record_returns_requested(session, officer, review_id=review.id, agency_ids=[_agencies(session)[0].id],
                                    requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]


class AgreedDateFields(TypedDict, total=False):
    """set_return_agreed_date's keyword arguments a test may set (the return's id aside)."""

    expected_version: int | None
    agreed_on: date | None
    reason: str


def _agree(session: Session, actor: Account, ret: AgencyReturn, **overrides: Unpack[AgreedDateFields]) -> AgencyReturn:
    kwargs: AgreedDateFields = {"expected_version": ret.version, "agreed_on": D(2027, 1, 8),
                                "reason": "Later date agreed with the agency."}
    kwargs.update(overrides)
    return set_return_agreed_date(session, actor, return_id=ret.id, **kwargs)


def test_a_summary_with_a_vertical_tab_is_stored_with_a_new_line(session: Session, officer: Account,
                                                                 ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="Known.\vTwice. ")
    assert ret.summary == "Known.\nTwice."


# One step on a return, by the acting account.
ReturnStep = Callable[[Session, Account, AgencyReturn], AgencyReturn]


@pytest.mark.parametrize(("call", "label"), [
    (lambda s, a, r: record_summary(s, a, return_id=r.id, expected_version=r.version, summary="a\x00b"), "summary"),
    (lambda s, a, r: record_file_location(s, a, return_id=r.id, expected_version=r.version, file_section="I",
                                          file_path="I/\x1breturn.docx"), "file location"),
    (lambda s, a, r: _check(s, a, r, outcome="concerns", note="thin\x07"), "note of the initial check"),
])
def test_control_characters_are_refused_with_a_sentence_naming_the_field(session: Session, officer: Account,
                                                                         ret: AgencyReturn, call: ReturnStep,
                                                                         label: str) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match=f"The {label} contains a hidden control character"):
        call(session, officer, ret)


def test_a_signatory_role_goes_through_the_gate(session: Session, officer: Account, ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match="The signatory's role is 121 characters long; it can be at most 120"):
        _receive(session, officer, ret, signatory_role="r" * 121)
    with pytest.raises(InvalidInput, match="signatory's role contains a hidden control character"):
        _receive(session, officer, ret, signatory_role="Head\x00of Service")
    _receive(session, officer, ret, signatory_role="  Head \n of   Service ")
    assert ret.signatory_role == "Head of Service"


def test_limits_are_counted_after_cleaning(session: Session, officer: Account, manager: Account,
                                           ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match="The summary is 4,001 characters long; it can be at most 4,000"):
        record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="s" * 4001)
    record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary=" " + "s" * 4000 + " ")
    with pytest.raises(InvalidInput, match="The file location is 501 characters long; it can be at most 500"):
        record_file_location(session, officer, return_id=ret.id, expected_version=ret.version, file_section="I",
                             file_path="p" * 501)
    record_file_location(session, officer, return_id=ret.id, expected_version=ret.version, file_section="I",
                         file_path=" I/Police\n return.docx ")
    assert ret.file_path == "I/Police return.docx"
    _check(session, officer, ret)
    with pytest.raises(InvalidInput, match="reason for sending it back is 2,001 characters long"):
        _qa(session, manager, ret, outcome="sent back", reason="r" * 2001, new_due_date=D(2027, 1, 4))


def test_a_stale_summary_save_is_refused(session: Session, officer: Account, manager: Account,
                                         ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    read_by_both = ret.version
    record_summary(session, manager, return_id=ret.id, expected_version=read_by_both, summary="The manager's.")
    with pytest.raises(StaleRecord, match="The return from Agency 1 was changed by someone else"):
        record_summary(session, officer, return_id=ret.id, expected_version=read_by_both, summary="The officer's.")
    assert ret.summary == "The manager's."


def test_a_stale_agreed_date_is_refused(session: Session, manager: Account, ret: AgencyReturn) -> None:
    read_by_both = ret.version
    _agree(session, manager, ret, expected_version=read_by_both)
    with pytest.raises(StaleRecord):
        _agree(session, manager, ret, expected_version=read_by_both, agreed_on=D(2027, 1, 11))
    assert ret.agreed_due_date == D(2027, 1, 8)


# ------------------------------------------------------------------ date bounds (received Fri 18 Dec 2026)


@pytest.mark.parametrize(("agreed_on", "message"), [
    (D(1900, 1, 1), r"cannot be before the scoping form was sent"),
    (D(2027, 12, 19), r"agreed date \(19 Dec 2027\) is more than a year after the notification was received "
                      r"\(18 Dec 2026\): give a date on or before 18 Dec 2027"),
    (D(2100, 1, 1), r"agreed date \(01 Jan 2100\) is more than a year after"),
])
def test_a_returns_agreed_date_outside_the_window_is_refused(session: Session, manager: Account, ret: AgencyReturn,
                                                             agreed_on: date, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _agree(session, manager, ret, agreed_on=agreed_on)
    assert ret.agreed_due_date is None


def test_a_returns_agreed_date_on_the_last_day_of_the_window_is_kept(session: Session, manager: Account,
                                                                     ret: AgencyReturn) -> None:
    # The window ends Sat 18 Dec 2027, a year after the notification; an agreed date is a working day (issue 26),
    # so its last working day, Fri 17 Dec 2027, is kept.
    _agree(session, manager, ret, agreed_on=D(2027, 12, 17))
    assert ret.agreed_due_date == D(2027, 12, 17)


def test_no_agreed_date_for_a_return_of_a_submitted_review(session: Session, manager: Account, review: Review,
                                                           ret: AgencyReturn) -> None:
    review.state, review.submitted_to_panel_date = ReviewState.SUBMITTED, D(2027, 1, 12)
    session.flush()
    with pytest.raises(InvalidInput, match="was submitted to the Panel on 12 Jan 2027; a date can no longer be "
                                           "agreed for its returns"):
        _agree(session, manager, ret)


def test_no_agreed_date_for_a_return_of_a_closed_review(session: Session, manager: Account, review: Review,
                                                        ret: AgencyReturn) -> None:
    review.state, review.submitted_to_panel_date, review.panel_response_date = (
        ReviewState.CLOSED, D(2027, 1, 12), D(2027, 1, 20))
    session.flush()
    with pytest.raises(InvalidInput, match="is closed: its returns can no longer be changed"):
        _agree(session, manager, ret)


@pytest.mark.parametrize(("new_due", "message"), [
    (D(2100, 1, 1), r"new due date \(01 Jan 2100\) is more than a year after the notification was received"),
    (D(2027, 12, 19), r"give a date on or before 18 Dec 2027"),
])
def test_a_new_due_date_outside_the_window_is_refused(session: Session, officer: Account, manager: Account,
                                                      ret: AgencyReturn, new_due: date, message: str) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    with pytest.raises(InvalidInput, match=message):
        _qa(session, manager, ret, outcome="sent back", reason="Add the dates.", new_due_date=new_due)
    assert ret.final_qa_outcome is None


def test_a_new_due_date_a_year_after_is_kept_and_the_resubmission_follows(session: Session, officer: Account,
                                                                          manager: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    # The last working day of the year's window (Sat 18 Dec 2027 is not one: issue 26).
    _qa(session, manager, ret, outcome="sent back", reason="Add the dates.", new_due_date=D(2027, 12, 17))
    record_resubmission_received(session, officer, return_id=ret.id, expected_version=ret.version,
                                 received_on=WED_23_DEC, signed_by_senior_manager=False, as_of=WED_23_DEC)
    assert ret.resubmission_due_date == D(2027, 12, 17)


# ------------------------------------------------------------------ exports of stored text


def test_the_checklist_exports_text_already_stored_with_control_characters(session: Session, officer: Account,
                                                                           review: Review, ret: AgencyReturn) -> None:
    _receive(session, officer, ret, on=TUE_22_DEC)
    record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="One\vtwo")
    # Stored before the gate existed (or by hand): characters XML cannot hold, and a formula.
    session.execute(text("UPDATE agency_returns SET signatory_role = :role, file_section = 'I', "
                         "file_path = :path WHERE id = :id"),
                    {"role": "=HYPERLINK(\"x\")\x01", "path": "I/\x0bpath\x1f", "id": ret.id})
    session.expire_all()
    xlsx = export_checklist(session, officer, review_id=review.id, as_of=WED_23_DEC, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert isinstance(sheet, Worksheet)
    values = {c.value for c in sheet[4]}
    assert "One\ntwo" in values and "I: I/\npath\ufffd" in values
    assert 'yes (=HYPERLINK("x")\ufffd)' in values
    csv_file = export_checklist(session, officer, review_id=review.id, as_of=WED_23_DEC, file_format="csv")
    row = next(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert row["Summary of involvement and learning"] == "One\ntwo"
    assert row["File location"] == "I: I/\npath\ufffd"
    assert FRI_18_DEC.isoformat() == row["Requested"]


def test_the_formula_guard_still_holds_after_printable(session: Session, officer: Account, review: Review,
                                                       ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="=1+1")
    xlsx = export_checklist(session, officer, review_id=review.id, as_of=WED_23_DEC, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert isinstance(sheet, Worksheet)
    cell = sheet.cell(4, 22)
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    csv_file = export_checklist(session, officer, review_id=review.id, as_of=WED_23_DEC, file_format="csv")
    assert next(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))[
        "Summary of involvement and learning"] == "'=1+1"
