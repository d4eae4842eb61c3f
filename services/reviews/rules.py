"""The rules of a review, apart from any I/O: the children and dates it is opened with, its case reference,
the SIN's timeliness, and where it stands on a day (Day number, days left, milestone RAG, what is next)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from db.enums import MilestoneKey, NotificationType, ReviewState, WithdrawalReason
from services.deadlines import REVIEW_DUE_DAY, SIN_DUE_WORKING_DAYS
from services.errors import InvalidInput
from services.plan import milestone_applies, review_due_date, window_label
from services.rag import Rag, open_item_rag, urgency, worst
from services.reviews.reads import MilestoneRead, ReviewRead
from services.text import clean_text
from services.working_days import WorkingCalendar

NOTIFICATION_TYPE_LABELS: dict[str, str] = {
    NotificationType.DEATH: "Death",
    NotificationType.SERIOUS_HARM: "Serious harm",
    NotificationType.OTHER: "Other",
}
WITHDRAWAL_REASON_LABELS: dict[str, str] = {
    WithdrawalReason.NOT_NOTIFIED: "Not notified by CSC (CSC decided not to notify)",
    WithdrawalReason.DUPLICATE: "Duplicate of another review",
    WithdrawalReason.OPENED_IN_ERROR: "Opened in error",
    WithdrawalReason.OTHER: "Other (say why in the note)",
}
MAX_CHILDREN = 4
# A free note or reason with no length of its own (a milestone's note, the reason a date was agreed).
MAX_NOTE_CHARS = 4000
NOT_KNOWN_YET = "not known yet"
# Beside the incident and CSC-awareness date boxes.
NOT_KNOWN_HELP = "Leave blank if not known yet: the date is required before the report is signed off."
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


@dataclass(frozen=True)
class ReviewDates:
    """A review's dates once validated: the notification's, and the others once known (the incident and the date
    CSC became aware are often unknown on Day 1; they are required before sign-off)."""

    incident_date: date | None
    csc_aware_date: date | None
    notification_received_date: date
    sin_submitted_date: date | None


@dataclass(frozen=True)
class MilestoneStatus:
    """One milestone of a review with its RAG and its plan window in words."""

    milestone: MilestoneRead
    rag: Rag
    window: str


@dataclass(frozen=True)
class WhyItem:
    """One open item that makes a review red or amber: a milestone or an agency return, with the page where it is
    dealt with ("review", "returns", "meetings" or "report") and, for a return, its id."""

    rag: Rag
    label: str  # "Timeline agreed with JCR Chair and recorded (Fri 27 Nov)", "Early Help return unchecked"
    page: str
    return_id: int | None = None


@dataclass(frozen=True)
class ReviewStatus:
    """Where one review stands on a day: what the live list and the Review page show."""

    review: ReviewRead
    day_one: date
    due_date: date
    day_number: int
    working_days_left: int
    rag: Rag
    progress: str
    next_milestone: MilestoneRead | None
    sin_due_date: date | None  # None while the date CSC became aware is not known
    sin_timeliness: str
    milestones: tuple[MilestoneStatus, ...] = ()
    why: tuple[WhyItem, ...] = ()  # every item making it red or amber, red first (services.reviews.status)

    @property
    def status_label(self) -> str:
        """What the live list shows as the review's status word."""
        if self.review.state != ReviewState.OPEN:
            return self.progress
        return "green" if self.rag in (Rag.NOT_DUE_YET, Rag.COMPLETE) else self.rag.value


