"""Issue 14: a review can be finished as it really happens. Each dead end found in the issue, on PostgreSQL.

1. An agency that never replies, or was asked in error: the Partnership Manager closes its return as "no return"
   or "withdrawn"; sign-off and submission then proceed, the report says so, the RAG and the returns milestone
   treat it as closed and the board counts "no return" as late and leaves "withdrawn" out.
2. Only the Chair's own account could sign off, for ever: the Manager records a sign-off given outside the product,
   shown as such, and a sign-off can be withdrawn with a reason before submission.
3. A review waiting for Ofsted could never close: the Panel's response (with what it said) closes it, and Ofsted's
   is recorded whenever it comes and listed as outstanding.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, MilestoneDateCorrection, Review, ReviewMilestone
from db.models_report import Meeting
from db.models_returns import AgencyReturn
from services.board.reads import board_figures
from services.board.rules import Quarter
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.meetings.service import record_meeting
from services.rag import Rag
from services.report.content import WRITABLE_KEYS
from services.report.panel import record_responses, set_ofsted_required, submit_to_panel
from services.report.reads import VersionInfo, get_report, get_version_file, list_ofsted_outstanding
from services.report.service import (
    make_draft,
    record_lcspr_decision,
    record_sign_off_given_outside,
    save_section,
    send_to_chair,
    sign_off,
    withdraw_sign_off,
)
from services.returns.chasing import record_chase
from services.returns.reads import list_outstanding_returns, list_returns
from services.returns.rules import Stage
from services.returns.service import (
    close_return_without_receipt,
    record_final_qa,
    record_initial_check,
    record_returns_requested,
    record_summary,
)
from services.returns.service_receipts import record_return_received
from services.reviews.reads import list_date_corrections
from services.reviews.rules import ChildEntry
from services.reviews.service import correct_milestone_date, open_review, record_milestone_done, update_review_dates
from services.reviews.status import get_review_status, list_live_reviews
from tests.types import MakeAccount

D = date
FRI_18_DEC = D(2026, 12, 18)  # Day 1; returns due Tue 29 Dec; Day 15 = Tue 12 Jan 2027
MON_21_DEC = D(2026, 12, 21)
TUE_29_DEC = D(2026, 12, 29)
WED_30_DEC = D(2026, 12, 30)
THU_31_DEC = D(2026, 12, 31)
MON_4_JAN = D(2027, 1, 4)
FRI_8_JAN = D(2027, 1, 8)
MON_11_JAN = D(2027, 1, 11)
TUE_12_JAN = D(2027, 1, 12)


def _open_with_three_agencies(session: Session, officer: Account, manager: Account, *, incident: date | None,
                              aware: date | None) -> Review:
    agencies = [Agency(name=n, kind="health", active=True) for n in ("Police", "Health", "School")]
    session.add_all(agencies)
    session.flush()
    review = open_review(session, officer, notification_type="serious_harm", incident_date=incident,
                         csc_aware_date=aware, notification_received_date=FRI_18_DEC,
                         children=[ChildEntry("AB", 4)], as_of=FRI_18_DEC)
    returns = record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies],
                                       requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    police = returns[0]
    record_return_received(session, officer, return_id=police.id, expected_version=None, received_on=MON_21_DEC,
                           signed_by_senior_manager=True, signatory_role="DCI", as_of=MON_21_DEC)
    record_initial_check(session, officer, return_id=police.id, expected_version=None, checked_on=MON_21_DEC,
                         outcome="satisfactory", as_of=MON_21_DEC, sufficient_information=True, dates_present=True,
                         analysis=True, signed=True)
    record_final_qa(session, manager, return_id=police.id, expected_version=None, decided_on=MON_21_DEC,
                    outcome="accepted", as_of=MON_21_DEC)
    record_summary(session, officer, return_id=police.id, expected_version=None, summary="Two call-outs.")
    return review


@pytest.fixture
def review(session: Session, officer: Account, manager: Account) -> Review:
    """Three agencies asked on Day 1: the Police reply and are accepted; Health never replies; the School was
    asked in error."""
    return _open_with_three_agencies(session, officer, manager, incident=D(2026, 12, 14), aware=D(2026, 12, 15))


@pytest.fixture
def review_dates_unknown(session: Session, officer: Account, manager: Account) -> Review:
    """The same review opened on Day 1 without the incident and CSC-awareness dates (not known yet)."""
    return _open_with_three_agencies(session, officer, manager, incident=None, aware=None)


def _ret(session: Session, review: Review, name: str) -> AgencyReturn:
    return session.scalars(select(AgencyReturn).join(Agency).where(AgencyReturn.review_id == review.id,
                                                                   Agency.name == name)).one()


def _close(session: Session, actor: Account, ret: AgencyReturn, ending: str, on: date = MON_4_JAN,
           reason: str = "No reply after a chase.") -> AgencyReturn:
    if ending == "no return" and not ret.chases and ret.received_date is None and ret.ended_as is None:
        # Issue 26: "no return" needs a chase on record (or a reason none was possible).
        record_chase(session, actor, return_id=ret.id, as_of=on)
    return close_return_without_receipt(session, actor, return_id=ret.id, expected_version=ret.version,
                                        ending=ending, ended_on=on, reason=reason, as_of=on)


def _hold_the_meeting(session: Session, actor: Account, review: Review) -> None:
    """Issue 26: the Panel gets the report after its Rapid Review meeting, recorded on Wed 30 Dec (Day 7)."""
    from db.models_returns import AgencyReturn as _Return
    from services.meetings.service import record_meeting
    if any(m.key == "rr_meeting" and m.done_date for m in review.milestones):
        return
    agency_ids = list(session.scalars(select(_Return.agency_id).where(_Return.review_id == review.id)))
    record_meeting(session, actor, review_id=review.id, kind="rr_meeting", held_on=D(2026, 12, 30),
                   agency_ids=agency_ids[:1], chair_name="JCR Chair", as_of=D(2026, 12, 30))


def _write_everything(session: Session, officer: Account, review: Review) -> None:
    _hold_the_meeting(session, officer, review)
    for key in WRITABLE_KEYS:
        save_section(session, officer, review_id=review.id, section_key=key, text=f"Text of {key}.",
                     expected_version=get_report(session, officer, review_id=review.id, as_of=MON_4_JAN)
                     .sections[key].version)
    record_lcspr_decision(session, officer, review_id=review.id, expected_version=None, decision=False,
                          reason="Learning captured here.")


def test_an_agency_that_never_replies_and_one_asked_in_error_no_longer_block_sign_off(
        session: Session, officer: Account, chair: Account, manager: Account, review: Review) -> None:
    _write_everything(session, officer, review)
    send_to_chair(session, officer, review_id=review.id, sent_on=FRI_8_JAN, as_of=FRI_8_JAN)
    # Today's dead end: the Chair cannot sign, as two agencies have no summary (and can have none).
    with pytest.raises(InvalidInput, match="no summary yet for Health, School"):
        sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=MON_11_JAN)

    health, school = _ret(session, review, "Health"), _ret(session, review, "School")
    record_chase(session, officer, return_id=health.id, as_of=WED_30_DEC)
    record_chase(session, officer, return_id=health.id, as_of=MON_4_JAN)
    _close(session, manager, health, "no return", reason="Health did not reply after two chases.")
    _close(session, manager, school, "withdrawn", on=MON_21_DEC, reason="No involvement: asked in error.")

    signed = sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=MON_11_JAN)
    body = "\n".join(p.text for p in Document(io.BytesIO(
        get_version_file(session, chair, version_id=signed.id).data)).paragraphs)
    assert ("No return: the agency did not respond by 29 Dec 2026 (chased 2 times); closed on 04 Jan 2027. "
            "Reason: Health did not reply after two chases.") in body
    assert "Withdrawn on 21 Dec 2026: the agency was asked in error. Reason: No involvement: asked in error." in body
    assert "[No summary of this agency's involvement has been written yet]" not in body
    submitted = submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, as_of=TUE_12_JAN)
    assert submitted.state == "submitted"
    logged = [e.text for e in session.scalars(select(LogEntry).where(LogEntry.agency_return_id == health.id)
                                              .order_by(LogEntry.id))]
    assert logged[-1] == ("Return from Health: No return: the agency did not respond by 29 Dec 2026 (chased 2 "
                          "times); closed on 04 Jan 2027. Reason: Health did not reply after two chases.")


def test_closed_returns_count_as_closed_in_the_rag_the_worklist_and_the_milestone(
        session: Session, officer: Account, manager: Account, review: Review) -> None:
    before = get_review_status(session, manager, review_id=review.id, as_of=MON_4_JAN)
    assert before.rag is Rag.RED  # two returns past due
    _close(session, manager, _ret(session, review, "Health"), "no return")
    _close(session, manager, _ret(session, review, "School"), "withdrawn")
    stages = {s.agency_name: (s.stage, s.rag) for s in list_returns(session, officer, review_id=review.id,
                                                                      as_of=MON_4_JAN)}
    assert stages == {"Police": (Stage.ACCEPTED, Rag.COMPLETE), "Health": (Stage.NO_RETURN, Rag.COMPLETE),
                      "School": (Stage.WITHDRAWN, Rag.COMPLETE)}
    assert [s for s in list_outstanding_returns(session, officer, as_of=MON_4_JAN)
            if s.ret.review_id == review.id] == []
    milestone = next(m for m in review.milestones if m.key == "returns_accepted")
    assert milestone.done_date == MON_4_JAN
    assert milestone.note == ("Completed automatically: every agency return accepted or closed (1 of 3 accepted, "
                              "1 no return, 1 withdrawn).")


@pytest.mark.parametrize("ending, on, reason, message", [
    ("no return", TUE_29_DEC, "No reply.", r"due on Tue 29 Dec 2026: it can be closed as 'no return' only after"),
    ("no return", WED_30_DEC, "  ", r"Say why the return is closed"),
    ("no return", D(2026, 12, 17), "x", r"before the scoping form was sent"),
    ("gone", WED_30_DEC, "x", r"Choose how the return ends"),
    ("no return", None, "x", r"Give the date the return is closed"),
])
def test_closing_a_return_refusals(session: Session, manager: Account, review: Review, ending: str, on: date | None,
                                   reason: str,
                                   message: str) -> None:
    health = _ret(session, review, "Health")
    with pytest.raises(InvalidInput, match=message):
        close_return_without_receipt(session, manager, return_id=health.id, expected_version=None, ending=ending,
                                     ended_on=on, reason=reason, as_of=WED_30_DEC)


def test_a_return_in_hand_or_accepted_or_closed_cannot_be_closed_as_no_return(session: Session, officer: Account,
                                                                              manager: Account, review: Review) -> None:
    police = _ret(session, review, "Police")
    with pytest.raises(InvalidInput, match="already accepted"):
        _close(session, manager, police, "withdrawn")
    school = _ret(session, review, "School")
    record_return_received(session, officer, return_id=school.id, expected_version=None, received_on=MON_21_DEC,
                           signed_by_senior_manager=False, as_of=MON_21_DEC)
    with pytest.raises(InvalidInput, match="is in hand"):
        _close(session, manager, school, "no return")
    _close(session, manager, school, "withdrawn")  # a form that says "no involvement": asked in error
    with pytest.raises(InvalidInput, match="is already withdrawn"):
        _close(session, manager, school, "withdrawn")
    health = _ret(session, review, "Health")
    _close(session, manager, health, "no return")
    with pytest.raises(InvalidInput, match="was closed as 'no return' on 04 Jan 2027; nothing more"):
        record_return_received(session, officer, return_id=health.id, expected_version=None, received_on=MON_4_JAN,
                               signed_by_senior_manager=True, signatory_role="Head", as_of=MON_4_JAN)


@pytest.mark.parametrize("role", ["officer", "chair", "board", "admin"])
def test_only_the_manager_closes_a_return(session: Session, make_account: MakeAccount, review: Review,
                                          role: str) -> None:
    with pytest.raises(NotAllowed):
        _close(session, make_account(role), _ret(session, review, "Health"), "no return")


def test_the_board_counts_no_return_as_late_and_leaves_withdrawn_out(session: Session, manager: Account,
                                                                     make_account: MakeAccount, review: Review) -> None:
    figures = board_figures(session, make_account("board"), first_quarter=Quarter(2026, 3),
                            last_quarter=Quarter(2026, 3), as_of=MON_4_JAN).current.returns_total
    assert (figures.returns, figures.on_time, figures.late_outstanding) == (3, 1, 2)
    _close(session, manager, _ret(session, review, "Health"), "no return")
    _close(session, manager, _ret(session, review, "School"), "withdrawn")
    figures = board_figures(session, make_account("board"), first_quarter=Quarter(2026, 3),
                            last_quarter=Quarter(2026, 3), as_of=D(2027, 2, 1)).current.returns_total
    # Health: closed Mon 4 Jan, due Tue 29 Dec: late by 3 working days (30, 31 Dec, 4 Jan) whatever today is.
    assert (figures.returns, figures.on_time, figures.late_outstanding) == (2, 1, 1)


# ------------------------------------------------------------------ 2. sign-off outside the product; withdrawal

def _ready_to_sign(session: Session, officer: Account, manager: Account, review: Review) -> None:
    _write_everything(session, officer, review)
    _close(session, manager, _ret(session, review, "Health"), "no return")
    _close(session, manager, _ret(session, review, "School"), "withdrawn")
    send_to_chair(session, officer, review_id=review.id, sent_on=FRI_8_JAN, as_of=FRI_8_JAN)


def test_the_manager_records_a_sign_off_given_by_email_shown_as_such(session: Session, officer: Account,
                                                                     manager: Account, review: Review) -> None:
    _ready_to_sign(session, officer, manager, review)
    signed = record_sign_off_given_outside(session, manager, review_id=review.id, signed_on=MON_11_JAN,
                                           chair_name="Dr J Smith", how_given="by email to the Partnership Manager",
                                           as_of=MON_11_JAN)
    assert signed.state == "signed_final"
    view = get_report(session, manager, review_id=review.id, as_of=MON_11_JAN)
    assert view.sign_off is not None
    assert (view.sign_off.chair_name, view.sign_off.given_outside, view.sign_off.recorded_by_name) == \
        ("Dr J Smith", True, "Test manager")
    assert view.stage_text == ("Signed off by Dr J Smith on Mon 11 Jan 2027 (given outside the product: by email to "
                               "the Partnership Manager; recorded by Test manager).")
    body = "\n".join(p.text for p in Document(io.BytesIO(
        get_version_file(session, manager, version_id=signed.id).data)).paragraphs)
    assert ("Dr J Smith, JCR Chair, on Mon 11 Jan 2027 (given outside the product: by email to the Partnership "
            "Manager; recorded by Test manager on the Chair's behalf)") in body
    assert _milestone(review, "signed_report").done_date == MON_11_JAN
    assert any(t.startswith("Report sign-off given by Dr J Smith (JCR Chair) outside the product (by email to the "
                            "Partnership Manager) on 11 Jan 2027, recorded by Test manager on the Chair's behalf")
               for t in _texts(session, review))


@pytest.mark.parametrize("chair_name, how, message", [
    ("", "by email", "Give the name of the JCR Chair"),
    ("Dr J Smith", "  ", "Say how the Chair gave the sign-off"),
])
def test_a_sign_off_given_outside_needs_the_name_and_how(session: Session, officer: Account, manager: Account,
                                                         review: Review, chair_name: str, how: str,
                                                         message: str) -> None:
    _ready_to_sign(session, officer, manager, review)
    with pytest.raises(InvalidInput, match=message):
        record_sign_off_given_outside(session, manager, review_id=review.id, signed_on=MON_11_JAN,
                                      chair_name=chair_name, how_given=how, as_of=MON_11_JAN)


def test_only_the_manager_records_a_sign_off_given_outside(session: Session, officer: Account, chair: Account,
                                                           manager: Account, review: Review) -> None:
    _ready_to_sign(session, officer, manager, review)
    for actor in (officer, chair):
        with pytest.raises(NotAllowed):
            record_sign_off_given_outside(session, actor, review_id=review.id, signed_on=MON_11_JAN,
                                          chair_name="Dr J Smith", how_given="by email", as_of=MON_11_JAN)


def test_a_sign_off_withdrawn_before_submission_keeps_its_version_and_can_be_given_again(
        session: Session, officer: Account, chair: Account, manager: Account, review: Review) -> None:
    _ready_to_sign(session, officer, manager, review)
    first = sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=MON_11_JAN)
    with pytest.raises(InvalidInput, match="Say why the sign-off is withdrawn"):
        withdraw_sign_off(session, manager, review_id=review.id, withdrawn_on=MON_11_JAN, reason=" ",
                          as_of=MON_11_JAN)
    withdrawn = withdraw_sign_off(session, manager, review_id=review.id, withdrawn_on=MON_11_JAN,
                                  reason="The Chair asked for section 7 to be amended.", as_of=MON_11_JAN)
    assert (withdrawn.version_number, withdrawn.withdrawn_on) == (first.number, MON_11_JAN)
    assert _milestone(review, "signed_report").done_date is None
    view = get_report(session, manager, review_id=review.id, as_of=MON_11_JAN)
    assert view.sign_off is None and view.stage == "with_chair"
    assert [o.withdrawn_reason for o in view.withdrawn_sign_offs] == ["The Chair asked for section 7 to be amended."]
    assert "signed_final" in [v.state for v in view.versions]  # the version stays
    with pytest.raises(InvalidInput, match="cannot be submitted before the JCR Chair has signed it off"):
        submit_to_panel(session, manager, review_id=review.id, submitted_on=MON_11_JAN, as_of=MON_11_JAN)
    save_section(session, officer, review_id=review.id, section_key="learning", text="Amended.",
                 expected_version=view.sections["learning"].version)
    send_to_chair(session, officer, review_id=review.id, sent_on=MON_11_JAN, as_of=MON_11_JAN)
    second = sign_off(session, chair, review_id=review.id, signed_on=TUE_12_JAN, as_of=TUE_12_JAN)
    assert second.number > first.number
    assert any(t.startswith(f"Sign-off of report version {first.number} by Test chair (signed 11 Jan 2027) "
                            "withdrawn on 11 Jan 2027 by Test manager. Reason: The Chair asked")
               for t in _texts(session, review))
    submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, as_of=TUE_12_JAN)
    with pytest.raises(InvalidInput, match="already submitted"):
        withdraw_sign_off(session, manager, review_id=review.id, withdrawn_on=TUE_12_JAN, reason="Too late.",
                          as_of=TUE_12_JAN)


def test_there_is_no_sign_off_to_withdraw_before_one_is_given(session: Session, officer: Account, manager: Account,
                                                              review: Review) -> None:
    _ready_to_sign(session, officer, manager, review)
    with pytest.raises(InvalidInput, match="there is no sign-off to withdraw"):
        withdraw_sign_off(session, manager, review_id=review.id, withdrawn_on=MON_11_JAN, reason="x",
                          as_of=MON_11_JAN)


# ------------------------------------------------------------------ 3. closing on the Panel's response


def test_the_review_closes_on_the_panels_response_and_ofsted_is_recorded_later(
        session: Session, officer: Account, manager: Account, review: Review) -> None:
    """The issue's "done when": one agency never replies, one was asked in error, the sign-off came by email, and
    Ofsted has not replied: the review still goes from notification to closed."""
    _ready_to_sign(session, officer, manager, review)
    set_ofsted_required(session, manager, review_id=review.id, required=True)
    record_sign_off_given_outside(session, manager, review_id=review.id, signed_on=MON_11_JAN,
                                  chair_name="Dr J Smith", how_given="by email", as_of=MON_11_JAN)
    submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, ofsted_sent_on=TUE_12_JAN,
                    as_of=TUE_12_JAN)
    as_of = D(2027, 2, 1)
    record_responses(session, manager, review_id=review.id, panel_response_on=D(2027, 1, 29),
                     agrees_with_lcspr=False, further_information_asked=True,
                     panel_notes="The Panel asks for the school's view.", as_of=as_of)
    assert review.state == "closed"
    assert review.id not in [s.review.id for s in list_live_reviews(session, manager, as_of=as_of)]
    outstanding = list_ofsted_outstanding(session, manager, as_of=as_of)
    assert [(o.case_reference, o.state, o.sent_on, o.working_days_waiting) for o in outstanding] == \
        [(review.case_reference, "closed", TUE_12_JAN, 14)]
    view = get_report(session, manager, review_id=review.id, as_of=as_of)
    assert view.panel_response is not None
    assert view.panel_response.words == ("received Fri 29 Jan 2027; does not agree with the LCSPR decision; further "
                                         "information asked. Notes: The Panel asks for the school's view.")
    assert view.stage_text == "Closed: the Panel responded on Fri 29 Jan 2027. Ofsted's response is outstanding."
    # Ofsted replies after the review closed.
    record_responses(session, manager, review_id=review.id, ofsted_response_on=as_of, as_of=as_of)
    assert review.ofsted_response_date == as_of
    assert list_ofsted_outstanding(session, manager, as_of=as_of) == []
    with pytest.raises(InvalidInput, match="already recorded on 29 Jan 2027: the review is closed"):
        record_responses(session, manager, review_id=review.id, panel_response_on=as_of, agrees_with_lcspr=True,
                         further_information_asked=False, as_of=as_of)


def _milestone(review: Review, key: str) -> ReviewMilestone:
    return next(m for m in review.milestones if m.key == key)


def _texts(session: Session, review: Review) -> list[str]:
    return [e.text for e in session.scalars(select(LogEntry).where(LogEntry.review_id == review.id)
                                            .order_by(LogEntry.id))]


# ------------------------------------------------------------------ 4. why red, where it is asked


def test_the_live_list_and_the_review_say_why_a_review_is_red(session: Session, manager: Account,
                                                              review: Review) -> None:
    status = next(s for s in list_live_reviews(session, manager, as_of=WED_30_DEC) if s.review.id == review.id)
    returns = [(i.label, i.page) for i in status.why if i.page == "returns" and i.return_id is not None]
    assert returns == [("Health return not received (due Tue 29 Dec)", "returns"),
                       ("School return not received (due Tue 29 Dec)", "returns")]
    assert all(i.rag in (Rag.RED, Rag.AMBER) for i in status.why)
    assert status.rag is Rag.RED and any(i.rag is Rag.RED for i in status.why)
    _close(session, manager, _ret(session, review, "Health"), "no return", on=WED_30_DEC)
    after = get_review_status(session, manager, review_id=review.id, as_of=WED_30_DEC)
    assert "Health return" not in " ".join(i.label for i in after.why)


# ------------------------------------------------------------------ 5. weekends count as the working day before


def test_a_saturday_submission_after_a_friday_day_15_is_on_time_on_the_page_and_the_board(
        session: Session, officer: Account, manager: Account, make_account: MakeAccount) -> None:
    from tests.integration.test_board import add_review
    # Received Mon 4 Jan 2027: Day 15 = Fri 22 Jan; submitted Sat 23 Jan.
    weekend = add_review(session, officer, D(2027, 1, 4), "other", D(2027, 1, 4), None, D(2027, 1, 23), None, None,
                         None, initials="WK")
    status = get_review_status(session, manager, review_id=weekend.id, as_of=D(2027, 1, 25))
    assert status.progress == "submitted on time (Day 15)"
    figures = board_figures(session, make_account("board"), first_quarter=Quarter(2026, 4),
                            last_quarter=Quarter(2026, 4), as_of=D(2027, 2, 1)).current
    assert (figures.total.submitted, figures.total.on_time, figures.total.wd_max) == (1, 1, 14)


def test_a_return_received_on_the_saturday_after_a_friday_due_date_is_on_time(session: Session, officer: Account,
                                                                              review: Review) -> None:
    police = Agency(name="Weekend Police", kind="police", active=True)
    session.add(police)
    session.flush()
    ret = record_returns_requested(session, officer, review_id=review.id, agency_ids=[police.id],
                                   requested_on=FRI_8_JAN, as_of=FRI_8_JAN)[0]  # due Fri 15 Jan
    record_return_received(session, officer, return_id=ret.id, expected_version=None, received_on=D(2027, 1, 16),
                           signed_by_senior_manager=True, signatory_role="DCI", as_of=D(2027, 1, 16))
    text = session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == ret.id)
                           .order_by(LogEntry.id.desc())).first()
    assert text is not None
    assert text.startswith("Return received from Weekend Police on 16 Jan 2027, on time (due 15 Jan 2027)")


# ------------------------------------------------------------------ 5. final QA; scoping forms sent


def test_final_qa_refuses_to_accept_an_unsigned_return(session: Session, officer: Account, manager: Account,
                                                       review: Review) -> None:
    school = _ret(session, review, "School")
    record_return_received(session, officer, return_id=school.id, expected_version=None, received_on=MON_21_DEC,
                           signed_by_senior_manager=False, as_of=MON_21_DEC)
    record_initial_check(session, officer, return_id=school.id, expected_version=None, checked_on=MON_21_DEC,
                         outcome="concerns", note="Not signed.", as_of=MON_21_DEC, sufficient_information=True,
                         dates_present=True, analysis=True, signed=False)
    with pytest.raises(InvalidInput, match="is not signed by a senior manager, so it cannot be accepted: send it "
                                           "back asking for the senior manager's sign-off"):
        record_final_qa(session, manager, return_id=school.id, expected_version=None, decided_on=MON_21_DEC,
                        outcome="accepted", as_of=MON_21_DEC)
    sent_back = record_final_qa(session, manager, return_id=school.id, expected_version=None, decided_on=MON_21_DEC,
                                outcome="sent back", reason="Please have it signed.", new_due_date=TUE_29_DEC,
                                as_of=MON_21_DEC)
    assert sent_back.final_qa_outcome == "sent back"


def test_scoping_forms_sent_completes_itself_when_the_requests_are_recorded(session: Session, review: Review) -> None:
    milestone = _milestone(review, "scoping_sent")
    assert milestone.done_date == FRI_18_DEC
    assert milestone.note == "Completed automatically: scoping forms recorded as sent (Agency returns page)."


# ------------------------------------------------------------------ 5. minutes of every meeting


def test_minutes_of_a_pre_meet_count_against_the_next_working_day_in_the_rag(session: Session, officer: Account,
                                                                             manager: Account, review: Review) -> None:
    from services.meetings.service import record_meeting
    police = session.scalars(select(Agency).where(Agency.name == "Police")).one()
    record_meeting(session, officer, review_id=review.id, kind="pre_meet", held_on=MON_21_DEC,
                   agency_ids=[police.id], as_of=MON_21_DEC)
    wed = D(2026, 12, 23)
    status = get_review_status(session, manager, review_id=review.id, as_of=wed)
    minutes = [(i.rag, i.label, i.page) for i in status.why if i.label.startswith("Minutes of the pre-meet")]
    assert minutes == [(Rag.RED, "Minutes of the pre-meet of Mon 21 Dec (Tue 22 Dec)", "meetings")]
    assert status.rag is Rag.RED


# ------------------------------------------------------------------ 7. incident and CSC dates unknown at opening


def test_a_review_opens_without_the_incident_and_csc_dates_shown_as_not_known_yet(
        session: Session, officer: Account, manager: Account, review_dates_unknown: Review) -> None:
    review = review_dates_unknown
    assert (review.incident_date, review.csc_aware_date) == (None, None)
    status = get_review_status(session, officer, review_id=review.id, as_of=MON_21_DEC)
    assert (status.sin_due_date, status.sin_timeliness) == (None, "not known yet")
    assert any(t.endswith("Not known yet: incident date and date CSC became aware (required before sign-off).")
               for t in _texts(session, review))
    details = dict(get_report(session, officer, review_id=review.id, as_of=MON_21_DEC).content.case_details)
    assert (details["Incident"], details["Children's Social Care became aware"]) == ("not known yet", "not known yet")
    assert details["Serious Incident Notification made by CSC"] == "not known yet"
    draft = make_draft(session, officer, review_id=review.id, as_of=MON_21_DEC).version
    word = Document(io.BytesIO(get_version_file(session, officer, version_id=draft.id).data))
    in_word = {row.cells[0].text: row.cells[1].text for row in word.tables[0].rows}
    assert (in_word["Incident"], in_word["Children's Social Care became aware"]) == ("not known yet", "not known yet")


# A way the report is signed off: (session, chair, manager, review) -> the signed final version.
SignOffPath = Callable[[Session, Account, Account, Review], VersionInfo]
SIGN_OFF_PATHS: dict[str, SignOffPath] = {
    "the Chair's own": lambda session, chair, manager, review: sign_off(
        session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=MON_11_JAN),
    "recorded by the Manager": lambda session, chair, manager, review: record_sign_off_given_outside(
        session, manager, review_id=review.id, signed_on=MON_11_JAN, chair_name="Dr J Smith",
        how_given="by email", as_of=MON_11_JAN),
}


@pytest.mark.parametrize("path", list(SIGN_OFF_PATHS))
def test_sign_off_is_refused_until_the_incident_and_csc_dates_are_given(
        session: Session, officer: Account, chair: Account, manager: Account, review_dates_unknown: Review,
        path: str) -> None:
    review = review_dates_unknown
    sign = SIGN_OFF_PATHS[path]
    _ready_to_sign(session, officer, manager, review)
    with pytest.raises(InvalidInput) as refused:
        sign(session, chair, manager, review)
    assert str(refused.value) == (
        "The report cannot be signed off while the incident date and the date CSC became aware are not known: "
        "record them on the Review page (Correct the review's dates) first.")
    update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                        incident_date=D(2026, 12, 14), csc_aware_date=None, sin_submitted_date=None,
                        notification_received_date=FRI_18_DEC, as_of=MON_11_JAN)
    with pytest.raises(InvalidInput, match="while the date CSC became aware is not known: record it"):
        sign(session, chair, manager, review)
    # The date order still holds once a date is given: CSC cannot become aware before the incident.
    with pytest.raises(InvalidInput, match="must be on or before the date CSC became aware"):
        update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                            incident_date=D(2026, 12, 14), csc_aware_date=D(2026, 12, 11), sin_submitted_date=None,
                            notification_received_date=FRI_18_DEC, as_of=MON_11_JAN)
    update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                        incident_date=D(2026, 12, 14), csc_aware_date=D(2026, 12, 15), sin_submitted_date=None,
                        notification_received_date=FRI_18_DEC, as_of=MON_11_JAN)
    # CSC aware Tue 15 Dec: the SIN was due by Tue 22 Dec (16, 17, 18, 21, 22 Dec); not made by 11 Jan.
    status = get_review_status(session, officer, review_id=review.id, as_of=MON_11_JAN)
    assert (status.sin_due_date, status.sin_timeliness) == (D(2026, 12, 22), "late (not yet made)")
    assert sign(session, chair, manager, review).state == "signed_final"
    assert _milestone(review, "signed_report").done_date == MON_11_JAN


# ------------------------------------------------------------------ 9. correcting the date of a completed step


def _entries(session: Session, review: Review) -> list[LogEntry]:
    return list(session.scalars(select(LogEntry).where(LogEntry.review_id == review.id).order_by(LogEntry.id)))


def test_correcting_the_meeting_date_keeps_the_correction_logs_it_and_moves_the_minutes_due_date(
        session: Session, officer: Account, chair: Account, manager: Account, review: Review) -> None:
    police = _ret(session, review, "Police")
    record_meeting(session, chair, review_id=review.id, kind="rr_meeting", held_on=WED_30_DEC,
                   agency_ids=[police.agency_id], chair_name="Dr J Smith", as_of=WED_30_DEC)
    meeting, minutes = _milestone(review, "rr_meeting"), _milestone(review, "minutes")
    recorded = next(e for e in _entries(session, review)
                    if e.text.startswith("Milestone done: Rapid Review meeting held, on 30 Dec 2026."))
    # Held Wed 30 Dec as recorded: minutes due the next working day, Thu 31 Dec, which is today: amber.
    status = get_review_status(session, manager, review_id=review.id, as_of=THU_31_DEC)
    by_key = {s.milestone.key: s for s in status.milestones}
    assert (by_key["minutes"].milestone.due_date, by_key["minutes"].rag) == (THU_31_DEC, Rag.AMBER)
    version_read = meeting.version

    correct_milestone_date(session, manager, milestone_id=meeting.id, expected_version=version_read,
                           corrected_on=TUE_29_DEC, reason="Typed in the day after it was held.", as_of=THU_31_DEC)

    row = session.scalars(select(MilestoneDateCorrection)).one()
    assert (row.milestone_id, row.old_done_date, row.new_done_date, row.reason, row.corrected_by_id) == \
        (meeting.id, WED_30_DEC, TUE_29_DEC, "Typed in the day after it was held.", manager.id)
    assert meeting.done_date == TUE_29_DEC
    assert session.scalars(select(Meeting.held_on).where(Meeting.review_id == review.id)).one() == TUE_29_DEC
    entry = _entries(session, review)[-1]
    assert (entry.category, entry.by_system, entry.corrects_id, entry.milestone_id, entry.author_id) == \
        ("system", True, recorded.id, meeting.id, manager.id)
    assert entry.text == ("Date of 'Rapid Review meeting held' corrected: done 29 Dec 2026, not 30 Dec 2026 as "
                          "recorded. The meeting's record (date held) moves with it. Reason: Typed in the day after "
                          "it was held.")
    # Held Tue 29 Dec: the minutes were due Wed 30 Dec, before today: red.
    status = get_review_status(session, manager, review_id=review.id, as_of=THU_31_DEC)
    by_key = {s.milestone.key: s for s in status.milestones}
    assert (by_key["minutes"].milestone.due_date, by_key["minutes"].rag) == (WED_30_DEC, Rag.RED)
    assert minutes.due_date == WED_30_DEC
    [listed] = list_date_corrections(session, officer, review_id=review.id)
    assert (listed.milestone_title, listed.old_done_date, listed.new_done_date, listed.corrected_by_name) == \
        ("Rapid Review meeting held", WED_30_DEC, TUE_29_DEC, "Test manager")

    # A form filled against the version before the correction is refused, not written over it.
    with pytest.raises(StaleRecord, match="changed by someone else"):
        correct_milestone_date(session, manager, milestone_id=meeting.id, expected_version=version_read,
                               corrected_on=MON_21_DEC, reason="Another try.", as_of=THU_31_DEC)
    assert meeting.done_date == TUE_29_DEC
    assert len(session.scalars(select(MilestoneDateCorrection)).all()) == 1


@pytest.mark.parametrize("corrected_on, reason, message", [
    (None, "Typed late.", "Give the date 'Timeline agreed with JCR Chair and recorded' was really done."),
    (MON_21_DEC, "Typed late.", "'Timeline agreed with JCR Chair and recorded' is already recorded as done on "
                                "21 Dec 2026: there is nothing to correct."),
    (MON_4_JAN, "Typed late.", "The corrected date (04 Jan 2027) cannot be in the future."),
    (D(2026, 12, 17), "Typed late.", "The corrected date (17 Dec 2026) cannot be before the notification was "
                                     "received (18 Dec 2026)."),
    (FRI_18_DEC, "  ", "Say why the date is corrected (for example 'recorded on the day it was typed in, not the "
                       "day it was done')."),
])
def test_a_correction_is_refused_with_a_sentence_and_writes_nothing(
        session: Session, officer: Account, manager: Account, review: Review, corrected_on: date | None, reason: str,
        message: str) -> None:
    timeline = _milestone(review, "timeline_agreed")
    record_milestone_done(session, officer, milestone_id=timeline.id, done_on=MON_21_DEC, as_of=MON_21_DEC)
    entries = len(_entries(session, review))
    with pytest.raises(InvalidInput) as refused:
        correct_milestone_date(session, manager, milestone_id=timeline.id, expected_version=timeline.version,
                               corrected_on=corrected_on, reason=reason, as_of=THU_31_DEC)
    assert str(refused.value) == message
    assert timeline.done_date == MON_21_DEC
    assert session.scalars(select(MilestoneDateCorrection)).all() == []
    assert len(_entries(session, review)) == entries


def test_steps_not_done_and_the_report_s_own_steps_are_not_corrected_here(session: Session, officer: Account,
                                                                          manager: Account, review: Review) -> None:
    collated = _milestone(review, "returns_collated")
    with pytest.raises(InvalidInput, match="is not done yet: there is no date to correct"):
        correct_milestone_date(session, manager, milestone_id=collated.id, expected_version=None,
                               corrected_on=MON_21_DEC, reason="x", as_of=THU_31_DEC)
    send_to_chair(session, officer, review_id=review.id, sent_on=WED_30_DEC, as_of=WED_30_DEC)
    with pytest.raises(InvalidInput, match="is the date of the version sent to the JCR Chair"):
        correct_milestone_date(session, manager, milestone_id=_milestone(review, "report_to_chair").id,
                               expected_version=None, corrected_on=TUE_29_DEC, reason="x", as_of=THU_31_DEC)


def test_a_meeting_cannot_be_moved_after_its_minutes(session: Session, chair: Account, manager: Account,
                                                     review: Review) -> None:
    police = _ret(session, review, "Police")
    record_meeting(session, chair, review_id=review.id, kind="rr_meeting", held_on=WED_30_DEC,
                   agency_ids=[police.agency_id], chair_name="Dr J Smith", minutes_circulated_on=THU_31_DEC,
                   as_of=THU_31_DEC)
    with pytest.raises(InvalidInput) as refused:
        correct_milestone_date(session, manager, milestone_id=_milestone(review, "rr_meeting").id,
                               expected_version=None, corrected_on=MON_4_JAN, reason="Typed early.", as_of=MON_4_JAN)
    assert str(refused.value) == ("The corrected date (04 Jan 2027) cannot be after the meeting's minutes were "
                                  "circulated (31 Dec 2026).")


def test_correcting_the_submission_date_moves_the_review_s_date_and_its_day(
        session: Session, officer: Account, chair: Account, manager: Account, review: Review) -> None:
    _ready_to_sign(session, officer, manager, review)
    sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=MON_11_JAN)
    submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, as_of=TUE_12_JAN)
    submission = _milestone(review, "panel_submission")
    with pytest.raises(InvalidInput, match=r"cannot be before the Chair's sign-off \(11 Jan 2027\)"):
        correct_milestone_date(session, manager, milestone_id=submission.id, expected_version=None,
                               corrected_on=FRI_8_JAN, reason="Sent on the Friday.", as_of=TUE_12_JAN)
    correct_milestone_date(session, manager, milestone_id=submission.id, expected_version=submission.version,
                           corrected_on=MON_11_JAN, reason="Sent the evening it was signed.", as_of=TUE_12_JAN)
    assert review.submitted_to_panel_date == MON_11_JAN
    # Day 1 Fri 18 Dec; Mon 11 Jan is Day 14 (18, 21-24, 29-31 Dec; 4-8, 11 Jan).
    status = get_review_status(session, manager, review_id=review.id, as_of=TUE_12_JAN)
    assert status.progress == "submitted on time (Day 14)"
