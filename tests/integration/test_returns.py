"""Agency returns on a real PostgreSQL: each step, each refusal, the database's own rules, roles, concurrent
saves, the review's RAG, the milestone, chasing and the exports."""
from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import TypedDict, Unpack

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from db.models import Account, Agency, LogEntry, Review, ReviewMilestone
from db.models_returns import AgencyReturn, AgencyReturnChase, AgencyReturnSendBack
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.milestones import complete_milestone
from services.rag import Rag
from services.returns.chasing import chase_email, chase_emails, record_chase, send_back_email
from services.returns.exports import CHECKLIST_COLUMNS, checklist_table, export_checklist
from services.returns.reads import list_outstanding_returns, list_returns, returns_received_counts
from services.returns.rules import Stage
from services.returns.service import (
    record_file_location,
    record_final_qa,
    record_initial_check,
    record_returns_requested,
    record_shared_with_chair,
    record_summary,
    set_return_agreed_date,
)
from services.returns.service_receipts import record_resubmission_received, record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done
from services.reviews.status import get_review_status, list_live_reviews
from tests.types import MakeAccount

D = date
FRI_18_DEC = D(2026, 12, 18)        # notification received, Day 1; forms sent, due Tue 29 Dec
MON_21_DEC = D(2026, 12, 21)
TUE_22_DEC = D(2026, 12, 22)
WED_23_DEC = D(2026, 12, 23)
TUE_29_DEC = D(2026, 12, 29)
WED_30_DEC = D(2026, 12, 30)


class ReceiptFields(TypedDict, total=False):
    """record_return_received's keyword arguments a test may set (the return's id aside)."""

    expected_version: int | None
    received_on: date | None
    signed_by_senior_manager: bool | None
    signatory_role: str
    as_of: date


class CheckFields(TypedDict, total=False):
    """record_initial_check's keyword arguments a test may set (the return's id aside)."""

    expected_version: int | None
    checked_on: date | None
    sufficient_information: bool | None
    dates_present: bool | None
    analysis: bool | None
    signed: bool | None
    outcome: str | None
    note: str
    as_of: date


class QaFields(TypedDict, total=False):
    """record_final_qa's keyword arguments a test may set (the return's id aside)."""

    expected_version: int | None
    decided_on: date | None
    outcome: str | None
    reason: str
    new_due_date: date | None
    as_of: date


class AgreeFields(TypedDict, total=False):
    """What _agree lets a test set: the date agreed (None clears it), the reason, the version read."""

    on: date | None
    reason: str
    expected_version: int | None


# The committed fixture: the engine, the two officers' ids, the return's id and its version.
Committed = tuple[Engine, int, int, int, int]


# ------------------------------------------------------------------ set-up


def _agencies(session: Session, n: int = 3) -> list[Agency]:
    rows = [Agency(name=f"Agency {i}", kind="health", contact_email=f"contact{i}@agency.example.org", active=True)
            for i in range(1, n + 1)]
    session.add_all(rows)
    session.flush()
    return rows


def _review(session: Session, officer: Account, received: date = FRI_18_DEC, initials: str = "AB") -> Review:
    return open_review(session, officer, notification_type="serious_harm", incident_date=received - timedelta(days=4),
                       csc_aware_date=received - timedelta(days=3), notification_received_date=received,
                       children=[ChildEntry(initials, 5)], as_of=received)


@pytest.fixture
def agencies(session: Session) -> list[Agency]:
    return _agencies(session)


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return _review(session, officer)


@pytest.fixture
def ret(session: Session, officer: Account, review: Review, agencies: list[Agency]) -> AgencyReturn:
    """One return, requested Fri 18 Dec 2026."""
    return record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[0].id],
                                    requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]


def _log(session: Session, ret_id: int) -> Sequence[LogEntry]:
    return session.scalars(select(LogEntry).where(LogEntry.agency_return_id == ret_id).order_by(LogEntry.id)).all()


def _receive(session: Session, actor: Account, ret: AgencyReturn, on: date = TUE_22_DEC,
             **kw: Unpack[ReceiptFields]) -> AgencyReturn:
    kwargs: ReceiptFields = {"expected_version": ret.version, "received_on": on, "signed_by_senior_manager": True,
                             "signatory_role": "Head of Service", "as_of": on}
    kwargs.update(kw)
    return record_return_received(session, actor, return_id=ret.id, **kwargs)


def _check(session: Session, actor: Account, ret: AgencyReturn, on: date = TUE_22_DEC,
           **kw: Unpack[CheckFields]) -> AgencyReturn:
    kwargs: CheckFields = {"expected_version": ret.version, "checked_on": on, "outcome": "satisfactory", "note": "",
                           "as_of": on, "sufficient_information": True, "dates_present": True, "analysis": True,
                           "signed": True}
    kwargs.update(kw)
    return record_initial_check(session, actor, return_id=ret.id, **kwargs)


def _qa(session: Session, actor: Account, ret: AgencyReturn, on: date = WED_23_DEC,
        **kw: Unpack[QaFields]) -> AgencyReturn:
    kwargs: QaFields = {"expected_version": ret.version, "decided_on": on, "outcome": "accepted", "as_of": on}
    kwargs.update(kw)
    return record_final_qa(session, actor, return_id=ret.id, **kwargs)


# ------------------------------------------------------------------ request


def test_request_makes_one_return_per_agency_due_in_five_working_days(session: Session, officer: Account,
                                                                      review: Review, agencies: list[Agency]) -> None:
    made = record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies],
                                    requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    assert len(made) == 3
    statuses = list_returns(session, officer, review_id=review.id, as_of=FRI_18_DEC)
    assert [s.agency_name for s in statuses] == ["Agency 1", "Agency 2", "Agency 3"]
    assert {s.due_date for s in statuses} == {TUE_29_DEC}
    assert {s.stage for s in statuses} == {Stage.AWAITING}
    entries = _log(session, made[0].id)
    assert [(e.category, e.text, e.author_id, e.review_id) for e in entries] == [
        ("communication", "Scoping form sent to Agency 1 on 18 Dec 2026; return due Tue 29 Dec 2026.", officer.id,
         review.id)
    ]
    counts = returns_received_counts(session, officer, review_ids=[review.id])[review.id]
    assert (counts.requested, counts.received, counts.accepted, counts.label) == (3, 0, 0, "0 of 3")


