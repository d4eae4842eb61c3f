"""Migration 0033: every row belongs to a partnership, an existing installation moves into its one partnership with
nothing lost, and what must be unique is unique per partnership.

Expected values come from the database before the move (counts, each table's rows as text, the chains' heads) and
from hand-written names, never from the migration's code."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from services.integrity import verify_record
from tests.integration.conftest import alembic_config, in_partnership

# Tables with no partnership: the migrations' own record and the partnerships themselves.
NOT_OWNED = {"alembic_version", "partnerships"}


def _tables(conn: Connection) -> list[str]:
    return list(conn.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1")).scalars())


def test_every_table_but_the_migrations_and_the_partnerships_belongs_to_a_partnership(owner: Engine) -> None:
    with owner.connect() as conn:
        tables = _tables(conn)
        columns = {row.table_name: row for row in conn.execute(text(
            "SELECT table_name, is_nullable, column_default FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'partnership_id'"))}
        references = set(conn.execute(text(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
            " AND confrelid = 'partnerships'::regclass")).scalars())
    assert len(tables) >= 45  # 44 owned tables at revision 0033, and the two left out
    owned = [table for table in tables if table not in NOT_OWNED]
    assert [t for t in owned if t not in columns] == []
    assert [t for t in owned if columns[t].is_nullable != "NO"] == []
    assert [t for t in owned if columns[t].column_default != "current_partnership()"] == []
    assert [t for t in owned if t not in references] == []
    assert NOT_OWNED.isdisjoint(columns)


def _snapshot(conn: Connection) -> dict[str, tuple[int, str]]:
    """Each table's row count and its rows as text (a partnership_id left out), in a fixed order."""
    found = {}
    for table in _tables(conn):
        if table in NOT_OWNED:
            continue
        count, rows = conn.execute(text(
            f"SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))"
            f" FROM (SELECT (to_jsonb(t) - 'partnership_id')::text AS r FROM {table} t) AS s")).one()
        found[table] = (count, rows)
    return found


@pytest.mark.demo_data
def test_an_existing_installation_moves_into_its_one_partnership_with_nothing_lost(owner: Engine) -> None:
    with owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0032")
    with owner.connect() as conn:
        assert "partnerships" not in _tables(conn)
        before = _snapshot(conn)
        name = conn.execute(text("SELECT partnership_name FROM settings")).scalar_one()
    with Session(owner) as session:
        checked = verify_record(session)
    assert checked.ok and checked.log_entries > 1000 and checked.history_rows > 1000

    with owner.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with owner.connect() as conn:
        assert _snapshot(conn) == before
        assert sum(count for count, _ in before.values()) > 5_000  # the demo: 34 reviews, about 6,000 rows
        partnership = conn.execute(text("SELECT id, name, code FROM partnerships")).one()
        for table in before:
            others = conn.execute(text(f"SELECT count(*) FROM {table} WHERE partnership_id <> 1")).scalar_one()
            assert others == 0, table
    # "Demoshire Safeguarding Children Partnership (...)": the whole words within 20 characters.
    assert (partnership.id, partnership.name, partnership.code) == (1, name, "demoshire")
    with Session(owner) as session:
        again = verify_record(session, checked.heads)
    assert again.ok
    assert (again.log_entries, again.report_versions, again.history_rows) == (
        checked.log_entries, checked.report_versions, checked.history_rows)


_ACCOUNT = text("INSERT INTO accounts (username, display_name, roles, password_hash, active, failed_attempts)"
                " VALUES (:username, 'Sam Jones', ARRAY['officer'], 'not a hash', true, 0) RETURNING partnership_id")


@pytest.fixture
def two_partnerships(owner: Engine, app: Engine) -> Engine:
    """The first partnership (the migration's) and a second one made by the owner; the app's role to write as."""
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES ('Westshire Safeguarding Partnership',"
                          " 'westshire')"))
    return app


