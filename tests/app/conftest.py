"""AppTest helpers: a real, committed database per test and a signed-in app."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Account
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import declared_pages_only_in_app_test

APP_PATH = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture(autouse=True)
def _declared_pages_only() -> Iterator[None]:
    """AppTest runs only the pages app.py declares, as the served app does (see ui/server.py)."""
    undo = declared_pages_only_in_app_test()
    yield
    undo()


@pytest.fixture
def app_db(fresh_database_url: str) -> Iterator[OpenSession]:
    """A session factory on this test's own database (the app reads the same one through DATABASE_URL)."""
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = create_engine(fresh_database_url)

    def open_session() -> Session:
        return Session(engine, expire_on_commit=False)

    yield open_session
    st.cache_resource.clear()
    engine.dispose()


@pytest.fixture
def make_app() -> MakeApp:
    """An AppTest of app.py, signed in as `account` (or not) and with today pinned to `as_of`."""

    def make(account: Account | None = None, as_of: date | None = None) -> AppTest:
        at = AppTest.from_file(str(APP_PATH), default_timeout=90)
        if account is not None:
            at.session_state["account_id"] = account.id
            at.session_state["last_seen_at"] = datetime.now(UTC)
        if as_of is not None:
            at.session_state["as_of"] = as_of
        return at

    return make


def create_account(open_session: OpenSession, *roles: str, username: str | None = None,
                   password: str = "correct horse battery") -> Account:
    from services.accounts import create_account_from_command_line

    with open_session() as session, session.begin():
        return create_account_from_command_line(
            session, username=username or f"app-{'-'.join(roles)}", display_name=f"App {' '.join(roles)}",
            roles=list(roles), password=password,
        )


def open_folded(at: AppTest, *keys: str) -> None:
    """Open the folded forms kept under `keys` (ui.widgets.folded) and rerun, as a click on each expander does: their
    contents are drawn only while open."""
    for key in keys:
        at.session_state[key] = True
    at.run()
