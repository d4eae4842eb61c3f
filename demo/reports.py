"""Fictional demo meetings, report text and report versions for the demo's live reviews (issue 6).

Through the meetings and report services, as the officer, the Chair and the manager: meetings as the plan held
them, the sections written by the review's Day today, drafts, the LCSPR decision, and for the reviews past their
report steps the versions those steps make (sent to the Chair; for the submitted review also signed off and
submitted). The versions are stamped with the time the demo is loaded; their step dates are the plan's.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy.orm import Session

from db.enums import MeetingKind, MilestoneKey
from db.models import Account, Review
from demo.cast import DemoCast
from services.meetings import service as meeting_svc
from services.report import panel as report_panel
from services.report import reads as report_reads
from services.report import service as report_svc
from services.settings_reads import load_calendar

# The dates of a review's report steps, by milestone key, as the demo's plan completes them.
ReportSteps = dict[str, date]

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


def _milestone_done(review: Review, key: str) -> date | None:
    return next((m.done_date for m in review.milestones if m.key == key), None)


def _write(session: Session, actor: Account, review: Review, keys: Sequence[str], as_of: date) -> None:
    view = report_reads.get_report(session, actor, review_id=review.id, as_of=as_of)
    for key in keys:
        report_svc.save_section(session, actor, review_id=review.id, section_key=key, text=TEXTS[key],
                                expected_version=view.sections[key].version)


def _meetings(session: Session, cast: DemoCast, review: Review, agency_ids: list[int], as_of: date) -> None:
    officer, chair = cast.officer, cast.chair
    held = _milestone_done(review, MilestoneKey.RR_MEETING)
    cal = load_calendar(session)
    received = review.notification_received_date
    if cal.day_number(received, as_of) >= 4 and len(agency_ids) > 1:
        pre_meet_day = cal.day_n(received, 3)
        meeting_svc.record_meeting(session, officer, review_id=review.id, kind=MeetingKind.PRE_MEET,
                                   held_on=pre_meet_day, agency_ids=agency_ids[:1], chair_name="",
                                   minute_taker_name=officer.display_name,
                                   # Minutes of every meeting by the next working day (domain.md, issue 14).
                                   minutes_circulated_on=cal.day_n(received, 4),
                                   decisions="Fictional demo text. The agency's lead was talked through the scoping "
                                   "form and the timescales.", as_of=as_of)
    if held is not None and agency_ids:
        minutes = _milestone_done(review, MilestoneKey.MINUTES)
        meeting_svc.record_meeting(session, chair, review_id=review.id, kind=MeetingKind.RR_MEETING, held_on=held,
                                   agency_ids=agency_ids, chair_name=chair.display_name,
                                   minute_taker_name=officer.display_name, minutes_circulated_on=minutes,
                                   decisions=DECISIONS, as_of=as_of)
    exec_held = _milestone_done(review, MilestoneKey.EXEC_MEETING)
    if review.exec_meeting_required and exec_held is not None:
        meeting_svc.record_meeting(session, chair, review_id=review.id, kind=MeetingKind.EXEC_MEETING,
                                   held_on=exec_held, agency_ids=agency_ids[:3], chair_name=chair.display_name,
                                   minute_taker_name=officer.display_name,
                                   minutes_circulated_on=min(cal.add_working_days(exec_held, 1), as_of),
                                   decisions="Fictional demo text. The AD/DCS agreed the findings.", as_of=as_of)


def load_demo_reports(session: Session, cast: DemoCast, live: list[Review], *, as_of: date,
                      report_steps: dict[int, ReportSteps], returned_by: dict[int, list[int]],
                      signed_by_email: Collection[int] = (), to_ofsted: Collection[int] = ()) -> int:
    """Meetings, written sections, LCSPR decisions and report versions for the demo's recent reviews; returns how
    many versions were made. `report_steps` holds the dates of the report steps the plan has reached, by review;
    `returned_by` the agencies asked for a return, by review; `signed_by_email` the reviews whose sign-off the
    manager records on the Chair's behalf; `to_ofsted` the submitted reviews whose report also goes to Ofsted."""
    officer, manager, chair = cast.officer, cast.manager, cast.chair
    cal = load_calendar(session)
    reviews = sorted(live, key=lambda r: (r.notification_received_date, r.id))
    made = 0
    for review in reviews:
        day = cal.day_number(review.notification_received_date, as_of)
        _meetings(session, cast, review, returned_by.get(review.id, []), as_of)
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
        steps = report_steps.get(review.id, {})
        if MilestoneKey.PANEL_SUBMISSION in steps:
            made += _past_submission(session, cast, review, steps, as_of, by_email=review.id in signed_by_email,
                                     to_ofsted=review.id in to_ofsted)
        elif MilestoneKey.REPORT_TO_CHAIR in steps:
            # Sent to the Chair, not signed yet (and Ofsted is to get it too).
            report_panel.set_ofsted_required(session, manager, review_id=review.id, required=True)
            made += int(report_svc.make_draft(session, officer, review_id=review.id, as_of=as_of).new)
            report_svc.send_to_chair(session, officer, review_id=review.id,
                                     sent_on=steps[MilestoneKey.REPORT_TO_CHAIR], as_of=as_of)
            made += 1
    session.flush()
    return made


def _past_submission(session: Session, cast: DemoCast, review: Review, steps: ReportSteps, as_of: date, *,
                     by_email: bool, to_ofsted: bool) -> int:
    """A submitted demo review went through its report steps before today: sent to the Chair, signed off (by the
    Chair, or by email and recorded by the manager) and submitted on the plan's dates, through the Report page's
    services; with a Panel response date it is closed (Ofsted's reply, when it went to Ofsted, still awaited)."""
    made = int(report_svc.make_draft(session, cast.officer, review_id=review.id, as_of=as_of).new)
    report_svc.send_to_chair(session, cast.officer, review_id=review.id,
                             sent_on=steps[MilestoneKey.REPORT_TO_CHAIR], as_of=as_of)
    signed_on = steps[MilestoneKey.SIGNED_REPORT]
    if by_email:
        report_svc.record_sign_off_given_outside(
            session, cast.manager, review_id=review.id, signed_on=signed_on, chair_name=cast.chair.display_name,
            how_given="by email to the Partnership Manager", as_of=as_of)
    else:
        report_svc.sign_off(session, cast.chair, review_id=review.id, signed_on=signed_on, as_of=as_of)
    submitted_on = steps[MilestoneKey.PANEL_SUBMISSION]
    if to_ofsted:
        report_panel.set_ofsted_required(session, cast.manager, review_id=review.id, required=True)
    report_panel.submit_to_panel(session, cast.manager, review_id=review.id, submitted_on=submitted_on,
                               ofsted_sent_on=submitted_on if to_ofsted else None, as_of=as_of)
    answered = steps.get(MilestoneKey.PANEL_RESPONSE)
    if answered is not None:
        report_panel.record_responses(session, cast.manager, review_id=review.id, panel_response_on=answered,
                                    agrees_with_lcspr=True, further_information_asked=False,
                                    panel_notes="Fictional demo text. The Panel agreed with the decision and the "
                                    "learning.", as_of=as_of)
    return made + 3
