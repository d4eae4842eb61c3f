"""Every change of a case row is on the record (migration 0017).

The app's role could rewrite the case record without trace and `manage.py verify` still passed. Here each rewrite
of that finding is repeated as the app's role with raw SQL, on the demo partnership, and found in record_history with
the row before and after, the declared account, the database user and the database's time; the history itself can
not be changed by the app's role, and a history row changed by the owner is named by `verify`. Every table of the
schema has the history trigger or a documented exclusion.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, Row, create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.acting import act_as
from services.integrity import HISTORY_CANONICAL, HISTORY_EXCLUDED, link, verify_record
from tests.conftest import DEMO_AS_APP, DEMO_TEST_PASSWORD, TEST_APP_ROLE, _create_from_template, _drop, as_app_role
from tests.types import DemoTemplate

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_record_history")

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 26)
# A row read with raw SQL: its columns' types are the database's, unknown to the type checker.
RawRow = Row[*tuple[Any, ...]]


@pytest.fixture(scope="module")
def demo_database(server_url: str, demo_template: DemoTemplate) -> Iterator[tuple[Engine, Engine]]:
    """A database holding the demo partnership, loaded as the app's role as `manage.py demo-data` does (a copy of the
    run's template loaded so): its engines as the app's role and as the owner."""
    name, url = _create_from_template(server_url, demo_template(AS_OF, DEMO_TEST_PASSWORD, DEMO_AS_APP))
    app = create_engine(as_app_role(url))
    yield app, create_engine(url)
    app.dispose()
    _drop(server_url, name)


@pytest.fixture
def app_connection(demo_database: tuple[Engine, Engine]) -> Iterator[Connection]:
    """The app's role, in a transaction rolled back after the test."""
    app, _owner = demo_database
    with app.connect() as connection, connection.begin() as outer:
        yield connection
        outer.rollback()


def _one(conn: Connection, sql: str, **params: object) -> RawRow:
    return conn.execute(text(sql), params).one()


def _history_since(conn: Connection, since: int, table: str) -> Sequence[RawRow]:
    return conn.execute(text(
        "SELECT operation, row_key, review_id, account_id, via, database_user, old_row, new_row, changed_at = now()"
        " FROM record_history WHERE id > :since AND table_name = :table ORDER BY id"),
        {"since": since, "table": table}).all()


def _last_id(conn: Connection) -> int:
    last: int = conn.execute(text("SELECT coalesce(max(id), 0) FROM record_history")).scalar_one()
    return last


def _account(conn: Connection, username: str) -> int:
    account_id: int = conn.execute(text("SELECT id FROM accounts WHERE username = :u"), {"u": username}).scalar_one()
    return account_id


