"""Reviews: open one, correct its dates, record milestones, and see where every live review stands."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from db.models import NOTIFICATION_TYPES, Account, MilestoneTemplate, Review, ReviewChild, ReviewMilestone
from services.daily_log import append_system_entry
from services.errors import InvalidInput, StaleRecord
from services.permissions import CASE_READERS, CASE_WRITERS, check_role, requires
from services.deadlines import REVIEW_DUE_DAY, SIN_DUE_WORKING_DAYS
from services.plan import milestones_from_templates, refresh_due_dates, review_due_date, window_label
from services.rag import Rag, open_item_rag, worst
from services.calendar import load_calendar, load_settings
from services.working_days import WorkingCalendar

NOTIFICATION_TYPE_LABELS = {"death": "Death", "serious_harm": "Serious harm", "other": "Other"}
MAX_CHILDREN = 4
# Milestones whose completion records a review date, and who may record them.
SUBMISSION_KEY = "panel_submission"
RESPONSE_KEY = "panel_response"
MANAGER_ONLY_MILESTONES = {SUBMISSION_KEY, RESPONSE_KEY}
DECISION_KEY = "exec_decision"
# The report's steps are recorded on the Report page (services/report.py), which keeps the versions they need
# (a submission needs the Chair's signed final version); recording them by hand here is refused.
REPORT_MILESTONES = {"report_to_chair", "signed_report", SUBMISSION_KEY, RESPONSE_KEY}
REPORT_STEPS_KEY = "rrt.report_steps_allowed"
DATE_LABELS = {
    "incident_date": "incident date",
    "csc_aware_date": "date CSC became aware",
    "sin_submitted_date": "date the SIN was submitted",
    "notification_received_date": "date the notification was received",
}


@dataclass(frozen=True)
class ChildEntry:
    """One child on a notification: initials and age in years only (no names, no birth dates)."""

    initials: str
    age_years: int


@dataclass
class MilestoneStatus:
    milestone: ReviewMilestone
    rag: Rag
    window: str


@dataclass
class ReviewStatus:
    review: Review
    day_one: date
    due_date: date
    day_number: int
    working_days_left: int
    rag: Rag
    progress: str
    next_milestone: Optional[ReviewMilestone]
    sin_due_date: date
    sin_timeliness: str
    milestones: list[MilestoneStatus] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        """What the live list shows as the review's status word."""
        if self.review.state != "open":
            return self.progress
        return "green" if self.rag in (Rag.NOT_DUE_YET, Rag.COMPLETE) else self.rag.value


# Other parts of the review (agency returns, meetings) add their open items' statuses through these.
ExtraStatuses = Callable[[Session, WorkingCalendar, Review, date, int], list[Rag]]
_extra_status_sources: list[ExtraStatuses] = []


def register_status_source(source: ExtraStatuses) -> None:
    """Let another module's open items count towards each review's RAG."""
    if source not in _extra_status_sources:
        _extra_status_sources.append(source)


# ---------------------------------------------------------------- pure rules


def normalise_initials(raw: str) -> str:
    """'a.b' -> 'AB'. Letters only, 1 to 4 of them; anything else is refused."""
    cleaned = re.sub(r"[\s.]", "", raw or "").upper()
    if not cleaned:
        raise InvalidInput("Give each child's initials (letters only, for example AB).")
    if not re.fullmatch(r"[A-Z]{1,4}", cleaned):
        raise InvalidInput(
            f"'{raw}' is not a set of initials: use 1 to 4 letters only, never a name (for example AB)."
        )
    return cleaned


def case_reference_base(received: date, first_initials: str) -> str:
    """DDMMYY of the notification received date + the first child's initials: 180626AB."""
    return f"{received:%d%m%y}{first_initials}"


def validate_children(children: Sequence[ChildEntry]) -> list[ChildEntry]:
    if not children:
        raise InvalidInput("Give at least one child's initials and age.")
    if len(children) > MAX_CHILDREN:
        raise InvalidInput(f"One notification covers at most {MAX_CHILDREN} children.")
    result = []
    for child in children:
        initials = normalise_initials(child.initials)
        try:
            age = int(child.age_years)
        except (TypeError, ValueError):
            raise InvalidInput(f"The age of child {initials} must be a whole number of years.") from None
        if not 0 <= age <= 17:
            raise InvalidInput(f"The age of child {initials} must be between 0 and 17 years.")
        result.append(ChildEntry(initials, age))
    return result


