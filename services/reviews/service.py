"""Reviews: open one, correct its dates, record its milestones by hand, agree their dates and delegate them.
Where each review stands (its RAG with its agency returns) is services.reviews.status; the reads are
services.reviews.reads."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.enums import (
    CorrectedFact,
    FinalQaOutcome,
    LogCategory,
    MeetingKind,
    MilestoneKey,
    NotificationType,
    ReturnEnding,
    ReviewState,
    Role,
    WithdrawalReason,
)
from db.models import (
    Account,
    LogEntry,
    MilestoneDateCorrection,
    MilestoneTemplate,
    Review,
    ReviewChild,
    ReviewFactCorrection,
    ReviewMilestone,
)
from db.models_report import Meeting, PanelResponse, SignOff
from db.models_returns import AgencyReturn
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.formatting import log_date
from services.milestones import (
    EVIDENCE_OF,
    MANAGER_ONLY_MILESTONES,
    REPORT_MILESTONES,
    complete_milestone,
    load_milestone_for_update,
    load_review,
    refuse_if_withdrawn,
)
from services.permissions import CASE_READERS, CASE_WRITERS, MILESTONE_RECORDERS, check_role, requires
from services.plan import milestones_from_templates, refresh_due_dates, review_due_date
from services.reviews.rules import (
    DATE_LABELS,
    DATES_KEPT_BY_THE_REPORT,
    MAX_NOTE_CHARS,
    NOTIFICATION_TYPE_LABELS,
    ChildEntry,
    case_reference_base,
    check_corrected_done_date,
    check_date_in_review_window,
    check_due_on_a_working_day,
    check_received_correction,
    validate_children,
    validate_review_dates,
)
from services.settings_reads import load_calendar
from services.text import clean_optional_text, clean_text

# ---------------------------------------------------------------- writing


def _unique_case_reference(session: Session, base: str) -> str:
    """`base`, or `base`-2, -3...: never a reference a review has, nor one a review had before a correction (a former
    reference stays findable, so it names one review only)."""
    taken = set(session.scalars(select(Review.case_reference).where(Review.case_reference.like(f"{base}%"))))
    taken |= {old for old in session.scalars(
        select(ReviewFactCorrection.old_value).where(ReviewFactCorrection.fact == CorrectedFact.CASE_REFERENCE,
                                                     ReviewFactCorrection.old_value.like(f"{base}%"))) if old}
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


@requires(*CASE_WRITERS, action="open a review")
def open_review(
    session: Session,
    actor: Account,
    *,
    notification_type: str | None,
    incident_date: date | None,
    csc_aware_date: date | None,
    notification_received_date: date | None,
    children: Sequence[ChildEntry],
    as_of: date,
    sin_submitted_date: date | None = None,
    ofsted_required: bool = False,
) -> Review:
    """Open a review: validate, give it a unique case reference and its milestones from the plan.
    The review's row comes back, for callers that carry on in the same transaction (the page reads only its
    case reference). The notification type has no default: a missing one is refused."""
    if notification_type not in tuple(NotificationType):
        raise InvalidInput("Choose the notification type: death, serious harm or other.")
    assert notification_type is not None
    dates = validate_review_dates(
        incident_date=incident_date,
        csc_aware_date=csc_aware_date,
        notification_received_date=notification_received_date,
        sin_submitted_date=sin_submitted_date,
        as_of=as_of,
    )
    children = validate_children(children)
    cal = load_calendar(session)
    templates = list(session.scalars(select(MilestoneTemplate).order_by(MilestoneTemplate.sort_order)))
    received = dates.notification_received_date
    base = case_reference_base(received, children[0].initials)
    for _attempt in range(5):
        reference = _unique_case_reference(session, base)
        try:
            with session.begin_nested():
                review = Review(
                    case_reference=reference,
                    notification_type=notification_type,
                    incident_date=dates.incident_date,
                    csc_aware_date=dates.csc_aware_date,
                    sin_submitted_date=dates.sin_submitted_date,
                    notification_received_date=received,
                    ofsted_required=ofsted_required,
                    state=ReviewState.OPEN,
                    created_by_id=actor.id,
                    children=[
                        ReviewChild(position=i, initials=c.initials, age_years=c.age_years)
                        for i, c in enumerate(children, start=1)
                    ],
                    milestones=milestones_from_templates(templates),
                )
                refresh_due_dates(cal, received, review.milestones)
                session.add(review)
                session.flush()
            break
        except IntegrityError as error:
            # Another user took the same reference a moment ago: take the next suffix.
            if "case_reference" not in str(error.orig):
                raise
    else:
        raise InvalidInput("Could not give the review a unique case reference; please try again.")
    due = review_due_date(cal, received)
    kids = ", ".join(f"{c.initials} ({c.age_years})" for c in children)
    unknown = [DATE_LABELS[name] for name in ("incident_date", "csc_aware_date") if getattr(dates, name) is None]
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.SYSTEM,
        text=f"Review {reference} opened: {NOTIFICATION_TYPE_LABELS[notification_type].lower()} notification "
        f"received {received:%d %b %Y}; children {kids}; Day 1 "
        f"{cal.day_one(received):%d %b %Y}; due at the end of {due:%a %d %b %Y}."
        + (f" Not known yet: {' and '.join(unknown)} (required before sign-off)." if unknown else ""),
    )
    return review


@requires(*CASE_WRITERS, action="correct a review's dates")
def update_review_dates(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    expected_version: int | None,
    incident_date: date | None,
    csc_aware_date: date | None,
    sin_submitted_date: date | None,
    notification_received_date: date | None,
    as_of: date,
) -> Review:
    """Correct a review's dates: due dates are recomputed, completed milestones are kept.
    The case reference stays as given at opening: it already names the case folder."""
    review = load_review(session, review_id, for_update=True)
    check_version(review, expected_version, "This review")
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput("This review is closed; its dates can no longer be changed.")
    dates = validate_review_dates(
        incident_date=incident_date,
        csc_aware_date=csc_aware_date,
        notification_received_date=notification_received_date,
        sin_submitted_date=sin_submitted_date,
        as_of=as_of,
    )
    received = dates.notification_received_date
    check_received_correction(
        received,
        done=[(m.title, m.done_date) for m in review.milestones if m.done_date is not None],
        submitted_to_panel=review.submitted_to_panel_date,
    )
    new_values = {
        "incident_date": dates.incident_date,
        "csc_aware_date": dates.csc_aware_date,
        "sin_submitted_date": dates.sin_submitted_date,
        "notification_received_date": received,
    }
    changes = []
    for name, value in new_values.items():
        old = getattr(review, name)
        if old != value:
            changes.append(f"{DATE_LABELS[name]} from {log_date(old)} to {log_date(value)}")
            setattr(review, name, value)
    if not changes:
        raise InvalidInput("Nothing to save: the dates are the same as before.")
    refresh_due_dates(load_calendar(session), received, review.milestones)
    flush_or_stale(session, "This review", advice="Reload and make your change again.")
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.SYSTEM,
                        text="Dates corrected: " + "; ".join(changes) + ".")
    return review


@requires(*MILESTONE_RECORDERS, action="record a milestone")
def record_milestone_done(
    session: Session,
    actor: Account,
    *,
    milestone_id: int,
    done_on: date | None,
    note: str = "",
    as_of: date,
    exec_meeting_required: bool | None = None,
    expected_version: int | None = None,
    done_outside_reason: str | None = None,
) -> ReviewMilestone:
    """Record a milestone done by hand on the Review page (with who and when). The Panel submission and
    response are the manager's; the report's steps are refused here: the Report page records them. A step the
    product has evidence for (the requests, the returns, the meetings) completes from that evidence and is refused
    here, unless the Partnership Manager records it done outside the product (`done_outside_reason`).
    `expected_version`: the milestone's version the form was filled against (None: not read)."""
    milestone = load_milestone_for_update(session, milestone_id)
    check_version(milestone, expected_version, f"'{milestone.title}'")
    if milestone.key in MANAGER_ONLY_MILESTONES:
        check_role(actor, (Role.MANAGER,), "record the Panel submission or response")
    review = load_review(session, milestone.review_id)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if milestone.key in REPORT_MILESTONES:
        raise InvalidInput(
            f"'{milestone.title}' is recorded on the Report page, which keeps the report's versions "
            f"(sent to the Chair, signed final, submitted): open Report for {review.case_reference}."
        )
    if done_outside_reason is not None:
        check_role(actor, (Role.MANAGER,), "record a step done outside the product")
    elif milestone.key in EVIDENCE_OF:
        raise InvalidInput(
            f"'{milestone.title}' is not ticked by hand: {EVIDENCE_OF[milestone.key]}. If it was done outside the "
            "product, the Partnership Manager records it as done outside the product, with the reason."
        )
    return complete_milestone(session, actor, milestone_id=milestone_id, done_on=done_on, note=note, as_of=as_of,
                              exec_meeting_required=exec_meeting_required, done_outside_reason=done_outside_reason)