def normalise_initials(raw: str, *, label: str = "child's initials") -> str:
    """'a.b' -> 'AB'. Letters A to Z only, 1 to 4 of them; anything else is refused with a sentence.
    Checked before upper-casing, which would turn 'ß' into 'SS' and 'ı' into 'I' without a word."""
    text = clean_text(raw, label=label, max_length=None, multiline=False)
    letters = re.sub(r"[\s.]", "", text)
    if not letters:
        raise InvalidInput("Give each child's initials (letters only, for example AB).")
    if not re.fullmatch(r"[A-Za-z]{1,4}", letters, flags=re.ASCII):
        quoted = text if len(text) <= 20 else text[:12] + "…"  # a long paste is named, not repeated in full
        raise InvalidInput(
            f"'{quoted}' is not a set of initials: use 1 to 4 letters from A to Z only (no accents or other "
            "alphabets), never a name (for example AB)."
        )
    return letters.upper()


def case_reference_base(received: date, first_initials: str) -> str:
    """DDMMYY of the notification received date + the first child's initials: 180626AB."""
    return f"{received:%d%m%y}{first_initials}"


def validate_children(children: Sequence[ChildEntry]) -> list[ChildEntry]:
    if not children:
        raise InvalidInput("Give at least one child's initials and age.")
    if len(children) > MAX_CHILDREN:
        raise InvalidInput(f"One notification covers at most {MAX_CHILDREN} children.")
    result = []
    for position, child in enumerate(children, start=1):
        initials = normalise_initials(child.initials, label=f"initials of child {position}")
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
    incident_date: date | None,
    csc_aware_date: date | None,
    notification_received_date: date | None,
    sin_submitted_date: date | None,
    as_of: date,
) -> ReviewDates:
    """Refuse a missing notification date and future or out-of-order dates, naming the field to fix; the dates once
    valid. The incident and CSC-awareness dates may be blank (not known yet); the order incident <= CSC aware <=
    notification received holds between the dates given, and the SIN comes on or after the dates before it."""
    if notification_received_date is None:
        raise InvalidInput(f"Give the {DATE_LABELS['notification_received_date']}.")
    values = {
        "incident_date": incident_date,
        "csc_aware_date": csc_aware_date,
        "notification_received_date": notification_received_date,
        "sin_submitted_date": sin_submitted_date,
    }
    for name, value in values.items():
        if value is not None and value > as_of:
            raise InvalidInput(f"The {DATE_LABELS[name]} ({value:%d %b %Y}) cannot be in the future.")
    if incident_date is not None and csc_aware_date is not None and incident_date > csc_aware_date:
        raise InvalidInput(
            f"The incident date ({incident_date:%d %b %Y}) must be on or before the date CSC became aware "
            f"({csc_aware_date:%d %b %Y})."
        )
    if csc_aware_date is not None and csc_aware_date > notification_received_date:
        raise InvalidInput(
            f"The date CSC became aware ({csc_aware_date:%d %b %Y}) must be on or before the date the "
            f"notification was received ({notification_received_date:%d %b %Y})."
        )
    if incident_date is not None and incident_date > notification_received_date:
        raise InvalidInput(
            f"The incident date ({incident_date:%d %b %Y}) must be on or before the date the notification was "
            f"received ({notification_received_date:%d %b %Y})."
        )
    if sin_submitted_date is not None and csc_aware_date is not None and sin_submitted_date < csc_aware_date:
        raise InvalidInput(
            f"The SIN ({sin_submitted_date:%d %b %Y}) cannot be submitted before CSC became aware "
            f"({csc_aware_date:%d %b %Y})."
        )
    if sin_submitted_date is not None and incident_date is not None and sin_submitted_date < incident_date:
        raise InvalidInput(
            f"The SIN ({sin_submitted_date:%d %b %Y}) cannot be submitted before the incident "
            f"({incident_date:%d %b %Y})."
        )
    return ReviewDates(incident_date, csc_aware_date, notification_received_date, sin_submitted_date)


def missing_sign_off_dates(incident_date: date | None, csc_aware_date: date | None) -> str | None:
    """The sentence refusing a sign-off while the incident or CSC-awareness date is not known yet (None when both
    are given): they are required before sign-off."""
    missing = [DATE_LABELS[name] for name, value in (("incident_date", incident_date),
                                                     ("csc_aware_date", csc_aware_date)) if value is None]
    if not missing:
        return None
    return (f"The report cannot be signed off while the {' and the '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} not known: record "
            f"{'them' if len(missing) > 1 else 'it'} on the Review page (Correct the review's dates) first.")