def test_a_username_is_unique_within_a_partnership_not_across_them(two_partnerships: Engine) -> None:
    with two_partnerships.begin() as conn:
        in_partnership(conn, 1)
        assert conn.execute(_ACCOUNT, {"username": "sam.jones"}).scalar_one() == 1
    with two_partnerships.begin() as conn:
        in_partnership(conn, 2)
        assert conn.execute(_ACCOUNT, {"username": "sam.jones"}).scalar_one() == 2
    with pytest.raises(IntegrityError, match="one_username_per_partnership"), two_partnerships.begin() as conn:
        in_partnership(conn, 2)
        conn.execute(_ACCOUNT, {"username": "sam.jones"})


@pytest.mark.parametrize("statement", [
    "INSERT INTO agencies (name, kind, active) VALUES ('Westshire Police', 'police', true)",
    "INSERT INTO closure_days (closed_on, reason) VALUES ('2026-12-24', 'Christmas Eve')",
    "INSERT INTO practice_themes (name, source) VALUES ('Housing instability', 'Panel annual report')",
])
def test_the_same_name_or_day_may_be_held_by_each_partnership_once(two_partnerships: Engine, statement: str) -> None:
    for partnership in (1, 2):
        with two_partnerships.begin() as conn:
            in_partnership(conn, partnership)
            conn.execute(text(statement))
    with pytest.raises(IntegrityError), two_partnerships.begin() as conn:
        in_partnership(conn, 1)
        conn.execute(text(statement.replace("'Housing instability'", "'HOUSING INSTABILITY'")))


def test_with_two_partnerships_a_row_written_without_one_declared_is_refused(two_partnerships: Engine) -> None:
    with pytest.raises(IntegrityError, match='null value in column "partnership_id"'), \
            two_partnerships.begin() as conn:
        conn.execute(_ACCOUNT, {"username": "no.partnership"})


def test_while_there_is_one_partnership_a_row_needs_none_declared(app: Engine) -> None:
    with app.begin() as conn:
        assert conn.execute(_ACCOUNT, {"username": "only.one"}).scalar_one() == 1


@pytest.mark.parametrize("statement", [
    "INSERT INTO partnerships (name, code) VALUES ('Eastshire', 'eastshire')",
    "UPDATE partnerships SET code = 'taken'",
    "DELETE FROM partnerships",
])
def test_the_app_role_cannot_make_change_or_remove_a_partnership(app: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="permission denied"), app.begin() as conn:
        conn.execute(text(statement))


@pytest.mark.parametrize("code", ["a", "Westshire", "west shire", "-west", "w" * 21, "west_shire"])
def test_a_partnership_code_is_2_to_20_lower_case_letters_digits_or_hyphens(owner: Engine, code: str) -> None:
    refusal = "too long" if len(code) > 20 else "partnership_code_form"
    with pytest.raises(DBAPIError, match=refusal), owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES ('Westshire', :code)"), {"code": code})


def test_a_change_is_recorded_and_moves_the_version_of_its_own_partnership(owner: Engine,
                                                                             two_partnerships: Engine) -> None:
    with two_partnerships.begin() as conn:
        in_partnership(conn, 2)
        conn.execute(_ACCOUNT, {"username": "west.officer"})
        moved = conn.execute(text("SELECT txid_current()")).scalar_one()
    with owner.connect() as conn:
        recorded = conn.execute(text(
            "SELECT table_name, partnership_id FROM record_history WHERE table_name IN ('accounts', 'partnerships')"
            " ORDER BY id")).all()
        versions: dict[int, int] = dict(conn.execute(text(
            "SELECT scope_id, version FROM data_versions WHERE scope = 'partnership'")).all())
    # The second partnership made by the owner (its own row), then its first account.
    assert recorded[-2:] == [("partnerships", 2), ("accounts", 2)]
    assert versions[2] == moved and versions[1] != moved