@requires(Role.MANAGER, action="agree a milestone date")
def set_agreed_date(
    session: Session,
    actor: Account,
    *,
    milestone_id: int,
    expected_version: int | None,
    agreed_on: date | None,
    reason: str,
) -> ReviewMilestone:
    """Set (or clear, with agreed_on=None) the date agreed for one milestone of one review, with a reason.
    The date lies between the notification's receipt and a year after it; a submitted or closed review's dates
    are no longer agreed. A save made against an older version of the milestone is refused (StaleRecord)."""
    milestone = load_milestone_for_update(session, milestone_id)
    check_version(milestone, expected_version, f"'{milestone.title}'")
    review = load_review(session, milestone.review_id)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput(f"Review {review.case_reference} is closed; its dates can no longer be agreed.")
    if milestone.done_date is not None:
        raise InvalidInput("This milestone is already done; there is no date left to agree.")
    cleaned = clean_text(reason, label="reason the date was agreed", max_length=MAX_NOTE_CHARS)
    if not cleaned:
        raise InvalidInput("Say why the date was agreed (for example 'meeting date agreed with the JCR Chair').")
    cal = load_calendar(session)
    old = milestone.agreed_due_date
    if agreed_on == old:
        if agreed_on is None:
            raise InvalidInput(f"'{milestone.title}' has no agreed date to clear.")
        raise InvalidInput("That is already the agreed date.")
    if agreed_on is not None:
        if review.submitted_to_panel_date is not None:
            raise InvalidInput(
                f"Review {review.case_reference} was submitted to the Panel on "
                f"{review.submitted_to_panel_date:%d %b %Y}; a date can no longer be agreed for its milestones."
            )
        check_date_in_review_window(agreed_on, received=review.notification_received_date, label="agreed date")
        check_due_on_a_working_day(cal, agreed_on, label="agreed date")
    milestone.agreed_due_date = agreed_on
    milestone.agreed_reason = cleaned if agreed_on else None
    # An agreed meeting date moves its minutes' due date (plan.refresh_due_dates: the agreed date while not held).
    refresh_due_dates(cal, review.notification_received_date, review.milestones)
    flush_or_stale(session, "This milestone", advice="Reload and make your change again.")
    append_system_entry(
        session, actor, review_id=milestone.review_id, category=LogCategory.DATE_AGREED, milestone_id=milestone.id,
        text=f"Date agreed for '{milestone.title}': from {log_date(old or milestone.due_date)} to "
        f"{log_date(agreed_on or milestone.due_date)} (plan date {log_date(milestone.due_date)}). "
        f"Reason: {cleaned}",
    )
    return milestone


