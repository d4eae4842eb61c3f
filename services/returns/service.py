"""Agency returns (scoping forms), the steps of a return: request, initial check, sharing with the JCR Chair, final
QA, filing, summary, an agreed due date and closing without a receipt; the receipts (first and resubmission) are
services.returns.service_receipts. Reading is services.returns.reads, the rules services.returns.rules; chasing
and the exports have their own modules.

Every write takes (session, actor, *, ...), checks the role, validates with a sentence the officer can act
on, writes, and appends its daily log entry in the same transaction. Writes to an existing return take
`expected_version`: a save made against an older version is refused (StaleRecord), never overwritten.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.enums import FinalQaOutcome, FolderSection, LogCategory, MilestoneKey, ReturnEnding, Role
from db.models import Account, Agency, ReviewMilestone
from db.models_returns import AgencyReturn, AgencyReturnChase, AgencyReturnSendBack
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.formatting import log_date
from services.milestones import complete_milestone
from services.permissions import CASE_WRITERS, requires
from services.plan import refresh_due_dates
from services.returns.rules import (
    RETURNS_MILESTONE_KEY,
    Stage,
    agency_due_date,
    check_result_label,
    clean_agreed_reason,
    clean_file_path,
    clean_summary,
    ending_sentence,
    known_date,
    latest_received,
    planned_due_date,
    return_due_date,
    return_stage,
    shared_label,
    validate_ending,
    validate_final_qa,
    validate_initial_check,
    validate_no_chase,
    validate_request,
)
from services.returns.writing import (
    flush_return,
    load_return_for_write,
    load_review_for_write,
    log_return_entry,
    refuse_if_ended,
    refuse_if_stale,
    refuse_unless_stage,
    review_of,
)
from services.reviews.rules import check_date_in_review_window, check_due_on_a_working_day
from services.settings_reads import load_calendar

# ---------------------------------------------------------------- writing: the steps


@requires(*CASE_WRITERS, action="record scoping forms sent")
def record_returns_requested(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    agency_ids: Sequence[int],
    requested_on: date | None,
    as_of: date,
) -> list[AgencyReturn]:
    """Record the scoping forms sent to the chosen agencies: one return each, due in 5 working days."""
    review = load_review_for_write(session, review_id)
    if not agency_ids:
        raise InvalidInput("Choose at least one agency to send the scoping form to.")
    validate_request(requested_on, review.notification_received_date, as_of)
    cal = load_calendar(session)
    requested_on = known_date(requested_on)  # validate_request refused a missing date
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
        log_return_entry(session, actor, ret, LogCategory.COMMUNICATION,
             f"Scoping form sent to {agency.name} on {requested_on:%d %b %Y}; return due {due:%a %d %b %Y}.")
        created.append(ret)
    _complete_scoping_sent(session, actor, review.id, requested_on, as_of)
    _reopen_returns_accepted(session, actor, review.id, [agency.name for agency in agencies])
    return created


def _reopen_returns_accepted(session: Session, actor: Account, review_id: int, agency_names: Sequence[str]) -> None:
    """'Agency returns received, checked and accepted' follows its evidence: done once every requested return has
    ended, so a return asked for afterwards opens it again (found by the stateful test: a review whose only return
    was withdrawn kept the step done when another agency was then asked)."""
    milestone = session.scalar(
        select(ReviewMilestone).where(ReviewMilestone.review_id == review_id,
                                      ReviewMilestone.key == RETURNS_MILESTONE_KEY).with_for_update()
    )
    if milestone is None or milestone.done_date is None:
        return
    was = milestone.done_date
    milestone.done_date = milestone.done_by_id = milestone.done_at = None
    milestone.note = milestone.done_outside_reason = None
    review = milestone.review
    refresh_due_dates(load_calendar(session), review.notification_received_date, review.milestones)
    append_system_entry(
        session, actor, review_id=review_id, category=LogCategory.SYSTEM, milestone_id=milestone.id,
        text=f"Milestone open again: {milestone.title} (done {was:%d %b %Y}): a scoping form was sent to "
             f"{', '.join(agency_names)}, whose return has not yet ended.")


def _complete_scoping_sent(session: Session, actor: Account, review_id: int, done_on: date, as_of: date) -> None:
    """'Scoping forms sent' is done by the first scoping forms recorded, on their date (issue 14: the requests
    carry the date already; unticked, the milestone showed a false red). One already done keeps its date."""
    milestone = session.scalar(
        select(ReviewMilestone).where(ReviewMilestone.review_id == review_id,
                                      ReviewMilestone.key == MilestoneKey.SCOPING_SENT)
    )
    if milestone is None or milestone.done_date is not None:
        return
    complete_milestone(session, actor, milestone_id=milestone.id, done_on=done_on, as_of=as_of,
                       note="Completed automatically: scoping forms recorded as sent (Agency returns page).")


@requires(*CASE_WRITERS, action="record an initial quality check")
def record_initial_check(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    checked_on: date | None,
    sufficient_information: bool | None,
    dates_present: bool | None,
    analysis: bool | None,
    signed: bool | None,
    outcome: str | None,
    note: str = "",
    as_of: date,
) -> AgencyReturn:
    """Record the initial quality check of the return in hand: four yes/no questions, an outcome and a note."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    refuse_unless_stage(ret, (Stage.RECEIVED,), "its initial quality check")
    answers = {"sufficient_information": sufficient_information, "dates_present": dates_present,
               "analysis": analysis, "signed": signed}
    cleaned_note = validate_initial_check(checked_on=checked_on, received=known_date(latest_received(ret)), as_of=as_of,
                                          answers=answers, outcome=outcome, note=note)
    if signed is not None and signed != ret.signed_by_senior_manager:
        # One rule per receipt: the check's "signed?" is the receipt's own answer, never a second one.
        recorded = "signed by a senior manager" if ret.signed_by_senior_manager else "not signed by a senior manager"
        raise InvalidInput(
            f"The {'resubmitted ' if ret.resubmission_received_date else ''}return from {ret.agency.name} was "
            f"recorded as {recorded} when it arrived: answer \"Signed?\" "
            f"{'yes' if ret.signed_by_senior_manager else 'no'}, or send it back for a signed version."
        )
    ret.check_sufficient_information = sufficient_information
    ret.check_dates_present = dates_present
    ret.check_analysis = analysis
    ret.check_signed = signed
    ret.initial_check_outcome = outcome
    ret.initial_check_note = cleaned_note
    ret.initial_check_date = checked_on
    ret.initial_checked_by_id = actor.id
    flush_return(session, ret)
    what = "resubmitted return" if ret.resubmission_received_date else "return"
    log_return_entry(session, actor, ret, LogCategory.QUALITY_CHECK,
         f"Initial quality check of the {what} from {ret.agency.name} on {checked_on:%d %b %Y}: "
         f"{check_result_label(ret)}")
    return ret