def validate_review_dates(
    *,
    incident_date: Optional[date],
    csc_aware_date: Optional[date],
    notification_received_date: Optional[date],
    sin_submitted_date: Optional[date],
    as_of: date,
) -> None:
    """Refuse missing, future or out-of-order dates, naming the field to fix."""
    values = {
        "incident_date": incident_date,
        "csc_aware_date": csc_aware_date,
        "notification_received_date": notification_received_date,
    }
    for name, value in values.items():
        if value is None:
            raise InvalidInput(f"Give the {DATE_LABELS[name]}.")
    values["sin_submitted_date"] = sin_submitted_date
    for name, value in values.items():
        if value is not None and value > as_of:
            raise InvalidInput(f"The {DATE_LABELS[name]} ({value:%d %b %Y}) cannot be in the future.")
    if incident_date > csc_aware_date:
        raise InvalidInput(
            f"The incident date ({incident_date:%d %b %Y}) must be on or before the date CSC became aware "
            f"({csc_aware_date:%d %b %Y})."
        )
    if csc_aware_date > notification_received_date:
        raise InvalidInput(
            f"The date CSC became aware ({csc_aware_date:%d %b %Y}) must be on or before the date the "
            f"notification was received ({notification_received_date:%d %b %Y})."
        )
    if sin_submitted_date is not None and sin_submitted_date < csc_aware_date:
        raise InvalidInput(
            f"The SIN ({sin_submitted_date:%d %b %Y}) cannot be submitted before CSC became aware "
            f"({csc_aware_date:%d %b %Y})."
        )


def sin_timeliness(cal: WorkingCalendar, csc_aware: date, sin_submitted: Optional[date], as_of: date) -> str:
    """Whether CSC made the SIN within 5 working days of becoming aware (CSC's deadline)."""
    due = cal.add_working_days(csc_aware, SIN_DUE_WORKING_DAYS)
    if sin_submitted is not None:
        return "on time" if sin_submitted <= due else "late"
    return "late (not yet made)" if as_of > due else "not yet made"


def milestone_applies(review: Review, milestone: ReviewMilestone) -> bool:
    if milestone.condition == "exec_meeting_required":
        return review.exec_meeting_required is True
    return True


def review_status(
    cal: WorkingCalendar, review: Review, as_of: date, amber_days: int, extra: Sequence[Rag] = ()
) -> ReviewStatus:
    """Where one review stands on `as_of`: Day number, days left, RAG and what is next."""
    received = review.notification_received_date
    due = review_due_date(cal, received)
    day_number = cal.day_number(received, as_of)
    left = cal.working_days_between(as_of, due) if as_of <= due else -cal.working_days_between(due, as_of)
    milestone_statuses = []
    for m in review.milestones:
        if m.done_date is not None:
            status = Rag.COMPLETE
        elif not milestone_applies(review, m):
            status = Rag.NOT_NEEDED
        else:
            status = open_item_rag(cal, due=m.effective_due_date, as_of=as_of, amber_days=amber_days,
                                   window_start=m.window_start_date)
        milestone_statuses.append(MilestoneStatus(m, status, window_label(m)))
    counted = [s.rag for s in milestone_statuses if not s.milestone.optional]
    rag = worst([*counted, *extra])
    open_required = [
        s.milestone for s in milestone_statuses
        if s.rag not in (Rag.COMPLETE, Rag.NOT_NEEDED) and not s.milestone.optional
    ]
    next_milestone = min(
        open_required,
        key=lambda m: (m.effective_due_date or date.max, m.sort_order),
        default=None,
    )
    if review.submitted_to_panel_date is not None:
        submitted_day = cal.day_number(received, review.submitted_to_panel_date)
        timing = "on time" if review.submitted_to_panel_date <= due else "late"
        progress = f"submitted {timing} (Day {submitted_day})"
    elif as_of > due:
        progress = f"overdue by {-left} working day{'s' if -left != 1 else ''}"
    elif day_number == 0:
        progress = f"starts {cal.day_one(received):%a %d %b}"
    else:
        progress = f"Day {day_number} of {REVIEW_DUE_DAY}"
    sin_due = cal.add_working_days(review.csc_aware_date, SIN_DUE_WORKING_DAYS)
    return ReviewStatus(
        review=review,
        day_one=cal.day_one(received),
        due_date=due,
        day_number=day_number,
        working_days_left=left,
        rag=rag,
        progress=progress,
        next_milestone=next_milestone,
        sin_due_date=sin_due,
        sin_timeliness=sin_timeliness(cal, review.csc_aware_date, review.sin_submitted_date, as_of),
        milestones=milestone_statuses,
    )


