"""The LCSPR's rules, pure: its steps in order, the due date of each from the decision, the settings and the working
calendar, the RAG of each step and of the LCSPR with the "why" sentence, and the refusals of a step's date.

Due dates (docs/lcspr.md gives each source):
- reviewer commissioned: the decision + `commission_days` working days (local default);
- terms of reference agreed: the commissioning (done, else due) + `terms_days` working days (local default);
- practitioners involved, family involved: the terms (done, else due) + `involvement_days` working days (local);
- final report: the decision + `completion_months` calendar months (Working Together 2023: six months), the day of
  the month kept or, when the month is shorter, its last day; on a non-working day, the working day before;
- draft to the partners: `draft_before_days` working days before the final report's due date (local default);
- publication: the final report (done, else due) + `publication_days` working days (local default);
- copies to the Panel and the Secretary of State: `copies_before_days` working days before the publication's due date
  (Working Together 2023: at least seven working days before publication).
A due date counted in working days is a working day; a month count that lands on a non-working day moves back.
"""
from __future__ import annotations

import calendar as month_calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.rag import Rag, rag_for_due_date, urgency, worst
from services.working_days import WorkingCalendar

MAX_REVIEWER_NAME_CHARS = 200
MAX_REASON_CHARS = 1000
MAX_ADDRESS_CHARS = 500
WEB_ADDRESS = re.compile(r"^https://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$")


class LcsprStep(StrEnum):
    REVIEWER_COMMISSIONED = "reviewer_commissioned"
    TERMS_AGREED = "terms_agreed"
    PRACTITIONERS_INVOLVED = "practitioners_involved"
    FAMILY_INVOLVED = "family_involved"
    DRAFT_TO_PARTNERS = "draft_to_partners"
    FINAL_REPORT = "final_report"
    COPIES_SENT = "copies_sent"
    PUBLISHED = "published"


STEPS: tuple[LcsprStep, ...] = tuple(LcsprStep)
STEP_TITLES: dict[LcsprStep, str] = {
    LcsprStep.REVIEWER_COMMISSIONED: "Reviewer commissioned",
    LcsprStep.TERMS_AGREED: "Terms of reference agreed",
    LcsprStep.PRACTITIONERS_INVOLVED: "Practitioners involved",
    LcsprStep.FAMILY_INVOLVED: "Family involved",
    LcsprStep.DRAFT_TO_PARTNERS: "Draft report to the partners",
    LcsprStep.FINAL_REPORT: "Final report",
    LcsprStep.COPIES_SENT: "Copies to the Panel and the Secretary of State",
    LcsprStep.PUBLISHED: "Published",
}
# The column of `lcsprs` that holds each step's date.
STEP_COLUMNS: dict[LcsprStep, str] = {step: f"{step.value}_on" for step in STEPS}
# The step each step comes after (its date is on or after that step's date, which must be recorded first).
COMES_AFTER: dict[LcsprStep, LcsprStep] = {
    LcsprStep.TERMS_AGREED: LcsprStep.REVIEWER_COMMISSIONED,
    LcsprStep.PRACTITIONERS_INVOLVED: LcsprStep.TERMS_AGREED,
    LcsprStep.FAMILY_INVOLVED: LcsprStep.TERMS_AGREED,
    LcsprStep.DRAFT_TO_PARTNERS: LcsprStep.TERMS_AGREED,
    LcsprStep.FINAL_REPORT: LcsprStep.DRAFT_TO_PARTNERS,
    LcsprStep.COPIES_SENT: LcsprStep.FINAL_REPORT,
    LcsprStep.PUBLISHED: LcsprStep.COPIES_SENT,
}


@dataclass(frozen=True)
class Timescales:
    """The settings the due dates come from (working days unless named months)."""

    commission_days: int = 20
    terms_days: int = 15
    involvement_days: int = 40
    draft_before_days: int = 20
    completion_months: int = 6
    copies_before_days: int = 7
    publication_days: int = 30


@dataclass(frozen=True)
class LcsprFacts:
    """What the rules read of an LCSPR: the decision, each step's date, and the two reasons that stand for a date."""

    decided_on: date
    done: Mapping[LcsprStep, date | None]
    family_not_involved_reason: str | None = None
    not_published_reason: str | None = None

    def done_on(self, step: LcsprStep) -> date | None:
        return self.done.get(step)

    def is_done(self, step: LcsprStep) -> bool:
        if self.done_on(step) is not None:
            return True
        if step is LcsprStep.FAMILY_INVOLVED:
            return self.family_not_involved_reason is not None
        if step is LcsprStep.PUBLISHED:
            return self.not_published_reason is not None
        return False

    @property
    def finished(self) -> bool:
        """Published, or decided not to be published: the LCSPR leaves the live list."""
        return self.is_done(LcsprStep.PUBLISHED)


