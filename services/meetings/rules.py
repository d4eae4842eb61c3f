"""The rules of a meeting, apart from any I/O: the kinds and the milestones they complete, when the minutes are
due and whether they are late, and what a meeting's names, decisions and dates may be."""
from __future__ import annotations

from datetime import date

from db.enums import MeetingKind, MilestoneKey
from db.models_report import Meeting
from services.errors import InvalidInput
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