_RAG_ORDER = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NOT_DUE_YET: 2, Rag.COMPLETE: 3, Rag.NOT_NEEDED: 3}


def worst_first(statuses: list[ReviewStatus]) -> list[ReviewStatus]:
    """Open reviews by RAG (red first), then fewest working days left; submitted ones last."""
    return sorted(
        statuses,
        key=lambda s: (s.review.state != "open", _RAG_ORDER[s.rag], s.working_days_left, s.review.case_reference),
    )


# ---------------------------------------------------------------- reading


def _load_review(session: Session, review_id: int, *, for_update: bool = False) -> Review:
    query = select(Review).where(Review.id == review_id).options(
        selectinload(Review.children), selectinload(Review.milestones)
    )
    if for_update:
        query = query.with_for_update()
    review = session.scalars(query).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    return review


def _status_for(session: Session, cal: WorkingCalendar, review: Review, as_of: date, amber_days: int) -> ReviewStatus:
    extra = [rag for source in _extra_status_sources for rag in source(session, cal, review, as_of, amber_days)]
    return review_status(cal, review, as_of, amber_days, extra)


@requires(*CASE_READERS, action="see reviews")
def list_live_reviews(session: Session, actor: Account, *, as_of: date) -> list[ReviewStatus]:
    """Every review not yet closed, worst first."""
    cal = load_calendar(session)
    amber_days = load_settings(session).amber_threshold_days
    reviews = session.scalars(
        select(Review)
        .where(Review.state != "closed")
        .options(selectinload(Review.children), selectinload(Review.milestones))
    ).all()
    return worst_first([_status_for(session, cal, r, as_of, amber_days) for r in reviews])


@requires(*CASE_READERS, action="see reviews")
def get_review_status(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReviewStatus:
    """One review with its milestones and their RAG."""
    review = _load_review(session, review_id)
    return _status_for(session, load_calendar(session), review, as_of, load_settings(session).amber_threshold_days)


@requires(*CASE_READERS, action="see reviews")
def list_reviews(session: Session, actor: Account, *, include_closed: bool = True) -> list[Review]:
    """All reviews (for pickers), newest notification first."""
    query = select(Review).order_by(Review.notification_received_date.desc(), Review.id.desc())
    if not include_closed:
        query = query.where(Review.state != "closed")
    return list(session.scalars(query))


# ---------------------------------------------------------------- writing


def _unique_case_reference(session: Session, base: str) -> str:
    taken = set(session.scalars(select(Review.case_reference).where(Review.case_reference.like(f"{base}%"))))
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
    notification_type: str,
    incident_date: Optional[date],
    csc_aware_date: Optional[date],
    notification_received_date: Optional[date],
    children: Sequence[ChildEntry],
    as_of: date,
    sin_submitted_date: Optional[date] = None,
    ofsted_required: bool = False,
) -> Review:
    """Open a review: validate, give it a unique case reference and its milestones from the plan."""
    if notification_type not in NOTIFICATION_TYPES:
        raise InvalidInput("Choose the notification type: death, serious harm or other.")
    validate_review_dates(
        incident_date=incident_date,
        csc_aware_date=csc_aware_date,
        notification_received_date=notification_received_date,
        sin_submitted_date=sin_submitted_date,
        as_of=as_of,
    )
    children = validate_children(children)
    cal = load_calendar(session)
    templates = list(session.scalars(select(MilestoneTemplate).order_by(MilestoneTemplate.sort_order)))
    base = case_reference_base(notification_received_date, children[0].initials)
    for _attempt in range(5):
        reference = _unique_case_reference(session, base)
        try:
            with session.begin_nested():
                review = Review(
                    case_reference=reference,
                    notification_type=notification_type,
                    incident_date=incident_date,
                    csc_aware_date=csc_aware_date,
                    sin_submitted_date=sin_submitted_date,
                    notification_received_date=notification_received_date,
                    ofsted_required=ofsted_required,
                    state="open",
                    created_by_id=actor.id,
                    children=[
                        ReviewChild(position=i, initials=c.initials, age_years=c.age_years)
                        for i, c in enumerate(children, start=1)
                    ],
                    milestones=milestones_from_templates(templates),
                )
                refresh_due_dates(cal, notification_received_date, review.milestones)
                session.add(review)
                session.flush()
            break
        except IntegrityError as error:
            # Another user took the same reference a moment ago: take the next suffix.
            if "case_reference" not in str(error.orig):
                raise
    else:
        raise InvalidInput("Could not give the review a unique case reference; please try again.")
    due = review_due_date(cal, notification_received_date)
    kids = ", ".join(f"{c.initials} ({c.age_years})" for c in children)
    append_system_entry(
        session, actor, review_id=review.id, category="system",
        text=f"Review {reference} opened: {NOTIFICATION_TYPE_LABELS[notification_type].lower()} notification "
        f"received {notification_received_date:%d %b %Y}; children {kids}; Day 1 "
        f"{cal.day_one(notification_received_date):%d %b %Y}; due at the end of {due:%a %d %b %Y}.",
    )
    return review


