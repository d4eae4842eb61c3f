"""The recommendations and actions register (issue 29): each review's recommendations, their actions with an owning
agency, owner, due date, evidence rounds and an impact check, and the register across every review.

- `rules`: what a recommendation, an action, evidence and an impact check may be; the lifecycle; overdue, RAG and the
  by-agency counts (pure);
- `reads`: the register with its by-agency summary, a review's recommendations, an action's evidence rounds;
- `service`: the writes, each logged.

Pages import the names below from `services.actions`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.actions.reads import (
        ActionChoices,
        ActionRow,
        Choice,
        EvidenceFile,
        EvidenceRound,
        RecommendationRead,
        Register,
        RegisterFilters,
        action_choices,
        action_evidence,
        action_register,
        evidence_document_file,
        review_recommendations,
    )
    from services.actions.rules import (
        MAX_FINDING_CHARS,
        MAX_REASON_CHARS,
        SOURCE_LABELS,
        STATUS_LABELS,
        AgencyCounts,
    )
    from services.actions.service import (
        accept_evidence,
        add_action,
        add_recommendation,
        change_action,
        check_action_impact,
        edit_recommendation,
        give_evidence,
        send_back_evidence,
        start_action,
    )

__all__ = [
    "MAX_FINDING_CHARS",
    "MAX_REASON_CHARS",
    "SOURCE_LABELS",
    "STATUS_LABELS",
    "ActionChoices",
    "ActionRow",
    "AgencyCounts",
    "Choice",
    "EvidenceFile",
    "EvidenceRound",
    "RecommendationRead",
    "Register",
    "RegisterFilters",
    "accept_evidence",
    "action_choices",
    "action_evidence",
    "action_register",
    "add_action",
    "add_recommendation",
    "change_action",
    "check_action_impact",
    "edit_recommendation",
    "evidence_document_file",
    "give_evidence",
    "review_recommendations",
    "send_back_evidence",
    "start_action",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service"))
