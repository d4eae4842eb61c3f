"""Arbitrary text into every free-text field of every service, then every export and the Word report.

Each input is either saved, after which the returns checklist (Excel and CSV), the daily log (Excel and CSV) and a
Word draft of the report all build, or refused with a ServiceError sentence. Nothing else: no database error, no
exception from openpyxl or python-docx, no traceback. Each example runs in a savepoint that is rolled back."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from db.models import Account, ReviewMilestone
from db.models_returns import AgencyReturn
from services.accounts import create_account
from services.agencies import add_agency, update_agency
from services.daily_log.exports import export_log_csv, export_log_xlsx
from services.daily_log.rules import LogFilters
from services.daily_log.service import add_log_entry
from services.errors import ServiceError
from services.meetings.service import record_meeting
from services.plan import list_plan_templates, update_plan_template
from services.report.service import make_draft, record_lcspr_decision, save_section
from services.returns.exports import export_checklist
from services.returns.service import (
    record_file_location,
    record_final_qa,
    record_initial_check,
    record_returns_requested,
    record_summary,
    set_return_agreed_date,
)
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done, set_agreed_date
from services.settings import add_closure_day, update_settings

TODAY = date(2026, 11, 26)  # a Thursday
RECEIVED = date(2026, 11, 24)

HOSTILE = st.one_of(
    st.text(max_size=80),
    # Control characters, punctuation and digits: the characters most likely to break a parser or a file format.
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x40), max_size=40),
    st.builds(lambda piece, times: piece * times,
              st.sampled_from(["x", "é", "\x00", "\v", " ", "\u202e", "\U0001f642", "=1+1", "\n"]),
              st.integers(min_value=0, max_value=25_000)),
    st.sampled_from([
        "<script>alert(1)</script>", '=HYPERLINK("http://127.0.0.1:9","x")', "+cmd|' /C calc'!A0", "@SUM(1)",
        "\ud800 lone surrogate", "tab\tand\r\nwindows line", "ß ı İ", "", "   ", "line\u2028separator",
    ]),
)


@pytest.fixture
def ctx(session: Session, make_account: Callable[..., Account]) -> dict[str, Any]:
    """A review with a return in each stage a free-text step needs, and the accounts to act as."""
    officer, manager, admin = make_account("officer"), make_account("manager"), make_account("admin")
    review = open_review(session, officer, notification_type="death", incident_date=RECEIVED,
                         csc_aware_date=RECEIVED, notification_received_date=RECEIVED,
                         children=[ChildEntry("AB", 4)], as_of=TODAY)
    agencies = [add_agency(session, admin, name=f"Property Agency {n}", kind="health", contact_email=None)
                for n in range(3)]
    requested, received, checked = record_returns_requested(
        session, officer, review_id=review.id, agency_ids=[a.id for a in agencies], requested_on=RECEIVED, as_of=TODAY)
    for ret in (received, checked):
        record_return_received(session, officer, return_id=ret.id, expected_version=None, received_on=TODAY,
                               signed_by_senior_manager=True, signatory_role="Head of service", as_of=TODAY)
    record_initial_check(session, officer, return_id=checked.id, expected_version=None, checked_on=TODAY,
                         sufficient_information=True, dates_present=True, analysis=True, signed=True,
                         outcome="satisfactory", note="", as_of=TODAY)
    milestones = {m.key: m.id for m in review.milestones}
    return {"session": session, "officer": officer, "manager": manager, "admin": admin, "review_id": review.id,
            "requested": requested.id, "received": received.id, "checked": checked.id, "agency": agencies[0].id,
            "case_folder": milestones["case_folder"], "rr_meeting": milestones["rr_meeting"]}


def _version(c: dict[str, Any], model: type, row_id: int) -> int:
    return int(c["session"].get(model, row_id).version)


# One call per free-text field: (who acts, the call with the text in that field).
FIELDS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "milestone note": lambda c, t: record_milestone_done(
        c["session"], c["officer"], milestone_id=c["case_folder"], done_on=TODAY, note=t, as_of=TODAY),
    "agreed date reason": lambda c, t: set_agreed_date(
        c["session"], c["manager"], milestone_id=c["rr_meeting"],
        expected_version=_version(c, ReviewMilestone, c["rr_meeting"]), agreed_on=date(2026, 12, 4), reason=t),
    "signatory role": lambda c, t: record_return_received(
        c["session"], c["officer"], return_id=c["requested"], expected_version=None, received_on=TODAY,
        signed_by_senior_manager=True, signatory_role=t, as_of=TODAY),
    "return agreed date reason": lambda c, t: set_return_agreed_date(
        c["session"], c["manager"], return_id=c["requested"],
        expected_version=_version(c, AgencyReturn, c["requested"]), agreed_on=date(2026, 12, 7), reason=t),
    "initial check note": lambda c, t: record_initial_check(
        c["session"], c["officer"], return_id=c["received"], expected_version=None, checked_on=TODAY,
        sufficient_information=True, dates_present=True, analysis=False, signed=True, outcome="concerns", note=t,
        as_of=TODAY),
    "send-back reason": lambda c, t: record_final_qa(
        c["session"], c["manager"], return_id=c["checked"], expected_version=None, decided_on=TODAY,
        outcome="sent back", reason=t, new_due_date=date(2026, 12, 3), as_of=TODAY),
    "file path": lambda c, t: record_file_location(
        c["session"], c["officer"], return_id=c["received"], expected_version=None, file_section="I", file_path=t),
    "return summary": lambda c, t: record_summary(
        c["session"], c["officer"], return_id=c["received"], expected_version=None, summary=t),
    "log entry": lambda c, t: add_log_entry(
        c["session"], c["officer"], review_id=c["review_id"], category="other", text=t, folder_section=None,
        file_path=None),
    "log file path": lambda c, t: add_log_entry(
        c["session"], c["officer"], review_id=c["review_id"], category="document filed", text="Filed.",
        folder_section="II", file_path=t),
    "meeting decisions": lambda c, t: record_meeting(
        c["session"], c["officer"], review_id=c["review_id"], kind="pre_meet", held_on=TODAY, agency_ids=[c["agency"]],
        chair_name="Chair", minute_taker_name=t, decisions=t, as_of=TODAY),
    "report section": lambda c, t: save_section(
        c["session"], c["officer"], review_id=c["review_id"], section_key="summary", text=t, expected_version=0),
    "LCSPR reasons": lambda c, t: record_lcspr_decision(
        c["session"], c["officer"], review_id=c["review_id"], expected_version=None, decision=False, reason=t),
    "agency name": lambda c, t: update_agency(
        c["session"], c["admin"], agency_id=c["agency"], name=t, kind=t, contact_email=None,
        jcr_rep_email=None, active=True),
    "new agency": lambda c, t: add_agency(c["session"], c["admin"], name=t, kind="health", contact_email=None),
    "display name": lambda c, t: create_account(
        c["session"], c["admin"], username="property-new", display_name=t, roles=["officer"],
        password="a long enough password"),
    "closure reason": lambda c, t: add_closure_day(c["session"], c["admin"], closed_on=date(2027, 2, 3), reason=t),
    "partnership name": lambda c, t: update_settings(
        c["session"], c["admin"], partnership_name=t, amber_threshold_days=1, idle_timeout_minutes=30),
    "plan step title": lambda c, t: _rename_first_step(c, t),
}


def _rename_first_step(c: dict[str, Any], title: str) -> Any:
    step = list_plan_templates(c["session"], c["admin"])[0]
    return update_plan_template(c["session"], c["admin"], template_id=step.id, title=title,
                                window_start_day=step.window_start_day, window_end_day=step.window_end_day,
                                owner=title, active=step.active)


def _build_every_file(c: dict[str, Any]) -> None:
    s, officer, review_id = c["session"], c["officer"], c["review_id"]
    for file_format in ("xlsx", "csv"):
        assert export_checklist(s, officer, review_id=review_id, as_of=TODAY, file_format=file_format).data
    assert export_log_csv(s, officer, filters=LogFilters(review_id=review_id))
    assert export_log_xlsx(s, officer, filters=LogFilters(review_id=review_id))
    assert make_draft(s, officer, review_id=review_id, as_of=TODAY)


@pytest.mark.parametrize("field", list(FIELDS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(typed=HOSTILE)
def test_any_text_is_saved_and_exports_or_is_refused_with_a_sentence(
        ctx: dict[str, Any], field: str, typed: str) -> None:
    session = ctx["session"]
    savepoint = session.begin_nested()
    try:
        session.expire_all()
        try:
            FIELDS[field](ctx, typed)
        except ServiceError as refused:
            assert str(refused).strip(), f"{field}: a refusal without a sentence"
            assert str(refused)[0].isupper() and str(refused).rstrip().endswith((".", ")", "'")), str(refused)
        else:
            session.flush()
            _build_every_file(ctx)
    finally:
        savepoint.rollback()
