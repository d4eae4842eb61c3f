"""Meetings of a review: the Rapid Review meeting, optional pre-meets, and the executive findings meeting with
the AD/DCS when the Day 1 decision said one is needed.

Recording a meeting completes its milestone through services.milestones.complete_milestone (rr_meeting,
pre_meets, exec_meeting; the minutes circulated date completes "minutes"), so the plan's rules live in one place.
Every write appends its daily log entry in the same transaction; edits take `expected_version`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db.enums import LogCategory, MeetingKind, MilestoneKey, ReviewState
from db.models import Account, Agency, Review, ReviewMilestone
from db.models_report import Meeting
from db.models_returns import AgencyReturn
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.milestones import complete_milestone, refuse_if_withdrawn
from services.permissions import CASE_READERS, requires
from services.settings_reads import load_calendar
from services.text import clean_optional_text, clean_text, max_length_of
from services.working_days import WorkingCalendar

MEETING_LABELS: dict[str, str] = {
    MeetingKind.RR_MEETING: "Rapid Review meeting",
    MeetingKind.PRE_MEET: "Pre-meet",
    MeetingKind.EXEC_MEETING: "Executive findings meeting with the AD/DCS",
}
# The milestone each kind of meeting completes when it is recorded.
MEETING_MILESTONES: dict[str, str] = {
    MeetingKind.RR_MEETING: MilestoneKey.RR_MEETING,
    MeetingKind.PRE_MEET: MilestoneKey.PRE_MEETS,
    MeetingKind.EXEC_MEETING: MilestoneKey.EXEC_MEETING,
}
MINUTES_MILESTONE = MilestoneKey.MINUTES
MINUTES_DUE_WORKING_DAYS = 1
MAX_NAME_CHARS = max_length_of(Meeting.chair_name)
MAX_DECISIONS_CHARS = 8000  # decisions are Text in the database: the service keeps 8,000


# ---------------------------------------------------------------- pure rules


def minutes_due_date(cal: WorkingCalendar, held_on: date) -> date:
    """"Within 24 hours" means by the end of the next working day after the meeting."""
    return cal.add_working_days(held_on, MINUTES_DUE_WORKING_DAYS)


def minutes_status(cal: WorkingCalendar, held_on: date, circulated_on: date | None, as_of: date) -> str:
    """'on time', 'late (2 working days)', 'due Mon 04 Jan' or 'late: not circulated yet'."""
    due = minutes_due_date(cal, held_on)
    if circulated_on is not None:
        if circulated_on <= due:
            return "on time"
        late = cal.working_days_between(due, circulated_on)
        return f"late ({late} working day{'s' if late != 1 else ''})" if late else "late"
    if as_of > due:
        return "late: not circulated yet"
    return f"due {due:%a %d %b}"


def minutes_late(cal: WorkingCalendar, held_on: date, circulated_on: date | None, as_of: date) -> bool:
    return minutes_status(cal, held_on, circulated_on, as_of).startswith("late")


def clean_name(raw: str | None, what: str, *, required: bool) -> str | None:
    """A chair's or minute-taker's name through the free-text gate (services.text): one line, the column's length."""
    label = f"{what}'s name"
    if required:
        return clean_text(raw, label=label, max_length=MAX_NAME_CHARS, multiline=False, required=True)
    return clean_optional_text(raw, label=label, max_length=MAX_NAME_CHARS, multiline=False)


def clean_decisions(raw: str | None) -> str | None:
    return clean_optional_text(raw, label="record of the meeting's decisions", max_length=MAX_DECISIONS_CHARS)


def validate_meeting_dates(
    *, held_on: date | None, minutes_circulated_on: date | None, notification_received: date, as_of: date
) -> None:
    if held_on is None:
        raise InvalidInput("Give the date the meeting was held.")
    if held_on > as_of:
        raise InvalidInput(
            f"The meeting date ({held_on:%d %b %Y}) is in the future: record a meeting once it has been held. "
            "To plan its date, agree the milestone's date on the Review page."
        )
    if held_on < notification_received:
        raise InvalidInput(
            f"The meeting ({held_on:%d %b %Y}) cannot be held before the notification was received "
            f"({notification_received:%d %b %Y})."
        )
    if minutes_circulated_on is not None:
        if minutes_circulated_on > as_of:
            raise InvalidInput(
                f"The minutes circulated date ({minutes_circulated_on:%d %b %Y}) cannot be in the future."
            )
        if minutes_circulated_on < held_on:
            raise InvalidInput(
                f"The minutes cannot be circulated ({minutes_circulated_on:%d %b %Y}) before the meeting was held "
                f"({held_on:%d %b %Y})."
            )


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class AgencyName:
    id: int
    name: str


@dataclass(frozen=True)
class MeetingRecord:
    """One meeting as pages and tests read it (names, not relationships)."""

    id: int
    review_id: int
    kind: str
    held_on: date
    chair_name: str | None
    minute_taker_name: str | None
    minutes_circulated_on: date | None
    decisions: str | None
    version: int
    agencies: tuple[AgencyName, ...]

    @property
    def agency_ids(self) -> list[int]:
        return [a.id for a in self.agencies]


