"""Engine and sessions: DATABASE_URL when set, else the embedded server.

Two database roles (issue 12): the owner runs the migrations and owns the tables (MIGRATION_DATABASE_URL, falling back
to DATABASE_URL); the app connects as a login role in the NOLOGIN group `rrt_app` (DATABASE_URL), which has only the
grants migration 0007 gives it. With no DATABASE_URL the embedded server's superuser migrates and the app connects as
the login role `rrt_web`, made on first start (the embedded server trusts its own Unix socket, so no password).
"""
from __future__ import annotations

import os
import re
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from psycopg import sql as psql
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from db.embedded import default_data_folder, start_embedded_server, to_sqlalchemy_url

APP_GROUP = "rrt_app"
EMBEDDED_APP_ROLE = "rrt_web"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class MigrationAsAppRole(RuntimeError):
    """The migrations were asked to run as the app's own role, which may not change the schema."""

    def __init__(self, user: str) -> None:
        super().__init__(
            f"The migrations cannot run as {user}, the app's own database role: set MIGRATION_DATABASE_URL to the "
            "role that owns the tables and run the command again.")


def _embedded_owner_url() -> str:
    return start_embedded_server(default_data_folder())


def uses_embedded_server() -> bool:
    return not os.environ.get("DATABASE_URL")


def owner_database_url() -> str:
    """The role that owns the tables and runs the migrations: MIGRATION_DATABASE_URL, DATABASE_URL or embedded."""
    url = os.environ.get("MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return to_sqlalchemy_url(url)
    return _embedded_owner_url()


def app_database_url() -> str:
    """The role the app runs as: DATABASE_URL, or the embedded server's app login role."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return to_sqlalchemy_url(url)
    return make_url(_embedded_owner_url()).set(username=EMBEDDED_APP_ROLE, password=None).render_as_string(
        hide_password=False)


def database_url() -> str:
    """The server the app uses (kept for callers that predate the two roles): the app role's URL."""
    return app_database_url()


# PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: the board's aggregates (a calendar
# CTE joined several times) pass it and spent seconds compiling on a busy machine, for queries that run in a
# fraction of that without it (issue 16). The app's queries are short: no JIT on its connections.
APP_CONNECTION_OPTIONS = "-c jit=off"


def make_engine(url: str | None = None) -> Engine:
    return create_engine(url or app_database_url(), pool_pre_ping=True, future=True,
                         connect_args={"options": APP_CONNECTION_OPTIONS})


_LOST: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch_for_lost_server(engine: Engine) -> Engine:
    """Mark `engine` as lost when a connection to its server fails or drops (see `server_was_lost`)."""

    @event.listens_for(engine, "handle_error")
    def _lost(context: ExceptionContext) -> None:
        if context.is_disconnect or isinstance(context.original_exception, psycopg.OperationalError):
            _LOST.add(engine)

    return engine


def server_was_lost(engine: Engine) -> bool:
    """Whether a connection of `engine` failed: the caller makes a new engine, which starts a dead embedded server."""
    return engine in _LOST


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with factory() as session, session.begin():
        yield session


def is_app_role(connection: Connection) -> bool:
    """Whether the connected user is a member of the app's group (and so may not migrate)."""
    return bool(connection.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        " JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :group AND u.rolname = current_user)"
    ), {"group": APP_GROUP}).scalar())


