"""Migration 0035: the settings and the agencies' link settings, one row per partnership (issue 30, step 3b).

A second partnership is made by the owner (as tests/integration/test_partnerships.py does); the app's role works in
a partnership by declaring it in its transaction (set_config('rrt.partnership_id', N, true)), and the services are
called directly with that session. Expected values are written here by hand (the columns' defaults from migrations
0001, 0007, 0011, 0020, 0021 and 0026), never read from the code under test."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.acting import act_as
from db.models import Account
from services.agency_exchange.administration import update_link_expiry
from services.agency_exchange.service import link_expiry_working_days
from services.settings import get_settings, update_settings
from services.settings_reads import load_settings
from services.unit_of_work import read_frame
from tests.integration.conftest import alembic_config, in_partnership

WESTSHIRE = "Westshire Safeguarding Partnership"
# A new partnership's settings row, by hand: its name, amber at 1 working day, 30 idle minutes, local passwords on,
# version 1, not a training copy, the LCSPR's timescales 20, 15, 40, 20 working days, 6 months, 7 and 30 working days.
NEW_SETTINGS = (WESTSHIRE, 1, 30, True, 1, False, 20, 15, 40, 20, 6, 7, 30)
_SETTINGS = text(
    "SELECT partnership_name, amber_threshold_days, idle_timeout_minutes, local_passwords_enabled, version,"
    " training_copy, lcspr_commission_days, lcspr_terms_days, lcspr_involvement_days, lcspr_draft_before_days,"
    " lcspr_completion_months, lcspr_copies_before_days, lcspr_publication_days FROM settings"
    " WHERE partnership_id = :p")
_LINK_SETTINGS = text("SELECT link_expiry_working_days, version FROM agency_exchange_settings"
                      " WHERE partnership_id = :p")
_ADMIN = text("INSERT INTO accounts (username, display_name, roles, password_hash, active, failed_attempts)"
              " VALUES (:username, 'Alex Reed', ARRAY['admin'], 'not a hash', true, 0) RETURNING id")


@pytest.fixture
def two(owner: Engine, app: Engine) -> dict[int, int]:
    """Partnership 2 made by the owner, and an administrator in each (made as the app's role): {partnership: id}."""
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES (:name, 'westshire')"), {"name": WESTSHIRE})
    admins = {}
    for partnership in (1, 2):
        with app.begin() as conn:
            in_partnership(conn, partnership)
            admins[partnership] = conn.execute(_ADMIN, {"username": f"admin.{partnership}"}).scalar_one()
    return admins


def _rows(conn: Connection, partnership: int) -> tuple[tuple[object, ...], tuple[object, ...]]:
    return (tuple(conn.execute(_SETTINGS, {"p": partnership}).one()),
            tuple(conn.execute(_LINK_SETTINGS, {"p": partnership}).one()))


def test_a_new_partnership_gets_its_own_settings_rows_named_after_it(owner: Engine) -> None:
    with owner.connect() as conn:
        first = _rows(conn, 1)
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES (:name, 'westshire')"), {"name": WESTSHIRE})
    with owner.connect() as conn:
        settings, links = _rows(conn, 2)
        ids = conn.execute(text("SELECT partnership_id, id FROM settings ORDER BY 1")).all()
        made = conn.execute(text("SELECT chain_position, table_name FROM record_history WHERE partnership_id = 2"
                                 " ORDER BY chain_position")).all()
        assert _rows(conn, 1) == first
    assert settings == NEW_SETTINGS
    assert links == (10, 1)
    assert [tuple(row) for row in ids] == [(1, 1), (2, 2)]  # the first keeps id 1; the sequence moved past it
    # Its record of changes: its own making first, then its two settings rows.
    assert [tuple(row) for row in made] == [(1, "partnerships"), (2, "settings"), (3, "agency_exchange_settings")]


def test_a_partnership_has_one_settings_row_and_one_link_settings_row(owner: Engine, two: dict[int, int]) -> None:
    for statement in ("INSERT INTO settings (partnership_id, partnership_name, amber_threshold_days,"
                      " idle_timeout_minutes) VALUES (2, 'Another', 1, 30)",
                      "INSERT INTO agency_exchange_settings (partnership_id) VALUES (1)"):
        with pytest.raises(IntegrityError, match=r"one_(link_)?settings_row_per_partnership"), owner.begin() as conn:
            conn.execute(text(statement))


def test_a_settings_change_in_partnership_2_leaves_partnership_1s_untouched(
        owner: Engine, app: Engine, two: dict[int, int]) -> None:
    with owner.connect() as conn:
        first = _rows(conn, 1)
    with Session(app, expire_on_commit=False) as session, session.begin():
        in_partnership(session, 2)
        act_as(session, two[2], via="page")
        admin = session.get_one(Account, two[2])
        before = get_settings(session, admin)
        assert (before.partnership_name, before.amber_threshold_days, before.version) == (WESTSHIRE, 1, 1)
        update_settings(session, admin, partnership_name="Westshire Children's Partnership", amber_threshold_days=4,
                        idle_timeout_minutes=45, expected_version=1)
        assert update_link_expiry(session, admin, working_days=25, expected_version=1) == 25
    with owner.connect() as conn:
        settings, links = _rows(conn, 2)
        assert _rows(conn, 1) == first
        entries = conn.execute(text("SELECT partnership_id, text FROM daily_log WHERE text LIKE 'Settings changed%'"
                                    " OR text LIKE 'Agencies'' private links%'")).all()
    assert settings == ("Westshire Children's Partnership", 4, 45, True, 2, False, 20, 15, 40, 20, 6, 7, 30)
    assert links == (25, 2)
    assert [p for p, _ in entries] == [2, 2]  # the changes are on partnership 2's log


def test_reads_in_each_partnership_see_its_own_settings(owner: Engine, app: Engine, two: dict[int, int]) -> None:
    with owner.begin() as conn:
        conn.execute(text("UPDATE settings SET amber_threshold_days = 3, idle_timeout_minutes = 90"
                          " WHERE partnership_id = 2"))
        conn.execute(text("UPDATE agency_exchange_settings SET link_expiry_working_days = 33 WHERE partnership_id = 2"))
        name_1 = conn.execute(text("SELECT partnership_name FROM settings WHERE id = 1")).scalar_one()
    for partnership, expected in ((2, (WESTSHIRE, 3, 90, 33)), (1, (name_1, 1, 30, 10))):
        with Session(app) as session, session.begin():
            in_partnership(session, partnership)
            setting = load_settings(session)
            assert (setting.partnership_name, setting.amber_threshold_days, setting.idle_timeout_minutes,
                    link_expiry_working_days(session)) == expected
            assert load_settings(session) is setting  # read once in a transaction
            framed, _version = read_frame(session, two[partnership])  # every page run's first read
            assert (framed.partnership_id, framed.partnership_name) == (partnership, expected[0])


def test_a_session_reads_the_settings_of_each_transactions_partnership(app: Engine, two: dict[int, int]) -> None:
    with Session(app) as session:
        for partnership, name in ((2, WESTSHIRE), (1, "Safeguarding Children Partnership"), (2, WESTSHIRE)):
            with session.begin():
                in_partnership(session, partnership)
                assert load_settings(session).partnership_name == name


def test_the_downgrade_is_refused_while_a_second_partnership_has_settings(owner: Engine, two: dict[int, int]) -> None:
    with pytest.raises(RuntimeError, match=r"settings holds rows of partnership\(s\) 2"), owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0034")
    with owner.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0035"


def test_a_partnership_made_at_0034_gets_its_settings_rows_on_the_upgrade(owner: Engine) -> None:
    with owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0034")
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES (:name, 'westshire')"), {"name": WESTSHIRE})
        assert conn.execute(text("SELECT count(*) FROM settings")).scalar_one() == 1
    with owner.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with owner.connect() as conn:
        assert _rows(conn, 2) == (NEW_SETTINGS, (10, 1))


def _both_tables(conn: Connection) -> list[tuple[object, ...]]:
    return [tuple(row) for table in ("settings", "agency_exchange_settings") for row in conn.execute(text(
        f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY id"))]


def _constraints(conn: Connection) -> set[str]:
    return set(conn.execute(text(
        "SELECT conname FROM pg_constraint WHERE conrelid IN ('settings'::regclass,"
        " 'agency_exchange_settings'::regclass) AND contype IN ('c', 'u')"
        " AND conname ~ '(single_row|per_partnership)$'")).scalars())


@pytest.mark.demo_data
def test_the_demo_goes_down_to_0034_and_up_again_with_its_settings_unchanged(owner: Engine) -> None:
    with owner.connect() as conn:
        before = _both_tables(conn)
        assert _constraints(conn) == {"one_settings_row_per_partnership", "one_link_settings_row_per_partnership"}
    assert len(before) == 2 and '"training_copy": true' in str(before[0])
    with owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0034")
    with owner.connect() as conn:
        assert _both_tables(conn) == before
        assert _constraints(conn) == {"single_row", "agency_exchange_single_row"}
    with owner.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with owner.connect() as conn:
        assert _both_tables(conn) == before
        assert _constraints(conn) == {"one_settings_row_per_partnership", "one_link_settings_row_per_partnership"}
    with owner.begin() as conn:  # the sequence is past 1 after the second upgrade too
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES (:name, 'westshire')"), {"name": WESTSHIRE})
    with owner.connect() as conn:
        assert _rows(conn, 2) == (NEW_SETTINGS, (10, 1))
        assert conn.execute(text("SELECT id FROM settings WHERE partnership_id = 2")).scalar_one() == 2


def test_the_frame_reads_the_version_of_its_own_partnership(owner: Engine, app: Engine, two: dict[int, int]) -> None:
    with owner.begin() as conn:  # a change of no review moves its partnership's version (migrations 0029 and 0033)
        conn.execute(text("UPDATE settings SET amber_threshold_days = 2 WHERE partnership_id = 2"))
    with owner.connect() as conn:
        versions = {int(scope_id): int(version) for scope_id, version in conn.execute(text(
            "SELECT scope_id, version FROM data_versions WHERE scope = 'partnership'"
            " AND partnership_id = scope_id"))}
    assert sorted(versions) == [1, 2] and versions[1] != versions[2]
    for partnership in (1, 2):
        with Session(app) as session, session.begin():
            in_partnership(session, partnership)
            _settings, (_name, _reached, version) = read_frame(session, two[partnership])
        assert version == versions[partnership]