def test_every_table_has_the_history_trigger_or_a_documented_exclusion(owner_url: str) -> None:
    owner = create_engine(owner_url)
    with owner.connect() as conn:
        tables = set(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
        tracked: dict[str, bytes] = dict(conn.execute(text(
            "SELECT c.relname, t.tgargs FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'record_row_change' AND NOT t.tgisinternal"
            " AND t.tgenabled <> 'D' AND t.tgtype & (4 | 8 | 16) = (4 | 8 | 16)")).all())  # INSERT, DELETE, UPDATE
        bytea = conn.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND data_type = 'bytea'")).all()
        definer = conn.execute(text(
            "SELECT prosecdef, proconfig, pg_get_userbyid(proowner) = current_user FROM pg_proc"
            " WHERE proname = 'record_row_change'")).one()
    owner.dispose()
    neither = tables - set(tracked) - set(HISTORY_EXCLUDED)
    assert not neither, f"tables with neither the history trigger nor an exclusion in HISTORY_EXCLUDED: {neither}"
    assert not set(tracked) & set(HISTORY_EXCLUDED)
    assert set(HISTORY_EXCLUDED) <= tables, "an exclusion names a table that no longer exists"
    # A tracked table's bytes are kept as their sha256, named in the trigger's arguments.
    for table, column in bytea:
        assert table in HISTORY_EXCLUDED or column.encode() in bytes(tracked[table]), (table, column)
    assert definer[0] is True and definer[2] is True and any(c.startswith("search_path=") for c in definer[1])


def test_each_rewrite_of_the_record_by_the_app_role_is_in_the_history(app_connection: Connection) -> None:
    conn = app_connection
    officer = _account(conn, "demo-officer")
    act_as(conn, officer, via="raw sql")
    since = _last_id(conn)

    # A milestone's done date moved.
    milestone, review_m, done = _one(conn, "SELECT id, review_id, done_date FROM review_milestones"
                                           " WHERE done_date IS NOT NULL ORDER BY id LIMIT 1")
    conn.execute(text("UPDATE review_milestones SET done_date = done_date - 3 WHERE id = :id"), {"id": milestone})
    [(op, key, review, account, via, user, old, new, db_time)] = _history_since(conn, since, "review_milestones")
    assert (op, key, review, account, via, user, db_time) == (
        "UPDATE", str(milestone), review_m, officer, "raw sql", TEST_APP_ROLE, True)
    assert old["done_date"] == done.isoformat() and new["done_date"] == date.fromordinal(
        done.toordinal() - 3).isoformat()

    # The notification date changed.
    review_id, received = _one(conn, "SELECT id, notification_received_date FROM reviews ORDER BY id LIMIT 1")
    conn.execute(text("UPDATE reviews SET notification_received_date = notification_received_date + 1 WHERE id = :id"),
                 {"id": review_id})
    [row] = _history_since(conn, since, "reviews")
    assert row.review_id == review_id and row.operation == "UPDATE"
    assert (row.old_row["notification_received_date"], row.new_row["notification_received_date"]) == (
        received.isoformat(), date.fromordinal(received.toordinal() + 1).isoformat())

    # A send-back deleted: the whole row is kept, with the review of its return.
    send_back, send_back_review, reason = _one(
        conn, "SELECT s.id, r.review_id, s.reason FROM agency_return_send_backs s"
              " JOIN agency_returns r ON r.id = s.agency_return_id ORDER BY s.id LIMIT 1")
    conn.execute(text("DELETE FROM agency_return_send_backs WHERE id = :id"), {"id": send_back})
    [row] = _history_since(conn, since, "agency_return_send_backs")
    assert (row.operation, row.row_key, row.review_id, row.new_row) == ("DELETE", str(send_back), send_back_review,
                                                                         None)
    assert row.old_row["reason"] == reason

    # The Panel's response deleted.
    panel_review, received_on = _one(conn, "SELECT review_id, received_on FROM panel_responses LIMIT 1")
    conn.execute(text("DELETE FROM panel_responses WHERE review_id = :id"), {"id": panel_review})
    [row] = _history_since(conn, since, "panel_responses")
    assert (row.operation, row.review_id, row.old_row["received_on"]) == ("DELETE", panel_review,
                                                                          received_on.isoformat())

    # The report's text rewritten.
    section, section_review, before = _one(conn, "SELECT id, review_id, text FROM report_sections ORDER BY id LIMIT 1")
    conn.execute(text("UPDATE report_sections SET text = 'rewritten after sign-off' WHERE id = :id"), {"id": section})
    [row] = _history_since(conn, since, "report_sections")
    assert (row.review_id, row.old_row["text"], row.new_row["text"]) == (section_review, before,
                                                                         "rewritten after sign-off")

    # The board account given the admin role; its password hash is kept only as a sha256.
    conn.execute(text("UPDATE accounts SET roles = '{board,admin}', password_hash = 'x' WHERE username = 'demo-board'"))
    [row] = _history_since(conn, since, "accounts")
    assert (row.old_row["roles"], row.new_row["roles"]) == (["board"], ["board", "admin"])
    assert row.old_row["password_hash"].startswith("sha256:") and "argon2" not in str(row.old_row)
    assert row.new_row["password_hash"] == "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"

    # An UPDATE that changes nothing is not a change.
    conn.execute(text("UPDATE agencies SET name = name"))
    assert _history_since(conn, since, "agencies") == []


def test_a_backdated_log_entry_under_another_name_is_refused_or_gets_the_databases_time(
        app_connection: Connection) -> None:
    conn = app_connection
    officer, chair = _account(conn, "demo-officer"), _account(conn, "demo-chair")
    backdated = ("INSERT INTO daily_log (review_id, logged_at, author_id, category, text, by_system)"
                 " VALUES (NULL, '2024-01-05 09:00+00', :author, 'decision', 'Chair agreed by phone', false)"
                 " RETURNING logged_at = now()")
    act_as(conn, officer, via="raw sql")
    with pytest.raises(DBAPIError) as caught, conn.begin_nested():
        conn.execute(text(backdated), {"author": chair})
    assert isinstance(caught.value.orig, psycopg.Error)
    assert caught.value.orig.sqlstate == "23514" and "account acting in this transaction" in str(caught.value.orig)
    # As the officer's own entry, or with no account declared: written, but at the database's time.
    assert conn.execute(text(backdated), {"author": officer}).scalar_one() is True
    act_as(conn, None, via="raw sql")
    assert conn.execute(text(backdated), {"author": chair}).scalar_one() is True


def test_the_owner_may_still_set_the_log_time_and_author(owner_url: str) -> None:
    owner = create_engine(owner_url)
    with owner.connect() as conn, conn.begin() as outer:
        author = conn.execute(text(
            "INSERT INTO accounts (username, display_name, roles, active, password_hash, failed_attempts)"
            " VALUES ('owner-seed', 'Seed', '{chair}', true, 'x', 0) RETURNING id")).scalar_one()
        act_as(conn, author + 1, via="seed")
        logged = conn.execute(text(
            "INSERT INTO daily_log (logged_at, author_id, category, text, by_system)"
            " VALUES ('2024-01-05 09:00+00', :a, 'other', 'seeded', false) RETURNING logged_at::date"),
            {"a": author}).scalar_one()
        assert logged == date(2024, 1, 5)
        outer.rollback()
    owner.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE record_history SET new_row = '{}'",
    "DELETE FROM record_history",
    "TRUNCATE record_history",
    "INSERT INTO record_history (table_name, operation, database_user, chain_position, chain_hash)"
    " VALUES ('reviews', 'DELETE', 'x', 0, '')",
    "ALTER TABLE review_milestones DISABLE TRIGGER review_milestones_history",
    "DROP TRIGGER reviews_history ON reviews",
    "SELECT set_config('session_replication_role', 'replica', true)",
])
def test_the_app_role_can_not_change_the_history_or_switch_it_off(session: Session, statement: str) -> None:
    with pytest.raises(DBAPIError) as caught, session.begin_nested():
        session.execute(text(statement))
    assert isinstance(caught.value.orig, psycopg.Error)
    assert caught.value.orig.sqlstate == "42501", str(caught.value.orig)


