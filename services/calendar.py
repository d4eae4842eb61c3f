"""The partnership's settings row and its working calendar: read by every other service, imports none."""
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


def load_calendar(session: Session) -> WorkingCalendar:
    """England working days less the partnership's closure days."""
    return WorkingCalendar(closures=session.scalars(select(ClosureDay.closed_on)))
