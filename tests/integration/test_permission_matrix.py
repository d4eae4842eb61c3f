"""Every public service function against every role: allowed calls succeed, the rest raise NotAllowed."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest

import services
from db.models import ROLES, Agency
from services.errors import NotAllowed
from services.reviews import ChildEntry, open_review

TODAY = date(2026, 11, 26)


def _service_modules():
    for info in pkgutil.iter_modules(services.__path__):
        yield importlib.import_module(f"services.{info.name}")


def _public_functions():
    for module in _service_modules():
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            yield f"{module.__name__.removeprefix('services.')}.{name}", fn


def _takes_an_actor(fn) -> bool:
    params = list(inspect.signature(inspect.unwrap(fn)).parameters)
    return params[:2] == ["session", "actor"]


# Helpers that other services call inside their own guarded call, never pages.
INTERNAL = {"daily_log.append_system_entry"}
GUARDED = {name: fn for name, fn in _public_functions() if _takes_an_actor(fn) and name not in INTERNAL}


def test_every_service_taking_an_actor_declares_its_roles():
    unguarded = [name for name, fn in GUARDED.items() if not getattr(fn, "allowed_roles", None)]
    assert unguarded == []


def test_board_may_read_no_case_data():
    case_functions = [n for n in GUARDED if n.split(".")[0] in ("reviews", "daily_log", "returns", "meetings", "report")]
    assert case_functions, "the matrix found no case-data services"
    assert [n for n in case_functions if "board" in GUARDED[n].allowed_roles] == []


@pytest.fixture
def ctx(session, make_account):
    """A review opened by an officer, with ids the allowed calls need."""
    officer = make_account("officer")
    review = open_review(
        session, officer, notification_type="death", incident_date=date(2026, 11, 16),
        csc_aware_date=date(2026, 11, 17), notification_received_date=date(2026, 11, 18),
        children=[ChildEntry("AB", 4)], as_of=TODAY,
    )
    other = make_account("officer")
    from services.agencies import add_agency
    from services.settings import add_closure_day

    admin = make_account("admin")
    agency = add_agency(session, admin, name="Matrix Agency", kind="health", contact_email=None)
    add_closure_day(session, admin, closed_on=date(2027, 12, 29), reason="closure")
    milestones = {m.key: m for m in review.milestones}
    return {"review": review, "milestones": milestones, "other": other, "agency": agency, "session": session,
            "manager": make_account("manager")}


def _review_kwargs(ctx):
    r = ctx["review"]
    return dict(review_id=r.id, expected_version=r.version, incident_date=r.incident_date,
                csc_aware_date=date(2026, 11, 18), sin_submitted_date=None,
                notification_received_date=r.notification_received_date, as_of=TODAY)


# One valid call for each guarded service; the matrix runs it as every role the service allows.
ALLOWED_CALLS = {
    "plan.list_plan_templates": lambda s, a, c: {},
    "plan.update_plan_template": lambda s, a, c: dict(
        template_id=1, title="Timeline agreed", window_start_day=1, window_end_day=1, owner="manager", active=True),
    "settings.update_settings": lambda s, a, c: dict(
        partnership_name="Test Partnership", amber_threshold_days=2, idle_timeout_minutes=30),
    "settings.list_closure_days": lambda s, a, c: {},
    "settings.add_closure_day": lambda s, a, c: dict(closed_on=date(2027, 12, 30), reason="closure"),
    "settings.remove_closure_day": lambda s, a, c: dict(closed_on=date(2027, 12, 29)),
    "reviews.list_live_reviews": lambda s, a, c: dict(as_of=TODAY),
    "reviews.get_review_status": lambda s, a, c: dict(review_id=c["review"].id, as_of=TODAY),
    "reviews.list_reviews": lambda s, a, c: {},
    "reviews.open_review": lambda s, a, c: dict(
        notification_type="other", incident_date=date(2026, 11, 20), csc_aware_date=date(2026, 11, 20),
        notification_received_date=date(2026, 11, 23), children=[ChildEntry("CD", 9)], as_of=TODAY),
    "reviews.update_review_dates": lambda s, a, c: _review_kwargs(c),
    "reviews.record_milestone_done": lambda s, a, c: dict(
        milestone_id=c["milestones"]["case_folder"].id, done_on=TODAY, as_of=TODAY),
    "reviews.set_agreed_date": lambda s, a, c: dict(
        milestone_id=c["milestones"]["rr_meeting"].id, agreed_on=date(2026, 12, 1), reason="Chair's diary"),
    "reviews.list_delegates": lambda s, a, c: {},
    "reviews.delegate_milestone": lambda s, a, c: dict(
        milestone_id=c["milestones"]["rr_meeting"].id, delegate_to_id=c["other"].id),
    "reviews.list_delegated_to_me": lambda s, a, c: dict(as_of=TODAY),
    "accounts.list_accounts": lambda s, a, c: {},
    "accounts.create_account": lambda s, a, c: dict(
        username="matrix-new", display_name="New", roles=["officer"], password="a long password"),
    "accounts.set_roles": lambda s, a, c: dict(account_id=c["other"].id, roles=["officer", "chair"]),
    "accounts.set_active": lambda s, a, c: dict(account_id=c["other"].id, active=False),
    "accounts.reset_password": lambda s, a, c: dict(account_id=c["other"].id, new_password="another long one"),
    "daily_log.add_log_entry": lambda s, a, c: dict(review_id=c["review"].id, category="communication",
                                                    text="Matrix note."),
    "daily_log.search_log": lambda s, a, c: dict(review_id=c["review"].id),
    "daily_log.list_log_authors": lambda s, a, c: dict(review_id=c["review"].id),
    "daily_log.list_milestone_choices": lambda s, a, c: dict(review_id=c["review"].id),
    "daily_log.export_log_csv": lambda s, a, c: dict(review_id=c["review"].id),
    "daily_log.export_log_xlsx": lambda s, a, c: dict(review_id=c["review"].id),
    "daily_log.case_folder_register": lambda s, a, c: dict(review_id=c["review"].id),
    "agencies.list_agencies": lambda s, a, c: {},
    "agencies.add_agency": lambda s, a, c: dict(name="New Agency", kind="police", contact_email="a@b.example"),
    "agencies.update_agency": lambda s, a, c: dict(
        agency_id=c["agency"].id, name="Matrix Agency", kind="health", contact_email=None, active=False),
}


def _return_at(s, c, stage):
    """A return of ctx's review for a new agency, brought to `stage` by ctx's officer and manager."""
    from services import returns as r

    made = c.setdefault("returns", [])
    agency = Agency(name=f"Returns agency {len(made)}", kind="health", active=True)
    s.add(agency)
    s.flush()
    officer, manager = c["other"], c["manager"]
    ret = r.record_returns_requested(s, officer, review_id=c["review"].id, agency_ids=[agency.id],
                                     requested_on=TODAY, as_of=TODAY)[0]
    made.append(ret)
    if stage in ("received", "checked", "sent back"):
        r.record_return_received(s, officer, return_id=ret.id, expected_version=None, received_on=TODAY,
                                 signed_by_senior_manager=False, as_of=TODAY)
    if stage in ("checked", "sent back"):
        r.record_initial_check(s, officer, return_id=ret.id, expected_version=None, checked_on=TODAY,
                               sufficient_information=True, dates_present=True, analysis=True, signed=False,
                               outcome="concerns", note="Unsigned.", as_of=TODAY)
    if stage == "sent back":
        r.record_final_qa(s, manager, return_id=ret.id, expected_version=None, decided_on=TODAY,
                          outcome="sent back", reason="Have it signed.", new_due_date=TODAY, as_of=TODAY)
    return ret


ALLOWED_CALLS.update({
    "returns.list_returns": lambda s, a, c: dict(review_id=c["review"].id, as_of=TODAY),
    "returns.list_outstanding_returns": lambda s, a, c: dict(as_of=TODAY),
    "returns.returns_received_counts": lambda s, a, c: {},
    "returns.export_checklist": lambda s, a, c: dict(review_id=c["review"].id, as_of=TODAY, file_format="csv"),
    "returns.chase_email": lambda s, a, c: dict(return_id=_return_at(s, c, "awaiting").id, as_of=TODAY),
    "returns.record_chase": lambda s, a, c: dict(return_id=_return_at(s, c, "awaiting").id, as_of=TODAY),
    "returns.record_returns_requested": lambda s, a, c: dict(
        review_id=c["review"].id, agency_ids=[c["agency"].id], requested_on=TODAY, as_of=TODAY),
    "returns.record_return_received": lambda s, a, c: dict(
        return_id=_return_at(s, c, "awaiting").id, expected_version=None, received_on=TODAY,
        signed_by_senior_manager=False, as_of=TODAY),
    "returns.record_resubmission_received": lambda s, a, c: dict(
        return_id=_return_at(s, c, "sent back").id, expected_version=None, received_on=TODAY,
        signed_by_senior_manager=False, as_of=TODAY),
    "returns.record_initial_check": lambda s, a, c: dict(
        return_id=_return_at(s, c, "received").id, expected_version=None, checked_on=TODAY,
        sufficient_information=True, dates_present=True, analysis=True, signed=True, outcome="satisfactory",
        as_of=TODAY),
    "returns.record_shared_with_chair": lambda s, a, c: dict(
        return_id=_return_at(s, c, "received").id, expected_version=None, shared_on=TODAY, as_of=TODAY),
    "returns.record_final_qa": lambda s, a, c: dict(
        return_id=_return_at(s, c, "checked").id, expected_version=None, decided_on=TODAY, outcome="accepted",
        as_of=TODAY),
    "returns.record_file_location": lambda s, a, c: dict(
        return_id=_return_at(s, c, "received").id, expected_version=None, file_section="I",
        file_path="I/return.docx"),
    "returns.record_summary": lambda s, a, c: dict(
        return_id=_return_at(s, c, "received").id, expected_version=None, summary="Known to the agency."),
})


# Board figures (issue 7): aggregates only, for the board and the manager.
from services.board import Quarter  # noqa: E402

ALLOWED_CALLS.update({
    "board.board_figures": lambda s, a, c: dict(
        first_quarter=Quarter(2025, 4), last_quarter=Quarter(2026, 3), as_of=TODAY),
    "board.board_quarters": lambda s, a, c: dict(as_of=TODAY),
})



def _report_at(s, c, stage):
    """ctx's review with its report brought to `stage` ('sent', 'signed', 'submitted') by ctx's officer, a chair and
    the manager; every section written first, so the Chair may sign."""
    from services import report as rep
    from services.report_content import WRITABLE_KEYS
    from services.returns import record_summary

    officer, manager = c["other"], c["manager"]
    review_id = c["review"].id
    ret = _return_at(s, c, "received")
    record_summary(s, officer, return_id=ret.id, expected_version=None, summary="Known to the agency.")
    for key in WRITABLE_KEYS:
        rep.save_section(s, officer, review_id=review_id, section_key=key, text="Written.", expected_version=0)
    rep.record_lcspr_decision(s, officer, review_id=review_id, expected_version=None, decision=False, reason="Not met.")
    rep.send_to_chair(s, officer, review_id=review_id, sent_on=TODAY, as_of=TODAY)
    if stage in ("signed", "submitted"):
        from db.models import Account

        chair = Account(username=f"matrix-chair-{stage}", display_name="Matrix Chair", roles=["chair"], active=True,
                        password_hash=officer.password_hash, failed_attempts=0)
        s.add(chair)
        s.flush()
        rep.sign_off(s, chair, review_id=review_id, signed_on=TODAY, as_of=TODAY)
    if stage == "submitted":
        rep.submit_to_panel(s, manager, review_id=review_id, submitted_on=TODAY, as_of=TODAY)
    return review_id


def _meeting_id(s, c):
    from services.meetings import record_meeting

    return record_meeting(s, c["other"], review_id=c["review"].id, kind="pre_meet", held_on=TODAY,
                          agency_ids=[c["agency"].id], as_of=TODAY).id


def _draft_id(s, c):
    from services.report import make_draft

    return make_draft(s, c["other"], review_id=c["review"].id, as_of=TODAY).version.id


ALLOWED_CALLS.update({
    "meetings.list_meetings": lambda s, a, c: dict(review_id=c["review"].id, as_of=TODAY),
    "meetings.record_meeting": lambda s, a, c: dict(
        review_id=c["review"].id, kind="rr_meeting", held_on=TODAY, agency_ids=[c["agency"].id],
        chair_name="Matrix Chair", as_of=TODAY),
    "meetings.update_meeting": lambda s, a, c: dict(
        meeting_id=_meeting_id(s, c), expected_version=None, agency_ids=[c["agency"].id], chair_name="",
        minute_taker_name="Matrix Officer", minutes_circulated_on=TODAY, decisions="Agreed.", as_of=TODAY),
    "report.get_report": lambda s, a, c: dict(review_id=c["review"].id, as_of=TODAY),
    "report.get_version_file": lambda s, a, c: dict(version_id=_draft_id(s, c)),
    "report.make_draft": lambda s, a, c: dict(review_id=c["review"].id, as_of=TODAY),
    "report.save_section": lambda s, a, c: dict(
        review_id=c["review"].id, section_key="learning", text="Learning.", expected_version=0),
    "report.record_lcspr_decision": lambda s, a, c: dict(
        review_id=c["review"].id, expected_version=None, decision=True, reason="Criteria met."),
    "report.set_ofsted_required": lambda s, a, c: dict(review_id=c["review"].id, required=True),
    "report.send_to_chair": lambda s, a, c: dict(review_id=c["review"].id, sent_on=TODAY, as_of=TODAY),
    "report.sign_off": lambda s, a, c: dict(review_id=_report_at(s, c, "sent"), signed_on=TODAY, as_of=TODAY),
    "report.submit_to_panel": lambda s, a, c: dict(
        review_id=_report_at(s, c, "signed"), submitted_on=TODAY, as_of=TODAY),
    "report.record_responses": lambda s, a, c: dict(
        review_id=_report_at(s, c, "submitted"), panel_response_on=TODAY, as_of=TODAY),
})

# An agreed due date for one return (manager only).
ALLOWED_CALLS["returns.set_return_agreed_date"] = lambda s, a, c: dict(
    return_id=_return_at(s, c, "awaiting").id, expected_version=None, agreed_on=TODAY,
    reason="Later date agreed with the agency.")

def test_the_matrix_has_a_call_for_every_guarded_service():
    assert sorted(set(GUARDED) - set(ALLOWED_CALLS)) == []


MATRIX = [(name, role) for name in sorted(GUARDED) for role in ROLES]


@pytest.mark.parametrize("name, role", MATRIX, ids=[f"{n}-{r}" for n, r in MATRIX])
def test_permission_matrix(name, role, ctx, make_account):
    fn = GUARDED[name]
    actor = make_account(role)
    session = ctx["session"]
    if role in fn.allowed_roles:
        fn(session, actor, **ALLOWED_CALLS[name](session, actor, ctx))
    else:
        with pytest.raises(NotAllowed):
            fn(session, actor, **ALLOWED_CALLS.get(name, lambda s, a, c: {})(session, actor, ctx))


def test_inactive_accounts_are_refused_everywhere(session, make_account):
    from services.reviews import list_live_reviews

    manager = make_account("manager")
    manager.active = False
    with pytest.raises(NotAllowed, match="sign in"):
        list_live_reviews(session, manager, as_of=TODAY)
