"""Recovery (issue 12): the embedded server's postmaster is killed during a session; the next click shows the plain
sentence, and the click after that works again, the app having started the server itself, with no restart."""
from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import psutil
import streamlit as st
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from db.embedded import start_embedded_server
from db.engine import EMBEDDED_APP_ROLE, prepare_database
from tests.app.conftest import create_account
from ui.errors import DATABASE_UNAVAILABLE


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split()[0])


def test_a_killed_embedded_postmaster_is_started_again_by_the_next_click(monkeypatch, make_app):
    pgdata = Path(tempfile.mkdtemp(prefix="rrt-recovery-", dir="/tmp")) / "pgdata"
    owner_url = start_embedded_server(pgdata, delete_on_exit=True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    monkeypatch.setenv("RRT_DATA_DIR", str(pgdata))
    st.cache_resource.clear()
    st.cache_data.clear()
    app_url = prepare_database()
    owner = create_engine(owner_url)
    account = create_account(lambda: Session(owner, expire_on_commit=False), "manager")
    owner.dispose()
    try:
        at = make_app(account).run()
        assert not at.exception and [t.value for t in at.title] == ["Live reviews"]
        app = create_engine(app_url)
        with app.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == EMBEDDED_APP_ROLE
        app.dispose()

        killed = _postmaster_pid(pgdata)
        os.kill(killed, signal.SIGKILL)
        psutil.Process(killed).wait(10) if psutil.pid_exists(killed) else None
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == [DATABASE_UNAVAILABLE]

        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert [t.value for t in at.title] == ["Live reviews"]
        assert _postmaster_pid(pgdata) != killed and psutil.pid_exists(_postmaster_pid(pgdata))
    finally:
        st.cache_resource.clear()
