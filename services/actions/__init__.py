"""The recommendations and actions register (issue 29): each review's recommendations, their actions with an owning
agency, owner, due date, evidence rounds and an impact check, and the register across every review.

- `rules`: what a recommendation, an action, evidence and an impact check may be; the lifecycle; overdue, RAG and the
  by-agency counts (pure);
- `reads`: the register with its by-agency summary, a review's recommendations, an action's evidence rounds;
- `service`: the writes, each logged;
- `agency_link`: an agency's private link to its own actions of a review (issued by the Partnership; the agency
  gives evidence through it).

Pages import the names below from `services.actions`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.actions.agency_link import (
        ActionLinkRead,
        AgencyActionsPage,
        AgencyActionView,
        AgencyRoundView,
        IssuedActionLink,
        agency_action_links,
        give_evidence_through_link,
        issue_agency_action_link,
        open_agency_actions,
        reissue_agency_action_link,
        revoke_agency_action_link,
    )
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
    "ActionLinkRead",
    "ActionRow",
    "AgencyActionView",
    "AgencyActionsPage",
    "AgencyCounts",
    "AgencyRoundView",
    "Choice",
    "EvidenceFile",
    "EvidenceRound",
    "IssuedActionLink",
    "RecommendationRead",
    "Register",
    "RegisterFilters",
    "accept_evidence",
    "action_choices",
    "action_evidence",
    "action_register",
    "add_action",
    "add_recommendation",
    "agency_action_links",
    "change_action",
    "check_action_impact",
    "edit_recommendation",
    "evidence_document_file",
    "give_evidence",
    "give_evidence_through_link",
    "issue_agency_action_link",
    "open_agency_actions",
    "reissue_agency_action_link",
    "review_recommendations",
    "revoke_agency_action_link",
    "send_back_evidence",
    "start_action",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service", "agency_link"))