def add_months(start: date, months: int) -> date:
    """`start` plus whole calendar months, the day kept or, in a shorter month, its last day (31 Aug + 6 -> 28 Feb,
    or 29 Feb in a leap year)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, month_calendar.monthrange(year, month)[1]))


def working_day_on_or_before(cal: WorkingCalendar, day: date) -> date:
    """`day` when it is a working day, else the working day before it."""
    while not cal.is_working_day(day):
        day = date.fromordinal(day.toordinal() - 1)
    return day


def working_days_before(cal: WorkingCalendar, day: date, n: int) -> date:
    """The n-th working day before `day` (`day` not counted); n == 0 gives `day` or the working day before it."""
    if n < 0:
        raise ValueError("n must be 0 or more")
    if n == 0:
        return working_day_on_or_before(cal, day)
    found = day
    for _ in range(n):
        found = working_day_on_or_before(cal, date.fromordinal(found.toordinal() - 1))
    return found


def due_dates(cal: WorkingCalendar, facts: LcsprFacts, timescales: Timescales) -> dict[LcsprStep, date]:
    """Each step's due date (the module's docstring gives the rule of each)."""
    decided = facts.decided_on
    commissioned = cal.add_working_days(decided, timescales.commission_days)
    terms = cal.add_working_days(facts.done_on(LcsprStep.REVIEWER_COMMISSIONED) or commissioned,
                                 timescales.terms_days)
    involvement = cal.add_working_days(facts.done_on(LcsprStep.TERMS_AGREED) or terms, timescales.involvement_days)
    final = working_day_on_or_before(cal, add_months(decided, timescales.completion_months))
    draft = working_days_before(cal, final, timescales.draft_before_days)
    publication = cal.add_working_days(facts.done_on(LcsprStep.FINAL_REPORT) or final, timescales.publication_days)
    copies = working_days_before(cal, publication, timescales.copies_before_days)
    return {
        LcsprStep.REVIEWER_COMMISSIONED: commissioned,
        LcsprStep.TERMS_AGREED: terms,
        LcsprStep.PRACTITIONERS_INVOLVED: involvement,
        LcsprStep.FAMILY_INVOLVED: involvement,
        LcsprStep.DRAFT_TO_PARTNERS: draft,
        LcsprStep.FINAL_REPORT: final,
        LcsprStep.COPIES_SENT: copies,
        LcsprStep.PUBLISHED: publication,
    }


@dataclass(frozen=True)
class StepStatus:
    """One step as the Review page shows it: due, done (or the reason that stands for it), RAG and why."""

    step: LcsprStep
    title: str
    due: date
    done_on: date | None
    reason: str | None
    rag: Rag
    why: str


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


def step_why(cal: WorkingCalendar, title: str, due: date, rag: Rag, as_of: date) -> str:
    """One sentence: why the step is red or amber ('' when it is neither)."""
    if rag is Rag.RED:
        late = cal.working_days_between(due, as_of)
        return f"{title} was due {due:%a %d %b %Y}: {_days(late)} overdue." if late else \
            f"{title} was due {due:%a %d %b %Y}: overdue."
    if rag is Rag.AMBER:
        left = cal.working_days_between(as_of, due)
        return f"{title} is due today ({due:%a %d %b %Y})." if due == as_of else \
            f"{title} is due {due:%a %d %b %Y}: {_days(left)} left."
    return ""


def step_statuses(cal: WorkingCalendar, facts: LcsprFacts, timescales: Timescales, *, as_of: date,
                  amber_days: int) -> list[StepStatus]:
    """Every step in order: complete when done (or its reason recorded), else red, amber or green on its due date."""
    dues = due_dates(cal, facts, timescales)
    reasons = {LcsprStep.FAMILY_INVOLVED: facts.family_not_involved_reason,
               LcsprStep.PUBLISHED: facts.not_published_reason}
    found = []
    for step in STEPS:
        title, due = STEP_TITLES[step], dues[step]
        rag = Rag.COMPLETE if facts.is_done(step) else rag_for_due_date(cal, due, as_of, amber_days)
        found.append(StepStatus(step, title, due, facts.done_on(step), reasons.get(step), rag,
                                step_why(cal, title, due, rag, as_of)))
    return found


def _items(n: int) -> str:
    return f"{n} step{'s' if n != 1 else ''}"


def lcspr_rag(steps: Sequence[StepStatus]) -> Rag:
    """The worst status of the open steps; complete when none is open."""
    return worst(s.rag for s in steps)


def lcspr_why(steps: Sequence[StepStatus]) -> str:
    """The live list's "Why", in its words: '1 step overdue: Reviewer commissioned (Fri 27 Nov)', then '1 step due
    soon: ...'; empty when nothing is red or amber."""
    red = [f"{s.title} ({s.due:%a %d %b})" for s in steps if s.rag is Rag.RED]
    amber = [f"{s.title} ({s.due:%a %d %b})" for s in steps if s.rag is Rag.AMBER]
    parts = []
    if red:
        parts.append(f"{_items(len(red))} overdue: " + "; ".join(red))
    if amber:
        parts.append(f"{_items(len(amber))} due soon: " + "; ".join(amber))
    return " · ".join(parts)