ROOT_DIR = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT_DIR / "db" / "migrations" / "versions"
_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:["']([0-9A-Za-z_]+)["']|None)\s*$""", re.M)


def head_revision() -> str | None:
    """The newest migration's revision, read from the migration files without loading Alembic (fast at every start);
    None when the history is not one plain line (a merge, two heads), which only Alembic itself may judge."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in MIGRATIONS.glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_at_head(connection: Connection) -> bool:
    """Whether the database is already at the newest migration: then a start need not load Alembic at all."""
    head = head_revision()
    if head is None or not connection.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar():
        return False
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [head]


def upgrade_to_head(engine: Engine) -> None:
    """Run every Alembic migration not yet applied, as the owner (never as the app's role)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "db" / "migrations"))
    with engine.begin() as connection:
        if is_app_role(connection):
            raise MigrationAsAppRole(str(connection.execute(text("SELECT current_user")).scalar()))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def create_app_role(owner: Engine, name: str, password: str | None = None) -> bool:
    """Make `name` a LOGIN role in the app's group (or add an existing plain login role to it); True if created.

    Refuses a superuser, the owner itself or a name that is not a plain lower-case identifier.
    """
    if not _ROLE_NAME.match(name) or name == APP_GROUP:
        raise ValueError(f"{name!r} cannot be the app's role: use lower-case letters, digits and underscores.")
    with owner.begin() as connection:
        found = connection.execute(text(
            "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls, rolname = current_user"
            " FROM pg_roles WHERE rolname = :name"), {"name": name}).first()
        if found is not None and (found[0] or found[1]):
            raise ValueError(f"{name} already exists with more rights than the app may have (or is the owner).")
        # Role names and passwords cannot be bind parameters: psycopg quotes them itself, and with no parameters
        # given it does not read % as a placeholder.
        raw = connection.connection.driver_connection
        assert raw is not None
        secret = psql.SQL(" PASSWORD {}").format(psql.Literal(password)) if password else psql.SQL("")
        role = psql.Identifier(name)
        if found is None:
            try:
                # Two processes may start at once: a role made meanwhile is not an error (the grant makes it a member).
                with connection.begin_nested():
                    raw.execute(psql.SQL(
                        "CREATE ROLE {} LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS{}").format(
                        role, secret))
            except psycopg.Error as error:
                if error.sqlstate not in ("42710", "23505"):
                    raise
        elif password:
            raw.execute(psql.SQL("ALTER ROLE {} LOGIN{}").format(role, secret))
        raw.execute(psql.SQL("GRANT {} TO {}").format(psql.Identifier(APP_GROUP), role))
        return found is None


def prepare_database(*, must_migrate: bool = False) -> str:
    """Migrate as the owner, make the embedded app role if needed, and return the app role's URL.

    With DATABASE_URL set and no MIGRATION_DATABASE_URL, DATABASE_URL may be the app role itself: then the
    migrations are left to `manage.py migrate` run by the owner (`must_migrate` refuses to skip them).
    """
    owner = create_engine(owner_database_url(), poolclass=NullPool, future=True)
    try:
        with owner.connect() as connection:
            app_role = is_app_role(connection)
            at_head = not must_migrate and not app_role and is_at_head(connection)
        if not app_role or must_migrate:
            if not at_head:
                upgrade_to_head(owner)
            if uses_embedded_server():
                create_app_role(owner, EMBEDDED_APP_ROLE)
    finally:
        owner.dispose()
    return app_database_url()


_prepared: Future[str] | None = None


def start_preparing_database() -> None:
    """Run `prepare_database` in a background thread now: the served app calls this before Streamlit starts, so that
    the embedded server starts and the schema is checked while Streamlit boots and the browser loads the page.
    `prepared_database_url` collects the result."""
    global _prepared
    if _prepared is not None:
        return
    future: Future[str] = Future()

    def prepare() -> None:
        try:
            future.set_result(prepare_database())
        except BaseException as error:  # handed to whoever collects it
            future.set_exception(error)

    _prepared = future
    threading.Thread(target=prepare, name="rrt-prepare-database", daemon=True).start()


def prepared_database_url() -> str:
    """The app role's URL: the background preparation's the first time (waiting for it), else `prepare_database()`
    now, which also runs when the background one failed, so that its error is raised here."""
    global _prepared
    early, _prepared = _prepared, None
    if early is not None:
        with suppress(Exception):
            return early.result()
    return prepare_database()
