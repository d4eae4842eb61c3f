"""Fictional demo meetings, report text and report versions for the demo reviews (issue 6).

`allow_demo_history` is called at the start of services.demo.load_demo_data: the demo records three years of
past reviews, and plays each live review up to today, by completing milestones by hand, as reviews finished
before the tracker would be; the report's milestones are only allowed that way in this session, until
`load_demo_reports` (called at the end) closes the door again and gives the live reviews their meetings,
written sections and versions in several states, through the services wherever the rules allow.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Account, Review
from db.models_returns import AgencyReturn
from services import meetings as meeting_svc
from services import report as report_svc
from services.calendar import load_calendar
from services.clock import LONDON
from services.daily_log import append_system_entry

TEXTS = {
    "incident_summary": (
        "Fictional demo text. The child was taken to hospital by ambulance with injuries that the clinicians "
        "thought were unlikely to be accidental. The police opened an investigation the same day.\n"
        "The family were known to Early Help and, earlier in the year, to Children's Social Care."
    ),
    "practice_episodes": (
        "Fictional demo text.\n"
        "- Episode 1: a missed health appointment was not followed up with the family.\n"
        "- Episode 2: a referral to Children's Social Care was closed after a single home visit.\n"
        "- Episode 3: information held by the school was not shared before the strategy discussion.\n"
        "Analysis: each agency acted within its own procedures, but no agency held the whole picture."
    ),
    "lived_experience": (
        "Fictional demo text. Professionals saw the child only briefly and mostly with a parent present. The "
        "family's first language is not English and interpreters were not always used."
    ),
    "immediate_actions": (
        "Fictional demo text. A strategy discussion was held and a child protection plan is in place for the "
        "sibling, who is safe and living with a relative."
    ),
    "learning": (
        "Fictional demo text.\n"
        "- Closing a referral after a single visit needs a manager's review of the history.\n"
        "- Good practice: the health visitor escalated concerns promptly and clearly."
    ),
    "lcspr_decision": "Fictional demo text. None identified.",
    "sign_off": (
        "Fictional demo text. The report was agreed by the statutory partners' safeguarding leads: the local "
        "authority's Director of Children's Services, the ICB's Designated Nurse and the police's Detective "
        "Superintendent for public protection."
    ),
}
DECISIONS = ("Fictional demo text. The meeting agreed the key practice episodes and the learning; the JCR Chair "
             "will draft the LCSPR recommendation with the officer.")
# Sections written by the review's Day today (the report template starts on Day 6).
WRITTEN_BY_DAY = [
    (6, ("incident_summary",)),
    (8, ("practice_episodes", "lived_experience")),
    (10, ("immediate_actions", "learning", "lcspr_decision")),
    (12, ("sign_off",)),
]


def _accounts(session: Session) -> dict[str, Account]:
    return {a.username: a for a in session.scalars(select(Account).where(Account.username.like("demo-%")))}


def _milestone_done(review: Review, key: str):
    return next((m.done_date for m in review.milestones if m.key == key), None)


def _write(session, actor, review, keys, as_of) -> None:
    view = report_svc.get_report(session, actor, review_id=review.id, as_of=as_of)
    for key in keys:
        report_svc.save_section(session, actor, review_id=review.id, section_key=key, text=TEXTS[key],
                                expected_version=view.sections[key].version)


def _meetings(session, people, review: Review, as_of: date, rng: random.Random) -> None:
    officer, chair = people["demo-officer"], people["demo-chair"]
    held = _milestone_done(review, "rr_meeting")
    agency_ids = list(session.scalars(select(AgencyReturn.agency_id).where(AgencyReturn.review_id == review.id)))
    cal = load_calendar(session)
    received = review.notification_received_date
    if cal.day_number(received, as_of) >= 4 and len(agency_ids) > 1:
        pre_meet_day = cal.day_n(received, 3)
        meeting_svc.record_meeting(session, officer, review_id=review.id, kind="pre_meet", held_on=pre_meet_day,
                                   agency_ids=agency_ids[:1], chair_name="", minute_taker_name=officer.display_name,
                                   decisions="Fictional demo text. The agency's lead was talked through the scoping "
                                   "form and the timescales.", as_of=as_of)
    if held is not None and agency_ids:
        minutes = _milestone_done(review, "minutes")
        meeting_svc.record_meeting(session, chair, review_id=review.id, kind="rr_meeting", held_on=held,
                                   agency_ids=agency_ids, chair_name=chair.display_name,
                                   minute_taker_name=officer.display_name, minutes_circulated_on=minutes,
                                   decisions=DECISIONS, as_of=as_of)
    exec_held = _milestone_done(review, "exec_meeting")
    if review.exec_meeting_required and exec_held is not None:
        meeting_svc.record_meeting(session, chair, review_id=review.id, kind="exec_meeting", held_on=exec_held,
                                   agency_ids=agency_ids[:3], chair_name=chair.display_name,
                                   minute_taker_name=officer.display_name,
                                   decisions="Fictional demo text. The AD/DCS agreed the findings.", as_of=as_of)


def _at(day: date, hour: int) -> datetime:
    """A time on a past day, for versions the demo makes after the fact (London time, stored in UTC)."""
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON).astimezone(timezone.utc)


def load_demo_reports(session: Session, *, as_of: date, seed: int = 2026) -> int:
    """Meetings, written sections, LCSPR decisions and report versions for the demo's live reviews; LCSPR
    decisions for its closed ones. Returns how many versions were made."""
    rng = random.Random(seed + 6)
    people = _accounts(session)
    officer, manager, chair = people["demo-officer"], people["demo-manager"], people["demo-chair"]
    cal = load_calendar(session)
    reviews = session.scalars(
        select(Review).options(selectinload(Review.milestones), selectinload(Review.children))
        .order_by(Review.notification_received_date)
    ).all()
    made = 0
    for review in reviews:
        if review.state == "closed":
            # Past reviews: the decision as the meeting made it (the board counts LCSPR decisions).
            review.lcspr_decision = rng.random() < 0.2
            review.lcspr_reason = ("Fictional demo text. The criteria for a local review were met."
                                   if review.lcspr_decision else
                                   "Fictional demo text. The learning is captured by this rapid review.")
            append_system_entry(session, manager, review_id=review.id, category="decision",
                                text="LCSPR decision recorded with the demo's past reviews.")
            continue
        day = cal.day_number(review.notification_received_date, as_of)
        _meetings(session, people, review, as_of, rng)
        for from_day, keys in WRITTEN_BY_DAY:
            if day < from_day:
                continue
            _write(session, officer, review, keys, as_of)
            if from_day >= 8 and day < 17:
                made += int(report_svc.make_draft(session, officer, review_id=review.id, as_of=as_of).new)
        if day >= 6 and day < 8:
            made += int(report_svc.make_draft(session, officer, review_id=review.id, as_of=as_of).new)
        if day >= 9 and review.lcspr_decision is None:
            report_svc.record_lcspr_decision(
                session, chair, review_id=review.id, expected_version=None, decision=False,
                reason="Fictional demo text. The learning can be taken forward through this rapid review and the "
                "agencies' own action plans; the criteria for a local review are not met.")
        sent_on = _milestone_done(review, "report_to_chair")
        if review.state == "open" and sent_on is not None:
            # Past Day 15 and not signed: the Chair has it (and Ofsted is to get it too).
            report_svc.set_ofsted_required(session, manager, review_id=review.id, required=True)
            made += int(report_svc.make_draft(session, officer, review_id=review.id, as_of=as_of).new)
            report_svc.send_to_chair(session, officer, review_id=review.id, sent_on=sent_on, as_of=as_of)
            made += 1
        if review.state == "submitted":
            made += _past_submission(session, officer, chair, manager, review, as_of)
    session.flush()
    return made


def _past_submission(session, officer, chair, manager, review: Review, as_of: date) -> int:
    """The submitted demo review went through its report steps before the demo was loaded: its versions are
    made as they were then (the milestones were completed with the demo's history)."""
    locked = report_svc._review_for_write(session, review.id)
    sent_on = _milestone_done(locked, "report_to_chair")
    signed_on = _milestone_done(locked, "signed_report")
    submitted_on = locked.submitted_to_panel_date
    draft = report_svc.assemble(session, locked, as_of=as_of)
    report_svc._store_version(session, officer, locked, state="draft", content=draft,
                              created_at=_at(sent_on, 9))
    report_svc._store_version(session, officer, locked, state="sent_to_chair", step_date=sent_on,
                              content=report_svc.assemble(session, locked, as_of=as_of), created_at=_at(sent_on, 10))
    signed_content = report_svc.assemble(session, locked, as_of=as_of, signed_by=chair.display_name,
                                         signed_on=signed_on)
    signed = report_svc._store_version(session, chair, locked, state="signed_final", step_date=signed_on,
                                       content=signed_content, created_at=_at(signed_on, 14))
    report_svc._store_version(session, manager, locked, state="submitted", step_date=submitted_on,
                              content=report_svc.assemble(session, locked, as_of=as_of), data=bytes(signed.content),
                              created_at=_at(submitted_on, 16))
    for who, text in ((officer, f"Report sent to the JCR Chair on {sent_on:%d %b %Y} (demo history)."),
                      (chair, f"Report signed off by {chair.display_name} on {signed_on:%d %b %Y} (demo history)."),
                      (manager, f"Report submitted to the National Panel on {submitted_on:%d %b %Y} (demo history).")):
        append_system_entry(session, who, review_id=locked.id, category="communication", text=text)
    return 4