@requires(*CASE_WRITERS, action="record a return shared with the JCR Chair")
def record_shared_with_chair(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    shared_on: date | None,
    as_of: date,
) -> AgencyReturn:
    """Record the date the return in hand was shared with the JCR Chair (due the day it arrived)."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    refuse_unless_stage(ret, (Stage.RECEIVED, Stage.CHECKED, Stage.ACCEPTED), "sharing it with the JCR Chair")
    if ret.shared_with_chair_date is not None:
        raise InvalidInput(
            f"The return from {ret.agency.name} was already shared with the JCR Chair on "
            f"{ret.shared_with_chair_date:%d %b %Y}."
        )
    received = known_date(latest_received(ret))
    if shared_on is None:
        raise InvalidInput("Give the date the return was shared with the JCR Chair.")
    if shared_on > as_of:
        raise InvalidInput(f"The date shared ({shared_on:%d %b %Y}) cannot be in the future.")
    if shared_on < received:
        raise InvalidInput(
            f"The return cannot be shared ({shared_on:%d %b %Y}) before it was received ({received:%d %b %Y})."
        )
    ret.shared_with_chair_date = shared_on
    flush_return(session, ret)
    timing = shared_label(load_calendar(session), ret, as_of)
    log_return_entry(session, actor, ret, LogCategory.COMMUNICATION,
         f"Return from {ret.agency.name} shared with the JCR Chair on {shared_on:%d %b %Y} ({timing}; "
         f"received {received:%d %b %Y}).")
    return ret


@requires(Role.MANAGER, action="record the final quality assurance of a return")
def record_final_qa(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    decided_on: date | None,
    outcome: str | None,
    reason: str = "",
    new_due_date: date | None = None,
    as_of: date,
) -> AgencyReturn:
    """The Partnership Manager's final QA: accept the return, or send it back with a reason and a new due date."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    refuse_unless_stage(ret, (Stage.CHECKED,), "the final QA")
    if outcome == FinalQaOutcome.ACCEPTED and ret.signed_by_senior_manager is not True:
        # The guide: returns are signed off by a senior manager of the agency before they are accepted.
        raise InvalidInput(
            f"The return from {ret.agency.name} is not signed by a senior manager, so it cannot be accepted: send "
            "it back asking for the senior manager's sign-off (or close it as withdrawn if it was asked in error)."
        )
    cleaned = validate_final_qa(decided_on=decided_on, checked_on=known_date(ret.initial_check_date), as_of=as_of,
                                outcome=outcome, reason=reason, new_due_date=new_due_date,
                                notification_received=review_of(session, ret).notification_received_date)
    if outcome == FinalQaOutcome.SENT_BACK and new_due_date is not None:
        check_due_on_a_working_day(load_calendar(session), new_due_date, label="new due date")
    decided_on = known_date(decided_on)
    ret.final_qa_outcome = outcome
    ret.final_qa_date = decided_on
    ret.final_qa_by_id = actor.id
    if outcome == FinalQaOutcome.SENT_BACK:
        ret.sent_back_date = decided_on
        ret.sent_back_reason = cleaned
        ret.resubmission_due_date = new_due_date
        ret.sent_back_count = (ret.sent_back_count or 0) + 1
        ret.resubmission_received_date = None
        # The new due date is itself agreed with the agency: an earlier agreed date belonged to the old round.
        dropped_agreed = ret.agreed_due_date
        ret.agreed_due_date = ret.agreed_reason = None
    flush_return(session, ret)
    if outcome == FinalQaOutcome.SENT_BACK:
        # The row keeps the last round only; every round keeps its own row (reason, date, new due date, who).
        session.add(AgencyReturnSendBack(agency_return_id=ret.id, round=ret.sent_back_count, sent_back_on=decided_on,
                                         reason=cleaned, resubmission_due_date=new_due_date, sent_back_by_id=actor.id))
        session.flush()
    if outcome == FinalQaOutcome.ACCEPTED:
        text = f"Final QA: return from {ret.agency.name} accepted on {decided_on:%d %b %Y}."
    else:
        text = (f"Final QA: return from {ret.agency.name} sent back (round {ret.sent_back_count}) on "
                f"{decided_on:%d %b %Y}; new due date "
                f"{new_due_date:%d %b %Y}. Reason: {cleaned}")
        if dropped_agreed is not None:
            text += f" (The agreed date {dropped_agreed:%d %b %Y} no longer applies.)"
    log_return_entry(session, actor, ret, LogCategory.QUALITY_CHECK, text)
    if outcome == FinalQaOutcome.ACCEPTED:
        _complete_milestone_when_all_accepted(session, actor, ret.review_id, decided_on, as_of)
    return ret