# The meeting whose record holds a step's date (held on; the minutes' circulation for "Minutes saved and circulated").
MEETING_OF: dict[str, str] = {
    MilestoneKey.RR_MEETING: MeetingKind.RR_MEETING,
    MilestoneKey.EXEC_MEETING: MeetingKind.EXEC_MEETING,
    MilestoneKey.MINUTES: MeetingKind.RR_MEETING,
}


def _move_records_holding_the_date(session: Session, review: Review, milestone: ReviewMilestone,  # noqa: C901 - one branch per kind of record that can hold the date
                                   new: date | None, *, as_of: date, actor: Account) -> tuple[date, str]:
    """Check the corrected date against, and move, the record that holds the same date (the meeting, the review's
    submission or Panel response dates); the date once valid, and the words saying what moved with it."""
    old = milestone.done_date
    assert old is not None  # the caller refused a step not done
    not_before: list[tuple[date, str]] = []
    not_after: list[tuple[date, str]] = []
    by_key = {m.key: m for m in review.milestones}
    meeting = None
    if milestone.key in MEETING_OF:
        meeting = session.scalars(select(Meeting).where(Meeting.review_id == review.id,
                                                        Meeting.kind == MEETING_OF[milestone.key])
                                  .with_for_update()).first()
    if (milestone.key in (MilestoneKey.RR_MEETING, MilestoneKey.EXEC_MEETING) and meeting is not None
            and meeting.minutes_circulated_on is not None):
        not_after.append((meeting.minutes_circulated_on, "the meeting's minutes were circulated"))
    minutes = by_key.get(MilestoneKey.MINUTES)
    if milestone.key == MilestoneKey.RR_MEETING and minutes is not None and minutes.done_date is not None:
        not_after.append((minutes.done_date, "'" + minutes.title + "'"))
    if milestone.key == MilestoneKey.MINUTES:
        rr_meeting = by_key.get(MilestoneKey.RR_MEETING)
        held = meeting.held_on if meeting is not None else rr_meeting.done_date if rr_meeting else None
        if held is not None:
            not_before.append((held, "the Rapid Review meeting"))
    if milestone.key == MilestoneKey.PANEL_SUBMISSION:
        signed = session.scalar(select(SignOff.signed_on).where(SignOff.review_id == review.id,
                                                                 SignOff.withdrawn_on.is_(None)))
        if signed is not None:
            not_before.append((signed, "the Chair's sign-off"))
        if review.panel_response_date is not None:
            not_after.append((review.panel_response_date, "the Panel's response"))
    if milestone.key == MilestoneKey.PANEL_RESPONSE and review.submitted_to_panel_date is not None:
        not_before.append((review.submitted_to_panel_date, "the submission to the Panel"))
    corrected = check_corrected_done_date(milestone.title, new, old=old, received=review.notification_received_date,
                                          as_of=as_of, not_before=not_before, not_after=not_after)
    moved = ""
    if meeting is not None:
        if milestone.key == MilestoneKey.MINUTES:
            meeting.minutes_circulated_on = corrected
            moved = " The meeting's record (minutes circulated) moves with it."
        else:
            meeting.held_on = corrected
            moved = " The meeting's record (date held) moves with it."
        meeting.updated_by_id, meeting.updated_at = actor.id, datetime.now(UTC)
    if milestone.key == MilestoneKey.PANEL_SUBMISSION:
        review.submitted_to_panel_date = corrected
        moved = " The review's date of submission to the Panel moves with it."
    if milestone.key == MilestoneKey.PANEL_RESPONSE:
        review.panel_response_date = corrected
        response = session.get(PanelResponse, review.id, with_for_update=True)
        if response is not None:
            response.received_on = corrected
        moved = " The review's date of the Panel's response moves with it."
    return corrected, moved


