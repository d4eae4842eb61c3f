"""Agency returns (scoping forms): each agency's return on a review, from the request to its final QA or ending.

- `rules`: the rules of a return, apart from any I/O (pure): its stage, due dates, RAG, next step and checks;
- `reads`: the frozen copies pages get, where each stands on a day (`ReturnStatus`), and the queries that make them;
- `service`, `service_receipts`: the steps of a return (role-checked writes), the receipts in the second; with
  `writing`, what every step does around its rule;
- `chasing`: the ready chase and send-back emails, and logging a chase;
- `exports`: the checklist as a table, .xlsx and .csv.

Pages import the names below from `services.returns`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.returns.chasing import ReadyEmail, chase_email, chase_emails, record_chase, send_back_email
    from services.returns.exports import (
        CHECKLIST_COLUMNS,
        DATE_COLUMNS,
        checklist_row,
        checklist_table,
        export_checklist,
    )
    from services.returns.reads import (
        OutstandingReturns,
        ReturnCounts,
        ReturnRead,
        ReturnStatus,
        first_receipt_signature,
        list_outstanding_returns,
        list_returns,
        returns_received_counts,
    )
    from services.returns.rules import (
        CHECK_OUTCOME_LABELS,
        CHECK_QUESTIONS,
        CLOSED_STAGES,
        FINAL_QA_LABELS,
        MAX_NOTE_CHARS,
        MAX_SUMMARY_CHARS,
        CardStep,
        Stage,
        card_step,
        check_result_label,
        signature_words,
    )
    from services.returns.service import (
        close_return_without_receipt,
        record_file_location,
        record_final_qa,
        record_initial_check,
        record_returns_requested,
        record_shared_with_chair,
        record_summary,
        set_return_agreed_date,
    )
    from services.returns.service_receipts import record_resubmission_received, record_return_received

__all__ = [
    "CHECKLIST_COLUMNS",
    "CHECK_OUTCOME_LABELS",
    "CHECK_QUESTIONS",
    "CLOSED_STAGES",
    "DATE_COLUMNS",
    "FINAL_QA_LABELS",
    "MAX_NOTE_CHARS",
    "MAX_SUMMARY_CHARS",
    "CardStep",
    "OutstandingReturns",
    "ReadyEmail",
    "ReturnCounts",
    "ReturnRead",
    "ReturnStatus",
    "Stage",
    "card_step",
    "chase_email",
    "chase_emails",
    "check_result_label",
    "checklist_row",
    "checklist_table",
    "close_return_without_receipt",
    "export_checklist",
    "first_receipt_signature",
    "list_outstanding_returns",
    "list_returns",
    "record_chase",
    "record_file_location",
    "record_final_qa",
    "record_initial_check",
    "record_resubmission_received",
    "record_return_received",
    "record_returns_requested",
    "record_shared_with_chair",
    "record_summary",
    "returns_received_counts",
    "send_back_email",
    "set_return_agreed_date",
    "signature_words",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service", "service_receipts", "chasing", "exports"))