def _check_version(record, expected_version: Optional[int], what: str) -> None:
    if expected_version is not None and record.version != expected_version:
        raise StaleRecord(
            f"This {what} was changed by someone else since you opened it. The page now shows the saved "
            "values: check them and make your change again."
        )


def _flush_or_stale(session: Session, what: str) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleRecord(
            f"This {what} was changed by someone else at the same moment. Reload and make your change again."
        ) from None


@requires(*CASE_WRITERS, action="correct a review's dates")
def update_review_dates(
    session: Session,
    actor: Account,
    *,
    review_id: int,
    expected_version: Optional[int],
    incident_date: Optional[date],
    csc_aware_date: Optional[date],
    sin_submitted_date: Optional[date],
    notification_received_date: Optional[date],
    as_of: date,
) -> Review:
    """Correct a review's dates: due dates are recomputed, completed milestones are kept.
    The case reference stays as given at opening: it already names the case folder."""
    review = _load_review(session, review_id, for_update=True)
    _check_version(review, expected_version, "review")
    if review.state == "closed":
        raise InvalidInput("This review is closed; its dates can no longer be changed.")
    validate_review_dates(
        incident_date=incident_date,
        csc_aware_date=csc_aware_date,
        notification_received_date=notification_received_date,
        sin_submitted_date=sin_submitted_date,
        as_of=as_of,
    )
    new_values = {
        "incident_date": incident_date,
        "csc_aware_date": csc_aware_date,
        "sin_submitted_date": sin_submitted_date,
        "notification_received_date": notification_received_date,
    }
    changes = []
    for name, value in new_values.items():
        old = getattr(review, name)
        if old != value:
            changes.append(f"{DATE_LABELS[name]} from {_fmt(old)} to {_fmt(value)}")
            setattr(review, name, value)
    if not changes:
        raise InvalidInput("Nothing to save: the dates are the same as before.")
    if review.submitted_to_panel_date and review.submitted_to_panel_date < notification_received_date:
        raise InvalidInput("The notification cannot be received after the review was submitted to the Panel.")
    refresh_due_dates(load_calendar(session), notification_received_date, review.milestones)
    _flush_or_stale(session, "review")
    append_system_entry(session, actor, review_id=review.id, category="system",
                        text="Dates corrected: " + "; ".join(changes) + ".")
    return review


def _fmt(value: Optional[date]) -> str:
    return f"{value:%d %b %Y}" if value else "blank"


