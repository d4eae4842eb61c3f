"""Reviews: opening one, its dates, children and milestones, where it stands, and putting it right.

- `rules`: the rules of a review, apart from any I/O (pure);
- `reads`: the frozen copies pages get and the queries that make them (role-checked where a page calls them);
- `status`: where each review stands, its milestones' RAG with its agency returns', and why, in words;
- `service`: the writes (role-checked, each with its daily log entry).

Pages import the names below from `services.reviews`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.reviews.reads import (
        DateCorrectionRead,
        MilestoneRead,
        PuttingRight,
        ReviewList,
        ReviewRead,
        list_date_corrections,
        list_delegates,
        list_reviews,
        putting_right,
    )
    from services.reviews.rules import (
        DATES_KEPT_BY_THE_REPORT,
        MAX_CHILDREN,
        NOT_KNOWN_HELP,
        NOT_KNOWN_YET,
        NOTIFICATION_TYPE_LABELS,
        WITHDRAWAL_REASON_LABELS,
        ChildEntry,
        MilestoneStatus,
        ReviewStatus,
    )
    from services.reviews.service import (
        correct_milestone_date,
        correct_review_facts,
        delegate_milestone,
        open_review,
        record_milestone_done,
        set_agreed_date,
        update_review_dates,
        withdraw_review,
    )
    from services.reviews.status import (
        DelegatedTask,
        delegated_tasks,
        get_review_status,
        list_delegated_to_me,
        list_live_reviews,
        live_return_counts,
        why_text,
    )

__all__ = [
    "DATES_KEPT_BY_THE_REPORT",
    "MAX_CHILDREN",
    "NOTIFICATION_TYPE_LABELS",
    "NOT_KNOWN_HELP",
    "NOT_KNOWN_YET",
    "WITHDRAWAL_REASON_LABELS",
    "ChildEntry",
    "DateCorrectionRead",
    "DelegatedTask",
    "MilestoneRead",
    "MilestoneStatus",
    "PuttingRight",
    "ReviewList",
    "ReviewRead",
    "ReviewStatus",
    "correct_milestone_date",
    "correct_review_facts",
    "delegate_milestone",
    "delegated_tasks",
    "get_review_status",
    "list_date_corrections",
    "list_delegated_to_me",
    "list_delegates",
    "list_live_reviews",
    "list_reviews",
    "live_return_counts",
    "open_review",
    "putting_right",
    "record_milestone_done",
    "set_agreed_date",
    "update_review_dates",
    "why_text",
    "withdraw_review",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "status", "service"))