def test_a_second_return_for_the_same_agency_is_refused(session: Session, officer: Account, review: Review,
                                                        agencies: list[Agency],
                                                        ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match=r"Agency 1 was already asked for a return on review 181226AB \(sent 18 Dec "
                                           r"2026\)\. A review has one return per agency; nothing was saved\."):
        record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[1].id, agencies[0].id],
                                 requested_on=MON_21_DEC, as_of=MON_21_DEC)
    # Nothing at all was saved, not even the new agency listed first.
    assert session.scalar(select(AgencyReturn).where(AgencyReturn.agency_id == agencies[1].id)) is None


def test_the_database_refuses_a_second_return_for_the_same_agency(session: Session, officer: Account, review: Review,
                                                                  agencies: list[Agency], ret: AgencyReturn) -> None:
    with pytest.raises(IntegrityError, match="one_return_per_agency"), session.begin_nested():
        session.add(AgencyReturn(review_id=review.id, agency_id=agencies[0].id, requested_date=FRI_18_DEC,
                                 requested_by_id=officer.id, sent_back_count=0))
        session.flush()


@pytest.mark.parametrize(
    ("requested_on", "as_of", "message"),
    [
        (D(2026, 12, 17), FRI_18_DEC, "cannot be sent .* before the notification was received"),
        (MON_21_DEC, FRI_18_DEC, "cannot be in the future"),
        (None, FRI_18_DEC, "Give the date the scoping forms were sent"),
    ],
)
def test_request_date_rules(session: Session, officer: Account, review: Review, agencies: list[Agency],
                            requested_on: date | None,
                            as_of: date,
                            message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[0].id],
                                 requested_on=requested_on, as_of=as_of)


def test_request_needs_an_agency_and_an_active_one(session: Session, officer: Account, review: Review,
                                                   agencies: list[Agency]) -> None:
    with pytest.raises(InvalidInput, match="Choose at least one agency"):
        record_returns_requested(session, officer, review_id=review.id, agency_ids=[], requested_on=FRI_18_DEC,
                                 as_of=FRI_18_DEC)
    agencies[2].active = False
    with pytest.raises(InvalidInput, match="Agency 3 is no longer an active agency"):
        record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[2].id],
                                 requested_on=FRI_18_DEC, as_of=FRI_18_DEC)


# ------------------------------------------------------------------ receipt


def test_receipt_is_recorded_and_logged(session: Session, officer: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret, on=TUE_22_DEC)
    assert (ret.received_date, ret.signed_by_senior_manager, ret.signatory_role) == (
        TUE_22_DEC, True, "Head of Service")
    assert _log(session, ret.id)[-1].text == (
        "Return received from Agency 1 on 22 Dec 2026, on time (due 29 Dec 2026); "
        "signed by a senior manager (Head of Service).")
    assert _log(session, ret.id)[-1].category == "communication"


def test_a_late_receipt_says_how_late(session: Session, officer: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret, on=D(2026, 12, 31), signed_by_senior_manager=False, signatory_role="")
    assert ret.signatory_role is None
    assert "late (2 working days)" in _log(session, ret.id)[-1].text


def test_a_receipt_after_an_agreed_date_names_both_dates(session: Session, officer: Account, manager: Account,
                                                         ret: AgencyReturn) -> None:
    # On time is still measured against request + 5 working days (Tue 29 Dec); the agreed date is named beside it.
    _agree(session, manager, ret, on=TUE_5_JAN)
    _receive(session, officer, ret, on=D(2026, 12, 31), signed_by_senior_manager=False, signatory_role="")
    assert _log(session, ret.id)[-1].text == (
        "Return received from Agency 1 on 31 Dec 2026, late (2 working days) (due 29 Dec 2026; within the agreed "
        "date 05 Jan 2027); not signed by a senior manager.")


def test_a_late_resubmission_names_the_agreed_due_date(session: Session, officer: Account, manager: Account,
                                                       ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret, dates_present=False, outcome="concerns", note="No dates.")
    _qa(session, manager, ret, outcome="sent back", reason="Add the dates of contact.", new_due_date=D(2027, 1, 4))
    _agree(session, manager, ret, on=D(2027, 1, 8), reason="Agency lead on leave.")
    record_resubmission_received(session, officer, return_id=ret.id, expected_version=ret.version,
                                 received_on=D(2027, 1, 11), signed_by_senior_manager=False, signatory_role="",
                                 as_of=D(2027, 1, 11))
    assert _log(session, ret.id)[-1].text == (
        "Resubmitted return received from Agency 1 on 11 Jan 2027, late (agreed due date 08 Jan 2027); "
        "not signed by a senior manager.")
    assert (ret.signed_by_senior_manager, ret.signatory_role) == (False, None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(received_on=D(2026, 12, 17), as_of=TUE_22_DEC),
         r"The return cannot be received \(17 Dec 2026\) before it was requested \(18 Dec 2026\)"),
        (dict(received_on=WED_23_DEC, as_of=TUE_22_DEC), r"The date received \(23 Dec 2026\) cannot be in the future"),
        (dict(signed_by_senior_manager=None), "Say whether the return is signed by a senior manager"),
        (dict(signatory_role=""), "Give the role of the senior manager who signed it"),
    ],
)
def test_receipt_refusals(session: Session, officer: Account, ret: AgencyReturn, overrides: ReceiptFields,
                          message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _receive(session, officer, ret, **overrides)
    session.refresh(ret)
    assert ret.received_date is None and len(_log(session, ret.id)) == 1


def test_a_double_click_saves_once(session: Session, officer: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match="already recorded as received on 22 Dec 2026"):
        _receive(session, officer, ret, expected_version=None)
    assert [e.text[:24] for e in _log(session, ret.id)].count("Return received from Age") == 1


# ------------------------------------------------------------------ initial check and sharing


def test_a_quality_check_before_receipt_is_refused(session: Session, officer: Account, ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match="has not been received yet: record its receipt before its initial quality"):
        _check(session, officer, ret)


def test_initial_check_is_recorded_and_logged(session: Session, officer: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret, dates_present=False, outcome="concerns", note="No contact dates.")
    assert (ret.initial_check_date, ret.initial_check_outcome, ret.initial_checked_by_id) == (
        TUE_22_DEC, "concerns", officer.id)
    entry = _log(session, ret.id)[-1]
    assert entry.category == "quality check"
    assert entry.text == ("Initial quality check of the return from Agency 1 on 22 Dec 2026: concerns: not dates "
                          "present. Note: No contact dates.")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(checked_on=MON_21_DEC), r"initial check \(21 Dec 2026\) cannot be before the return was received"),
        (dict(analysis=False), "so the outcome cannot be satisfactory"),
        (dict(outcome="concerns"), "Say in the note what is missing"),
        (dict(signed=None), "Answer every question"),
    ],
)
def test_initial_check_refusals(session: Session, officer: Account, ret: AgencyReturn, overrides: CheckFields,
                                message: str) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match=message):
        _check(session, officer, ret, **overrides)