@dataclass(frozen=True)
class MeetingsReview:
    """What the Meetings page needs of the review."""

    id: int
    case_reference: str
    state: str
    exec_meeting_required: bool | None


@dataclass(frozen=True)
class MeetingRow:
    meeting: MeetingRecord
    label: str
    minutes_due: date
    minutes: str

    @property
    def minutes_late(self) -> bool:
        return self.minutes.startswith("late")

    @property
    def agency_names(self) -> list[str]:
        return [a.name for a in self.meeting.agencies]


@dataclass(frozen=True)
class ReviewMeetings:
    review: MeetingsReview
    rows: tuple[MeetingRow, ...]
    exec_meeting: str  # "needed", "not needed" or "not decided yet"
    # Who may be chosen as attending: the active agencies and those sent the review's scoping form; the latter
    # are the form's first guess.
    agency_choices: tuple[AgencyName, ...] = ()
    return_agency_ids: tuple[int, ...] = ()

    @property
    def rr_meeting(self) -> MeetingRow | None:
        return next((r for r in self.rows if r.meeting.kind == MeetingKind.RR_MEETING), None)

    @property
    def can_add(self) -> list[str]:
        """The kinds of meeting that can still be recorded for this review."""
        taken = {r.meeting.kind for r in self.rows}
        kinds = [MeetingKind.RR_MEETING.value, MeetingKind.PRE_MEET.value]
        if self.review.exec_meeting_required:
            kinds.append(MeetingKind.EXEC_MEETING.value)
        return [k for k in kinds if k == MeetingKind.PRE_MEET or k not in taken]


def _record(meeting: Meeting) -> MeetingRecord:
    """The read object of a meeting whose agencies are loaded (selectinload, or set by the write)."""
    return MeetingRecord(
        id=meeting.id, review_id=meeting.review_id, kind=meeting.kind, held_on=meeting.held_on,
        chair_name=meeting.chair_name, minute_taker_name=meeting.minute_taker_name,
        minutes_circulated_on=meeting.minutes_circulated_on, decisions=meeting.decisions, version=meeting.version,
        agencies=tuple(AgencyName(a.id, a.name) for a in meeting.agencies),
    )


def _meetings_of(session: Session, review_id: int) -> list[Meeting]:
    return list(session.scalars(
        select(Meeting).where(Meeting.review_id == review_id).options(selectinload(Meeting.agencies))
        .order_by(Meeting.held_on, Meeting.id)
    ))


def meeting_row(cal: WorkingCalendar, meeting: MeetingRecord, as_of: date) -> MeetingRow:
    minutes = minutes_status(cal, meeting.held_on, meeting.minutes_circulated_on, as_of)
    if meeting.kind == MeetingKind.PRE_MEET and meeting.minutes_circulated_on is None:
        minutes = "none needed"  # a pre-meet briefs an agency; the 24-hour rule is for the meetings that decide
    return MeetingRow(meeting=meeting, label=MEETING_LABELS[meeting.kind],
                      minutes_due=minutes_due_date(cal, meeting.held_on), minutes=minutes)


def _agency_choices(session: Session, review_id: int) -> tuple[tuple[AgencyName, ...], tuple[int, ...]]:
    asked = list(session.execute(
        select(Agency.id, Agency.name).join(AgencyReturn, AgencyReturn.agency_id == Agency.id)
        .where(AgencyReturn.review_id == review_id).order_by(Agency.name)
    ))
    active = list(session.execute(select(Agency.id, Agency.name).where(Agency.active.is_(True)).order_by(Agency.name)))
    choices = {agency_id: name for agency_id, name in [*active, *asked]}
    return (tuple(AgencyName(i, n) for i, n in sorted(choices.items(), key=lambda item: item[1])),
            tuple(agency_id for agency_id, _name in asked))


@requires(*CASE_READERS, action="see a review's meetings")
def list_meetings(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReviewMeetings:
    """A review's meetings, earliest first, with whether each one's minutes were on time."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    cal = load_calendar(session)
    decided = {True: "needed", False: "not needed", None: "not decided yet"}[review.exec_meeting_required]
    choices, asked = _agency_choices(session, review_id)
    return ReviewMeetings(
        review=MeetingsReview(review.id, review.case_reference, review.state, review.exec_meeting_required),
        rows=tuple(meeting_row(cal, _record(m), as_of) for m in _meetings_of(session, review_id)),
        exec_meeting=decided, agency_choices=choices, return_agency_ids=asked,
    )


# ---------------------------------------------------------------- writing


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


@requires(*CASE_READERS, action="record a meeting")
def record_meeting(
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
    return _record(meeting)


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


@requires(*CASE_READERS, action="change a meeting's record")
def update_meeting(
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
    return _record(meeting)
