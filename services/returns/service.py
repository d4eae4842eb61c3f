"""Agency returns (scoping forms): request, receipt, initial check, sharing with the JCR Chair, final QA,
resubmission, filing, summary and chasing; each review's checklist, the outstanding worklist and exports.

Every write takes (session, actor, *, ...), checks the role, validates with a sentence the officer can act
on, writes, and appends its daily log entry in the same transaction. Writes to an existing return take
`expected_version`: a save made against an older version is refused (StaleRecord), never overwritten.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Iterable, Optional, Sequence
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from db.models import FOLDER_SECTIONS, Account, Agency, Review, ReviewMilestone
from db.models_returns import FINAL_QA_OUTCOMES, INITIAL_CHECK_OUTCOMES, AgencyReturn, AgencyReturnChase
from services.daily_log import append_system_entry
from services.exports import csv_text, is_formula_like
from services.deadlines import RETURN_DUE_WORKING_DAYS
from services.errors import InvalidInput, StaleRecord
from services.permissions import CASE_READERS, CASE_WRITERS, requires
from services.rag import RAG_COLOURS, Rag, rag_for_due_date, received_unchecked_rag
from services.reviews import record_milestone_done, register_status_source
from services.calendar import load_calendar, load_settings
from services.working_days import WorkingCalendar

RETURNS_MILESTONE_KEY = "returns_accepted"
MAX_SUMMARY_CHARS = 4000
MAX_NOTE_CHARS = 2000
MAX_ROLE_CHARS = 120
MAX_PATH_CHARS = 500
CHECK_QUESTIONS = {
    "sufficient_information": "sufficient information",
    "dates_present": "dates present",
    "analysis": "analysis, not only a chronology",
    "signed": "signed",
}
CHECK_OUTCOME_LABELS = {
    "satisfactory": "Satisfactory: ready for the Partnership Manager's final QA",
    "concerns": "Concerns: the Partnership Manager to decide at final QA",
}
FINAL_QA_LABELS = {"accepted": "Accept", "sent back": "Send back to the agency"}


class Stage(StrEnum):
    AWAITING = "awaiting the return"
    RECEIVED = "received, awaiting the initial check"
    CHECKED = "checked, awaiting final QA"
    SENT_BACK = "sent back, awaiting resubmission"
    ACCEPTED = "accepted"


# Most urgent first: red, amber, green; complete last.
_URGENCY = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NOT_DUE_YET: 2, Rag.COMPLETE: 3, Rag.NOT_NEEDED: 3}


# ---------------------------------------------------------------- pure rules


def return_due_date(cal: WorkingCalendar, requested: date) -> date:
    """A scoping return is due within 5 working days of the request (the request day not counted)."""
    return cal.add_working_days(requested, RETURN_DUE_WORKING_DAYS)


def return_stage(ret: AgencyReturn) -> Stage:
    """Where a return is in its round: awaited, received, checked, sent back or accepted."""
    if ret.final_qa_outcome == "accepted":
        return Stage.ACCEPTED
    if ret.final_qa_outcome == "sent back":
        return Stage.SENT_BACK
    if ret.received_date is None:
        return Stage.AWAITING
    if ret.initial_check_date is None:
        return Stage.RECEIVED
    return Stage.CHECKED


def latest_received(ret: AgencyReturn) -> Optional[date]:
    """The receipt of the version now in hand: the resubmission when there is one."""
    return ret.resubmission_received_date or ret.received_date


def planned_due_date(cal: WorkingCalendar, ret: AgencyReturn) -> date:
    """The computed ("plan") due date of the current round: the new due date after a send-back, else the
    request + 5 working days."""
    return ret.resubmission_due_date or return_due_date(cal, ret.requested_date)


def agency_due_date(cal: WorkingCalendar, ret: AgencyReturn) -> date:
    """What the agency owes now: the date agreed by the Partnership Manager when there is one (it replaces the
    plan date of the current round), else the plan date (the new due date after a send-back, else request + 5)."""
    return ret.agreed_due_date or planned_due_date(cal, ret)


def final_qa_due_date(cal: WorkingCalendar, ret: AgencyReturn) -> date:
    """A checked return waits for the manager's final QA until the agency's due date, and at least until the
    working day after the check (our decision: the manager gets one working day)."""
    return max(agency_due_date(cal, ret), cal.add_working_days(ret.initial_check_date, 1))


def action_due_date(cal: WorkingCalendar, ret: AgencyReturn) -> Optional[date]:
    """The date the next step is measured against (the RAG's due date)."""
    stage = return_stage(ret)
    if stage in (Stage.AWAITING, Stage.SENT_BACK):
        return agency_due_date(cal, ret)
    if stage is Stage.RECEIVED:
        return latest_received(ret)
    if stage is Stage.CHECKED:
        return final_qa_due_date(cal, ret)
    return None


def return_rag(cal: WorkingCalendar, ret: AgencyReturn, as_of: date, amber_days: int = 1) -> Rag:
    """domain.md: not received, the due-date rule on its due date; sent back, the same rule on the new due
    date; received but unchecked, amber on the day and red from the next working day; accepted, complete."""
    stage = return_stage(ret)
    if stage is Stage.ACCEPTED:
        return Rag.COMPLETE
    if stage is Stage.RECEIVED:
        return received_unchecked_rag(cal, latest_received(ret), as_of)
    return rag_for_due_date(cal, action_due_date(cal, ret), as_of, amber_days)


def sharing_deadline(cal: WorkingCalendar, received: date) -> date:
    """The Chair should have a return the day it arrives (the next working day if it came on a closed day)."""
    return cal.next_working_day(received)


def shared_label(cal: WorkingCalendar, ret: AgencyReturn, as_of: date) -> str:
    """Whether the version in hand reached the JCR Chair on the day it arrived: 'same day' or 'late (...)'."""
    received = latest_received(ret)
    if received is None:
        return ""
    deadline = sharing_deadline(cal, received)
    if ret.shared_with_chair_date is not None:
        if ret.shared_with_chair_date <= deadline:
            return "same day"
        late = cal.working_days_between(deadline, ret.shared_with_chair_date)
        return f"late ({late} working day{'s' if late != 1 else ''} after receipt)" if late else "late"
    if return_stage(ret) is Stage.SENT_BACK:
        return "not shared"
    if as_of > deadline:
        return "not shared: late"
    return "not shared yet: share today"


def _days_phrase(cal: WorkingCalendar, due: date, as_of: date) -> str:
    if due < as_of:
        late = cal.working_days_between(due, as_of)
        return f"{late} working day{'s' if late != 1 else ''} late" if late else "late"
    if due == as_of:
        return "due today"
    left = cal.working_days_between(as_of, due)
    return f"due in {left} working day{'s' if left != 1 else ''}" if left else "due on the next working day"


def _agreed_word(ret: AgencyReturn) -> str:
    return ", agreed" if ret.agreed_due_date is not None else ""


def next_step(cal: WorkingCalendar, ret: AgencyReturn, as_of: date) -> str:
    """What should happen next to this return, in a few words the officer can act on."""
    stage = return_stage(ret)
    if stage is Stage.AWAITING:
        due = agency_due_date(cal, ret)
        prefix = "Chase the agency: return" if due < as_of else "Awaiting the return,"
        return f"{prefix} {_days_phrase(cal, due, as_of)} ({due:%a %d %b}{_agreed_word(ret)})"
    if stage is Stage.SENT_BACK:
        due = agency_due_date(cal, ret)
        prefix = "Chase the resubmission:" if due < as_of else "Awaiting the resubmission,"
        return f"{prefix} {_days_phrase(cal, due, as_of)} ({due:%a %d %b}{_agreed_word(ret)})"
    if stage is Stage.RECEIVED:
        received = latest_received(ret)
        step = "Initial quality check"
        if ret.shared_with_chair_date is None:
            step += " and share with the JCR Chair"
        if cal.working_days_between(received, as_of) >= 1:
            return f"{step}: overdue (received {received:%a %d %b})"
        return f"{step} today"
    if stage is Stage.CHECKED:
        step = "Final QA by the Partnership Manager"
        if ret.shared_with_chair_date is None:
            step = "Share with the JCR Chair (late); then " + step[0].lower() + step[1:]
        return f"{step}, {_days_phrase(cal, final_qa_due_date(cal, ret), as_of)}"
    missing = []
    if ret.file_path is None:
        missing.append("record where it is filed")
    if not ret.summary:
        missing.append("write the summary for the report")
    return "Accepted; " + " and ".join(missing) if missing else "Complete"


def check_result_label(ret: AgencyReturn) -> str:
    """'satisfactory (all 4 yes)' or 'concerns: no dates present, ... Note: ...'."""
    if ret.initial_check_outcome is None:
        return ""
    answers = {
        "sufficient_information": ret.check_sufficient_information,
        "dates_present": ret.check_dates_present,
        "analysis": ret.check_analysis,
        "signed": ret.check_signed,
    }
    noes = [CHECK_QUESTIONS[k] for k, v in answers.items() if v is False]
    text = ret.initial_check_outcome
    text += f": not {', not '.join(noes)}" if noes else " (all 4 yes)"
    if ret.initial_check_note:
        text += f". Note: {ret.initial_check_note}"
    return text


def validate_request(requested_on: Optional[date], notification_received: date, as_of: date) -> None:
    if requested_on is None:
        raise InvalidInput("Give the date the scoping forms were sent.")
    if requested_on > as_of:
        raise InvalidInput(f"The date sent ({requested_on:%d %b %Y}) cannot be in the future.")
    if requested_on < notification_received:
        raise InvalidInput(
            f"The scoping forms cannot be sent ({requested_on:%d %b %Y}) before the notification was received "
            f"({notification_received:%d %b %Y})."
        )


def validate_receipt(
    *,
    received_on: Optional[date],
    not_before: date,
    not_before_label: str,
    as_of: date,
    signed_by_senior_manager: Optional[bool],
    signatory_role: str,
) -> Optional[str]:
    """Refuse a receipt date before the request (or send-back) or in the future; return the cleaned role."""
    if received_on is None:
        raise InvalidInput("Give the date the return was received.")
    if received_on > as_of:
        raise InvalidInput(f"The date received ({received_on:%d %b %Y}) cannot be in the future.")
    if received_on < not_before:
        raise InvalidInput(
            f"The return cannot be received ({received_on:%d %b %Y}) before it was {not_before_label} "
            f"({not_before:%d %b %Y}). Check both dates."
        )
    if signed_by_senior_manager is None:
        raise InvalidInput("Say whether the return is signed by a senior manager (yes or no).")
    role = (signatory_role or "").strip() or None
    if signed_by_senior_manager and role is None:
        raise InvalidInput(
            "Give the role of the senior manager who signed it (for example Head of Service); a role, not a name."
        )
    if role is not None and len(role) > MAX_ROLE_CHARS:
        raise InvalidInput(f"Keep the signatory's role under {MAX_ROLE_CHARS} characters.")
    return role if signed_by_senior_manager else None


def validate_initial_check(
    *,
    checked_on: Optional[date],
    received: date,
    as_of: date,
    answers: dict[str, Optional[bool]],
    outcome: Optional[str],
    note: str,
) -> Optional[str]:
    """Every question answered, a known outcome consistent with the answers, a note for concerns."""
    if checked_on is None:
        raise InvalidInput("Give the date of the initial quality check.")
    if checked_on > as_of:
        raise InvalidInput(f"The date of the initial check ({checked_on:%d %b %Y}) cannot be in the future.")
    if checked_on < received:
        raise InvalidInput(
            f"The initial check ({checked_on:%d %b %Y}) cannot be before the return was received "
            f"({received:%d %b %Y})."
        )
    unanswered = [CHECK_QUESTIONS[k] for k, v in answers.items() if v is None]
    if unanswered:
        raise InvalidInput("Answer every question of the initial check (yes or no): " + ", ".join(unanswered) + ".")
    if outcome not in INITIAL_CHECK_OUTCOMES:
        raise InvalidInput("Choose the outcome of the initial check: satisfactory, or concerns.")
    cleaned = (note or "").strip() or None
    noes = [CHECK_QUESTIONS[k] for k, v in answers.items() if v is False]
    if outcome == "satisfactory" and noes:
        raise InvalidInput(
            "The check found gaps (" + ", ".join(f"not {n}" for n in noes) + "), so the outcome cannot be "
            "satisfactory: choose 'concerns' and say in the note what is missing."
        )
    if outcome == "concerns" and cleaned is None:
        raise InvalidInput("Say in the note what is missing or weak: the manager decides on it at final QA.")
    if cleaned is not None and len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidInput(f"Keep the note under {MAX_NOTE_CHARS} characters.")
    return cleaned


def validate_final_qa(
    *,
    decided_on: Optional[date],
    checked_on: date,
    as_of: date,
    outcome: Optional[str],
    reason: str,
    new_due_date: Optional[date],
) -> Optional[str]:
    """Accepted, or sent back with a reason and a new due date on or after the day it is sent back."""
    if outcome not in FINAL_QA_OUTCOMES:
        raise InvalidInput("Choose the final QA decision: accept the return, or send it back.")
    if decided_on is None:
        raise InvalidInput("Give the date of the final QA.")
    if decided_on > as_of:
        raise InvalidInput(f"The date of the final QA ({decided_on:%d %b %Y}) cannot be in the future.")
    if decided_on < checked_on:
        raise InvalidInput(
            f"The final QA ({decided_on:%d %b %Y}) cannot be before the initial check ({checked_on:%d %b %Y})."
        )
    cleaned = (reason or "").strip() or None
    if outcome == "accepted":
        return None
    if cleaned is None:
        raise InvalidInput("Say why the return is sent back: the agency is told this reason.")
    if len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidInput(f"Keep the reason under {MAX_NOTE_CHARS} characters.")
    if new_due_date is None:
        raise InvalidInput("Give the new due date for the resubmission, as agreed with the agency.")
    if new_due_date < decided_on:
        raise InvalidInput(
            f"The new due date ({new_due_date:%d %b %Y}) cannot be before the day the return is sent back "
            f"({decided_on:%d %b %Y})."
        )
    return cleaned


# ---------------------------------------------------------------- reading


@dataclass
class ReturnStatus:
    """One return as the checklist and the worklist show it."""

    ret: AgencyReturn
    stage: Stage
    rag: Rag
    due_date: date
    action_due: Optional[date]
    shared: str
    next_step: str

    @property
    def agency_name(self) -> str:
        return self.ret.agency.name

    @property
    def case_reference(self) -> str:
        return self.ret.review.case_reference

    @property
    def awaiting_agency(self) -> bool:
        return self.stage in (Stage.AWAITING, Stage.SENT_BACK)

    @property
    def late(self) -> bool:
        return self.awaiting_agency and self.action_due is not None and self.rag is Rag.RED


@dataclass(frozen=True)
class ReturnCounts:
    requested: int
    received: int
    accepted: int

    @property
    def label(self) -> str:
        return f"{self.received} of {self.requested}" if self.requested else "none requested"


def status_of(cal: WorkingCalendar, ret: AgencyReturn, as_of: date, amber_days: int = 1) -> ReturnStatus:
    return ReturnStatus(
        ret=ret,
        stage=return_stage(ret),
        rag=return_rag(cal, ret, as_of, amber_days),
        due_date=return_due_date(cal, ret.requested_date),
        action_due=action_due_date(cal, ret),
        shared=shared_label(cal, ret, as_of),
        next_step=next_step(cal, ret, as_of),
    )


def urgency_key(status: ReturnStatus) -> tuple:
    """Red first, then the step due soonest (most overdue first), then case reference and agency."""
    return (_URGENCY[status.rag], status.action_due or date.max, status.case_reference, status.agency_name)


def _returns_of_review(session: Session, review_id: int) -> list[AgencyReturn]:
    return list(
        session.scalars(
            select(AgencyReturn).join(Agency, Agency.id == AgencyReturn.agency_id)
            .where(AgencyReturn.review_id == review_id).order_by(Agency.name)
        )
    )


@requires(*CASE_READERS, action="see agency returns")
def list_returns(session: Session, actor: Account, *, review_id: int, as_of: date) -> list[ReturnStatus]:
    """One review's returns, one per agency, by agency name."""
    if session.get(Review, review_id) is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    cal = load_calendar(session)
    amber = load_settings(session).amber_threshold_days
    return [status_of(cal, r, as_of, amber) for r in _returns_of_review(session, review_id)]


@requires(*CASE_READERS, action="see agency returns")
def list_outstanding_returns(session: Session, actor: Account, *, as_of: date) -> list[ReturnStatus]:
    """Every return not yet accepted on a live review, most urgent first: the officer's worklist."""
    cal = load_calendar(session)
    amber = load_settings(session).amber_threshold_days
    rows = session.scalars(
        select(AgencyReturn).join(Review, Review.id == AgencyReturn.review_id)
        .where(Review.state != "closed")
        .where(AgencyReturn.final_qa_outcome.is_distinct_from("accepted"))
    ).all()
    return sorted((status_of(cal, r, as_of, amber) for r in rows), key=urgency_key)


@requires(*CASE_READERS, action="see agency returns")
def returns_received_counts(
    session: Session, actor: Account, *, review_ids: Optional[Iterable[int]] = None
) -> dict[int, ReturnCounts]:
    """For each review: returns requested, received (at least once) and accepted."""
    query = select(
        AgencyReturn.review_id,
        func.count(),
        func.count(AgencyReturn.received_date),
        func.count().filter(AgencyReturn.final_qa_outcome == "accepted"),
    ).group_by(AgencyReturn.review_id)
    if review_ids is not None:
        query = query.where(AgencyReturn.review_id.in_(list(review_ids)))
    return {rid: ReturnCounts(n, received, accepted) for rid, n, received, accepted in session.execute(query)}


def _review_return_statuses(
    session: Session, cal: WorkingCalendar, review: Review, as_of: date, amber_days: int
) -> list[Rag]:
    """The status source for a review's RAG: each of its returns."""
    if review.state == "closed":
        return []
    # Columns only: one query per review (the live list calls this for every review).
    rows = session.scalars(
        select(AgencyReturn).where(AgencyReturn.review_id == review.id).options(lazyload("*"))
    )
    return [return_rag(cal, r, as_of, amber_days) for r in rows]


register_status_source(_review_return_statuses)


# ---------------------------------------------------------------- writing: helpers


def _load_review_for_write(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    if review.state == "closed":
        raise InvalidInput(f"Review {review.case_reference} is closed: its returns can no longer be changed.")
    return review


def _load_return(session: Session, return_id: int) -> AgencyReturn:
    """The return, locked for this transaction and read fresh (a concurrent save waits, then sees the change)."""
    ret = session.scalars(
        select(AgencyReturn).where(AgencyReturn.id == return_id)
        .with_for_update(of=AgencyReturn).execution_options(populate_existing=True)
    ).first()
    if ret is None:
        raise InvalidInput("That return does not exist. Reload the page.")
    _load_review_for_write(session, ret.review_id)
    return ret


def _check_version(ret: AgencyReturn, expected_version: Optional[int]) -> None:
    if expected_version is not None and ret.version != expected_version:
        raise StaleRecord(
            f"The return from {ret.agency.name} was changed by someone else since you opened it. The page now "
            "shows the saved values: check them and make your change again if it is still needed."
        )


def _flush_or_stale(session: Session, ret: AgencyReturn) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleRecord(
            f"The return from {ret.agency.name} was changed by someone else at the same moment. Reload the page "
            "and make your change again if it is still needed."
        ) from None


def _log(session: Session, actor: Account, ret: AgencyReturn, category: str, text: str, **extra) -> None:
    append_system_entry(session, actor, review_id=ret.review_id, category=category, text=text,
                        agency_return_id=ret.id, **extra)


def _refuse_unless_stage(ret: AgencyReturn, wanted: Sequence[Stage], action: str) -> None:
    """A step out of order gets a sentence saying what must come first."""
    stage = return_stage(ret)
    if stage in wanted:
        return
    name = ret.agency.name
    if stage is Stage.AWAITING:
        raise InvalidInput(f"The return from {name} has not been received yet: record its receipt before {action}.")
    if stage is Stage.SENT_BACK:
        raise InvalidInput(
            f"The return from {name} was sent back on {ret.sent_back_date:%d %b %Y}: record the resubmission "
            f"before {action}."
        )
    if stage is Stage.RECEIVED:
        raise InvalidInput(f"The initial quality check of the return from {name} must be recorded before {action}.")
    if stage is Stage.CHECKED:
        raise InvalidInput(
            f"The return from {name} was already checked on {ret.initial_check_date:%d %b %Y}; it is waiting for "
            "the Partnership Manager's final QA."
        )
    raise InvalidInput(f"The return from {name} was already accepted on {ret.final_qa_date:%d %b %Y}.")


# ---------------------------------------------------------------- writing: the steps


@requires(*CASE_WRITERS, action="record scoping forms sent")
def record_returns_requested(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    agency_ids: Sequence[int],
    requested_on: Optional[date],
    as_of: date,
) -> list[AgencyReturn]:
    """Record the scoping forms sent to the chosen agencies: one return each, due in 5 working days."""
    review = _load_review_for_write(session, review_id)
    if not agency_ids:
        raise InvalidInput("Choose at least one agency to send the scoping form to.")
    validate_request(requested_on, review.notification_received_date, as_of)
    cal = load_calendar(session)
    due = return_due_date(cal, requested_on)
    agencies = []
    for agency_id in dict.fromkeys(agency_ids):
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise InvalidInput("One of the chosen agencies no longer exists. Reload the page.")
        if not agency.active:
            raise InvalidInput(f"{agency.name} is no longer an active agency; an administrator can reactivate it.")
        existing = session.scalar(
            select(AgencyReturn).where(AgencyReturn.review_id == review_id, AgencyReturn.agency_id == agency_id)
        )
        if existing is not None:
            raise InvalidInput(
                f"{agency.name} was already asked for a return on review {review.case_reference} "
                f"(sent {existing.requested_date:%d %b %Y}). A review has one return per agency; nothing was saved."
            )
        agencies.append(agency)
    created = []
    for agency in agencies:
        ret = AgencyReturn(review_id=review.id, agency_id=agency.id, requested_date=requested_on,
                           requested_by_id=actor.id, sent_back_count=0)
        try:
            with session.begin_nested():
                session.add(ret)
                session.flush()
        except IntegrityError as error:
            if "one_return_per_agency" not in str(error.orig):
                raise
            # Someone else recorded the same agency a moment ago.
            raise InvalidInput(
                f"{agency.name} was asked for a return on review {review.case_reference} by someone else a moment "
                "ago. Reload the page; nothing was saved."
            ) from None
        _log(session, actor, ret, "communication",
             f"Scoping form sent to {agency.name} on {requested_on:%d %b %Y}; return due {due:%a %d %b %Y}.")
        created.append(ret)
    return created


@requires(*CASE_WRITERS, action="record a return received")
def record_return_received(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    received_on: Optional[date],
    signed_by_senior_manager: Optional[bool],
    signatory_role: str = "",
    as_of: date,
) -> AgencyReturn:
    """Record the agency's return received, and whether a senior manager signed it (with their role)."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    if return_stage(ret) is Stage.SENT_BACK:
        raise InvalidInput(
            f"The return from {ret.agency.name} was sent back on {ret.sent_back_date:%d %b %Y}: record what "
            "arrives now as the resubmission."
        )
    if ret.received_date is not None:
        raise InvalidInput(
            f"The return from {ret.agency.name} was already recorded as received on {ret.received_date:%d %b %Y}."
        )
    role = validate_receipt(received_on=received_on, not_before=ret.requested_date, not_before_label="requested",
                            as_of=as_of, signed_by_senior_manager=signed_by_senior_manager,
                            signatory_role=signatory_role)
    ret.received_date = received_on
    ret.signed_by_senior_manager = signed_by_senior_manager
    ret.signatory_role = role
    _flush_or_stale(session, ret)
    cal = load_calendar(session)
    due = return_due_date(cal, ret.requested_date)
    timing = "on time" if received_on <= due else f"late ({cal.working_days_between(due, received_on)} working days)"
    due_words = f"due {due:%d %b %Y}"
    if ret.agreed_due_date is not None:
        # The 5-working-day rule stays the measure of "on time" (the board's figure); the agreed date is named.
        within = "within" if received_on <= ret.agreed_due_date else "after"
        due_words += f"; {within} the agreed date {ret.agreed_due_date:%d %b %Y}"
    signed = f"signed by a senior manager ({role})" if signed_by_senior_manager else "not signed by a senior manager"
    _log(session, actor, ret, "communication",
         f"Return received from {ret.agency.name} on {received_on:%d %b %Y}, {timing} ({due_words}); {signed}.")
    return ret


@requires(*CASE_WRITERS, action="record a resubmission received")
def record_resubmission_received(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    received_on: Optional[date],
    signed_by_senior_manager: Optional[bool],
    signatory_role: str = "",
    as_of: date,
) -> AgencyReturn:
    """Record the resubmission of a return sent back; it then goes through the initial check and final QA again."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    if return_stage(ret) is not Stage.SENT_BACK:
        if ret.received_date is None:
            raise InvalidInput(
                f"The return from {ret.agency.name} has not been received yet, nor sent back: record it as received."
            )
        raise InvalidInput(
            f"The return from {ret.agency.name} is not waiting for a resubmission (it is {return_stage(ret).value})."
        )
    role = validate_receipt(received_on=received_on, not_before=ret.sent_back_date, not_before_label="sent back",
                            as_of=as_of, signed_by_senior_manager=signed_by_senior_manager,
                            signatory_role=signatory_role)
    due = agency_due_date(load_calendar(session), ret)
    due_words = f"agreed due date {due:%d %b %Y}" if ret.agreed_due_date else f"new due date {due:%d %b %Y}"
    ret.resubmission_received_date = received_on
    ret.signed_by_senior_manager = signed_by_senior_manager
    ret.signatory_role = role
    # A new version: its check, its sharing with the Chair and its final QA start again (the log keeps the old).
    ret.check_sufficient_information = ret.check_dates_present = ret.check_analysis = ret.check_signed = None
    ret.initial_check_outcome = ret.initial_check_note = None
    ret.initial_check_date = ret.initial_checked_by_id = None
    ret.shared_with_chair_date = None
    ret.final_qa_outcome = ret.final_qa_date = ret.final_qa_by_id = None
    _flush_or_stale(session, ret)
    timing = "on time" if received_on <= due else "late"
    signed = f"signed by a senior manager ({role})" if signed_by_senior_manager else "not signed by a senior manager"
    _log(session, actor, ret, "communication",
         f"Resubmitted return received from {ret.agency.name} on {received_on:%d %b %Y}, {timing} "
         f"({due_words}); {signed}.")
    return ret


@requires(*CASE_WRITERS, action="record an initial quality check")
def record_initial_check(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    checked_on: Optional[date],
    sufficient_information: Optional[bool],
    dates_present: Optional[bool],
    analysis: Optional[bool],
    signed: Optional[bool],
    outcome: Optional[str],
    note: str = "",
    as_of: date,
) -> AgencyReturn:
    """Record the initial quality check of the return in hand: four yes/no questions, an outcome and a note."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    _refuse_unless_stage(ret, (Stage.RECEIVED,), "its initial quality check")
    answers = {"sufficient_information": sufficient_information, "dates_present": dates_present,
               "analysis": analysis, "signed": signed}
    cleaned_note = validate_initial_check(checked_on=checked_on, received=latest_received(ret), as_of=as_of,
                                          answers=answers, outcome=outcome, note=note)
    ret.check_sufficient_information = sufficient_information
    ret.check_dates_present = dates_present
    ret.check_analysis = analysis
    ret.check_signed = signed
    ret.initial_check_outcome = outcome
    ret.initial_check_note = cleaned_note
    ret.initial_check_date = checked_on
    ret.initial_checked_by_id = actor.id
    _flush_or_stale(session, ret)
    what = "resubmitted return" if ret.resubmission_received_date else "return"
    _log(session, actor, ret, "quality check",
         f"Initial quality check of the {what} from {ret.agency.name} on {checked_on:%d %b %Y}: "
         f"{check_result_label(ret)}")
    return ret


@requires(*CASE_WRITERS, action="record a return shared with the JCR Chair")
def record_shared_with_chair(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    shared_on: Optional[date],
    as_of: date,
) -> AgencyReturn:
    """Record the date the return in hand was shared with the JCR Chair (due the day it arrived)."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    _refuse_unless_stage(ret, (Stage.RECEIVED, Stage.CHECKED, Stage.ACCEPTED), "sharing it with the JCR Chair")
    if ret.shared_with_chair_date is not None:
        raise InvalidInput(
            f"The return from {ret.agency.name} was already shared with the JCR Chair on "
            f"{ret.shared_with_chair_date:%d %b %Y}."
        )
    received = latest_received(ret)
    if shared_on is None:
        raise InvalidInput("Give the date the return was shared with the JCR Chair.")
    if shared_on > as_of:
        raise InvalidInput(f"The date shared ({shared_on:%d %b %Y}) cannot be in the future.")
    if shared_on < received:
        raise InvalidInput(
            f"The return cannot be shared ({shared_on:%d %b %Y}) before it was received ({received:%d %b %Y})."
        )
    ret.shared_with_chair_date = shared_on
    _flush_or_stale(session, ret)
    timing = shared_label(load_calendar(session), ret, as_of)
    _log(session, actor, ret, "communication",
         f"Return from {ret.agency.name} shared with the JCR Chair on {shared_on:%d %b %Y} ({timing}; "
         f"received {received:%d %b %Y}).")
    return ret


@requires("manager", action="record the final quality assurance of a return")
def record_final_qa(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    decided_on: Optional[date],
    outcome: Optional[str],
    reason: str = "",
    new_due_date: Optional[date] = None,
    as_of: date,
) -> AgencyReturn:
    """The Partnership Manager's final QA: accept the return, or send it back with a reason and a new due date."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    _refuse_unless_stage(ret, (Stage.CHECKED,), "the final QA")
    cleaned = validate_final_qa(decided_on=decided_on, checked_on=ret.initial_check_date, as_of=as_of,
                                outcome=outcome, reason=reason, new_due_date=new_due_date)
    ret.final_qa_outcome = outcome
    ret.final_qa_date = decided_on
    ret.final_qa_by_id = actor.id
    if outcome == "sent back":
        ret.sent_back_date = decided_on
        ret.sent_back_reason = cleaned
        ret.resubmission_due_date = new_due_date
        ret.sent_back_count = (ret.sent_back_count or 0) + 1
        ret.resubmission_received_date = None
        # The new due date is itself agreed with the agency: an earlier agreed date belonged to the old round.
        dropped_agreed = ret.agreed_due_date
        ret.agreed_due_date = ret.agreed_reason = None
    _flush_or_stale(session, ret)
    if outcome == "accepted":
        text = f"Final QA: return from {ret.agency.name} accepted on {decided_on:%d %b %Y}."
    else:
        text = (f"Final QA: return from {ret.agency.name} sent back on {decided_on:%d %b %Y}; new due date "
                f"{new_due_date:%d %b %Y}. Reason: {cleaned}")
        if dropped_agreed is not None:
            text += f" (The agreed date {dropped_agreed:%d %b %Y} no longer applies.)"
    _log(session, actor, ret, "quality check", text)
    if outcome == "accepted":
        _complete_milestone_when_all_accepted(session, actor, ret.review_id, decided_on, as_of)
    return ret


def _complete_milestone_when_all_accepted(
    session: Session, actor: Account, review_id: int, done_on: date, as_of: date
) -> None:
    """Our decision: when every return of a review is accepted, 'Agency returns received, checked and
    accepted' is done, on the day of the last acceptance. Done already (say, explained by hand): left alone."""
    returns = _returns_of_review(session, review_id)
    if not returns or any(r.final_qa_outcome != "accepted" for r in returns):
        return
    milestone = session.scalar(
        select(ReviewMilestone).where(ReviewMilestone.review_id == review_id,
                                      ReviewMilestone.key == RETURNS_MILESTONE_KEY)
    )
    if milestone is None or milestone.done_date is not None:
        return
    record_milestone_done(session, actor, milestone_id=milestone.id, done_on=done_on, as_of=as_of,
                          note=f"Completed automatically: every agency return accepted ({len(returns)} of "
                          f"{len(returns)}).")


@requires(*CASE_WRITERS, action="record where a return is filed")
def record_file_location(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    file_section: Optional[str],
    file_path: str,
) -> AgencyReturn:
    """Record (or correct) where the return is filed in the case folder: its section and path."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    if ret.received_date is None:
        raise InvalidInput(f"There is no return from {ret.agency.name} to file yet: record its receipt first.")
    section = (file_section or "").strip().upper()
    if section not in FOLDER_SECTIONS:
        raise InvalidInput("Choose the case folder section: I, II, III or IV (returns usually go in I).")
    path = (file_path or "").strip()
    if not path:
        raise InvalidInput("Give the file's location in the case folder (for example I/Police scoping return.docx).")
    if len(path) > MAX_PATH_CHARS:
        raise InvalidInput(f"Keep the file location under {MAX_PATH_CHARS} characters.")
    if (ret.file_section, ret.file_path) == (section, path):
        raise InvalidInput("Nothing to save: the file location is the same as before.")
    old = f"{ret.file_section}: {ret.file_path}" if ret.file_path else None
    ret.file_section, ret.file_path = section, path
    _flush_or_stale(session, ret)
    text = f"Return from {ret.agency.name} filed in section {section}: {path}."
    if old:
        text += f" (Was {old}.)"
    _log(session, actor, ret, "document filed", text, folder_section=section, file_path=path)
    return ret


@requires(*CASE_WRITERS, action="write a return's summary")
def record_summary(
    session: Session, actor: Account, *, return_id: int, expected_version: Optional[int], summary: str
) -> AgencyReturn:
    """Record (or revise) the short summary of the agency's involvement and learning that feeds the report."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    if ret.received_date is None:
        raise InvalidInput(f"Nothing has been received from {ret.agency.name} yet: record the receipt first.")
    text = (summary or "").strip()
    if not text:
        raise InvalidInput("Write the summary of the agency's involvement and learning (initials only, no names).")
    if len(text) > MAX_SUMMARY_CHARS:
        raise InvalidInput(f"Keep the summary under {MAX_SUMMARY_CHARS} characters; it is one part of the report.")
    if text == (ret.summary or ""):
        raise InvalidInput("Nothing to save: the summary is the same as before.")
    revised = ret.summary is not None
    ret.summary = text
    _flush_or_stale(session, ret)
    words = len(text.split())
    _log(session, actor, ret, "other",
         f"Summary of {ret.agency.name}'s involvement and learning {'revised' if revised else 'written'} "
         f"({words} words).")
    return ret


@requires("manager", action="agree a return's due date")
def set_return_agreed_date(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: Optional[int],
    agreed_on: Optional[date],
    reason: str,
) -> AgencyReturn:
    """Set (or clear, with agreed_on=None) the due date agreed with the agency for one return, with a reason.
    It replaces the computed due date of the current round (request + 5 working days, or the new due date after
    a send-back) for RAG, the worklist, chasing and the checklist; a later send-back clears it."""
    ret = _load_return(session, return_id)
    _check_version(ret, expected_version)
    name = ret.agency.name
    if return_stage(ret) is Stage.ACCEPTED:
        raise InvalidInput(
            f"The return from {name} was already accepted on {ret.final_qa_date:%d %b %Y}; there is no date left "
            "to agree."
        )
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InvalidInput(
            f"Say why the date was agreed (for example 'later return date agreed with {name}')."
        )
    if len(cleaned) > MAX_NOTE_CHARS:
        raise InvalidInput(f"Keep the reason under {MAX_NOTE_CHARS} characters.")
    old = ret.agreed_due_date
    if agreed_on == old:
        if agreed_on is None:
            raise InvalidInput(f"The return from {name} has no agreed date to clear.")
        raise InvalidInput(f"{agreed_on:%d %b %Y} is already the agreed date for the return from {name}.")
    if agreed_on is not None and agreed_on < ret.requested_date:
        raise InvalidInput(
            f"The agreed date ({agreed_on:%d %b %Y}) cannot be before the scoping form was sent to {name} "
            f"({ret.requested_date:%d %b %Y})."
        )
    if agreed_on is not None and return_stage(ret) is Stage.SENT_BACK and agreed_on < ret.sent_back_date:
        raise InvalidInput(
            f"The agreed date ({agreed_on:%d %b %Y}) cannot be before the return was sent back "
            f"({ret.sent_back_date:%d %b %Y})."
        )
    cal = load_calendar(session)
    plan = planned_due_date(cal, ret)
    ret.agreed_due_date = agreed_on
    ret.agreed_reason = cleaned if agreed_on is not None else None
    _flush_or_stale(session, ret)
    what = "resubmission" if return_stage(ret) is Stage.SENT_BACK else "return"
    _log(session, actor, ret, "date agreed",
         f"Date agreed for the {what} from {name}: from {_fmt(old or plan)} to {_fmt(agreed_on or plan)} "
         f"(plan date {_fmt(plan)}). Reason: {cleaned}")
    return ret


def _fmt(value: Optional[date]) -> str:
    return f"{value:%d %b %Y}" if value else "blank"


# ---------------------------------------------------------------- chasing


@dataclass(frozen=True)
class ChaseEmail:
    to: str
    subject: str
    body: str

    @property
    def mailto(self) -> str:
        subject, body = quote(self.subject, safe=""), quote(self.body, safe="")
        return f"mailto:{quote(self.to, safe='@')}?subject={subject}&body={body}"


def chase_email_for(
    cal: WorkingCalendar, ret: AgencyReturn, *, as_of: date, sender: str, partnership: str
) -> ChaseEmail:
    """The ready email to the agency's contact for a return still awaited: case reference, due date, what is missing."""
    stage = return_stage(ret)
    reference = ret.review.case_reference
    due = agency_due_date(cal, ret)
    if stage is Stage.SENT_BACK:
        subject = f"Rapid Review {reference}: resubmission of your scoping return, due {due:%a %d %b %Y}"
        missing = (f"The return you sent was sent back on {ret.sent_back_date:%d %B %Y}. What is missing: "
                   f"{ret.sent_back_reason}")
        what = "the resubmitted scoping return"
    else:
        subject = f"Rapid Review {reference}: scoping return from {ret.agency.name}, due {due:%a %d %b %Y}"
        missing = ("What is missing: your agency's completed scoping form (information held, key dates, analysis "
                   "rather than only a chronology), signed by a senior manager.")
        what = "your agency's scoping return"
    if due < as_of:
        late = cal.working_days_between(due, as_of)
        timing = f"It was due on {due:%A %d %B %Y} and is now {late} working day{'s' if late != 1 else ''} late."
    elif due == as_of:
        timing = f"It is due today, {due:%A %d %B %Y}."
    else:
        timing = f"It is due on {due:%A %d %B %Y}."
    body = "\n".join([
        "Dear colleague,",
        "",
        f"Rapid Review {reference}: we have not yet received {what}. {timing}",
        "",
        missing,
        "",
        "The Rapid Review must reach the National Panel within 15 working days, so please send it as soon as "
        "you can, or tell us today when it will come. Please use the case reference only: no names.",
        "",
        "Thank you,",
        sender,
        partnership,
    ])
    return ChaseEmail(to=ret.agency.contact_email or "", subject=subject, body=body)


@requires(*CASE_READERS, action="see agency returns")
def chase_email(session: Session, actor: Account, *, return_id: int, as_of: date) -> ChaseEmail:
    """The ready chase email for a return still awaited from its agency."""
    ret = session.get(AgencyReturn, return_id)
    if ret is None:
        raise InvalidInput("That return does not exist. Reload the page.")
    if return_stage(ret) not in (Stage.AWAITING, Stage.SENT_BACK):
        raise InvalidInput(
            f"The return from {ret.agency.name} is not awaited from the agency; there is nothing to chase."
        )
    return chase_email_for(load_calendar(session), ret, as_of=as_of, sender=actor.display_name,
                           partnership=load_settings(session).partnership_name)


@requires(*CASE_WRITERS, action="log a chase")
def record_chase(session: Session, actor: Account, *, return_id: int, as_of: date) -> AgencyReturnChase:
    """Log that the agency was chased for its return (once a day per person: a double click logs once)."""
    ret = _load_return(session, return_id)
    stage = return_stage(ret)
    if stage not in (Stage.AWAITING, Stage.SENT_BACK):
        raise InvalidInput(
            f"The return from {ret.agency.name} is not awaited from the agency; there is nothing to chase."
        )
    already = session.scalar(
        select(AgencyReturnChase).where(AgencyReturnChase.agency_return_id == ret.id,
                                        AgencyReturnChase.chased_by_id == actor.id,
                                        AgencyReturnChase.chased_on == as_of)
    )
    if already is not None:
        raise InvalidInput(
            f"You already logged a chase of {ret.agency.name} today; it was not logged twice. Add any further "
            "contact to the daily log."
        )
    chase = AgencyReturnChase(agency_return_id=ret.id, chased_on=as_of, chased_by_id=actor.id)
    session.add(chase)
    session.flush()
    cal = load_calendar(session)
    due = agency_due_date(cal, ret)
    what = "resubmission" if stage is Stage.SENT_BACK else "scoping return"
    to = ret.agency.contact_email or "no contact email held"
    _log(session, actor, ret, "communication",
         f"Chased {ret.agency.name} ({to}) for the {what} due {due:%d %b %Y} ({_days_phrase(cal, due, as_of)}).")
    return chase


# ---------------------------------------------------------------- the checklist table and exports

CHECKLIST_COLUMNS = [
    "Agency",
    "RAG",
    "Stage",
    "Next step",
    "Requested",
    "Due",
    "Agreed due date",
    "Agreed (reason)",
    "Received",
    "Signed by a senior manager",
    "Initial check",
    "Check result",
    "Shared with JCR Chair",
    "Shared on time",
    "Final QA",
    "Final QA date",
    "Sent back (reason)",
    "New due date",
    "Resubmission received",
    "Chased",
    "File location",
    "Summary of involvement and learning",
]
DATE_COLUMNS = ["Requested", "Due", "Agreed due date", "Received", "Initial check", "Shared with JCR Chair", "Final QA date",
                "New due date", "Resubmission received"]


def checklist_row(status: ReturnStatus) -> dict:
    """One return as one row of the checklist: the page and the exports both use this."""
    r = status.ret
    if r.received_date is None:
        signed = ""
    else:
        signed = f"yes ({r.signatory_role})" if r.signed_by_senior_manager else "no"
    sent_back = ""
    if r.sent_back_count:
        times = "once" if r.sent_back_count == 1 else f"{r.sent_back_count} times"
        sent_back = f"{times}: {r.sent_back_reason}"
    chased = ""
    if r.chases:
        last = max(c.chased_on for c in r.chases)
        chased = f"{len(r.chases)}, last {last:%a %d %b %Y}"
    return {
        "Agency": r.agency.name,
        "RAG": status.rag.value.upper(),
        "Stage": status.stage.value,
        "Next step": status.next_step,
        "Requested": r.requested_date,
        "Due": status.due_date,
        "Agreed due date": r.agreed_due_date,
        "Agreed (reason)": r.agreed_reason or "",
        "Received": r.received_date,
        "Signed by a senior manager": signed,
        "Initial check": r.initial_check_date,
        "Check result": check_result_label(r),
        "Shared with JCR Chair": r.shared_with_chair_date,
        "Shared on time": status.shared,
        "Final QA": r.final_qa_outcome or "",
        "Final QA date": r.final_qa_date,
        "Sent back (reason)": sent_back,
        "New due date": r.resubmission_due_date,
        "Resubmission received": r.resubmission_received_date,
        "Chased": chased,
        "File location": f"{r.file_section}: {r.file_path}" if r.file_path else "",
        "Summary of involvement and learning": r.summary or "",
    }


def checklist_table(statuses: Sequence[ReturnStatus]) -> list[dict]:
    return [checklist_row(s) for s in statuses]


def checklist_csv(rows: Sequence[dict]) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads it right); dates as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CHECKLIST_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (v.isoformat() if isinstance(v, date) else csv_text(v)) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8-sig")


def checklist_xlsx(rows: Sequence[dict], *, title: str, as_of: date) -> bytes:
    """An .xlsx workbook: a title line, the table with real dates, RAG cells coloured, frozen header."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Returns checklist"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"As of {as_of:%a %d %b %Y}"])
    ws.append(CHECKLIST_COLUMNS)
    header_row = 3
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    fills = {rag.value.upper(): PatternFill("solid", fgColor=colour.lstrip("#")) for rag, colour in RAG_COLOURS.items()}
    rag_col = CHECKLIST_COLUMNS.index("RAG") + 1
    for row in rows:
        ws.append([row[c] for c in CHECKLIST_COLUMNS])
        excel_row = ws.max_row
        for i, name in enumerate(CHECKLIST_COLUMNS, start=1):
            if is_formula_like(row[name]):
                ws.cell(excel_row, i).data_type = "s"  # what was typed, never a formula
        for name in DATE_COLUMNS:
            ws.cell(excel_row, CHECKLIST_COLUMNS.index(name) + 1).number_format = "ddd d mmm yyyy"
        rag_cell = ws.cell(excel_row, rag_col)
        if rag_cell.value in fills:
            rag_cell.fill = fills[rag_cell.value]
            rag_cell.font = Font(bold=True, color="FFFFFF")
    widths = {"Agency": 30, "Agreed (reason)": 36, "Stage": 26, "Next step": 44, "Check result": 40, "Sent back (reason)": 36,
              "File location": 36, "Summary of involvement and learning": 60}
    for i, name in enumerate(CHECKLIST_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
    ws.freeze_panes = ws.cell(header_row + 1, 2)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Export:
    file_name: str
    mime: str
    data: bytes


@requires(*CASE_READERS, action="export agency returns")
def export_checklist(
    session: Session, actor: Account, *, review_id: int, as_of: date, file_format: str
) -> Export:
    """A review's returns checklist as .xlsx or .csv, with the same rows and columns as the page."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    rows = checklist_table(list_returns(session, actor, review_id=review_id, as_of=as_of))
    stem = f"{review.case_reference}-agency-returns-{as_of:%Y-%m-%d}"
    if file_format == "xlsx":
        title = f"Rapid Review {review.case_reference}: agency returns checklist"
        data = checklist_xlsx(rows, title=title, as_of=as_of)
        return Export(f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
    if file_format == "csv":
        return Export(f"{stem}.csv", "text/csv", checklist_csv(rows))
    raise InvalidInput("Choose the export format: Excel (.xlsx) or CSV.")
