"""The LCSPR's writes: starting it (the review converts), recording each step's date, the family's involvement as a
date or a reason, a decision not to publish, and correcting a recorded date with a reason. Each is role-checked,
refused with one sentence when out of order, in the future or before the decision, checked against the version the
form was filled from, and logged in the daily log."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import Account, Review
from db.models_after import Lcspr
from db.models_report import PanelResponse
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.lcspr.reads import LcsprView, facts_of, get_lcspr, start_refusal
from services.lcspr.rules import (
    MAX_REASON_CHARS,
    MAX_REVIEWER_NAME_CHARS,
    STEP_COLUMNS,
    STEP_TITLES,
    LcsprStep,
    publication_address_refusal,
    step_date_refusal,
)
from services.permissions import requires
from services.settings_reads import load_calendar, load_settings
from services.text import clean_text

RECORD = "This LCSPR"
ADVICE = "The page now shows the saved dates: check them and record yours again."


def _review_locked(session: Session, review_id: int) -> Review:
    review = session.scalars(select(Review).where(Review.id == review_id).with_for_update()
                             .execution_options(populate_existing=True)).first()
    if review is None:
        raise InvalidInput("That review does not exist.")
    return review


def _lcspr_for_write(session: Session, review_id: int, expected_version: int | None) -> Lcspr:
    lcspr = session.scalars(select(Lcspr).where(Lcspr.review_id == review_id).with_for_update()
                            .execution_options(populate_existing=True)).first()
    if lcspr is None:
        raise InvalidInput("This review is not an LCSPR yet: start the LCSPR first.")
    check_version(lcspr, expected_version, RECORD, advice=ADVICE)
    return lcspr


def _step(value: object) -> LcsprStep:
    try:
        return LcsprStep(str(value))
    except ValueError:
        raise InvalidInput("That is not a step of an LCSPR.") from None


def _refuse_date(session: Session, lcspr: Lcspr, step: LcsprStep, on: date | None, as_of: date) -> date:
    refusal = step_date_refusal(load_calendar(session), facts_of(lcspr), step, on, as_of=as_of,
                                copies_before_days=load_settings(session).lcspr_copies_before_days)
    if refusal is not None:
        raise InvalidInput(refusal)
    assert on is not None  # a missing date is refused above
    return on


def _log(session: Session, actor: Account, lcspr: Lcspr, text: str) -> None:
    append_system_entry(session, actor, review_id=lcspr.review_id, category=LogCategory.SYSTEM, text=f"LCSPR: {text}")


@requires(Role.MANAGER, action="start an LCSPR")
def start_lcspr(session: Session, actor: Account, *, review_id: int, decided_on: date | None,
                as_of: date) -> LcsprView:
    """Convert the review into an LCSPR from the date of the decision to carry it out (the clock of its due dates):
    only when the review's decision is an LCSPR, or the Panel's response disagreed with a 'no'."""
    review = _review_locked(session, review_id)
    started = session.scalar(select(Lcspr.id).where(Lcspr.review_id == review.id)) is not None
    panel_agrees = session.scalar(select(PanelResponse.agrees_with_lcspr)
                                  .where(PanelResponse.review_id == review.id))
    refusal = start_refusal(review, panel_agrees, started)
    if refusal is not None:
        raise InvalidInput(refusal)
    if decided_on is None:
        raise InvalidInput("Give the date of the decision to carry out the LCSPR.")
    if decided_on > as_of:
        raise InvalidInput(f"The date of the decision ({decided_on:%a %d %b %Y}) cannot be in the future.")
    if decided_on < review.notification_received_date:
        raise InvalidInput(f"The date of the decision ({decided_on:%a %d %b %Y}) cannot be before the notification "
                           f"was received ({review.notification_received_date:%a %d %b %Y}).")
    lcspr = Lcspr(review_id=review.id, decided_on=decided_on, created_by_id=actor.id)
    session.add(lcspr)
    session.flush()
    _log(session, actor, lcspr, f"review {review.case_reference} converted into a Local Child Safeguarding Practice "
         f"Review, decided {decided_on:%a %d %b %Y}.")
    return get_lcspr(session, actor, review_id=review.id, as_of=as_of)


@requires(Role.MANAGER, Role.OFFICER, action="record an LCSPR's steps")
def record_lcspr_step(session: Session, actor: Account, *, review_id: int, step: LcsprStep | str,
                      done_on: date | None, expected_version: int | None, as_of: date,
                      reviewer_name: str | None = None, publication_address: str | None = None) -> LcsprView:
    """Record the date a step was done: the reviewer's name with the commissioning, the https address with the
    publication (at least the setting's working days after the copies to the Panel and the Secretary of State)."""
    step = _step(step)
    lcspr = _lcspr_for_write(session, review_id, expected_version)
    facts = facts_of(lcspr)
    title = STEP_TITLES[step]
    if facts.is_done(step):
        recorded = facts.done_on(step)
        when = f" on {recorded:%a %d %b %Y}" if recorded else " (with its reason)"
        raise InvalidInput(f"'{title}' is already recorded{when}: correct it instead.")
    on = _refuse_date(session, lcspr, step, done_on, as_of)
    details = ""
    if step is LcsprStep.REVIEWER_COMMISSIONED:
        name = clean_text(reviewer_name, label="reviewer's name", max_length=MAX_REVIEWER_NAME_CHARS,
                          multiline=False, required=True)
        lcspr.reviewer_name = name
        details = f" (reviewer: {name})"
    if step is LcsprStep.PUBLISHED:
        address = clean_text(publication_address, label="web address", max_length=None, multiline=False)
        refusal = publication_address_refusal(address)
        if refusal is not None:
            raise InvalidInput(refusal)
        lcspr.publication_address = address
        details = f" at {address}"
    setattr(lcspr, STEP_COLUMNS[step], on)
    flush_or_stale(session, RECORD)
    _log(session, actor, lcspr, f"{title} recorded, done {on:%a %d %b %Y}{details}.")
    return get_lcspr(session, actor, review_id=review_id, as_of=as_of)


@requires(Role.MANAGER, Role.OFFICER, action="record an LCSPR's steps")
def record_family_not_involved(session: Session, actor: Account, *, review_id: int, reason: str,
                               expected_version: int | None, as_of: date) -> LcsprView:
    """Record why the family was not involved (instead of a date)."""
    lcspr = _lcspr_for_write(session, review_id, expected_version)
    if facts_of(lcspr).is_done(LcsprStep.FAMILY_INVOLVED):
        raise InvalidInput("The family's involvement is already recorded: correct it instead.")
    cleaned = clean_text(reason, label="reason the family was not involved", max_length=MAX_REASON_CHARS,
                         required=True)
    lcspr.family_not_involved_reason = cleaned
    flush_or_stale(session, RECORD)
    _log(session, actor, lcspr, f"family not involved. Reason: {cleaned}")
    return get_lcspr(session, actor, review_id=review_id, as_of=as_of)


@requires(Role.MANAGER, action="decide an LCSPR's report is not published")
def record_not_published(session: Session, actor: Account, *, review_id: int, reason: str,
                         expected_version: int | None, as_of: date) -> LcsprView:
    """Record the decision not to publish the final report, with the reason (the LCSPR then leaves the live list)."""
    lcspr = _lcspr_for_write(session, review_id, expected_version)
    facts = facts_of(lcspr)
    if facts.is_done(LcsprStep.PUBLISHED):
        raise InvalidInput("The publication is already recorded: correct it instead.")
    if facts.done_on(LcsprStep.FINAL_REPORT) is None:
        raise InvalidInput("Record the final report first: the decision not to publish is about it.")
    cleaned = clean_text(reason, label="reason the report is not published", max_length=MAX_REASON_CHARS,
                         required=True)
    lcspr.not_published_reason = cleaned
    flush_or_stale(session, RECORD)
    _log(session, actor, lcspr, f"final report not to be published. Reason: {cleaned}")
    return get_lcspr(session, actor, review_id=review_id, as_of=as_of)


@requires(Role.MANAGER, action="correct an LCSPR's dates")
def correct_lcspr_step(session: Session, actor: Account, *, review_id: int, step: LcsprStep | str,
                       corrected_on: date | None, reason: str, expected_version: int | None,
                       as_of: date) -> LcsprView:
    """Correct the date of a recorded step, with the reason (kept in the daily log with the old and new dates)."""
    step = _step(step)
    lcspr = _lcspr_for_write(session, review_id, expected_version)
    title = STEP_TITLES[step]
    old = facts_of(lcspr).done_on(step)
    if old is None:
        raise InvalidInput(f"'{title}' has no date recorded yet: record it instead of correcting it.")
    cleaned = clean_text(reason, label="reason for the correction", max_length=MAX_REASON_CHARS, required=True)
    on = _refuse_date(session, lcspr, step, corrected_on, as_of)
    if on == old:
        raise InvalidInput(f"'{title}' is already recorded on {old:%a %d %b %Y}: nothing to correct.")
    setattr(lcspr, STEP_COLUMNS[step], on)
    flush_or_stale(session, RECORD)
    _log(session, actor, lcspr, f"{title} corrected from {old:%a %d %b %Y} to {on:%a %d %b %Y}. Reason: {cleaned}")
    return get_lcspr(session, actor, review_id=review_id, as_of=as_of)
