"""Recording a review's meetings: the Rapid Review meeting, optional pre-meets, and the executive findings meeting with
the AD/DCS when the Day 1 decision said one is needed.

Recording a meeting completes its milestone through services.milestones.complete_milestone (rr_meeting,
pre_meets, exec_meeting; the minutes circulated date completes "minutes"), so the plan's rules live in one place.
Every write appends its daily log entry in the same transaction; edits take `expected_version`.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db.enums import LogCategory, MeetingKind, ReviewState
from db.models import Account, Agency, Review, ReviewMilestone
from db.models_report import Meeting
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.meetings.reads import MeetingRecord, meeting_record
from services.meetings.rules import (
    MEETING_LABELS,
    MEETING_MILESTONES,
    MINUTES_MILESTONE,
    clean_decisions,
    clean_name,
    minutes_due_date,
    minutes_status,
    validate_meeting_dates,
)
from services.milestones import complete_milestone, refuse_if_withdrawn
from services.permissions import MEETING_RECORDERS, requires
from services.settings_reads import load_calendar


def _review_for_write(session: Session, review_id: int) -> Review:
    review = session.scalars(
        select(Review).where(Review.id == review_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput(f"Review {review.case_reference} is closed: its meetings can no longer be changed.")
    return review


def _agencies(session: Session, agency_ids: Sequence[int]) -> list[Agency]:
    ids = list(dict.fromkeys(agency_ids or ()))
    found = list(session.scalars(select(Agency).where(Agency.id.in_(ids)).order_by(Agency.name))) if ids else []
    if len(found) != len(ids):
        raise InvalidInput("One of the agencies chosen no longer exists. Reload the page.")
    return found


def _milestone(session: Session, review_id: int, key: str) -> ReviewMilestone | None:
    return session.scalar(select(ReviewMilestone).where(ReviewMilestone.review_id == review_id,
                                                         ReviewMilestone.key == key))


def _complete(session: Session, actor: Account, review: Review, key: str, done_on: date, as_of: date,
              note: str) -> str:
    """Complete the milestone through the milestone core (which logs it). One already done by hand keeps its
    date; the returned sentence says so when the dates differ."""
    milestone = _milestone(session, review.id, key)
    if milestone is None:
        return ""
    if milestone.done_date is not None:
        if milestone.done_date != done_on:
            return (f" The milestone '{milestone.title}' was already recorded as done on "
                    f"{milestone.done_date:%d %b %Y}; it keeps that date.")
        return ""
    complete_milestone(session, actor, milestone_id=milestone.id, done_on=done_on, as_of=as_of, note=note)
    return ""


def _describe(meeting: Meeting) -> str:
    parts = [f"{MEETING_LABELS[meeting.kind]} on {meeting.held_on:%d %b %Y}"]
    if meeting.chair_name:
        parts.append(f"chaired by {meeting.chair_name}")
    if meeting.minute_taker_name:
        parts.append(f"minutes by {meeting.minute_taker_name}")
    if meeting.agencies:
        parts.append("agencies attending: " + ", ".join(a.name for a in meeting.agencies))
    return "; ".join(parts)


@requires(*MEETING_RECORDERS, action="record a meeting")
def record_meeting(  # noqa: C901 - one check per field of a meeting, each refused with its own sentence
    session: Session,
    actor: Account,
    *,
    review_id: int,
    kind: str,
    held_on: date | None,
    agency_ids: Sequence[int] = (),
    chair_name: str = "",
    minute_taker_name: str = "",
    minutes_circulated_on: date | None = None,
    decisions: str = "",
    as_of: date,
) -> MeetingRecord:
    """Record a meeting that was held; it completes its milestone (and the minutes one when circulated)."""
    if kind not in MEETING_LABELS:
        raise InvalidInput("Choose the kind of meeting: the Rapid Review meeting, a pre-meet or the executive "
                           "findings meeting.")
    review = _review_for_write(session, review_id)
    label = MEETING_LABELS[kind]
    if kind == MeetingKind.EXEC_MEETING and review.exec_meeting_required is not True:
        if review.exec_meeting_required is None:
            raise InvalidInput("The Day 1 decision on an executive findings meeting has not been recorded yet: the "
                               "JCR Chair records it on the Review page first.")
        raise InvalidInput("The Day 1 decision said no executive findings meeting with the AD/DCS is needed for "
                           f"{review.case_reference}.")
    if kind != MeetingKind.PRE_MEET:
        existing = session.scalar(select(Meeting).where(Meeting.review_id == review_id, Meeting.kind == kind))
        if existing is not None:
            raise InvalidInput(f"The {label} of {review.case_reference} was already recorded (held "
                               f"{existing.held_on:%d %b %Y}): change that record instead.")
    validate_meeting_dates(held_on=held_on, minutes_circulated_on=minutes_circulated_on,
                           notification_received=review.notification_received_date, as_of=as_of)
    assert held_on is not None  # validate_meeting_dates refuses a missing date
    agencies = _agencies(session, agency_ids)
    if kind == MeetingKind.RR_MEETING and not agencies:
        raise InvalidInput("Choose the agencies that attended the Rapid Review meeting.")
    meeting = Meeting(
        review_id=review.id, kind=kind, held_on=held_on,
        chair_name=clean_name(chair_name, "chair", required=kind != MeetingKind.PRE_MEET),
        minute_taker_name=clean_name(minute_taker_name, "minute-taker", required=False),
        minutes_circulated_on=minutes_circulated_on, decisions=clean_decisions(decisions),
        created_by_id=actor.id, updated_by_id=actor.id, agencies=agencies,
    )
    try:
        with session.begin_nested():
            session.add(meeting)
            session.flush()
    except IntegrityError:
        raise InvalidInput(f"The {label} of {review.case_reference} was recorded by someone else a moment ago. "
                           "Reload the page to see it.") from None
    text = "Meeting recorded: " + _describe(meeting) + "."
    if meeting.decisions:
        text += f" Decisions: {meeting.decisions}"
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.MEETING, text=text)
    tail = _complete(session, actor, review, MEETING_MILESTONES[kind], held_on, as_of,
                     note=f"Completed by recording the meeting ({label}).")
    if kind == MeetingKind.PRE_MEET:
        tail = ""  # the first pre-meet completes the (optional) milestone; later ones are simply recorded
    if minutes_circulated_on is not None:
        tail += _record_minutes(session, actor, review, meeting, as_of)
    if tail:
        append_system_entry(session, actor, review_id=review.id, category=LogCategory.SYSTEM, text=tail.strip())
    return meeting_record(meeting)


def _record_minutes(session: Session, actor: Account, review: Review, meeting: Meeting, as_of: date) -> str:
    circulated_on = meeting.minutes_circulated_on
    if circulated_on is None:
        return ""
    cal = load_calendar(session)
    status = minutes_status(cal, meeting.held_on, circulated_on, as_of)
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.MEETING,
        text=f"Minutes of the {MEETING_LABELS[meeting.kind]} of {meeting.held_on:%d %b %Y} circulated on "
        f"{circulated_on:%d %b %Y}: {status} (due {minutes_due_date(cal, meeting.held_on):%d %b %Y}).",
    )
    if meeting.kind != MeetingKind.RR_MEETING:
        return ""
    return _complete(session, actor, review, MINUTES_MILESTONE, circulated_on, as_of,
                     note=f"Minutes circulated: {status}.")


@requires(*MEETING_RECORDERS, action="change a meeting's record")
def update_meeting(  # noqa: C901 - one check per field of a meeting, each refused with its own sentence
    session: Session,
    actor: Account,
    *,
    meeting_id: int,
    expected_version: int | None,
    agency_ids: Sequence[int],
    chair_name: str,
    minute_taker_name: str,
    minutes_circulated_on: date | None,
    decisions: str,
    as_of: date,
) -> MeetingRecord:
    """Change who attended, who chaired and took minutes, the decisions, or record the minutes circulated.
    The meeting date completed its milestone and stays; a minutes date, once recorded, stays too."""
    meeting = session.scalars(
        select(Meeting).where(Meeting.id == meeting_id).options(selectinload(Meeting.agencies))
        .with_for_update(of=Meeting).execution_options(populate_existing=True)
    ).first()
    if meeting is None:
        raise InvalidInput("That meeting record does not exist. Reload the page.")
    review = _review_for_write(session, meeting.review_id)
    label = MEETING_LABELS[meeting.kind]
    check_version(meeting, expected_version, f"The record of the {label}")
    new_minutes = False
    if meeting.minutes_circulated_on is not None and minutes_circulated_on != meeting.minutes_circulated_on:
        raise InvalidInput(f"The minutes were already recorded as circulated on "
                           f"{meeting.minutes_circulated_on:%d %b %Y}; that date stays (correct it in the daily log).")
    if meeting.minutes_circulated_on is None and minutes_circulated_on is not None:
        validate_meeting_dates(held_on=meeting.held_on, minutes_circulated_on=minutes_circulated_on,
                               notification_received=review.notification_received_date, as_of=as_of)
        new_minutes = True
    agencies = _agencies(session, agency_ids)
    if meeting.kind == MeetingKind.RR_MEETING and not agencies:
        raise InvalidInput("Choose the agencies that attended the Rapid Review meeting.")
    values = {
        "chair_name": clean_name(chair_name, "chair", required=meeting.kind != MeetingKind.PRE_MEET),
        "minute_taker_name": clean_name(minute_taker_name, "minute-taker", required=False),
        "decisions": clean_decisions(decisions),
    }
    changes = []
    labels = {"chair_name": "chair", "minute_taker_name": "minute-taker", "decisions": "decisions"}
    for name, value in values.items():
        if getattr(meeting, name) != value:
            changes.append(labels[name])
            setattr(meeting, name, value)
    if {a.id for a in agencies} != {a.id for a in meeting.agencies}:
        changes.append("agencies attending")
        meeting.agencies = agencies
    if new_minutes:
        changes.append("minutes circulated")
        meeting.minutes_circulated_on = minutes_circulated_on
    if not changes:
        raise InvalidInput("Nothing to save: the meeting's record is the same as before.")
    meeting.updated_by_id = actor.id
    meeting.updated_at = datetime.now(UTC)
    flush_or_stale(session, f"The record of the {label}")
    text = f"Meeting record changed ({', '.join(changes)}): " + _describe(meeting) + "."
    if "decisions" in changes and meeting.decisions:
        text += f" Decisions: {meeting.decisions}"
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.MEETING, text=text)
    if new_minutes:
        tail = _record_minutes(session, actor, review, meeting, as_of)
        if tail:
            append_system_entry(session, actor, review_id=review.id, category=LogCategory.SYSTEM, text=tail.strip())
    return meeting_record(meeting)