def test_checking_twice_is_refused(session: Session, officer: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    with pytest.raises(InvalidInput, match="already checked on 22 Dec 2026"):
        _check(session, officer, ret)


def test_shared_with_chair_same_day_and_late(session: Session, officer: Account, agencies: list[Agency], review: Review,
                                             ret: AgencyReturn) -> None:
    _receive(session, officer, ret, on=TUE_22_DEC)
    with pytest.raises(InvalidInput, match=r"cannot be shared .* before it was received"):
        record_shared_with_chair(session, officer, return_id=ret.id, expected_version=ret.version,
                                 shared_on=MON_21_DEC, as_of=TUE_22_DEC)
    record_shared_with_chair(session, officer, return_id=ret.id, expected_version=ret.version, shared_on=WED_23_DEC,
                             as_of=WED_23_DEC)
    assert "late (1 working day after receipt)" in _log(session, ret.id)[-1].text
    status = list_returns(session, officer, review_id=review.id, as_of=WED_23_DEC)[0]
    assert status.shared == "late (1 working day after receipt)"
    assert checklist_table([status])[0]["Shared on time"] == "late (1 working day after receipt)"


def test_sharing_before_receipt_is_refused(session: Session, officer: Account, ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match="record its receipt before sharing it with the JCR Chair"):
        record_shared_with_chair(session, officer, return_id=ret.id, expected_version=ret.version,
                                 shared_on=TUE_22_DEC, as_of=TUE_22_DEC)


# ------------------------------------------------------------------ final QA


def test_final_qa_before_the_initial_check_is_refused(session: Session, officer: Account, manager: Account,
                                                      ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match="initial quality check of the return from Agency 1 must be recorded before "
                                           "the final QA"):
        _qa(session, manager, ret)


def test_final_qa_is_the_managers(session: Session, officer: Account, chair: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    for who in (officer, chair):
        with pytest.raises(NotAllowed, match="Only a Partnership Manager may record the final quality assurance"):
            _qa(session, who, ret)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(outcome="sent back", reason="", new_due_date=D(2026, 12, 31)), "Say why the return is sent back"),
        (dict(outcome="sent back", reason="No dates.", new_due_date=None), "Give the new due date"),
        (dict(outcome="sent back", reason="No dates.", new_due_date=TUE_22_DEC),
         "cannot be before the day the return is sent back"),
        (dict(decided_on=MON_21_DEC, as_of=WED_23_DEC), "cannot be before the initial check"),
    ],
)
def test_final_qa_refusals(session: Session, officer: Account, manager: Account, ret: AgencyReturn,
                           overrides: QaFields, message: str) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    with pytest.raises(InvalidInput, match=message):
        _qa(session, manager, ret, **overrides)
    session.refresh(ret)
    assert ret.final_qa_outcome is None


def test_sent_back_resubmitted_checked_and_accepted(session: Session, officer: Account, manager: Account,
                                                    review: Review, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret, dates_present=False, outcome="concerns", note="No dates.")
    record_shared_with_chair(session, officer, return_id=ret.id, expected_version=ret.version, shared_on=TUE_22_DEC,
                             as_of=TUE_22_DEC)
    _qa(session, manager, ret, outcome="sent back", reason="Add the dates of contact.", new_due_date=D(2027, 1, 4))
    assert (ret.sent_back_count, ret.resubmission_due_date, ret.final_qa_by_id) == (1, D(2027, 1, 4), manager.id)
    assert _log(session, ret.id)[-1].text == ("Final QA: return from Agency 1 sent back (round 1) on 23 Dec 2026; new "
                                             "due date 04 Jan 2027. Reason: Add the dates of contact.")
    # The original due date has passed; the new one rules the RAG.
    status = list_returns(session, officer, review_id=review.id, as_of=WED_30_DEC)[0]
    assert (status.stage, status.rag) == (Stage.SENT_BACK, Rag.GREEN)
    with pytest.raises(InvalidInput, match="record what arrives now as the resubmission"):
        _receive(session, officer, ret, on=WED_30_DEC)
    with pytest.raises(InvalidInput, match="before it was sent back"):
        record_resubmission_received(session, officer, return_id=ret.id, expected_version=ret.version,
                                     received_on=TUE_22_DEC, signed_by_senior_manager=True, signatory_role="DCI",
                                     as_of=WED_30_DEC)
    record_resubmission_received(session, officer, return_id=ret.id, expected_version=ret.version,
                                 received_on=WED_30_DEC, signed_by_senior_manager=True, signatory_role="DCI",
                                 as_of=WED_30_DEC)
    assert _log(session, ret.id)[-1].text == (
        "Resubmitted return received from Agency 1 on 30 Dec 2026, on time (new due date 04 Jan 2027); "
        "signed by a senior manager (DCI).")
    assert (ret.received_date, ret.resubmission_received_date, ret.initial_check_date, ret.shared_with_chair_date,
            ret.final_qa_outcome) == (TUE_22_DEC, WED_30_DEC, None, None, None)
    status = list_returns(session, officer, review_id=review.id, as_of=D(2026, 12, 31))[0]
    assert (status.stage, status.rag) == (Stage.RECEIVED, Rag.RED)
    _check(session, officer, ret, on=WED_30_DEC, as_of=D(2026, 12, 31))
    _qa(session, manager, ret, on=D(2026, 12, 31))
    assert ret.final_qa_outcome == "accepted" and ret.sent_back_reason == "Add the dates of contact."
    assert [e.category for e in _log(session, ret.id)] == [
        "communication", "communication", "quality check", "communication", "quality check", "communication",
        "quality check", "quality check",
    ]