def _complete_milestone_when_all_accepted(
    session: Session, actor: Account, review_id: int, done_on: date, as_of: date
) -> None:
    """Our decision: when every return of a review is accepted or closed ("no return", "withdrawn": domain.md's
    "or explained"), 'Agency returns received, checked and accepted' is done, on the day of the last of them.
    Done already (say, explained by hand): left alone."""
    rows = session.execute(select(AgencyReturn.final_qa_outcome, AgencyReturn.ended_as)
                           .where(AgencyReturn.review_id == review_id)).all()
    if not rows or any(outcome != FinalQaOutcome.ACCEPTED and ended is None for outcome, ended in rows):
        return
    accepted = sum(1 for outcome, ended in rows if ended is None)
    words = [f"{accepted} of {len(rows)} accepted"]
    for ending in ReturnEnding:
        n = sum(1 for _outcome, ended in rows if ended == ending)
        if n:
            words.append(f"{n} {ending.value}")
    milestone = session.scalar(
        select(ReviewMilestone).where(ReviewMilestone.review_id == review_id,
                                      ReviewMilestone.key == RETURNS_MILESTONE_KEY)
    )
    if milestone is None or milestone.done_date is not None:
        return
    complete_milestone(session, actor, milestone_id=milestone.id, done_on=done_on, as_of=as_of,
                       note=("Completed automatically: every agency return accepted"
                             + (" or closed" if accepted < len(rows) else "") + f" ({', '.join(words)}).")
                       if accepted < len(rows) else
                       f"Completed automatically: every agency return accepted ({accepted} of {len(rows)}).")


@requires(*CASE_WRITERS, action="record where a return is filed")
def record_file_location(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    file_section: str | None,
    file_path: str,
) -> AgencyReturn:
    """Record (or correct) where the return is filed in the case folder: its section and path."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    if ret.received_date is None:
        raise InvalidInput(f"There is no return from {ret.agency.name} to file yet: record its receipt first.")
    section = (file_section or "").strip().upper()
    if section not in tuple(FolderSection):
        raise InvalidInput("Choose the case folder section: I, II, III or IV (returns usually go in I).")
    path = clean_file_path(file_path)
    if (ret.file_section, ret.file_path) == (section, path):
        raise InvalidInput("Nothing to save: the file location is the same as before.")
    old = f"{ret.file_section}: {ret.file_path}" if ret.file_path else None
    ret.file_section, ret.file_path = section, path
    flush_return(session, ret)
    text = f"Return from {ret.agency.name} filed in section {section}: {path}."
    if old:
        text += f" (Was {old}.)"
    log_return_entry(session, actor, ret, LogCategory.DOCUMENT_FILED, text, folder_section=section, file_path=path)
    return ret


@requires(*CASE_WRITERS, action="write a return's summary")
def record_summary(
    session: Session, actor: Account, *, return_id: int, expected_version: int | None, summary: str
) -> AgencyReturn:
    """Record (or revise) the short summary of the agency's involvement and learning that feeds the report."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    if ret.received_date is None:
        raise InvalidInput(f"Nothing has been received from {ret.agency.name} yet: record the receipt first.")
    text = clean_summary(summary)
    if text == (ret.summary or ""):
        raise InvalidInput("Nothing to save: the summary is the same as before.")
    revised = ret.summary is not None
    ret.summary = text
    flush_return(session, ret)
    words = len(text.split())
    log_return_entry(session, actor, ret, LogCategory.OTHER,
         f"Summary of {ret.agency.name}'s involvement and learning {'revised' if revised else 'written'} "
         f"({words} words).")
    return ret


