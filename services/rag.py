"""Red / Amber / Green: a threshold on the working days left before a due date."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from services.working_days import WorkingCalendar


class Rag(StrEnum):
    COMPLETE = "complete"
    NOT_NEEDED = "not needed"
    NOT_DUE_YET = "not due yet"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


# The colour each status is drawn in, always under its word in white: each reaches at least 4.5:1 against white
# (WCAG 2.2 AA 1.4.3). "Not due yet" shows as green (domain rule).
RAG_COLOURS = {
    Rag.COMPLETE: "#4a5568",
    Rag.NOT_NEEDED: "#5f6b7d",
    Rag.NOT_DUE_YET: "#276749",
    Rag.GREEN: "#276749",
    Rag.AMBER: "#b45309",
    Rag.RED: "#c53030",
}
# The one order of urgency: red first, then amber, then green ("not due yet" with it); nothing open last.
_URGENCY = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NOT_DUE_YET: 2, Rag.COMPLETE: 3, Rag.NOT_NEEDED: 3}


def urgency(status: Rag) -> int:
    """Sort key for "most urgent first": 0 for red up to 3 for complete or not needed."""
    return _URGENCY[status]


def rag_for_due_date(cal: WorkingCalendar, due: date, as_of: date, amber_days: int = 1) -> Rag:
    """Red once past due; amber when due within `amber_days` working days (today counts); else green."""
    if due < as_of:
        return Rag.RED
    if cal.working_days_between(as_of, due) <= amber_days:
        return Rag.AMBER
    return Rag.GREEN


def open_item_rag(
    cal: WorkingCalendar,
    *,
    due: date | None,
    as_of: date,
    amber_days: int = 1,
    window_start: date | None = None,
) -> Rag:
    """RAG of an open milestone or return. No due date: green. A window not yet open: not due yet,
    unless the due date is already close enough to be amber."""
    if due is None:
        return Rag.GREEN
    status = rag_for_due_date(cal, due, as_of, amber_days)
    if status is Rag.GREEN and window_start is not None and as_of < window_start:
        return Rag.NOT_DUE_YET
    return status


def received_unchecked_rag(cal: WorkingCalendar, received: date, as_of: date) -> Rag:
    """A return received but not through its initial check: amber on the day, red from the next working day.
    A return that arrives on a non-working day counts as arriving on the next working day."""
    return Rag.RED if cal.working_days_between(cal.next_working_day(received), as_of) >= 1 else Rag.AMBER


def worst(statuses: Iterable[Rag]) -> Rag:
    """The most severe status; complete when there is nothing open."""
    result = Rag.COMPLETE
    for status in statuses:
        if urgency(status) < urgency(result):
            result = status
    return result
