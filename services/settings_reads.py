"""The partnership's settings row and its working calendar as every other service reads them (imports no other
service; the administrator changes them through services/settings.py)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ClosureDay, Setting
from services.working_days import WorkingCalendar


def load_settings(session: Session) -> Setting:
    """The settings row (the first migration creates it)."""
    setting = session.get(Setting, 1)
    assert setting is not None, "the first migration creates the settings row"
    return setting


# A caller whose work changes no closure day may put this key in session.info (None at first): the calendar is then
# read once and kept there for its later calls (ui/state.py keeps it for a run of a page). Without it, each call
# reads the closure days afresh.
KEPT_CALENDAR = "working_calendar"


def load_calendar(session: Session) -> WorkingCalendar:
    """England working days less the partnership's closure days."""
    kept = session.info.get(KEPT_CALENDAR)
    if isinstance(kept, WorkingCalendar):
        return kept
    calendar = WorkingCalendar(closures=session.scalars(select(ClosureDay.closed_on)))
    if KEPT_CALENDAR in session.info:
        session.info[KEPT_CALENDAR] = calendar
    return calendar
