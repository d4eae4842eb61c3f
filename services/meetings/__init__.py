"""Meetings of a review: the Rapid Review meeting, optional pre-meets, and the executive findings meeting with
the AD/DCS when the Day 1 decision said one is needed.

- `rules`: the kinds and the milestones they complete, when the minutes are due, what a meeting may hold (pure);
- `reads`: the frozen records and rows pages get, and the role-checked read of a review's meetings;
- `service`: recording a meeting and changing its record (role-checked writes, each completing its milestone).

Pages import the names below from `services.meetings`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.meetings.reads import MeetingRecord, MeetingRow, ReviewMeetings, list_meetings
    from services.meetings.rules import MAX_DECISIONS_CHARS, MEETING_LABELS, MEETING_MILESTONES
    from services.meetings.service import record_meeting, update_meeting

__all__ = [
    "MAX_DECISIONS_CHARS",
    "MEETING_LABELS",
    "MEETING_MILESTONES",
    "MeetingRecord",
    "MeetingRow",
    "ReviewMeetings",
    "list_meetings",
    "record_meeting",
    "update_meeting",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service"))
