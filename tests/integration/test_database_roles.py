"""Least privilege (issue 12): the services run as the app's login role, which cannot change the record.

As that role, UPDATE, DELETE and TRUNCATE on the daily log and the report versions, disabling a trigger, turning
triggers off with session_replication_role and any DDL are refused by PostgreSQL itself, whatever the code does.
"""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.engine import MigrationAsAppRole, app_group, is_app_role, upgrade_to_head
from db.models import Account
from tests.conftest import TEST_APP_ROLE

FORBIDDEN = [
    "UPDATE daily_log SET text = 'changed'",
    "DELETE FROM daily_log",
    "TRUNCATE daily_log",
    "UPDATE report_versions SET file_name = 'changed.docx'",
    "DELETE FROM report_versions",
    "TRUNCATE report_versions",
    "ALTER TABLE daily_log DISABLE TRIGGER USER",
    "ALTER TABLE daily_log DISABLE TRIGGER daily_log_no_update_delete",
    "ALTER TABLE report_versions DISABLE TRIGGER ALL",
    "SET session_replication_role = replica",
    "SET LOCAL session_replication_role = replica",
    "TRUNCATE reviews CASCADE",
    "CREATE TABLE intruder (id int)",
    "DROP TABLE daily_log",
    "ALTER TABLE daily_log ADD COLUMN intruder text",
    "CREATE OR REPLACE FUNCTION refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "UPDATE alembic_version SET version_num = '0001'",
]


def test_the_services_run_as_the_apps_login_role(session: Session) -> None:
    user, superuser = session.execute(text(
        "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
    assert user == TEST_APP_ROLE and superuser is False
    assert is_app_role(session.connection())
    owners = session.execute(text(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user")).scalar()
    assert owners == 0


@pytest.mark.parametrize("statement", FORBIDDEN)
def test_the_app_role_cannot_change_the_record_or_the_schema(session: Session, statement: str) -> None:
    with pytest.raises(DBAPIError) as caught, session.begin_nested():
        session.execute(text(statement))
    # 42501: insufficient_privilege (a refused permission, not the append-only trigger).
    assert isinstance(caught.value.orig, psycopg.Error)
    assert caught.value.orig.sqlstate == "42501", str(caught.value.orig)


def test_the_app_role_may_append_to_the_log_and_read_it(session: Session, officer: Account) -> None:
    from services.daily_log.service import append_system_entry

    entry = append_system_entry(session, officer, review_id=None, category="other", text="an entry as the app role")
    session.flush()
    assert session.execute(text("SELECT text FROM daily_log WHERE id = :id"), {"id": entry.id}).scalar() == \
        "an entry as the app role"


def test_the_migrations_refuse_to_run_as_the_app_role(engine: Engine) -> None:
    with pytest.raises(MigrationAsAppRole):
        upgrade_to_head(engine)


def test_the_group_has_exactly_the_grants_the_services_need(owner_url: str) -> None:
    owner = create_engine(owner_url)
    with owner.connect() as conn:
        group_name = app_group(conn)
        grants = conn.execute(text(
            "SELECT table_name, string_agg(privilege_type, ',' ORDER BY privilege_type)"
            " FROM information_schema.role_table_grants WHERE grantee = :group GROUP BY table_name"),
            {"group": group_name}).all()
        group = conn.execute(text(
            "SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :group"),
            {"group": group_name}).one()
    owner.dispose()
    by_table: dict[str, str] = dict(grants)
    assert by_table["daily_log"] == "INSERT,SELECT"
    assert by_table["report_versions"] == "INSERT,SELECT"
    assert by_table["alembic_version"] == "SELECT"
    assert by_table["reviews"] == "DELETE,INSERT,SELECT,UPDATE"
    assert all("TRUNCATE" not in privileges and "TRIGGER" not in privileges for privileges in by_table.values())
    assert tuple(group) == (False, False, False, False)


@pytest.mark.parametrize("statement, refusal", [
    ("UPDATE daily_log SET text = 'changed'", "append-only"),
    ("DELETE FROM daily_log", "append-only"),
    ("TRUNCATE daily_log CASCADE", "append-only"),
    ("TRUNCATE report_versions CASCADE", "kept as made"),
])
def test_the_append_only_triggers_still_refuse_the_owner(owner_url: str, statement: str, refusal: str) -> None:
    owner = create_engine(owner_url)
    with owner.connect() as conn, conn.begin():
        conn.execute(text("INSERT INTO accounts (username, display_name, roles, active, password_hash,"
                          " failed_attempts) VALUES ('owner-probe', 'Probe', '{admin}', true, 'x', 0)"))
        conn.execute(text("INSERT INTO daily_log (author_id, category, text, by_system)"
                          " SELECT id, 'other', 'probe', false FROM accounts WHERE username = 'owner-probe'"))
        with pytest.raises(DBAPIError, match=refusal), conn.begin_nested():
            conn.execute(text(statement))
        conn.rollback()
    owner.dispose()


def test_manage_create_app_role_makes_a_login_role_in_the_group(fresh_database_url: str) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    from sqlalchemy.engine import make_url

    def manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATABASE_URL": fresh_database_url, "MIGRATION_DATABASE_URL": fresh_database_url}
        return subprocess.run([sys.executable, "manage.py", *args], input=stdin, capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[2], env=env, timeout=120)

    done = manage("create-app-role", "--name", "rrt_test_cli", "--password-stdin", stdin="it's: 100% %s secret\n")
    assert done.returncode == 0, done.stderr
    assert "rrt_test_cli" in done.stdout
    cli = create_engine(make_url(fresh_database_url).set(username="rrt_test_cli", password="it's: 100% %s secret"))
    with cli.connect() as conn:
        assert is_app_role(conn)
        with pytest.raises(DBAPIError):
            conn.execute(text("DELETE FROM daily_log"))
    cli.dispose()
    refused = manage("create-app-role", "--name", make_url(fresh_database_url).username or "postgres")
    assert refused.returncode == 2 and "more rights" in refused.stderr
    refused = manage("create-app-role", "--name", "Robert'); DROP TABLE reviews;--")
    assert refused.returncode == 2 and "cannot be the app's role" in refused.stderr


def test_a_start_at_head_skips_alembic_and_one_behind_still_migrates(fresh_database_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from db.engine import ROOT_DIR, head_revision, is_at_head, prepare_database

    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "db" / "migrations"))
    assert [head_revision()] == ScriptDirectory.from_config(config).get_heads()  # Alembic's own reading of the files
    owner = create_engine(fresh_database_url)
    with owner.connect() as conn:
        assert is_at_head(conn)
    with owner.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "-1")
    with owner.connect() as conn:
        behind = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert behind != head_revision() and not is_at_head(conn)
    prepare_database()  # as a start does: MIGRATION_DATABASE_URL is the owner (fresh_database_url)
    with owner.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        assert is_at_head(conn)
    owner.dispose()