def one_year_after(day: date) -> date:
    """The same day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def check_date_in_review_window(value: date, *, received: date, label: str) -> None:
    """An agreed or new due date lies between the notification's receipt and a year after it: a typing slip
    (1900, 2100) is refused with a sentence naming the field."""
    if value < received:
        raise InvalidInput(
            f"The {label} ({value:%d %b %Y}) cannot be before the notification was received ({received:%d %b %Y})."
        )
    latest = one_year_after(received)
    if value > latest:
        raise InvalidInput(
            f"The {label} ({value:%d %b %Y}) is more than a year after the notification was received "
            f"({received:%d %b %Y}): give a date on or before {latest:%d %b %Y}."
        )


def check_due_on_a_working_day(cal: WorkingCalendar, value: date, *, label: str) -> None:
    """A due date people agree is a working day: no non-working day is ever shown as a due date (domain.md)."""
    if not cal.is_working_day(value):
        raise InvalidInput(
            f"The {label} ({value:%a %d %b %Y}) is not a working day (a weekend, a bank holiday or a closure day): "
            f"choose a working day, such as {cal.add_working_days(value, 0):%a %d %b %Y}."
        )


def check_received_correction(
    received: date, *, done: Sequence[tuple[str, date]], submitted_to_panel: date | None
) -> None:
    """A corrected notification date cannot come after a milestone already done, nor after the submission to the
    Panel. `done`: (title, date done) of the review's milestones already done."""
    if submitted_to_panel is not None and received > submitted_to_panel:
        raise InvalidInput(
            f"The notification cannot be received ({received:%d %b %Y}) after the review was submitted to the "
            f"Panel ({submitted_to_panel:%d %b %Y})."
        )
    later = [(day, title) for title, day in done if day < received]
    if later:
        day, title = min(later)
        raise InvalidInput(
            f"The notification cannot be received ({received:%d %b %Y}) after '{title}' was done "
            f"({day:%d %b %Y}). Check the date against the milestones already done."
        )


def check_corrected_done_date(
    title: str,
    new: date | None,
    *,
    old: date,
    received: date,
    as_of: date,
    not_before: Sequence[tuple[date, str]] = (),
    not_after: Sequence[tuple[date, str]] = (),
) -> date:
    """The corrected date of a completed step, once valid: given, different from the date recorded, not in the
    future, not before the notification was received, and in order with the records that hold the same date
    (`not_before` / `not_after`: (date, what it is), e.g. (the minutes' date, "the minutes were circulated"))."""
    if new is None:
        raise InvalidInput(f"Give the date '{title}' was really done.")
    if new == old:
        raise InvalidInput(f"'{title}' is already recorded as done on {old:%d %b %Y}: there is nothing to correct.")
    if new > as_of:
        raise InvalidInput(f"The corrected date ({new:%d %b %Y}) cannot be in the future.")
    if new < received:
        raise InvalidInput(f"The corrected date ({new:%d %b %Y}) cannot be before the notification was received "
                           f"({received:%d %b %Y}).")
    for limit, what in not_before:
        if new < limit:
            raise InvalidInput(f"The corrected date ({new:%d %b %Y}) cannot be before {what} ({limit:%d %b %Y}).")
    for limit, what in not_after:
        if new > limit:
            raise InvalidInput(f"The corrected date ({new:%d %b %Y}) cannot be after {what} ({limit:%d %b %Y}).")
    return new


def sin_timeliness(cal: WorkingCalendar, csc_aware: date | None, sin_submitted: date | None, as_of: date) -> str:
    """Whether CSC made the SIN within 5 working days of becoming aware (CSC's deadline); "not known yet" while
    the date CSC became aware is not recorded."""
    if csc_aware is None:
        return NOT_KNOWN_YET
    due = cal.add_working_days(csc_aware, SIN_DUE_WORKING_DAYS)
    if sin_submitted is not None:
        return "on time" if sin_submitted <= due else "late"
    return "late (not yet made)" if as_of > due else "not yet made"


