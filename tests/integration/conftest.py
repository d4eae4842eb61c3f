"""Fixtures of the integration tests that run services as the pages do, through the unit of work."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from db.engine import ROOT_DIR
from services import unit_of_work
from tests.conftest import as_app_role


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Engine]:
    """This test's database (the owner's URL); the unit of work starts and ends with no engine."""
    unit_of_work.reset()
    owner = create_engine(fresh_database_url)
    yield owner
    owner.dispose()
    unit_of_work.reset()


@pytest.fixture
def owner(fresh_database_url: str) -> Iterator[Engine]:
    """This test's database as the owner of its tables (migrations, a second partnership, tampering)."""
    made = create_engine(fresh_database_url)
    yield made
    made.dispose()


@pytest.fixture
def app(fresh_database_url: str) -> Iterator[Engine]:
    """This test's database as the app's role."""
    made = create_engine(as_app_role(fresh_database_url))
    yield made
    made.dispose()


def alembic_config(conn: Connection) -> Config:
    """Alembic's configuration running on `conn` (a test moving the schema down and up)."""
    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "db" / "migrations"))
    config.attributes["connection"] = conn
    return config


def in_partnership(conn: Connection | Session, partnership: int) -> None:
    """Declare the partnership for the rest of this transaction, as the unit of work will (migration 0033)."""
    conn.execute(text("SELECT set_config('rrt.partnership_id', :p, true)"), {"p": str(partnership)})
