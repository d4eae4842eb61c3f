"""Red / Amber / Green: a threshold on the working days left before a due date."""
from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Iterable, Optional

from services.working_days import WorkingCalendar


class Rag(StrEnum):
    COMPLETE = "complete"
    NOT_NEEDED = "not needed"
    NOT_DUE_YET = "not due yet"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


# The colour each status is drawn in; "not due yet" shows as green (domain rule).
RAG_COLOURS = {
    Rag.COMPLETE: "#4a5568",
    Rag.NOT_NEEDED: "#718096",
    Rag.NOT_DUE_YET: "#2f855a",
    Rag.GREEN: "#2f855a",
    Rag.AMBER: "#b7791f",
    Rag.RED: "#c53030",
}
_SEVERITY = {Rag.COMPLETE: 0, Rag.NOT_NEEDED: 0, Rag.NOT_DUE_YET: 1, Rag.GREEN: 1, Rag.AMBER: 2, Rag.RED: 3}


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
    due: Optional[date],
    as_of: date,
    amber_days: int = 1,
    window_start: Optional[date] = None,
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
        if _SEVERITY[status] > _SEVERITY[result]:
            result = status
    return result