def _entry_recording_the_date(session: Session, milestone: ReviewMilestone) -> int | None:
    """The latest log entry that recorded the step done (or corrected its date): the one a correction puts right."""
    return session.scalar(
        select(LogEntry.id).where(LogEntry.milestone_id == milestone.id, LogEntry.by_system.is_(True),
                                  LogEntry.category.in_((LogCategory.SYSTEM, LogCategory.DECISION)))
        .order_by(LogEntry.id.desc()).limit(1))


@requires(Role.MANAGER, action="correct the date of a completed step")
def correct_milestone_date(
    session: Session,
    actor: Account,
    *,
    milestone_id: int,
    expected_version: int | None,
    corrected_on: date | None,
    reason: str,
    as_of: date,
) -> ReviewMilestone:
    """Correct the date a completed step was done, with a reason: the correction is kept (old date, new date, why,
    who), the step's date changes, the record holding the same date moves with it, the due dates that follow are
    recomputed, and the log gets an entry correcting the one that recorded the date. Never an overwrite without
    the record; a save made against an older version of the step is refused (StaleRecord)."""
    milestone = load_milestone_for_update(session, milestone_id)
    check_version(milestone, expected_version, f"'{milestone.title}'")
    review = load_review(session, milestone.review_id, for_update=True)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    old = milestone.done_date
    if old is None:
        raise InvalidInput(f"'{milestone.title}' is not done yet: there is no date to correct. Record it as done "
                           "instead.")
    if milestone.key in DATES_KEPT_BY_THE_REPORT:
        raise InvalidInput(f"The date of '{milestone.title}' {DATES_KEPT_BY_THE_REPORT[milestone.key]}.")
    cleaned = clean_text(reason, label="reason for the correction", max_length=MAX_NOTE_CHARS)
    if not cleaned:
        raise InvalidInput("Say why the date is corrected (for example 'recorded on the day it was typed in, not the "
                           "day it was done').")
    corrected, moved = _move_records_holding_the_date(session, review, milestone, corrected_on, as_of=as_of,
                                                      actor=actor)
    session.add(MilestoneDateCorrection(milestone_id=milestone.id, old_done_date=old, new_done_date=corrected,
                                        reason=cleaned, corrected_by_id=actor.id))
    milestone.done_date = corrected
    refresh_due_dates(load_calendar(session), review.notification_received_date, review.milestones)
    flush_or_stale(session, "This milestone", advice="Reload and make your change again.")
    corrects = _entry_recording_the_date(session, milestone)
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.SYSTEM, milestone_id=milestone.id,
        corrects_id=corrects,
        text=f"Date of '{milestone.title}' corrected: done {log_date(corrected)}, not {log_date(old)} as recorded."
        f"{moved} Reason: {cleaned}",
    )
    return milestone


