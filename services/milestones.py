"""Completing a review's milestones: the one core that reviews, returns, meetings and the report call, and the
re-dating of open reviews when the calendar changes.

The core checks no role: each caller is a service that checked its own (the Review page's record_milestone_done,
the returns' final QA, recording a meeting, the report's steps).
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.enums import FinalQaOutcome, LogCategory, MilestoneKey, ReviewState
from db.models import Account, Agency, Review, ReviewMilestone
from db.models_returns import AgencyReturn
from services.concurrency import flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.plan import milestone_applies, refresh_due_dates
from services.settings_reads import load_calendar
from services.text import clean_optional_text
from services.working_days import WorkingCalendar

# A milestone's note has no length of its own: the limit of a free note.
MAX_MILESTONE_NOTE_CHARS = 4000
# Milestones whose completion records a review date, and who may record them.
SUBMISSION_KEY = MilestoneKey.PANEL_SUBMISSION
RESPONSE_KEY = MilestoneKey.PANEL_RESPONSE
MANAGER_ONLY_MILESTONES = {SUBMISSION_KEY, RESPONSE_KEY}
DECISION_KEY = MilestoneKey.EXEC_DECISION
# The report's steps are recorded on the Report page (services/report/service.py), which keeps the versions they need
# (a submission needs the Chair's signed final version); the Review page refuses to record them by hand.
REPORT_MILESTONES = {MilestoneKey.REPORT_TO_CHAIR, MilestoneKey.SIGNED_REPORT, SUBMISSION_KEY, RESPONSE_KEY}
# Evidence over ticks (domain.md "Putting a review right"): a step the product has evidence for completes from that
# evidence, and the Review page refuses to tick it by hand; where the work really happened outside the product, the
# Partnership Manager records it "done outside the product" with a reason. Each step says where its evidence is.
EVIDENCE_OF: dict[str, str] = {
    MilestoneKey.SCOPING_SENT: "it completes itself when the scoping forms' requests are recorded on the Agency "
    "returns page",
    MilestoneKey.RETURNS_ACCEPTED: "it completes itself when every requested return has ended (accepted, no return "
    "or withdrawn) on the Agency returns page",
    MilestoneKey.RR_MEETING: "it completes itself when the Rapid Review meeting is recorded on the Meetings page",
    MilestoneKey.MINUTES: "it completes itself when the minutes' circulation is recorded with the Rapid Review "
    "meeting on the Meetings page",
    MilestoneKey.EXEC_MEETING: "it completes itself when the executive findings meeting is recorded on the Meetings "
    "page",
}
# How a step done outside the product reads wherever its done state is shown (its note starts with it, and the
# reason is kept apart in done_outside_reason).
OUTSIDE_WORDS = "done outside the product"
OUTSIDE_NOTE_PREFIX = "Done outside the product: "


def load_review(session: Session, review_id: int, *, for_update: bool = False) -> Review:
    """One review with its children and milestones (locked for this transaction when `for_update`)."""
    query = select(Review).where(Review.id == review_id).options(
        selectinload(Review.children), selectinload(Review.milestones)
    )
    if for_update:
        query = query.with_for_update()
    review = session.scalars(query).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    return review


def load_milestone_for_update(session: Session, milestone_id: int) -> ReviewMilestone:
    """One milestone, locked for this transaction."""
    milestone = session.get(ReviewMilestone, milestone_id, with_for_update=True)
    if milestone is None:
        raise InvalidInput("That milestone does not exist. Reload the page.")
    return milestone


def refuse_if_withdrawn(state: str, case_reference: str, withdrawn_on: date | None) -> None:
    """A withdrawn review is kept as it was: nothing is written to it."""
    if state == ReviewState.WITHDRAWN:
        when = f" on {withdrawn_on:%d %b %Y}" if withdrawn_on else ""
        raise InvalidInput(f"Review {case_reference} was withdrawn{when}: it is kept as it was and can no longer be "
                           "changed.")


def _checked_done_date(review: Review, milestone: ReviewMilestone, done_on: date | None, as_of: date) -> date:
    """The date done, once it is valid: a milestone is done once, on a date between the notification's receipt
    and today, on an open review that needs it."""
    if milestone.done_date is not None:
        who = milestone.done_by.display_name if milestone.done_by else "someone"
        raise InvalidInput(
            f"'{milestone.title}' was already recorded as done on {milestone.done_date:%d %b %Y} by {who}."
        )
    if done_on is None:
        raise InvalidInput("Give the date it was done.")
    if done_on > as_of:
        raise InvalidInput(f"The date done ({done_on:%d %b %Y}) cannot be in the future.")
    if done_on < review.notification_received_date:
        raise InvalidInput(
            f"The date done ({done_on:%d %b %Y}) cannot be before the notification was received "
            f"({review.notification_received_date:%d %b %Y})."
        )
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput("This review is closed.")
    if not milestone_applies(review, milestone):
        raise InvalidInput("This milestone is not needed: the Day 1 decision said no executive findings meeting.")
    return done_on


def complete_milestone(  # noqa: C901 - the milestone's rules, each a short refusal with its own sentence
    session: Session,
    actor: Account,
    *,
    milestone_id: int,
    done_on: date | None,
    note: str = "",
    as_of: date,
    exec_meeting_required: bool | None = None,
    done_outside_reason: str | None = None,
) -> ReviewMilestone:
    """Record a milestone done on a date (with who and when) and log it. The Panel submission and response
    also record the review's dates and move its state; the Day 1 decision records whether an executive
    findings meeting is needed. `done_outside_reason`: a step the product has evidence for, done outside the
    product (the caller checked that the actor is the Partnership Manager). The caller has checked the actor's
    role."""
    milestone = load_milestone_for_update(session, milestone_id)
    review = load_review(session, milestone.review_id, for_update=True)
    done_on = _checked_done_date(review, milestone, done_on, as_of)
    cleaned_note = clean_optional_text(note, label="note", max_length=MAX_MILESTONE_NOTE_CHARS)
    outside = None
    if done_outside_reason is not None:
        outside = _checked_outside_reason(session, review, milestone, done_outside_reason)
        cleaned_note = OUTSIDE_NOTE_PREFIX + outside + (f" ({cleaned_note})" if cleaned_note else "")
    if milestone.key == SUBMISSION_KEY:
        _refuse_submission_without_the_meeting(review)
    if milestone.key == DECISION_KEY:
        if exec_meeting_required is None:
            raise InvalidInput("Say whether an executive findings meeting with the AD/DCS is needed (yes or no).")
        review.exec_meeting_required = exec_meeting_required
    if milestone.key == SUBMISSION_KEY:
        review.submitted_to_panel_date = done_on
        review.state = ReviewState.SUBMITTED
    if milestone.key == RESPONSE_KEY:
        if review.submitted_to_panel_date is None:
            raise InvalidInput("Record the submission to the Panel before the Panel's response.")
        if done_on < review.submitted_to_panel_date:
            raise InvalidInput("The Panel's response cannot be dated before the submission.")
        review.panel_response_date = done_on
        review.state = ReviewState.CLOSED
    milestone.done_date = done_on
    milestone.done_by_id = actor.id
    milestone.done_at = datetime.now(UTC)
    milestone.note = cleaned_note
    milestone.done_outside_reason = outside
    refresh_due_dates(load_calendar(session), review.notification_received_date, review.milestones)
    flush_or_stale(session, "This milestone", advice="Reload and make your change again.")
    text = f"Milestone done: {milestone.title}, on {done_on:%d %b %Y}."
    if outside is not None:
        text = f"Milestone {OUTSIDE_WORDS}: {milestone.title}, on {done_on:%d %b %Y}. Reason: {outside}"
        cleaned_note = None  # the reason is the note
    if milestone.key == DECISION_KEY:
        text += f" Executive findings meeting needed: {'yes' if exec_meeting_required else 'no'}."
    if cleaned_note:
        text += f" Note: {cleaned_note}"
    category = LogCategory.DECISION if milestone.key == DECISION_KEY else LogCategory.SYSTEM
    append_system_entry(session, actor, review_id=review.id, category=category, text=text, milestone_id=milestone.id)
    return milestone


def _checked_outside_reason(session: Session, review: Review, milestone: ReviewMilestone, reason: str) -> str:
    """The reason a step with evidence in the product was done outside it, once valid: only such a step, with a
    reason, and not while the product's own evidence says otherwise (returns still awaited or in hand)."""
    if milestone.key not in EVIDENCE_OF:
        raise InvalidInput(
            f"'{milestone.title}' has no evidence in the product: record it as done (it needs no reason)."
        )
    cleaned = clean_optional_text(reason, label="reason it was done outside the product",
                                  max_length=MAX_MILESTONE_NOTE_CHARS)
    if cleaned is None:
        raise InvalidInput(
            f"Say why '{milestone.title}' was done outside the product (for example 'forms sent by the previous "
            "officer from their own mailbox'); the reason is kept and shown with the step."
        )
    if milestone.key == MilestoneKey.RETURNS_ACCEPTED:
        open_returns = session.scalars(
            select(Agency.name).join(AgencyReturn, AgencyReturn.agency_id == Agency.id)
            .where(AgencyReturn.review_id == review.id, AgencyReturn.ended_as.is_(None),
                   AgencyReturn.final_qa_outcome.is_distinct_from(FinalQaOutcome.ACCEPTED))
            .order_by(Agency.name)
        ).all()
        if open_returns:
            raise InvalidInput(
                f"The returns from {', '.join(open_returns)} are still open in the product: accept each, or close "
                "it as 'no return' or 'withdrawn' on the Agency returns page, and this step completes itself."
            )
    return cleaned


def _refuse_submission_without_the_meeting(review: Review) -> None:
    """The Panel gets a report after its Rapid Review meeting: the meeting recorded (or recorded by the Partnership
    Manager as held outside the product, with a reason) before the submission."""
    meeting = next((m for m in review.milestones if m.key == MilestoneKey.RR_MEETING), None)
    if meeting is not None and meeting.done_date is None:
        raise InvalidInput(
            f"No Rapid Review meeting is recorded for {review.case_reference}: record it on the Meetings page before "
            "submitting to the Panel (or, if it was held outside the product, the Partnership Manager records "
            f"'{meeting.title}' as done outside the product, with the reason, on the Review page)."
        )


def refresh_open_review_dates(session: Session, cal: WorkingCalendar) -> int:
    """Recompute the plan dates of every review still open (after the calendar changed); how many there were."""
    reviews = session.scalars(
        select(Review).where(Review.state == ReviewState.OPEN).options(selectinload(Review.milestones))
    )
    count = 0
    for review in reviews:
        refresh_due_dates(cal, review.notification_received_date, review.milestones)
        count += 1
    session.flush()
    return count
