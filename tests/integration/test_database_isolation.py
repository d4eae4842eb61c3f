"""Least privilege per database (migration 0016): two tracker databases on one server, each with its own app role.

Each app role may connect to its own database and read and write there; the other database refuses it, both at the
door (CONNECT is only the database's own group's) and at the tables (its grants are only that group's), and an old
installation's shared group `rrt_app` gives nothing once the database is upgraded.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from db.engine import LEGACY_APP_GROUP, app_group_name, create_app_role, is_app_role
from tests.conftest import _create_from_template, _drop

PASSWORD = "rrt-isolation-test-only"

# Each database's (name, owner's URL, its app role).
Databases = list[tuple[str, str, str]]


def _role_url(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=PASSWORD).render_as_string(hide_password=False)


@pytest.fixture
def two_databases(server_url: str, template_database: str) -> Iterator[Databases]:
    made: list[tuple[str, str]] = []
    roles: list[str] = []
    try:
        for _ in range(2):
            name, url = _create_from_template(server_url, template_database)
            made.append((name, url))
            role = f"rrt_test_iso_{uuid.uuid4().hex[:8]}"
            owner = create_engine(url)
            create_app_role(owner, role, PASSWORD)
            owner.dispose()
            roles.append(role)
        yield [(name, url, role) for (name, url), role in zip(made, roles, strict=True)]
    finally:
        for name, _url in made:
            _drop(server_url, name)
        admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for role in roles:
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_each_app_role_is_refused_by_the_other_database(two_databases: Databases) -> None:
    (_name_a, url_a, role_a), (_name_b, url_b, role_b) = two_databases
    for own_url, own_role, other_url in ((url_a, role_a, url_b), (url_b, role_b, url_a)):
        own = create_engine(_role_url(own_url, own_role))
        with own.begin() as conn:
            assert is_app_role(conn)
            conn.execute(text("SELECT count(*) FROM reviews")).scalar()
            conn.execute(text("UPDATE agencies SET name = name"))
        own.dispose()
        other = create_engine(_role_url(other_url, own_role))
        with pytest.raises(OperationalError, match="permission denied for database"), other.connect():
            pass
        other.dispose()


def test_reading_is_refused_even_where_connecting_is_allowed_again(two_databases: Databases, server_url: str) -> None:
    """Defence in depth: were CONNECT given back to PUBLIC, the tables still refuse the other database's role."""
    (_name_a, _url_a, role_a), (name_b, url_b, _role_b) = two_databases
    owner_b = create_engine(url_b, isolation_level="AUTOCOMMIT")
    with owner_b.connect() as conn:
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{name_b}" TO PUBLIC'))
    owner_b.dispose()
    intruder = create_engine(_role_url(url_b, role_a))
    with intruder.connect() as conn:
        assert not is_app_role(conn)
        for statement in ("SELECT count(*) FROM reviews", "SELECT count(*) FROM accounts",
                          "SELECT count(*) FROM daily_log", "UPDATE agencies SET name = name"):
            with pytest.raises(DBAPIError) as caught:
                conn.execute(text(statement))
            assert isinstance(caught.value.orig, psycopg.Error)
            assert caught.value.orig.sqlstate == "42501", statement
            conn.rollback()
    intruder.dispose()


def test_the_databases_have_their_own_groups_and_the_old_shared_group_holds_nothing(two_databases: Databases) -> None:
    for name, url, _role in two_databases:
        owner = create_engine(url)
        with owner.connect() as conn:
            grantees = set(conn.execute(text(
                "SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_schema = 'public'"
                " AND grantee <> current_user")).scalars())
            assert grantees == {app_group_name(name)}
            connect: list[str] = conn.execute(text(
                "SELECT datacl::text[] FROM pg_database WHERE datname = current_database()")).scalar_one()
            assert not any(item.startswith("=") for item in connect)  # PUBLIC: no CONNECT, no TEMPORARY
            assert any(item.startswith(f"{app_group_name(name)}=c/") for item in connect)
            assert conn.execute(text(
                "SELECT count(*) FROM pg_default_acl d, aclexplode(d.defaclacl) a JOIN pg_roles r ON r.oid = a.grantee"
                " WHERE r.rolname = :legacy"), {"legacy": LEGACY_APP_GROUP}).scalar() == 0
        owner.dispose()


def test_a_group_name_is_the_databases_and_fits_postgresql() -> None:
    assert app_group_name("rrt") == "rrt_app_rrt"
    long = app_group_name("x" * 80)
    assert len(long.encode()) <= 63 and long != app_group_name("x" * 81)
    assert app_group_name("Tracker-Prod") != app_group_name("tracker_prod")
    assert app_group_name("Tracker-Prod").startswith("rrt_app_tracker_prod_")


def test_the_migration_names_the_group_as_the_app_does() -> None:
    import importlib.util

    from db.engine import MIGRATIONS

    spec = importlib.util.spec_from_file_location("m0016", MIGRATIONS / "0016_database_app_group.py")
    assert spec is not None and spec.loader is not None
    frozen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(frozen)
    for name in ("rrt", "x" * 80, "Tracker-Prod", "tracker_prod", "rrt_test_0123456789"):
        assert frozen.app_group_name(name) == app_group_name(name)


def test_an_upgrade_moves_the_named_app_role_into_the_databases_group_and_no_other(fresh_database_url: str,
                                                                                   server_url: str) -> None:
    """An installation of before 0016: the grants are the server-wide group's, every database open to PUBLIC. The
    upgrade keeps the app role it is told of working, and another member of the old group is refused."""
    from alembic import command
    from alembic.config import Config

    from db.engine import ROOT_DIR, upgrade_to_head

    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "db" / "migrations"))
    owner = create_engine(fresh_database_url)
    with owner.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0015")
    ours, theirs = (f"rrt_test_old_{uuid.uuid4().hex[:8]}" for _ in range(2))
    admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for role in (ours, theirs):
                conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}' IN ROLE {LEGACY_APP_GROUP}"))
        before = create_engine(_role_url(fresh_database_url, theirs))
        with before.connect() as conn:  # the finding: any member of the old group reads every tracker database
            conn.execute(text("SELECT count(*) FROM reviews")).scalar()
        before.dispose()

        upgrade_to_head(owner, app_roles=[ours])

        kept = create_engine(_role_url(fresh_database_url, ours))
        with kept.begin() as conn:
            assert is_app_role(conn)
            conn.execute(text("SELECT count(*) FROM reviews")).scalar()
            conn.execute(text("UPDATE agencies SET name = name"))
        kept.dispose()
        refused = create_engine(_role_url(fresh_database_url, theirs))
        with pytest.raises(OperationalError, match="permission denied for database"), refused.connect():
            pass
        refused.dispose()
    finally:
        with admin.connect() as conn:
            for role in (ours, theirs):
                conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
        owner.dispose()