def test_every_send_back_round_is_kept_with_its_own_reason_and_dates(
        session: Session, officer: Account, manager: Account, review: Review, ret: AgencyReturn) -> None:
    """Issue 14: a return sent back twice keeps both rounds (the row itself holds only the last)."""
    _receive(session, officer, ret)
    _check(session, officer, ret, dates_present=False, outcome="concerns", note="No dates.")
    _qa(session, manager, ret, outcome="sent back", reason="Add the dates of contact.", new_due_date=D(2027, 1, 4))
    record_resubmission_received(session, officer, return_id=ret.id, expected_version=ret.version,
                                 received_on=WED_30_DEC, signed_by_senior_manager=True, signatory_role="DCI",
                                 as_of=WED_30_DEC)
    _check(session, officer, ret, on=WED_30_DEC, analysis=False, outcome="concerns", note="A chronology only.")
    _qa(session, manager, ret, on=D(2026, 12, 31), outcome="sent back", reason="Add your analysis, not a list.",
        new_due_date=D(2027, 1, 7))
    rows = session.scalars(select(AgencyReturnSendBack).where(AgencyReturnSendBack.agency_return_id == ret.id)
                           .order_by(AgencyReturnSendBack.round)).all()
    assert [(b.round, b.sent_back_on, b.reason, b.resubmission_due_date, b.sent_back_by_id) for b in rows] == [
        (1, WED_23_DEC, "Add the dates of contact.", D(2027, 1, 4), manager.id),
        (2, D(2026, 12, 31), "Add your analysis, not a list.", D(2027, 1, 7), manager.id),
    ]
    # The row keeps the last round; the read object and the export carry both.
    assert (ret.sent_back_count, ret.sent_back_reason) == (2, "Add your analysis, not a list.")
    status = list_returns(session, officer, review_id=review.id, as_of=D(2026, 12, 31))[0]
    assert [(b.round, b.sent_back_on, b.reason, b.sent_back_by_name) for b in status.ret.send_backs] == [
        (1, WED_23_DEC, "Add the dates of contact.", manager.display_name),
        (2, D(2026, 12, 31), "Add your analysis, not a list.", manager.display_name),
    ]
    assert checklist_table([status])[0]["Sent back (reason)"] == (
        "twice: 1) 23 Dec 2026: Add the dates of contact. (new due date 04 Jan 2027); "
        "2) 31 Dec 2026: Add your analysis, not a list. (new due date 07 Jan 2027)")
    assert [e.text.split(";")[0] for e in _log(session, ret.id) if "sent back (round" in e.text] == [
        "Final QA: return from Agency 1 sent back (round 1) on 23 Dec 2026",
        "Final QA: return from Agency 1 sent back (round 2) on 31 Dec 2026",
    ]


def test_accepting_every_return_completes_the_milestone(session: Session, officer: Account, manager: Account,
                                                        review: Review, agencies: list[Agency]) -> None:
    made = record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies[:2]],
                                    requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    milestone = session.scalars(select(ReviewMilestone).where(ReviewMilestone.review_id == review.id,
                                                              ReviewMilestone.key == "returns_accepted")).one()
    for i, r in enumerate(made):
        _receive(session, officer, r)
        _check(session, officer, r)
        _qa(session, manager, r, on=WED_23_DEC if i == 0 else D(2026, 12, 24))
        session.refresh(milestone)
        assert (milestone.done_date is None) == (i == 0)
    assert (milestone.done_date, milestone.done_by_id) == (D(2026, 12, 24), manager.id)
    assert milestone.note == "Completed automatically: every agency return accepted (2 of 2)."


# ------------------------------------------------------------------ filing, summary


def test_file_location_and_summary(session: Session, officer: Account, ret: AgencyReturn) -> None:
    with pytest.raises(InvalidInput, match="no return from Agency 1 to file yet"):
        record_file_location(session, officer, return_id=ret.id, expected_version=ret.version, file_section="I",
                             file_path="I/a.docx")
    with pytest.raises(InvalidInput, match="record the receipt first"):
        record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="x")
    _receive(session, officer, ret)
    record_file_location(session, officer, return_id=ret.id, expected_version=ret.version, file_section="i",
                         file_path=" I/Agency 1 return.docx ")
    entry = _log(session, ret.id)[-1]
    assert (entry.category, entry.folder_section, entry.file_path) == ("document filed", "I", "I/Agency 1 return.docx")
    with pytest.raises(InvalidInput, match="Nothing to save"):
        record_file_location(session, officer, return_id=ret.id, expected_version=ret.version, file_section="I",
                             file_path="I/Agency 1 return.docx")
    with pytest.raises(InvalidInput, match="Choose the case folder section"):
        record_file_location(session, officer, return_id=ret.id, expected_version=ret.version, file_section="V",
                             file_path="x")
    record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="Known to the GP.")
    record_summary(session, officer, return_id=ret.id, expected_version=ret.version, summary="Known to the GP twice.")
    assert ret.summary == "Known to the GP twice."
    assert _log(session, ret.id)[-1].text == "Summary of Agency 1's involvement and learning revised (5 words)."


# ------------------------------------------------------------------ the review's RAG and the lists


def _complete_day_one(session: Session, officer: Account, chair: Account, review: Review) -> None:
    for m in review.milestones:
        # 'Scoping forms sent' completed itself when the returns were requested (issue 14).
        if m.window_end_day == 1 and m.done_date is None:
            actor = chair if m.owner == "chair" else officer
            record_milestone_done(session, actor, milestone_id=m.id, done_on=FRI_18_DEC, as_of=FRI_18_DEC,
                                  exec_meeting_required=False if m.key == "exec_decision" else None)


def test_returns_count_towards_the_reviews_rag(session: Session, officer: Account, manager: Account, chair: Account,
                                               review: Review, ret: AgencyReturn) -> None:
    _complete_day_one(session, officer, chair, review)
    assert get_review_status(session, officer, review_id=review.id, as_of=FRI_18_DEC).status_label == "green"
    _receive(session, officer, ret, on=FRI_18_DEC)
    assert get_review_status(session, officer, review_id=review.id, as_of=FRI_18_DEC).status_label == "amber"
    # Not checked by the next working day: red, although every milestone is fine.
    assert get_review_status(session, officer, review_id=review.id, as_of=MON_21_DEC).status_label == "red"
    _check(session, officer, ret, on=MON_21_DEC)
    assert get_review_status(session, officer, review_id=review.id, as_of=MON_21_DEC).status_label == "green"
    live = {s.review.id: s for s in list_live_reviews(session, officer, as_of=MON_21_DEC)}
    assert live[review.id].rag is not Rag.RED