@requires(Role.MANAGER, action="agree a return's due date")
def set_return_agreed_date(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    agreed_on: date | None,
    reason: str,
) -> AgencyReturn:
    """Set (or clear, with agreed_on=None) the due date agreed with the agency for one return, with a reason.
    It replaces the computed due date of the current round (request + 5 working days, or the new due date after
    a send-back) for RAG, the worklist, chasing and the checklist; a later send-back clears it."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    name = ret.agency.name
    refuse_if_ended(ret)
    if return_stage(ret) is Stage.ACCEPTED:
        raise InvalidInput(
            f"The return from {name} was already accepted on {ret.final_qa_date:%d %b %Y}; there is no date left "
            "to agree."
        )
    cleaned = clean_agreed_reason(reason, name)
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
    if agreed_on is not None and return_stage(ret) is Stage.SENT_BACK \
            and agreed_on < known_date(ret.sent_back_date):
        raise InvalidInput(
            f"The agreed date ({agreed_on:%d %b %Y}) cannot be before the return was sent back "
            f"({ret.sent_back_date:%d %b %Y})."
        )
    if agreed_on is not None:
        review = review_of(session, ret)
        if review.submitted_to_panel_date is not None:
            raise InvalidInput(
                f"Review {review.case_reference} was submitted to the Panel on "
                f"{review.submitted_to_panel_date:%d %b %Y}; a date can no longer be agreed for its returns."
            )
        check_date_in_review_window(agreed_on, received=review.notification_received_date, label="agreed date")
    cal = load_calendar(session)
    if agreed_on is not None:
        check_due_on_a_working_day(cal, agreed_on, label="agreed date")
    plan = planned_due_date(cal, ret)
    ret.agreed_due_date = agreed_on
    ret.agreed_reason = cleaned if agreed_on is not None else None
    flush_return(session, ret)
    what = "resubmission" if return_stage(ret) is Stage.SENT_BACK else "return"
    log_return_entry(session, actor, ret, LogCategory.DATE_AGREED,
         f"Date agreed for the {what} from {name}: from {log_date(old or plan)} to {log_date(agreed_on or plan)} "
         f"(plan date {log_date(plan)}). Reason: {cleaned}")
    return ret


@requires(Role.MANAGER, action="close a return without a receipt")
def close_return_without_receipt(
    session: Session,
    actor: Account,
    *,
    return_id: int,
    expected_version: int | None,
    ending: str | None,
    ended_on: date | None,
    reason: str,
    as_of: date,
    no_chase_reason: str = "",
) -> AgencyReturn:
    """The Partnership Manager closes a return that will not be accepted: "no return" (the agency did not respond
    by its due date, after chasing) or "withdrawn" (asked in error), with a date and a reason. The chases and the
    log stay; the return then counts as closed for the RAG, the returns milestone and the report's sign-off."""
    ret = load_return_for_write(session, return_id)
    refuse_if_stale(ret, expected_version)
    cal = load_calendar(session)
    due = agency_due_date(cal, ret)
    cleaned = validate_ending(agency_name=ret.agency.name, stage=return_stage(ret), ending=ending, ended_on=ended_on,
                              reason=reason, requested=ret.requested_date, due=due, as_of=as_of)
    ended_on = known_date(ended_on)
    chases = session.scalar(select(func.count()).select_from(AgencyReturnChase)
                            .where(AgencyReturnChase.agency_return_id == ret.id)) or 0
    why_no_chase = validate_no_chase(agency_name=ret.agency.name, ending=str(ending), chases=chases,
                                     no_chase_reason=no_chase_reason)
    ret.no_chase_reason = why_no_chase
    ret.ended_as = ending
    ret.ended_on = ended_on
    ret.ended_reason = cleaned
    ret.ended_by_id = actor.id
    flush_return(session, ret)
    log_return_entry(session, actor, ret, LogCategory.DECISION,
                     f"Return from {ret.agency.name}: "
                     + ending_sentence(str(ending), ended_on, cleaned, due, chases, why_no_chase))
    _complete_milestone_when_all_accepted(session, actor, ret.review_id, ended_on, as_of)
    return ret