@requires(Role.MANAGER, action="delegate a milestone")
def delegate_milestone(
    session: Session, actor: Account, *, milestone_id: int, expected_version: int | None, delegate_to_id: int | None
) -> ReviewMilestone:
    """Delegate an open milestone to a named account (or take the delegation back with None); logged.
    A save made against an older version of the milestone is refused (StaleRecord)."""
    milestone = load_milestone_for_update(session, milestone_id)
    check_version(milestone, expected_version, f"'{milestone.title}'")
    review = load_review(session, milestone.review_id)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if milestone.done_date is not None:
        raise InvalidInput(f"'{milestone.title}' is already done; there is nothing left to delegate.")
    previous = milestone.delegated_to
    if (previous.id if previous else None) == delegate_to_id:
        who = previous.display_name if previous else "nobody"
        raise InvalidInput(f"'{milestone.title}' is already delegated to {who}.")
    delegate = session.get(Account, delegate_to_id) if delegate_to_id is not None else None
    if delegate_to_id is not None and (delegate is None or not delegate.active or not delegate.has_role(*CASE_READERS)):
        raise InvalidInput("Delegate to an active account of a manager, officer or JCR Chair.")
    milestone.delegated_to_id = delegate_to_id
    flush_or_stale(session, "This milestone", advice="Reload and make your change again.")
    session.refresh(milestone, ["delegated_to"])
    # Taking back a delegation nobody has was refused above, so `previous` is set when `delegate` is not.
    was = previous.display_name if previous else "nobody"
    text = (f"'{milestone.title}' delegated to {delegate.display_name}" if delegate
            else f"Delegation of '{milestone.title}' to {was} withdrawn")
    if delegate and previous:
        text += f" (was {was})"
    append_system_entry(session, actor, review_id=milestone.review_id, category=LogCategory.DELEGATION,
                        milestone_id=milestone.id, text=text + ".")
    return milestone


# ---------------------------------------------------------------- putting a review right


@requires(Role.MANAGER, action="withdraw a review")
def withdraw_review(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    expected_version: int | None,
    reason: str | None,
    note: str = "",
    as_of: date,
) -> Review:
    """Withdraw a review opened in error, a duplicate or one CSC decided not to notify, with a reason from the list
    ("other" needs words in the note). It leaves the live list, the feeds, the digests and the returns worklist; it is
    kept, readable, as withdrawn; its agency returns still open end as withdrawn (left out of the board's figures);
    the board counts it apart. Only a review not yet submitted to the Panel can be withdrawn."""
    review = load_review(session, review_id, for_update=True)
    check_version(review, expected_version, "This review")
    if review.state == ReviewState.WITHDRAWN:
        refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state != ReviewState.OPEN:
        raise InvalidInput(f"Review {review.case_reference} was submitted to the National Panel: it can no longer be "
                           "withdrawn. Record the Panel's response instead.")
    if reason not in tuple(WithdrawalReason):
        raise InvalidInput("Choose why the review is withdrawn: not notified by CSC, a duplicate, opened in error, "
                           "or other.")
    assert reason is not None
    cleaned = clean_optional_text(note, label="note on the withdrawal", max_length=MAX_NOTE_CHARS)
    if reason == WithdrawalReason.OTHER and not cleaned:
        raise InvalidInput("Say in the note why the review is withdrawn (the reason is 'other').")
    if as_of < review.notification_received_date:
        raise InvalidInput("A review cannot be withdrawn before its notification was received.")
    review.state = ReviewState.WITHDRAWN
    review.withdrawn_on, review.withdrawn_by_id = as_of, actor.id
    review.withdrawn_reason, review.withdrawn_note = reason, cleaned
    ended = []
    for ret in session.scalars(select(AgencyReturn).where(
            AgencyReturn.review_id == review.id, AgencyReturn.ended_as.is_(None),
            AgencyReturn.final_qa_outcome.is_distinct_from(FinalQaOutcome.ACCEPTED)).with_for_update()):
        ret.ended_as, ret.ended_on = ReturnEnding.WITHDRAWN, max(as_of, ret.requested_date)
        ret.ended_reason, ret.ended_by_id = f"The review was withdrawn ({reason}).", actor.id
        ended.append(ret)
    flush_or_stale(session, "This review", advice="Reload and make your change again.")
    append_system_entry(
        session, actor, review_id=review.id, category=LogCategory.DECISION,
        text=f"Review {review.case_reference} withdrawn on {as_of:%d %b %Y}. Reason: {reason}."
        + (f" Note: {cleaned}" if cleaned else "")
        + (f" {len(ended)} agency return(s) still open ended as withdrawn." if ended else ""),
    )
    return review


