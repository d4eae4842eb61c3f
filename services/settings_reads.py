"""The partnership's settings row and its working calendar as every other service reads them (imports no other
service; the administrator changes them through services/settings.py)."""
from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from db.models import ClosureDay, Setting
from services.working_days import WorkingCalendar

# The settings row of the partnership the transaction is in (migration 0035: one row per partnership). Not left to
# row-level security: the condition is written wherever the settings are read.
OF_CURRENT_PARTNERSHIP: ColumnElement[bool] = Setting.partnership_id == func.current_partnership()
_CURRENT_SETTINGS = select(Setting).where(OF_CURRENT_PARTNERSHIP)
# The closure days of the partnership the transaction is in (a day is closed per partnership, migration 0033).
CLOSURE_DAYS_OF_CURRENT_PARTNERSHIP: ColumnElement[bool] = ClosureDay.partnership_id == func.current_partnership()

# session.info: (the session's transaction, its partnership's settings row), so that a transaction reads the row
# once however many services ask for it (as session.get by id did), and a later transaction of the same session
# (which may be in another partnership) reads it afresh. The unit of work puts the row a page run has already read
# here (`keep_settings`).
KEPT_SETTINGS = "current_settings_row"


def keep_settings(session: Session, setting: Setting) -> None:
    """`setting` is the settings row of the partnership of `session`'s transaction: `load_settings` answers with it
    for the rest of the transaction."""
    session.info[KEPT_SETTINGS] = (session.get_transaction(), setting)


def load_settings(session: Session) -> Setting:
    """The settings row of the partnership the transaction is in (made with the partnership, migration 0035)."""
    kept = session.info.get(KEPT_SETTINGS)
    if kept is not None and kept[0] is not None and kept[0] is session.get_transaction():
        return kept[1]  # type: ignore[no-any-return]
    setting = session.scalars(_CURRENT_SETTINGS).one_or_none()
    assert setting is not None, "each partnership's settings row is made with it (migrations 0001 and 0035)"
    keep_settings(session, setting)
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
    calendar = WorkingCalendar(closures=session.scalars(
        select(ClosureDay.closed_on).where(CLOSURE_DAYS_OF_CURRENT_PARTNERSHIP)))
    if KEPT_CALENDAR in session.info:
        session.info[KEPT_CALENDAR] = calendar
    return calendar