def review_status(
    cal: WorkingCalendar,
    review: ReviewRead,
    milestones: Sequence[MilestoneRead],
    as_of: date,
    amber_days: int,
    other_rags: Sequence[Rag] = (),
) -> ReviewStatus:
    """Where one review stands on `as_of`: Day number, days left, RAG and what is next. `milestones`: the
    review's, in plan order; `other_rags`: the statuses of its other open items (its agency returns), which
    count towards its RAG."""
    received = review.notification_received_date
    due = review_due_date(cal, received)
    day_number = cal.day_number(received, as_of)
    left = cal.working_days_between(as_of, due) if as_of <= due else -cal.working_days_between(due, as_of)
    milestone_statuses = []
    for m in milestones:
        if m.done_date is not None:
            status = Rag.COMPLETE
        elif not milestone_applies(review, m):
            status = Rag.NOT_NEEDED
        else:
            status = open_item_rag(cal, due=m.effective_due_date, as_of=as_of, amber_days=amber_days,
                                   window_start=m.window_start_date)
        milestone_statuses.append(MilestoneStatus(m, status, window_label(m)))
    counted = [s.rag for s in milestone_statuses if not s.milestone.optional]
    rag = worst([*counted, *other_rags])
    open_required = [
        s.milestone for s in milestone_statuses
        if s.rag not in (Rag.COMPLETE, Rag.NOT_NEEDED) and not s.milestone.optional
    ]
    if review.submitted_to_panel_date is not None:
        # Once the report is at the Panel, what is next is the Panel's response: a step left open before the
        # submission is history (its RAG still says so), not the next thing to do.
        open_required = [m for m in open_required if m.key == MilestoneKey.PANEL_RESPONSE]
    next_milestone = min(
        open_required,
        key=lambda m: (m.effective_due_date or date.max, m.sort_order),
        default=None,
    )
    if review.submitted_to_panel_date is not None:
        submitted_day = cal.day_number(received, review.submitted_to_panel_date)
        # A submission on a non-working day counts as the last working day before it (domain.md): a Saturday
        # submission after a Friday Day 15 is on time.
        timing = "on time" if submitted_day <= REVIEW_DUE_DAY else "late"
        progress = f"submitted {timing} (Day {submitted_day})"
    elif as_of > due:
        progress = f"overdue by {-left} working day{'s' if -left != 1 else ''}"
    elif day_number == 0:
        progress = f"starts {cal.day_one(received):%a %d %b}"
    else:
        progress = f"Day {day_number} of {REVIEW_DUE_DAY}"
    sin_due = (cal.add_working_days(review.csc_aware_date, SIN_DUE_WORKING_DAYS)
               if review.csc_aware_date is not None else None)
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
        milestones=tuple(milestone_statuses),
    )


def worst_first(statuses: list[ReviewStatus]) -> list[ReviewStatus]:
    """Open reviews by RAG (red first), then fewest working days left; submitted ones last."""
    return sorted(
        statuses,
        key=lambda s: (s.review.state != ReviewState.OPEN, urgency(s.rag), s.working_days_left,
                       s.review.case_reference),
    )


# The report's own steps keep their dates in the report's versions (kept as made): withdrawing the sign-off and
# signing again, or sending the report again, records a new date there.
DATES_KEPT_BY_THE_REPORT: dict[str, str] = {
    MilestoneKey.REPORT_TO_CHAIR: "is the date of the version sent to the JCR Chair (Report page): send the report "
    "again with the right date",
    MilestoneKey.SIGNED_REPORT: "is the date of the signed final version (Report page): withdraw the sign-off, with "
    "a reason, and record it again with the right date",
}
