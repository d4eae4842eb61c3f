"""The receipts of an agency return: its first return and a resubmission after a send-back, each checked against
what the return awaits, timed against its due date, and starting the checks again (role-checked writes)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from db.enums import LogCategory
from db.models import Account
from db.models_returns import AgencyReturn
from services.errors import InvalidInput
from services.permissions import CASE_WRITERS, requires
from services.returns.rules import (
    Stage,
    agency_due_date,
    known_date,
    return_due_date,
    return_stage,
    validate_receipt,
)
from services.returns.writing import (
    flush_return,
    load_return_for_write,
    log_return_entry,
    refuse_if_ended,
    refuse_if_stale,
)
from services.settings_reads import load_calendar
from services.working_days import WorkingCalendar

# ---------------------------------------------------------------- writing: the steps


@requires(*CASE_WRITERS, action="record a return received")
def record_return_received(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    received_on: date | None,
    signed_by_senior_manager: bool | None,
    signatory_role: str = "",
    as_of: date,
) -> AgencyReturn:
    """Record the agency's return received, and whether a senior manager signed it (with their role)."""
    return _record_receipt(session, actor, return_id=return_id, expected_version=expected_version,
                           resubmitted=False, received_on=received_on,
                           signed_by_senior_manager=signed_by_senior_manager, signatory_role=signatory_role,
                           as_of=as_of)


@requires(*CASE_WRITERS, action="record a resubmission received")
def record_resubmission_received(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    received_on: date | None,
    signed_by_senior_manager: bool | None,
    signatory_role: str = "",
    as_of: date,
) -> AgencyReturn:
    """Record the resubmission of a return sent back; it then goes through the initial check and final QA again."""
    return _record_receipt(session, actor, return_id=return_id, expected_version=expected_version,
                           resubmitted=True, received_on=received_on,
                           signed_by_senior_manager=signed_by_senior_manager, signatory_role=signatory_role,
                           as_of=as_of)


def _record_receipt(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    resubmitted: bool,
    received_on: date | None,
    signed_by_senior_manager: bool | None,
    signatory_role: str,
    as_of: date,
) -> AgencyReturn:
    """A return arriving, the first time or resubmitted after a send-back: the checks, the date received, whether
    a senior manager signed it (and their role), and the log entry saying whether it came on time."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    refuse_if_ended(ret)
    if resubmitted:
        _refuse_unless_resubmission_awaited(ret)
        not_before, not_before_label = known_date(ret.sent_back_date), "sent back"
    else:
        _refuse_unless_first_receipt_awaited(ret)
        not_before, not_before_label = ret.requested_date, "requested"
    role = validate_receipt(received_on=received_on, not_before=not_before, not_before_label=not_before_label,
                            as_of=as_of, signed_by_senior_manager=signed_by_senior_manager,
                            signatory_role=signatory_role)
    received_on = known_date(received_on)
    # Measured before the receipt is recorded: a resubmission is measured against the due date of its round.
    cal = load_calendar(session)
    timing = _resubmission_timing(cal, ret, received_on) if resubmitted else _receipt_timing(cal, ret, received_on)
    if resubmitted:
        if ret.resubmission_received_date is None:
            # One signer per receipt: the first receipt keeps its own signature once a resubmission arrives.
            ret.first_signed_by_senior_manager = ret.signed_by_senior_manager
            ret.first_signatory_role = ret.signatory_role
        ret.resubmission_received_date = received_on
        _start_checks_again(ret)
    else:
        ret.received_date = received_on
    ret.signed_by_senior_manager = signed_by_senior_manager
    ret.signatory_role = role
    flush_return(session, ret)
    signed = f"signed by a senior manager ({role})" if signed_by_senior_manager else "not signed by a senior manager"
    what = "Resubmitted return" if resubmitted else "Return"
    log_return_entry(session, actor, ret, LogCategory.COMMUNICATION,
         f"{what} received from {ret.agency.name} on {received_on:%d %b %Y}, {timing}; {signed}.")
    return ret


def _refuse_unless_first_receipt_awaited(ret: AgencyReturn) -> None:
    if return_stage(ret) is Stage.SENT_BACK:
        raise InvalidInput(
            f"The return from {ret.agency.name} was sent back on {ret.sent_back_date:%d %b %Y}: record what "
            "arrives now as the resubmission."
        )
    if ret.received_date is not None:
        raise InvalidInput(
            f"The return from {ret.agency.name} was already recorded as received on {ret.received_date:%d %b %Y}."
        )


def _refuse_unless_resubmission_awaited(ret: AgencyReturn) -> None:
    if return_stage(ret) is not Stage.SENT_BACK:
        if ret.received_date is None:
            raise InvalidInput(
                f"The return from {ret.agency.name} has not been received yet, nor sent back: record it as received."
            )
        raise InvalidInput(
            f"The return from {ret.agency.name} is not waiting for a resubmission (it is {return_stage(ret).value})."
        )


def _receipt_timing(cal: WorkingCalendar, ret: AgencyReturn, received_on: date) -> str:
    """'on time' or 'late (N working days)' against request + 5 working days, with the due date (and the agreed
    date, when there is one)."""
    due = return_due_date(cal, ret.requested_date)
    # A receipt on a non-working day counts as the last working day before it (domain.md): a Saturday receipt
    # after a Friday due date is on time, never "late (0 working days)".
    late_days = cal.working_days_between(due, received_on)
    timing = "on time" if late_days == 0 else f"late ({late_days} working day{'s' if late_days != 1 else ''})"
    due_words = f"due {due:%d %b %Y}"
    if ret.agreed_due_date is not None:
        # The 5-working-day rule stays the measure of "on time" (the board's figure); the agreed date is named.
        within = "within" if received_on <= ret.agreed_due_date else "after"
        due_words += f"; {within} the agreed date {ret.agreed_due_date:%d %b %Y}"
    return f"{timing} ({due_words})"


def _resubmission_timing(cal: WorkingCalendar, ret: AgencyReturn, received_on: date) -> str:
    """'on time' or 'late' against the round's due date (the agreed one, else the new due date of the send-back)."""
    due = agency_due_date(cal, ret)
    due_words = f"agreed due date {due:%d %b %Y}" if ret.agreed_due_date else f"new due date {due:%d %b %Y}"
    return f"{'on time' if received_on <= due else 'late'} ({due_words})"


def _start_checks_again(ret: AgencyReturn) -> None:
    """A resubmission is a new version: its check, its sharing with the Chair and its final QA start again (the
    log keeps the old)."""
    ret.check_sufficient_information = ret.check_dates_present = ret.check_analysis = ret.check_signed = None
    ret.initial_check_outcome = ret.initial_check_note = None
    ret.initial_check_date = ret.initial_checked_by_id = None
    ret.shared_with_chair_date = None
    ret.final_qa_outcome = ret.final_qa_date = ret.final_qa_by_id = None
