"""The board's entry points: role-checked, one period's figures and the quarters the filter offers."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from db.models import Account
from services.board.periods import BoardFigures, Quarter, filter_quarters, headlines, validate_period
from services.board.queries import calendar_params, earliest_notification, period_figures
from services.permissions import requires
from services.settings_reads import load_calendar, load_settings

BOARD_ROLES = ("board", "manager")


@requires(*BOARD_ROLES, action="see the board figures")
def board_figures(session: Session, actor: Account, *, first_quarter: Quarter, last_quarter: Quarter,
                  as_of: date) -> BoardFigures:
    """Every board figure for the quarters chosen, and the previous period of equal length (numbers only)."""
    period = validate_period(first_quarter, last_quarter, as_of)
    previous = period.previous()
    params = calendar_params(session, load_calendar(session), [previous, period], as_of)
    current_figures = period_figures(session, period, params)
    previous_figures = period_figures(session, previous, params)
    return BoardFigures(as_of=as_of, partnership=load_settings(session).partnership_name, current=current_figures,
                        previous=previous_figures, headlines=headlines(current_figures, previous_figures))


@requires(*BOARD_ROLES, action="see the board figures")
def board_quarters(session: Session, actor: Account, *, as_of: date) -> list[Quarter]:
    """The quarters the period filter offers: from the first notification's quarter (or the default period's
    first, if earlier) to the current quarter."""
    return filter_quarters(earliest_notification(session), as_of)