def _child_words(position: int) -> str:
    return f"child {position}"


@requires(*CASE_WRITERS, action="correct a review's facts")
def correct_review_facts(  # noqa: C901 - one check per fact that can be corrected, each refused with its own sentence
    session: Session,
    actor: Account,
    *,
    review_id: int,
    expected_version: int | None,
    notification_type: str | None,
    children: Sequence[ChildEntry],
    reason: str,
) -> Review:
    """Correct a review's initials, ages, number of children (1 to 4) and notification type: each change is kept as a
    correction with the old value, and logged. A corrected first child's initials give a new case reference by the
    usual rule (DDMMYY of the notification's receipt + initials, -2, -3 on a clash); the old one stays findable."""
    review = load_review(session, review_id, for_update=True)
    check_version(review, expected_version, "This review")
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    if review.state == ReviewState.CLOSED:
        raise InvalidInput(f"Review {review.case_reference} is closed; its facts can no longer be corrected.")
    if notification_type not in tuple(NotificationType):
        raise InvalidInput("Choose the notification type: death, serious harm or other.")
    assert notification_type is not None
    new_children = validate_children(children)
    cleaned = clean_text(reason, label="reason for the correction", max_length=MAX_NOTE_CHARS)
    if not cleaned:
        raise InvalidInput("Say why the facts are corrected (for example 'initials mistyped at opening').")
    corrections: list[ReviewFactCorrection] = []

    def record(fact: str, old: object, new: object, position: int | None = None) -> None:
        corrections.append(ReviewFactCorrection(
            review_id=review.id, fact=fact, child_position=position, reason=cleaned, corrected_by_id=actor.id,
            old_value=None if old is None else str(old), new_value=None if new is None else str(new)))

    if notification_type != review.notification_type:
        record(CorrectedFact.NOTIFICATION_TYPE, review.notification_type, notification_type)
    old_children = list(review.children)
    if len(new_children) != len(old_children):
        record(CorrectedFact.CHILDREN, len(old_children), len(new_children))
    for position in range(1, max(len(old_children), len(new_children)) + 1):
        old_child = old_children[position - 1] if position <= len(old_children) else None
        new_child = new_children[position - 1] if position <= len(new_children) else None
        old_initials, new_initials = (old_child.initials if old_child else None), (
            new_child.initials if new_child else None)
        old_age, new_age = (old_child.age_years if old_child else None), (new_child.age_years if new_child else None)
        if old_initials != new_initials:
            record(CorrectedFact.INITIALS, old_initials, new_initials, position)
        if old_age != new_age:
            record(CorrectedFact.AGE, old_age, new_age, position)
    if not corrections:
        raise InvalidInput("Nothing to correct: the facts are the same as before.")
    old_reference = review.case_reference
    first_changed = old_children[0].initials != new_children[0].initials
    if first_changed:
        new_reference = _unique_case_reference(
            session, case_reference_base(review.notification_received_date, new_children[0].initials))
        record(CorrectedFact.CASE_REFERENCE, old_reference, new_reference)
        review.case_reference = new_reference
    review.notification_type = notification_type
    for position, entry in enumerate(new_children, start=1):
        if position <= len(old_children):
            old_children[position - 1].initials = entry.initials
            old_children[position - 1].age_years = entry.age_years
        else:
            review.children.append(ReviewChild(position=position, initials=entry.initials, age_years=entry.age_years))
    for child in old_children[len(new_children):]:
        review.children.remove(child)
    session.add_all(corrections)
    flush_or_stale(session, "This review", advice="Reload and make your change again.")
    words = []
    for c in corrections:
        label = str(c.fact)
        whose = f" of {_child_words(c.child_position)}" if c.child_position else ""
        words.append(f"{label}{whose} from {c.old_value or 'none'} to {c.new_value or 'none'}")
    text = "Facts corrected: " + "; ".join(words) + "."
    if first_changed:
        text += f" The old case reference {old_reference} stays findable."
    append_system_entry(session, actor, review_id=review.id, category=LogCategory.SYSTEM,
                        text=text + f" Reason: {cleaned}")
    return review
