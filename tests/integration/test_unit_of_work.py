"""The unit of work (services/unit_of_work.py) runs a service as the pages run it, with no Streamlit: against a real
database of its own per test, as the app's role (DATABASE_URL) migrated by the owner (MIGRATION_DATABASE_URL)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account
from services import unit_of_work
from services.accounts import create_account_from_command_line, list_accounts, set_email
from services.errors import DatabaseUnavailable

ROOT = Path(__file__).resolve().parents[2]



def _account(owner: Engine, *roles: str, username: str) -> int:
    with Session(owner) as session, session.begin():
        return create_account_from_command_line(session, username=username, display_name=username.title(),
                                                roles=list(roles), password="a long enough password").id


# Run in a new interpreter: whatever this test process has imported (AppTest imports Streamlit) does not count.
NO_STREAMLIT_SCRIPT = """
import json, sys
from services import unit_of_work
from services.accounts import create_account_from_command_line, list_accounts, set_email

with unit_of_work.transaction(read_only=False, account_id=None, via="command") as session:
    admin_id = create_account_from_command_line(session, username="script-admin", display_name="Script Admin",
                                                roles=["admin"], password="a long enough password").id
unit_of_work.write(admin_id, set_email, account_id=admin_id, email="admin@partnership.example")
accounts = unit_of_work.read(admin_id, list_accounts)
print(json.dumps({"admin_id": admin_id, "accounts": [[a.username, a.email] for a in accounts],
                  "streamlit": sorted(name for name in sys.modules if name.split(".")[0] == "streamlit")}))
"""


def test_a_service_reads_and_writes_through_the_unit_of_work_without_streamlit(database: Engine) -> None:
    done = subprocess.run([sys.executable, "-c", NO_STREAMLIT_SCRIPT], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["streamlit"] == []
    assert found["accounts"] == [["script-admin", "admin@partnership.example"]]
    with database.connect() as conn:
        email = conn.execute(text("SELECT email FROM accounts WHERE username = 'script-admin'")).scalar_one()
    assert email == "admin@partnership.example"


def test_a_read_only_read_refuses_a_write(database: Engine) -> None:
    admin_id = _account(database, "admin", username="reader")

    def sneaks_a_write(session: Session, actor: Account) -> Account:
        return set_email(session, actor, account_id=actor.id, email="sneaked@partnership.example")

    for run in (False, True):  # alone (SET TRANSACTION READ ONLY), and in a page run (the connection's own flag)
        with pytest.raises(DBAPIError) as refused:
            if run:
                with unit_of_work.page_run():
                    unit_of_work.read(admin_id, sneaks_a_write)
            else:
                unit_of_work.read(admin_id, sneaks_a_write)
        assert isinstance(refused.value.orig, psycopg.Error)
        assert refused.value.orig.sqlstate == "25006"  # read_only_sql_transaction
    with database.connect() as conn:
        assert conn.execute(text("SELECT email FROM accounts WHERE id = :id"), {"id": admin_id}).scalar() is None


def test_a_write_names_the_acting_account_in_the_record_of_changes(database: Engine) -> None:
    admin_id = _account(database, "admin", username="writer")
    other_id = _account(database, "officer", username="written")
    with database.connect() as conn:
        since = conn.execute(text("SELECT coalesce(max(id), 0) FROM record_history")).scalar_one()
    with unit_of_work.page_run():
        unit_of_work.write(admin_id, set_email, account_id=other_id, email="officer@partnership.example")
    unit_of_work.write(admin_id, set_email, account_id=admin_id, email="admin@partnership.example")
    with database.connect() as conn:
        rows = conn.execute(text(
            "SELECT account_id, via, database_user, row_key FROM record_history"
            " WHERE id > :since AND table_name = 'accounts' ORDER BY id"), {"since": since}).all()
    app_user = make_url(os.environ["DATABASE_URL"]).username
    assert [tuple(row) for row in rows] == [
        (admin_id, "page", app_user, str(other_id)),
        (admin_id, "page", app_user, str(admin_id)),
    ]


def test_a_shared_read_is_kept_until_a_write_moves_the_data_version(database: Engine) -> None:
    admin_id = _account(database, "admin", username="sharer")
    calls: list[int] = []

    def usernames(session: Session, actor: Account) -> list[str]:
        calls.append(1)
        return [account.username for account in list_accounts(session, actor)]

    assert unit_of_work.read_shared(admin_id, usernames) == ["sharer"]
    assert unit_of_work.read_shared(admin_id, usernames) == ["sharer"]
    assert len(calls) == 1  # the second was kept
    unit_of_work.write(admin_id, set_email, account_id=admin_id, email="admin@partnership.example")
    assert unit_of_work.read_shared(admin_id, usernames) == ["sharer"]
    assert len(calls) == 2  # the write moved the data version: read again
    unit_of_work.reset()
    unit_of_work.read_shared(admin_id, usernames)
    assert len(calls) == 3  # a reset forgets what was kept


def _accepting_connections(owner_url: str, accepting: bool) -> None:
    url = make_url(owner_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS {str(accepting).lower()}'))
        if not accepting:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                         {"name": url.database})
    admin.dispose()


def test_a_lost_server_is_the_services_error_and_the_next_call_after_it_is_back_works(database: Engine,
                                                                                      fresh_database_url: str) -> None:
    admin_id = _account(database, "admin", username="survivor")
    assert [a.username for a in unit_of_work.read(admin_id, list_accounts)] == ["survivor"]
    lost = unit_of_work.engine()
    _accepting_connections(fresh_database_url, False)
    try:
        with pytest.raises(DatabaseUnavailable):
            unit_of_work.read(admin_id, list_accounts)
        with pytest.raises(DatabaseUnavailable), unit_of_work.page_run():
            unit_of_work.read(admin_id, list_accounts)
    finally:
        _accepting_connections(fresh_database_url, True)
    assert [a.username for a in unit_of_work.read(admin_id, list_accounts)] == ["survivor"]
    assert unit_of_work.engine() is not lost  # a new engine: the lost one was let go


def test_an_unreachable_database_is_the_services_error(database: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    monkeypatch.delenv("MIGRATION_DATABASE_URL")
    with pytest.raises(DatabaseUnavailable):
        unit_of_work.read(None, list_accounts)
    with pytest.raises(DatabaseUnavailable):
        unit_of_work.engine()


def test_new_settings_make_a_new_engine(database: Engine, fresh_database_url: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    first = unit_of_work.engine()
    assert unit_of_work.engine() is first
    monkeypatch.setenv("RRT_TODAY", "2026-11-26")  # the settings are read again
    assert unit_of_work.engine() is not first
