"""A review's meetings as pages read them: the frozen records and rows, the agencies a meeting may name, and the
role-checked read that makes them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.enums import MeetingKind
from db.models import Account, Agency, Review
from db.models_report import Meeting
from db.models_returns import AgencyReturn
from services.errors import InvalidInput
from services.meetings.rules import (
    MEETING_LABELS,
    minutes_due_date,
    minutes_status,
)
from services.permissions import CASE_READERS, requires
from services.settings_reads import load_calendar
from services.working_days import WorkingCalendar


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


def meeting_record(meeting: Meeting) -> MeetingRecord:
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
        rows=tuple(meeting_row(cal, meeting_record(m), as_of) for m in _meetings_of(session, review_id)),
        exec_meeting=decided, agency_choices=choices, return_agency_ids=asked,
    )