def next_step(steps: Sequence[StepStatus]) -> StepStatus | None:
    """The first open step in order (the most urgent when several are equally early)."""
    open_steps = [s for s in steps if s.rag is not Rag.COMPLETE]
    return min(open_steps, key=lambda s: (STEPS.index(s.step), urgency(s.rag))) if open_steps else None


def step_date_refusal(cal: WorkingCalendar, facts: LcsprFacts, step: LcsprStep, on: date | None, *, as_of: date,
                      copies_before_days: int) -> str | None:
    """Why `on` cannot be the date of `step` (one sentence), or None: not given, in the future, before the decision,
    before the step it comes after (or that step not recorded), after a step that comes after it, or a publication
    fewer than `copies_before_days` working days after the copies went to the Panel and the Secretary of State."""
    title = STEP_TITLES[step]
    if on is None:
        return f"Give the date of '{title}'."
    if on > as_of:
        return f"The date of '{title}' ({on:%a %d %b %Y}) cannot be in the future."
    if on < facts.decided_on:
        return (f"The date of '{title}' ({on:%a %d %b %Y}) cannot be before the decision to carry out the LCSPR "
                f"({facts.decided_on:%a %d %b %Y}).")
    before = COMES_AFTER.get(step)
    if before is not None:
        before_on = facts.done_on(before)
        if before_on is None:
            return f"Record '{STEP_TITLES[before]}' first: '{title}' comes after it."
        if on < before_on:
            return (f"'{title}' ({on:%a %d %b %Y}) cannot be before '{STEP_TITLES[before]}' "
                    f"({before_on:%a %d %b %Y}).")
    for later, after in COMES_AFTER.items():
        later_on = facts.done_on(later)
        if after is step and later_on is not None and on > later_on:
            return (f"'{title}' ({on:%a %d %b %Y}) cannot be after '{STEP_TITLES[later]}' "
                    f"({later_on:%a %d %b %Y}).")
    copies_on = on if step is LcsprStep.COPIES_SENT else facts.done_on(LcsprStep.COPIES_SENT)
    published_on = on if step is LcsprStep.PUBLISHED else facts.done_on(LcsprStep.PUBLISHED)
    if (step in (LcsprStep.COPIES_SENT, LcsprStep.PUBLISHED) and copies_on is not None and published_on is not None
            and cal.working_days_between(copies_on, published_on) < copies_before_days):
        earliest = cal.add_working_days(copies_on, copies_before_days)
        return (f"The copies to the Panel and the Secretary of State must go at least {_days(copies_before_days)} "
                f"before publication: copies sent {copies_on:%a %d %b %Y}, so published on "
                f"{earliest:%a %d %b %Y} at the earliest.")
    return None


def publication_address_refusal(address: str) -> str | None:
    """Why `address` is not the published report's web address (one sentence), or None."""
    if not address:
        return "Give the web address where the report is published (it starts with https://)."
    if len(address) > MAX_ADDRESS_CHARS:
        return f"The web address is too long: at most {MAX_ADDRESS_CHARS} characters."
    if not WEB_ADDRESS.match(address):
        return ("The web address must be a secure address starting with https:// and naming a site, "
                "for example https://www.example.org.uk/lcspr-report.")
    return None
