"""The Local Child Safeguarding Practice Review a Rapid Review converts into (issue 29): the same review, continued.

- `rules`: the steps in order, their due dates from the decision, the settings and the calendar, the RAG and why of
  each step and of the LCSPR, the refusals of a step's date (pure);
- `reads`: one review's LCSPR, the live list's LCSPRs, and the due steps for the digests and calendar feeds;
- `service`: starting the LCSPR, recording and correcting its steps (role-checked writes).

Pages import the names below from `services.lcspr`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.lcspr.reads import LcsprView, LiveLcspr, get_lcspr, list_live_lcsprs
    from services.lcspr.rules import MAX_REASON_CHARS, MAX_REVIEWER_NAME_CHARS, STEP_TITLES, LcsprStep, StepStatus
    from services.lcspr.service import (
        correct_lcspr_step,
        record_family_not_involved,
        record_lcspr_step,
        record_not_published,
        start_lcspr,
    )

__all__ = [
    "MAX_REASON_CHARS",
    "MAX_REVIEWER_NAME_CHARS",
    "STEP_TITLES",
    "LcsprStep",
    "LcsprView",
    "LiveLcspr",
    "StepStatus",
    "correct_lcspr_step",
    "get_lcspr",
    "list_live_lcsprs",
    "record_family_not_involved",
    "record_lcspr_step",
    "record_not_published",
    "start_lcspr",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service"))