def test_the_database_and_python_agree_on_each_history_link(app_connection: Connection) -> None:
    conn = app_connection
    conn.execute(text("UPDATE accounts SET display_name = display_name || ' (moved)' WHERE username = 'demo-chair'"))
    rows = conn.execute(text(
        f"SELECT r.chain_hash, record_history_canonical(r), {HISTORY_CANONICAL} FROM record_history r"
        " ORDER BY chain_position")).all()
    previous = "0" * 64
    for stored, in_database, in_python in rows:
        assert in_database == in_python and link(previous, in_python) == stored
        previous = stored


def _manage_verify(*options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", "verify", *options], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ), timeout=120)


def test_verify_names_the_history_row_the_owner_changed_and_takes_an_old_two_chain_heads_file(
        fresh_database_url: str, tmp_path: Path) -> None:
    from services.accounts import _new_account

    app, owner = create_engine(as_app_role(fresh_database_url)), create_engine(fresh_database_url)
    with Session(app) as session, session.begin():
        act_as(session, None, via="test")
        _new_account(session, username="history-probe", display_name="Probe", roles=["board"],
                     password="correct horse battery")
    with Session(app) as session, session.begin():
        kept = verify_record(session)
    assert kept.ok and kept.history_rows >= 1
    old_heads = tmp_path / "old.heads"  # as a verify of before migration 0017 wrote it: two chains
    old_heads.write_text(f"daily_log {kept.log_entries} {kept.log_head}\n"
                         f"report_versions {kept.report_versions} {kept.versions_head}\n")
    done = _manage_verify("--expect-heads", str(old_heads))
    assert done.returncode == 0, done.stderr
    with owner.connect() as conn:  # the verification is kept with the history's count
        assert conn.execute(text("SELECT history_rows FROM record_verifications ORDER BY id DESC LIMIT 1")
                            ).scalar_one() == kept.history_rows

    with owner.begin() as conn:
        target = conn.execute(text("SELECT id FROM record_history WHERE table_name = 'accounts'"
                                   " AND new_row ->> 'username' = 'history-probe'")).scalar_one()
        conn.execute(text("ALTER TABLE record_history DISABLE TRIGGER record_history_no_update_delete"))
        conn.execute(text("UPDATE record_history SET new_row = jsonb_set(new_row, '{roles}', '[\"admin\"]')"
                          " WHERE id = :id"), {"id": target})
        conn.execute(text("ALTER TABLE record_history ENABLE TRIGGER record_history_no_update_delete"))
    with Session(app) as session, session.begin():
        result = verify_record(session)
    assert not result.ok and result.mismatch is not None
    assert (result.mismatch.table, result.mismatch.row_id) == ("record_history", target)
    done = _manage_verify()
    assert done.returncode == 4 and f"history row {target} does not match the chain" in done.stderr, done.stderr
    app.dispose()
    owner.dispose()