@contextmanager
def report_steps_allowed(session: Session):
    """Let record_milestone_done complete the report's milestones in this session: services.report does so
    after its own checks; loaders of reviews finished before the tracker (the demo's history) do so too."""
    previous = session.info.get(REPORT_STEPS_KEY)
    session.info[REPORT_STEPS_KEY] = True
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(REPORT_STEPS_KEY, None)
        else:
            session.info[REPORT_STEPS_KEY] = previous


def _load_milestone(session: Session, milestone_id: int) -> ReviewMilestone:
    milestone = session.get(ReviewMilestone, milestone_id, with_for_update=True)
    if milestone is None:
        raise InvalidInput("That milestone does not exist. Reload the page.")
    return milestone


@requires(*CASE_READERS, action="record a milestone")
def record_milestone_done(
    session: Session,
    actor: Account,
    *,
    milestone_id: int,
    done_on: Optional[date],
    note: str = "",
    as_of: date,
    exec_meeting_required: Optional[bool] = None,
) -> ReviewMilestone:
    """Record a milestone done on a date (with who and when). The Panel submission and response
    milestones also record the review's dates; the Day 1 decision records whether an executive
    findings meeting is needed."""
    milestone = _load_milestone(session, milestone_id)
    review = _load_review(session, milestone.review_id, for_update=True)
    if milestone.key in MANAGER_ONLY_MILESTONES:
        check_role(actor, ("manager",), "record the Panel submission or response")
    if milestone.key in REPORT_MILESTONES and not session.info.get(REPORT_STEPS_KEY):
        raise InvalidInput(
            f"'{milestone.title}' is recorded on the Report page, which keeps the report's versions "
            f"(sent to the Chair, signed final, submitted): open Report for {review.case_reference}."
        )
    if milestone.done_date is not None:
        who = milestone.done_by.display_name if milestone.done_by else "someone"
        raise InvalidInput(f"'{milestone.title}' was already recorded as done on {milestone.done_date:%d %b %Y} by {who}.")
    if done_on is None:
        raise InvalidInput("Give the date it was done.")
    if done_on > as_of:
        raise InvalidInput(f"The date done ({done_on:%d %b %Y}) cannot be in the future.")
    if done_on < review.notification_received_date:
        raise InvalidInput(
            f"The date done ({done_on:%d %b %Y}) cannot be before the notification was received "
            f"({review.notification_received_date:%d %b %Y})."
        )
    if review.state == "closed":
        raise InvalidInput("This review is closed.")
    if not milestone_applies(review, milestone):
        raise InvalidInput("This milestone is not needed: the Day 1 decision said no executive findings meeting.")
    if milestone.key == DECISION_KEY:
        if exec_meeting_required is None:
            raise InvalidInput("Say whether an executive findings meeting with the AD/DCS is needed (yes or no).")
        review.exec_meeting_required = exec_meeting_required
    if milestone.key == SUBMISSION_KEY:
        review.submitted_to_panel_date = done_on
        review.state = "submitted"
    if milestone.key == RESPONSE_KEY:
        if review.submitted_to_panel_date is None:
            raise InvalidInput("Record the submission to the Panel before the Panel's response.")
        if done_on < review.submitted_to_panel_date:
            raise InvalidInput("The Panel's response cannot be dated before the submission.")
        review.panel_response_date = done_on
        review.state = "closed"
    milestone.done_date = done_on
    milestone.done_by_id = actor.id
    milestone.done_at = datetime.now(timezone.utc)
    milestone.note = note.strip() or None
    refresh_due_dates(load_calendar(session), review.notification_received_date, review.milestones)
    _flush_or_stale(session, "milestone")
    text = f"Milestone done: {milestone.title}, on {done_on:%d %b %Y}."
    if milestone.key == DECISION_KEY:
        text += f" Executive findings meeting needed: {'yes' if exec_meeting_required else 'no'}."
    if note.strip():
        text += f" Note: {note.strip()}"
    category = "decision" if milestone.key == DECISION_KEY else "system"
    append_system_entry(session, actor, review_id=review.id, category=category, text=text, milestone_id=milestone.id)
    return milestone


