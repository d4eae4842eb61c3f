"""The report's rules that need no database: the states of its versions and their words, the longest texts its
steps take, a step's date checked, a version's file name, the words for what is missing and for a return's final
QA (from a row loaded by the caller)."""
from __future__ import annotations

from datetime import date

from db.enums import FinalQaOutcome, ReportVersionState
from db.models_returns import AgencyReturn
from services.errors import InvalidInput
from services.formatting import log_date
from services.report.content import Section

DRAFT, SENT_TO_CHAIR, SIGNED_FINAL, SUBMITTED = ReportVersionState
STATE_LABELS: dict[str, str] = {
    DRAFT: "draft",
    SENT_TO_CHAIR: "sent to the JCR Chair",
    SIGNED_FINAL: "signed final",
    SUBMITTED: "submitted to the National Panel",
}
FILE_STATE_WORDS: dict[str, str] = {DRAFT: "draft", SENT_TO_CHAIR: "sent to Chair", SIGNED_FINAL: "signed final",
                                    SUBMITTED: "submitted"}
MAX_REASON_CHARS = 4000
MAX_CHAIR_NAME_CHARS = 120  # report_sign_offs.chair_name
MAX_HOW_GIVEN_CHARS = 200  # report_sign_offs.how_given


def final_qa_words(ret: AgencyReturn) -> str:
    """The return's final QA as the report states it; every send-back round is named by its date, so a return
    accepted after being sent back says so."""
    rounds = sorted(ret.send_backs, key=lambda b: b.round)
    if ret.ended_as is not None:
        words = f"{ret.ended_as} {log_date(ret.ended_on)}"
    elif ret.final_qa_outcome == FinalQaOutcome.ACCEPTED:
        words = f"accepted {log_date(ret.final_qa_date)}"
    elif ret.sent_back_date is not None:
        awaiting = "" if ret.final_qa_outcome == FinalQaOutcome.SENT_BACK else "; resubmission awaiting QA"
        earlier = [f"{b.sent_back_on:%d %b %Y}" for b in rounds if b.sent_back_on != ret.sent_back_date]
        before = f" (also sent back {', '.join(earlier)})" if earlier else ""
        return f"sent back {ret.sent_back_date:%d %b %Y}{before}{awaiting}"
    elif ret.received_date is not None:
        return "awaiting QA"
    else:
        return ""
    if rounds:
        words += " after being sent back " + ", ".join(f"{b.sent_back_on:%d %b %Y}" for b in rounds)
    return words


def check_step_date(value: date | None, what: str, *, as_of: date, not_before: date | None,
                     not_before_what: str) -> date:
    """The step's date, checked; `not_before` None (a date the database requires, never missing) is not compared."""
    if value is None:
        raise InvalidInput(f"Give the date {what}.")
    if value > as_of:
        raise InvalidInput(f"The date {what} ({value:%d %b %Y}) cannot be in the future.")
    if not_before is not None and value < not_before:
        raise InvalidInput(
            f"The date {what} ({value:%d %b %Y}) cannot be before {not_before_what} ({not_before:%d %b %Y})."
        )
    return value


def file_name_for(case_reference: str, number: int, state: str) -> str:
    return f"{case_reference} Rapid Review report v{number} {FILE_STATE_WORDS[state]}.docx"


def missing_words(missing: list[tuple[Section, str]]) -> str:
    return "; ".join(f"{s.number}. {s.title} ({why})" for s, why in missing)
