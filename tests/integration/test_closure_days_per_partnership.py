"""A closure day belongs to one partnership (migration 0033): the working calendar, the administrator's list and the
duplicate check of each partnership see only its own days, without relying on row-level security."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from db.acting import act_as
from db.models import Account
from services.settings import add_closure_day, list_closure_days
from services.settings_reads import load_calendar
from tests.conftest import as_app_role

CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday
NEW_YEARS_EVE = date(2026, 12, 31)  # a Thursday
_ADMIN = text("INSERT INTO accounts (username, display_name, roles, password_hash, active, failed_attempts)"
              " VALUES (:username, 'Ash Admin', ARRAY['admin'], 'not a hash', true, 0) RETURNING id")


@pytest.fixture
def app(fresh_database_url: str) -> Iterator[Engine]:
    owner = create_engine(fresh_database_url)
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES ('Westshire Partnership', 'westshire')"))
    owner.dispose()
    made = create_engine(as_app_role(fresh_database_url))
    yield made
    made.dispose()


def _in(session: Session, partnership: int) -> Account:
    """Declare the partnership for this transaction and return its administrator (made the first time)."""
    session.execute(text("SELECT set_config('rrt.partnership_id', :p, true)"), {"p": str(partnership)})
    username = f"admin.{partnership}"
    found = session.scalars(select(Account).where(Account.username == username,
                                                  Account.partnership_id == partnership)).one_or_none()
    if found is None:
        session.execute(_ADMIN, {"username": username})
        found = session.scalars(select(Account).where(Account.username == username,
                                                      Account.partnership_id == partnership)).one()
    act_as(session, found.id, via="test")
    return found


def test_each_partnership_sees_only_its_own_closure_days(app: Engine) -> None:
    for partnership, day in ((1, CHRISTMAS_EVE), (2, NEW_YEARS_EVE), (2, CHRISTMAS_EVE)):
        with Session(app) as session, session.begin():
            add_closure_day(session, _in(session, partnership), closed_on=day, reason="Council closure")
    seen = {}
    for partnership in (1, 2):
        with Session(app) as session, session.begin():
            admin = _in(session, partnership)
            calendar = load_calendar(session)
            seen[partnership] = ([d.closed_on for d in list_closure_days(session, admin)],
                                 calendar.is_working_day(CHRISTMAS_EVE), calendar.is_working_day(NEW_YEARS_EVE))
    assert seen == {1: ([CHRISTMAS_EVE], False, True), 2: ([CHRISTMAS_EVE, NEW_YEARS_EVE], False, False)}