@requires("manager", action="agree a milestone date")
def set_agreed_date(
    session: Session, actor: Account, *, milestone_id: int, agreed_on: Optional[date], reason: str
) -> ReviewMilestone:
    """Set (or clear, with agreed_on=None) the date agreed for one milestone of one review, with a reason."""
    milestone = _load_milestone(session, milestone_id)
    if milestone.done_date is not None:
        raise InvalidInput("This milestone is already done; there is no date left to agree.")
    if not reason.strip():
        raise InvalidInput("Say why the date was agreed (for example 'meeting date agreed with the JCR Chair').")
    old = milestone.agreed_due_date
    if agreed_on == old:
        raise InvalidInput("That is already the agreed date.")
    milestone.agreed_due_date = agreed_on
    milestone.agreed_reason = reason.strip() if agreed_on else None
    _flush_or_stale(session, "milestone")
    append_system_entry(
        session, actor, review_id=milestone.review_id, category="date agreed", milestone_id=milestone.id,
        text=f"Date agreed for '{milestone.title}': from {_fmt(old or milestone.due_date)} to "
        f"{_fmt(agreed_on or milestone.due_date)} (plan date {_fmt(milestone.due_date)}). Reason: {reason.strip()}",
    )
    return milestone


@dataclass(frozen=True)
class DelegatedTask:
    """An open milestone delegated to one account, with where it stands."""

    review_id: int
    case_reference: str
    milestone_id: int
    title: str
    due_date: Optional[date]
    rag: Rag


@requires("manager", action="see who tasks can be delegated to")
def list_delegates(session: Session, actor: Account) -> list[Account]:
    """Active accounts that work on cases (manager, officer, chair), by name."""
    accounts = session.scalars(select(Account).where(Account.active.is_(True)).order_by(Account.display_name))
    return [a for a in accounts if a.has_role(*CASE_READERS)]


@requires("manager", action="delegate a milestone")
def delegate_milestone(
    session: Session, actor: Account, *, milestone_id: int, delegate_to_id: Optional[int]
) -> ReviewMilestone:
    """Delegate an open milestone to a named account (or take the delegation back with None); logged."""
    milestone = _load_milestone(session, milestone_id)
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
    _flush_or_stale(session, "milestone")
    session.refresh(milestone, ["delegated_to"])
    text = (f"'{milestone.title}' delegated to {delegate.display_name}" if delegate
            else f"Delegation of '{milestone.title}' to {previous.display_name} withdrawn")
    if delegate and previous:
        text += f" (was {previous.display_name})"
    append_system_entry(session, actor, review_id=milestone.review_id, category="delegation",
                        milestone_id=milestone.id, text=text + ".")
    return milestone


@requires(*CASE_READERS, action="see the tasks delegated to you")
def list_delegated_to_me(session: Session, actor: Account, *, as_of: date) -> list[DelegatedTask]:
    """The open milestones of live reviews delegated to the acting account, soonest due first."""
    cal = load_calendar(session)
    amber_days = load_settings(session).amber_threshold_days
    milestones = session.scalars(
        select(ReviewMilestone)
        .join(Review, Review.id == ReviewMilestone.review_id)
        .where(ReviewMilestone.delegated_to_id == actor.id, ReviewMilestone.done_date.is_(None),
               Review.state != "closed")
        .options(selectinload(ReviewMilestone.review))
    ).all()
    tasks = [
        DelegatedTask(
            review_id=m.review_id, case_reference=m.review.case_reference, milestone_id=m.id, title=m.title,
            due_date=m.effective_due_date,
            rag=open_item_rag(cal, due=m.effective_due_date, as_of=as_of, amber_days=amber_days,
                              window_start=m.window_start_date),
        )
        for m in milestones
    ]
    return sorted(tasks, key=lambda t: (t.due_date or date.max, t.case_reference))


def refresh_open_review_dates(session: Session, cal: WorkingCalendar) -> int:
    """Recompute the plan dates of every review still open (after the calendar changed)."""
    reviews = session.scalars(select(Review).where(Review.state == "open").options(selectinload(Review.milestones)))
    count = 0
    for review in reviews:
        refresh_due_dates(cal, review.notification_received_date, review.milestones)
        count += 1
    session.flush()
    return count


# Agency returns count towards every review's RAG (services.returns registers itself on import).
import services.returns  # noqa: E402,F401