def test_a_late_return_makes_the_review_red_even_when_its_milestone_was_explained(session: Session, officer: Account,
                                                                                  chair: Account, review: Review,
                                                                                  ret: AgencyReturn) -> None:
    _complete_day_one(session, officer, chair, review)
    by_key = {m.key: m for m in review.milestones}
    # Issue 26: "returns accepted" follows the returns and cannot be ticked while one is open; the collation can.
    with pytest.raises(InvalidInput, match="is not ticked by hand"):
        record_milestone_done(session, officer, milestone_id=by_key["returns_accepted"].id, done_on=TUE_29_DEC,
                              as_of=TUE_29_DEC, note="Explained: the agency agreed a later date.")
    record_milestone_done(session, officer, milestone_id=by_key["returns_collated"].id, done_on=TUE_29_DEC,
                          as_of=TUE_29_DEC, note="Explained: the agency agreed a later date.")
    # Wed 30 Dec, Day 7: the meeting (Day 7-8) makes it amber at worst; the late return makes it red.
    status = get_review_status(session, officer, review_id=review.id, as_of=WED_30_DEC)
    assert [m.rag for m in status.milestones if m.milestone.key == "rr_meeting"] == [Rag.AMBER]
    assert status.status_label == "red"


def test_outstanding_returns_most_urgent_first(session: Session, officer: Account, manager: Account,
                                               agencies: list[Agency]) -> None:
    early = _review(session, officer, received=D(2026, 12, 14), initials="CD")
    late = _review(session, officer, received=FRI_18_DEC, initials="EF")
    a = record_returns_requested(session, officer, review_id=early.id, agency_ids=[agencies[0].id, agencies[1].id],
                                 requested_on=D(2026, 12, 14), as_of=D(2026, 12, 14))
    b = record_returns_requested(session, officer, review_id=late.id, agency_ids=[agencies[2].id],
                                 requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    # early/Agency 2 accepted: no longer outstanding; late/Agency 3 received today unchecked: amber.
    _receive(session, officer, a[1], on=D(2026, 12, 15))
    _check(session, officer, a[1], on=D(2026, 12, 15))
    _qa(session, manager, a[1], on=D(2026, 12, 15))
    _receive(session, officer, b[0], on=WED_23_DEC)
    outstanding = list_outstanding_returns(session, officer, as_of=WED_23_DEC)
    ours = [(s.case_reference, s.agency_name, s.rag) for s in outstanding if s.ret.id in {a[0].id, b[0].id}]
    assert ours == [("141226CD", "Agency 1", Rag.RED), ("181226EF", "Agency 3", Rag.AMBER)]
    assert a[1].id not in {s.ret.id for s in outstanding}


# ------------------------------------------------------------------ chasing


def test_chase_email_and_log(session: Session, officer: Account, review: Review, ret: AgencyReturn) -> None:
    email = chase_email(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert email.to == "contact1@agency.example.org"
    # The subject names the review by its outside reference: the case reference holds the child's initials.
    assert "181226AB" not in email.subject and "181226AB" in email.body
    assert f"Rapid Review 181226 no. {review.id}:" in email.subject and "Tue 29 Dec 2026" in email.subject
    assert "1 working day late" in email.body
    record_chase(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert _log(session, ret.id)[-1].text == ("Chased Agency 1 (contact1@agency.example.org) for the scoping return "
                                             "due 29 Dec 2026 (1 working day late).")
    with pytest.raises(InvalidInput, match="already logged a chase of Agency 1 today; it was not logged twice"):
        record_chase(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert len(session.scalars(select(AgencyReturnChase)).all()) == 1
    assert checklist_table(list_returns(session, officer, review_id=review.id, as_of=WED_30_DEC))[0]["Chased"] == (
        "1, last Wed 30 Dec 2026")


def test_the_chase_and_send_back_emails_copy_the_agencys_jcr_representative(session: Session, officer: Account,
                                                                            manager: Account, agencies: list[Agency],
                                                                            ret: AgencyReturn) -> None:
    agencies[0].jcr_rep_email = "jcr.rep@agency.example.org"
    session.flush()
    email = chase_email(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert (email.to, email.cc) == ("contact1@agency.example.org", "jcr.rep@agency.example.org")
    record_chase(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert _log(session, ret.id)[-1].text.startswith(
        "Chased Agency 1 (contact1@agency.example.org, copied to the JCR representative jcr.rep@agency.example.org)")
    with pytest.raises(InvalidInput, match="not waiting for a resubmission; there is no send-back to email"):
        send_back_email(session, officer, return_id=ret.id)
    _receive(session, officer, ret, on=WED_30_DEC)
    _check(session, officer, ret, on=WED_30_DEC)
    _qa(session, manager, ret, on=WED_30_DEC, outcome="sent back", reason="Add the dates.", new_due_date=D(2027, 1, 6))
    back = send_back_email(session, manager, return_id=ret.id)
    assert (back.to, back.cc) == ("contact1@agency.example.org", "jcr.rep@agency.example.org")
    assert "resubmission due Wed 06 Jan 2027" in back.subject and "What is needed: Add the dates." in back.body


def test_chase_emails_of_several_returns_in_one_read(session: Session, officer: Account, review: Review,
                                                     agencies: list[Agency],
                                                     ret: AgencyReturn) -> None:
    """The worklist's emails at once: each awaited return gets the same email as on its own; a received one none."""
    second = record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[1].id],
                                      requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]
    third = record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[2].id],
                                     requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]
    _receive(session, officer, third)
    emails = chase_emails(session, officer, return_ids=[ret.id, second.id, third.id], as_of=WED_30_DEC)
    assert set(emails) == {ret.id, second.id}
    assert emails[ret.id].to == "contact1@agency.example.org"
    assert emails[second.id].to == "contact2@agency.example.org"
    for email in emails.values():
        assert f"181226 no. {review.id}:" in email.subject and "Tue 29 Dec 2026" in email.subject
        assert "1 working day late" in email.body


def test_a_received_return_is_not_chased(session: Session, officer: Account, ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    with pytest.raises(InvalidInput, match="nothing to chase"):
        record_chase(session, officer, return_id=ret.id, as_of=WED_30_DEC)


# ------------------------------------------------------------------ exports


def test_exports_match_the_checklist(session: Session, officer: Account, manager: Account, review: Review,
                                     agencies: list[Agency],
                                     ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    _qa(session, manager, ret)
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[agencies[1].id],
                             requested_on=MON_21_DEC, as_of=MON_21_DEC)
    rows = checklist_table(list_returns(session, officer, review_id=review.id, as_of=WED_30_DEC))
    xlsx = export_checklist(session, officer, review_id=review.id, as_of=WED_30_DEC, file_format="xlsx")
    assert xlsx.file_name == "181226AB-agency-returns-2026-12-30.xlsx"
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert isinstance(sheet, Worksheet)
    assert [c.value for c in sheet[3]] == CHECKLIST_COLUMNS
    exported = [dict(zip(CHECKLIST_COLUMNS, (c.value for c in r), strict=False)) for r in sheet.iter_rows(min_row=4)]

    def normalise(v: object) -> object:
        return v.date() if isinstance(v, datetime) else (v if v is not None else "")

    assert [{k: normalise(v) for k, v in r.items()} for r in exported] == [
        {k: ("" if v is None else v) for k, v in r.items()} for r in rows
    ]
    assert [r["RAG"] for r in exported] == ["COMPLETE", "AMBER"]  # Agency 2 due today, Wed 30 Dec
    csv_file = export_checklist(session, officer, review_id=review.id, as_of=WED_30_DEC, file_format="csv")
    records = list(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert [r["Agency"] for r in records] == ["Agency 1", "Agency 2"]
    assert records[1]["Due"] == "2026-12-30" and records[0]["Final QA"] == "accepted"


def test_exports_keep_formula_like_text_as_text(session: Session, officer: Account, review: Review,
                                                ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    record_summary(session, officer, return_id=ret.id, expected_version=None, summary="=HYPERLINK(\"x\") seen by GP")
    xlsx = export_checklist(session, officer, review_id=review.id, as_of=WED_30_DEC, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert isinstance(sheet, Worksheet)
    cell = sheet.cell(4, CHECKLIST_COLUMNS.index("Summary of involvement and learning") + 1)
    assert (cell.data_type, cell.value) == ("s", '=HYPERLINK("x") seen by GP')
    csv_file = export_checklist(session, officer, review_id=review.id, as_of=WED_30_DEC, file_format="csv")
    record = next(csv.DictReader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert record["Summary of involvement and learning"] == '\'=HYPERLINK("x") seen by GP'


# ------------------------------------------------------------------ roles


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_and_admin_may_not_read_or_write_returns(session: Session, make_account: MakeAccount, review: Review,
                                                       ret: AgencyReturn, role: str) -> None:
    actor = make_account(role)
    with pytest.raises(NotAllowed):
        list_returns(session, actor, review_id=review.id, as_of=FRI_18_DEC)
    with pytest.raises(NotAllowed):
        list_outstanding_returns(session, actor, as_of=FRI_18_DEC)
    with pytest.raises(NotAllowed):
        export_checklist(session, actor, review_id=review.id, as_of=FRI_18_DEC, file_format="csv")
    with pytest.raises(NotAllowed):
        _receive(session, actor, ret)


def test_the_chair_reads_but_does_not_record(session: Session, chair: Account, review: Review,
                                             ret: AgencyReturn) -> None:
    assert len(list_returns(session, chair, review_id=review.id, as_of=FRI_18_DEC)) == 1
    with pytest.raises(NotAllowed,
                       match="Only a Partnership Manager, Partnership officer may record a return received"):
        _receive(session, chair, ret)
    with pytest.raises(NotAllowed):
        record_chase(session, chair, return_id=ret.id, as_of=WED_30_DEC)


def _meeting_held_outside(session: Session, manager: Account, by_key: dict[str, ReviewMilestone]) -> None:
    """Issue 26: the submission asks for the Rapid Review meeting; here recorded as held outside the product."""
    record_milestone_done(session, manager, milestone_id=by_key["rr_meeting"].id, done_on=WED_23_DEC,
                          as_of=WED_23_DEC, done_outside_reason="Held before the tracker was in use.")


def test_a_closed_review_refuses_changes(session: Session, officer: Account, manager: Account, review: Review,
                                         ret: AgencyReturn) -> None:
    by_key = {m.key: m for m in review.milestones}
    # The report's steps, completed directly (as services.report does after its own checks), after the meeting.
    _meeting_held_outside(session, manager, by_key)
    complete_milestone(session, manager, milestone_id=by_key["panel_submission"].id, done_on=WED_23_DEC,
                       as_of=WED_23_DEC)
    complete_milestone(session, manager, milestone_id=by_key["panel_response"].id, done_on=WED_23_DEC,
                       as_of=WED_23_DEC)
    with pytest.raises(InvalidInput, match="is closed: its returns can no longer be changed"):
        _receive(session, officer, ret)


# ------------------------------------------------------------------ the database's own rules


@pytest.mark.parametrize(
    ("assignments", "constraint"),
    [
        ("received_date = DATE '2026-12-17', signed_by_senior_manager = false", "received_after_requested"),
        ("received_date = DATE '2026-12-22'", "receipt_records_signature"),
        ("received_date = DATE '2026-12-22', signed_by_senior_manager = true", "signed_names_role"),
        ("final_qa_outcome = 'accepted', final_qa_date = DATE '2026-12-22', final_qa_by_id = requested_by_id",
         "final_qa_after_initial_check"),
        ("shared_with_chair_date = DATE '2026-12-22'", "shared_after_receipt"),
    ],
)
def test_the_database_checks_the_order_of_dates(session: Session, ret: AgencyReturn, assignments: str,
                                                constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint), session.begin_nested():
        session.execute(text(f"UPDATE agency_returns SET {assignments} WHERE id = :id"), {"id": ret.id})


def test_the_database_refuses_a_send_back_without_reason_or_new_due_date(session: Session, officer: Account,
                                                                         ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    with pytest.raises(IntegrityError, match="sent_back_matches_qa"), session.begin_nested():
        session.execute(text("UPDATE agency_returns SET final_qa_outcome = 'sent back', final_qa_date = DATE "
                             "'2026-12-23', final_qa_by_id = requested_by_id WHERE id = :id"), {"id": ret.id})
    with pytest.raises(IntegrityError, match="send_back_complete"), session.begin_nested():
        session.execute(text("UPDATE agency_returns SET final_qa_outcome = 'sent back', final_qa_date = DATE "
                             "'2026-12-23', final_qa_by_id = requested_by_id, sent_back_date = DATE '2026-12-23', "
                             "sent_back_count = 1 WHERE id = :id"), {"id": ret.id})


# ------------------------------------------------------------------ two people at once


@pytest.fixture
def committed(fresh_database_url: str) -> Iterator[Committed]:
    """A real database where each session commits: two people, one return received and unchanged since."""
    from services.accounts import _new_account

    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        first = _new_account(session, username="first-officer", display_name="First", roles=["officer"],
                             password="correct horse battery")
        second = _new_account(session, username="second-officer", display_name="Second", roles=["officer"],
                              password="correct horse battery")
        agency = _agencies(session, 1)[0]
        review = _review(session, first)
        ret = record_returns_requested(session, first, review_id=review.id, agency_ids=[agency.id],
                                       requested_on=FRI_18_DEC, as_of=FRI_18_DEC)[0]
        _receive(session, first, ret)
    yield engine, first.id, second.id, ret.id, ret.version
    engine.dispose()


def _summary(engine: Engine, account_id: int, ret_id: int, version: int, words: str) -> AgencyReturn:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        return record_summary(session, session.get(Account, account_id), return_id=ret_id, expected_version=version,
                              summary=words)


def test_the_second_of_two_saves_is_told_and_nothing_is_overwritten(committed: Committed) -> None:
    engine, first, second, ret_id, version = committed
    _summary(engine, first, ret_id, version, "First officer's summary.")
    with pytest.raises(StaleRecord, match=r"was changed by someone else since you opened it\. The page now shows the "
                                          r"saved values"):
        _summary(engine, second, ret_id, version, "Second officer's summary.")
    with Session(engine) as session:
        saved = session.get_one(AgencyReturn, ret_id)
        assert (saved.summary, saved.version) == ("First officer's summary.", version + 1)
        assert len(session.scalars(select(LogEntry).where(LogEntry.agency_return_id == ret_id,
                                                          LogEntry.category == "other")).all()) == 1


def test_saves_at_the_same_moment_wait_for_each_other(committed: Committed) -> None:
    """The first save holds the row; the second waits, then sees the first's change and is refused."""
    engine, first, second, ret_id, version = committed
    outcome: dict[str, str] = {}
    with Session(engine, expire_on_commit=False) as session_one:
        session_one.begin()
        record_summary(session_one, session_one.get(Account, first), return_id=ret_id, expected_version=version,
                       summary="First.")

        def second_save() -> None:
            try:
                _summary(engine, second, ret_id, version, "Second.")
                outcome["saved"] = "saved"
            except StaleRecord as error:
                outcome["refused"] = str(error)

        worker = threading.Thread(target=second_save)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the second save should wait for the first to finish"
        session_one.commit()
        worker.join(10)
    assert "refused" in outcome and "saved" not in outcome
    with Session(engine) as session:
        assert session.get_one(AgencyReturn, ret_id).summary == "First."


def test_a_second_receipt_without_a_version_is_refused_by_the_step_rules(committed: Committed) -> None:
    """Without a version in hand, the second of two people recording the same receipt is refused, not saved twice."""
    engine, first, second, ret_id, _version = committed
    with Session(engine, expire_on_commit=False) as session, session.begin():
        session.execute(text("UPDATE agency_returns SET received_date = NULL, signed_by_senior_manager = NULL, "
                             "signatory_role = NULL WHERE id = :id"), {"id": ret_id})
    for account in (first, second):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                record_return_received(session, session.get(Account, account), return_id=ret_id,
                                       expected_version=None, received_on=TUE_22_DEC, signed_by_senior_manager=False,
                                       as_of=TUE_22_DEC)
        except InvalidInput as error:
            assert "already recorded as received" in str(error)
            assert account == second
    with Session(engine) as session:
        receipts = session.scalars(select(LogEntry).where(LogEntry.agency_return_id == ret_id,
                                                          LogEntry.text.like("Return received%"))).all()
        assert len(receipts) == 2  # one from the set-up, one now: the second attempt wrote nothing


def test_the_version_column_catches_a_stale_object(committed: Committed) -> None:
    engine, _first, _second, ret_id, _version = committed
    with Session(engine) as stale, Session(engine) as fresh:
        old = stale.get_one(AgencyReturn, ret_id)
        current = fresh.get_one(AgencyReturn, ret_id)
        current.summary = "Fresh."
        fresh.commit()
        old.summary = "Stale."
        with pytest.raises(StaleDataError):
            stale.flush()


# ------------------------------------------------------------------ an agreed due date (domain.md "Agreed dates")

TUE_5_JAN = D(2027, 1, 5)


def _agree(session: Session, actor: Account, ret: AgencyReturn, **kw: Unpack[AgreeFields]) -> AgencyReturn:
    return set_return_agreed_date(session, actor, return_id=ret.id,
                                  expected_version=kw.get("expected_version", ret.version),
                                  agreed_on=kw.get("on", TUE_5_JAN),
                                  reason=kw.get("reason", "Later date agreed with the agency (staff sickness)."))


def test_the_rag_worklist_chase_and_checklist_follow_the_agreed_date(
        session: Session, officer: Account, manager: Account, review: Review, ret: AgencyReturn) -> None:
    status = list_returns(session, officer, review_id=review.id, as_of=WED_30_DEC)[0]
    assert status.rag is Rag.RED  # plan date Tue 29 Dec has passed
    _agree(session, manager, ret)
    assert (ret.agreed_due_date, ret.agreed_reason) == (
        TUE_5_JAN, "Later date agreed with the agency (staff sickness).")
    status = list_returns(session, officer, review_id=review.id, as_of=WED_30_DEC)[0]
    assert (status.rag, status.action_due, status.late) == (Rag.GREEN, TUE_5_JAN, False)
    assert "Tue 05 Jan, agreed" in status.next_step
    assert list_returns(session, officer, review_id=review.id, as_of=D(2027, 1, 6))[0].rag is Rag.RED
    row = checklist_table([status])[0]
    assert (row["Due"], row["Agreed due date"], row["Agreed (reason)"]) == (
        TUE_29_DEC, TUE_5_JAN, "Later date agreed with the agency (staff sickness).")
    ours = [s for s in list_outstanding_returns(session, officer, as_of=WED_30_DEC) if s.ret.id == ret.id]
    assert ours[0].action_due == TUE_5_JAN
    email = chase_email(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert "Tue 05 Jan 2027" in email.subject and "due on Tuesday 05 January 2027" in email.body
    csv_text = export_checklist(session, officer, review_id=review.id, as_of=WED_30_DEC, file_format="csv").data
    record = next(iter(csv.DictReader(io.StringIO(csv_text.decode("utf-8-sig")))))
    assert (record["Due"], record["Agreed due date"]) == ("2026-12-29", "2027-01-05")


def test_an_agreed_date_is_logged_and_can_be_cleared(session: Session, officer: Account, manager: Account,
                                                     review: Review, ret: AgencyReturn) -> None:
    _agree(session, manager, ret)
    entry = _log(session, ret.id)[-1]
    assert (entry.category, entry.agency_return_id, entry.author_id) == ("date agreed", ret.id, manager.id)
    assert entry.text == ("Date agreed for the return from Agency 1: from 29 Dec 2026 to 05 Jan 2027 (plan date "
                          "29 Dec 2026). Reason: Later date agreed with the agency (staff sickness).")
    _agree(session, manager, ret, on=D(2027, 1, 6), reason="Moved again.")
    assert _log(session, ret.id)[-1].text == ("Date agreed for the return from Agency 1: from 05 Jan 2027 to "
                                             "06 Jan 2027 (plan date 29 Dec 2026). Reason: Moved again.")
    _agree(session, manager, ret, on=None, reason="Agency can meet the usual date after all.")
    assert (ret.agreed_due_date, ret.agreed_reason) == (None, None)
    assert _log(session, ret.id)[-1].text == (
        "Date agreed for the return from Agency 1: from 06 Jan 2027 to 29 Dec 2026 (plan date 29 Dec 2026). "
        "Reason: Agency can meet the usual date after all.")
    assert list_returns(session, officer, review_id=review.id, as_of=WED_30_DEC)[0].rag is Rag.RED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(reason="   "), "Say why the date was agreed"),
        (dict(on=D(2026, 12, 17)), r"cannot be before the scoping form was sent to Agency 1 \(18 Dec 2026\)"),
        (dict(on=None), "has no agreed date to clear"),
    ],
)
def test_agreed_date_refusals(session: Session, manager: Account, ret: AgencyReturn, overrides: AgreeFields,
                              message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _agree(session, manager, ret, **overrides)
    assert ret.agreed_due_date is None and _log(session, ret.id)[-1].category == "communication"


def test_the_same_agreed_date_twice_is_refused(session: Session, manager: Account, ret: AgencyReturn) -> None:
    _agree(session, manager, ret)
    with pytest.raises(InvalidInput, match="05 Jan 2027 is already the agreed date"):
        _agree(session, manager, ret)


def test_an_accepted_return_has_no_date_to_agree(session: Session, officer: Account, manager: Account,
                                                 ret: AgencyReturn) -> None:
    _receive(session, officer, ret)
    _check(session, officer, ret)
    _qa(session, manager, ret)
    with pytest.raises(InvalidInput, match="already accepted on 23 Dec 2026; there is no date left to agree"):
        _agree(session, manager, ret)


def test_an_agreed_date_needs_the_current_version(session: Session, manager: Account, ret: AgencyReturn) -> None:
    with pytest.raises(StaleRecord, match="changed by someone else"):
        _agree(session, manager, ret, expected_version=ret.version - 1 if ret.version > 1 else ret.version + 1)


def test_only_the_manager_agrees_a_return_date(session: Session, officer: Account, chair: Account,
                                               ret: AgencyReturn) -> None:
    for actor in (officer, chair):
        with pytest.raises(NotAllowed):
            _agree(session, actor, ret)
    assert ret.agreed_due_date is None


def test_a_closed_review_refuses_an_agreed_date(session: Session, manager: Account, review: Review,
                                                ret: AgencyReturn) -> None:
    by_key = {m.key: m for m in review.milestones}
    _meeting_held_outside(session, manager, by_key)
    for key in ("panel_submission", "panel_response"):
        complete_milestone(session, manager, milestone_id=by_key[key].id, done_on=WED_23_DEC, as_of=WED_23_DEC)
    with pytest.raises(InvalidInput, match="is closed"):
        _agree(session, manager, ret)


def test_a_send_back_clears_the_agreed_date_and_a_new_one_overrides_the_new_due_date(
    session: Session, officer: Account, manager: Account, review: Review, ret: AgencyReturn
) -> None:
    _agree(session, manager, ret, on=WED_30_DEC)
    _receive(session, officer, ret)
    _check(session, officer, ret, dates_present=False, outcome="concerns", note="No dates.")
    _qa(session, manager, ret, outcome="sent back", reason="Add the dates.", new_due_date=D(2027, 1, 4))
    assert (ret.agreed_due_date, ret.agreed_reason) == (None, None)
    assert _log(session, ret.id)[-1].text.endswith("(The agreed date 30 Dec 2026 no longer applies.)")
    with pytest.raises(InvalidInput, match="cannot be before the return was sent back"):
        _agree(session, manager, ret, on=TUE_22_DEC)
    _agree(session, manager, ret, on=D(2027, 1, 8), reason="Agency lead on leave.")
    assert _log(session, ret.id)[-1].text == ("Date agreed for the resubmission from Agency 1: from 04 Jan 2027 to "
                                             "08 Jan 2027 (plan date 04 Jan 2027). Reason: Agency lead on leave.")
    status = list_returns(session, officer, review_id=review.id, as_of=D(2027, 1, 5))[0]
    assert (status.stage, status.rag, status.action_due) == (Stage.SENT_BACK, Rag.GREEN, D(2027, 1, 8))
    assert "Fri 08 Jan, agreed" in status.next_step


def test_the_database_refuses_an_agreed_date_without_reason(session: Session, ret: AgencyReturn) -> None:
    with pytest.raises(IntegrityError, match="agreed_date_needs_reason"), session.begin_nested():
        session.execute(text("UPDATE agency_returns SET agreed_due_date = DATE '2027-01-05' WHERE id = :id"),
                        {"id": ret.id})


def test_an_address_list_stored_before_it_was_refused_is_not_put_in_the_ready_email(
        session: Session, officer: Account, agencies: list[Agency], ret: AgencyReturn) -> None:
    """A contact stored as "a@x,b@y" (before the one-address check) would have mailed both: the ready email leaves it
    out, as if no address were held."""
    agencies[0].contact_email, agencies[0].jcr_rep_email = "a@x.org,b@y.org", "rep@x.org;c@z.org"
    session.flush()
    email = chase_email(session, officer, return_id=ret.id, as_of=WED_30_DEC)
    assert (email.to, email.cc) == ("", "")
    assert "x.org" not in email.mailto and "y.org" not in email.mailto
