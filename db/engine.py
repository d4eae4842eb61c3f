"""Engine and sessions: DATABASE_URL when set, else the embedded server (both read from config.settings).

Two database roles (issue 12): the owner runs the migrations and owns the tables (MIGRATION_DATABASE_URL, falling back
to DATABASE_URL); the app connects as a login role in the database's own NOLOGIN group `rrt_app_<database>`
(`app_group_name`, migration 0016; before it, one group `rrt_app` for the whole server), which has only the grants the
migrations give it and is the only role besides the owner that may connect to the database. With no DATABASE_URL the
embedded server's superuser migrates and the app connects as the login role `rrt_web`, made on first start (the
embedded server trusts its own Unix socket, so no password).
"""
from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
from psycopg import sql as psql
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from config.settings import settings
from db.embedded import default_data_folder, start_embedded_server, to_sqlalchemy_url

# The one group of every tracker database on a server before migration 0016: kept only to recognise (and move from) it.
LEGACY_APP_GROUP = "rrt_app"
APP_GROUP_PREFIX = "rrt_app_"
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
    return settings().uses_embedded_server


def owner_database_url() -> str:
    """The role that owns the tables and runs the migrations: MIGRATION_DATABASE_URL, DATABASE_URL or embedded."""
    url = settings().migration_database_url or settings().database_url
    if url:
        return to_sqlalchemy_url(url)
    return _embedded_owner_url()


def app_database_url() -> str:
    """The role the app runs as: DATABASE_URL, or the embedded server's app login role."""
    url = settings().database_url
    if url:
        return to_sqlalchemy_url(url)
    return make_url(_embedded_owner_url()).set(username=EMBEDDED_APP_ROLE, password=None).render_as_string(
        hide_password=False)


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


def app_group_name(database: str) -> str:
    """The app's group of one database: `rrt_app_<database>` when the name is a plain lower-case identifier that fits
    PostgreSQL's 63 bytes, else its plain part cut short and 10 hex digits of the name's sha256 (two databases never
    share a group by their names being cut or cleaned alike)."""
    plain = re.sub(r"[^a-z0-9_]", "_", database.lower())
    name = APP_GROUP_PREFIX + plain
    if plain == database and len(name) <= 63:
        return name
    digest = hashlib.sha256(database.encode()).hexdigest()[:10]
    return f"{APP_GROUP_PREFIX}{plain[:63 - len(APP_GROUP_PREFIX) - 11]}_{digest}"


def app_group(connection: Connection) -> str:
    """The app's group of the database `connection` is connected to."""
    return app_group_name(str(connection.execute(text("SELECT current_database()")).scalar_one()))


def is_app_role(connection: Connection) -> bool:
    """Whether the connected user is a member of the app's group of this database, or of the server-wide group of
    before migration 0016 (and so may not migrate)."""
    return bool(connection.execute(text(
        "SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        " JOIN pg_roles u ON u.oid = m.member WHERE g.rolname IN (:group, :legacy) AND u.rolname = current_user)"
    ), {"group": app_group(connection), "legacy": LEGACY_APP_GROUP}).scalar())


def ensure_app_group(connection: Connection) -> str:
    """Make this database's app group if the server lacks it (roles belong to the server); its name."""
    group = app_group(connection)
    connection.execute(text(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = " + _literal(group) + ") THEN "
        "BEGIN CREATE ROLE " + _ident(group) + " NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; END IF; END $$"))
    return group


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# Every privilege a group holds in this database, as the GRANT statements that give it to another role: the schema,
# tables, views and sequences of public, and the owner's default privileges for what it creates later.
_GROUP_PRIVILEGES = text("""
    SELECT 'TABLE', c.oid::regclass::text, a.privilege_type, NULL
      FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :group)
    UNION ALL
    SELECT 'SEQUENCE', c.oid::regclass::text, a.privilege_type, NULL
      FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
       AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :group)
    UNION ALL
    SELECT 'SCHEMA', n.nspname, a.privilege_type, NULL
      FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
     WHERE n.nspname = 'public' AND a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :group)
    UNION ALL
    SELECT CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                WHEN 'T' THEN 'TYPES' ELSE 'SCHEMAS' END, d.defaclrole::regrole::text, a.privilege_type,
           d.defaclnamespace::regnamespace::text
      FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a
     WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = :group)
""")


def move_app_grants(connection: Connection, old_group: str, new_group: str) -> int:
    """Give `new_group` every privilege `old_group` holds in this database and take them from `old_group` (here only:
    its grants in other databases stay). How many privileges were moved."""
    if old_group == new_group:
        return 0
    rows = connection.execute(_GROUP_PRIVILEGES, {"group": old_group}).all()
    new, old = _ident(new_group), _ident(old_group)
    for kind, target, privilege, schema in rows:
        if kind in ("TABLE", "SEQUENCE", "SCHEMA"):
            on = f"{kind} {target}" if kind != "SCHEMA" else f"SCHEMA {_ident(target)}"
            connection.execute(text(f"GRANT {privilege} ON {on} TO {new}"))
            connection.execute(text(f"REVOKE {privilege} ON {on} FROM {old}"))
        else:
            scope = f"FOR ROLE {target}" + (f" IN SCHEMA {schema}" if schema and schema != "-" else "")
            connection.execute(text(f"ALTER DEFAULT PRIVILEGES {scope} GRANT {privilege} ON {kind} TO {new}"))
            connection.execute(text(f"ALTER DEFAULT PRIVILEGES {scope} REVOKE {privilege} ON {kind} FROM {old}"))
    return len(rows)


def limit_connect_to_app_group(connection: Connection) -> None:
    """Only the owner and this database's app group may connect to it: PUBLIC (every role of the server, the other
    tracker databases' app roles among them) loses CONNECT and TEMPORARY."""
    database = _ident(str(connection.execute(text("SELECT current_database()")).scalar_one()))
    connection.execute(text(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC"))
    connection.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {_ident(app_group(connection))}"))


def claim_app_grants(connection: Connection, from_groups: Sequence[str]) -> str:
    """Make this database's app privileges its own group's: after a copy from a template or a restore under another
    name, the grants still name the group of the database they came from. The group's name."""
    group = ensure_app_group(connection)
    for old in from_groups:
        if old != group and connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": old}).first():
            move_app_grants(connection, old, group)
    limit_connect_to_app_group(connection)
    return group


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


def upgrade_to_head(engine: Engine, app_roles: Sequence[str] = ()) -> None:
    """Run every Alembic migration not yet applied, as the owner (never as the app's role). `app_roles` are the login
    roles this database's app connects as: migration 0016 moves only them from the server-wide group into the
    database's own (with none named, every login member of the old group, so that no running app is locked out)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "db" / "migrations"))
    with engine.begin() as connection:
        if is_app_role(connection):
            raise MigrationAsAppRole(str(connection.execute(text("SELECT current_user")).scalar()))
        config.attributes["connection"] = connection
        connection.execute(text("SELECT set_config('rrt.app_roles', :roles, true)"),
                           {"roles": ",".join(app_roles)})
        command.upgrade(config, "head")


def create_app_role(owner: Engine, name: str, password: str | None = None) -> bool:
    """Make `name` a LOGIN role in this database's app group (or add an existing plain login role to it); True if
    created. The role may then connect to this database only (unless made a member of another's group too).

    Refuses a superuser, the owner itself, a group's name or a name that is not a plain lower-case identifier.
    """
    if not _ROLE_NAME.match(name) or name == LEGACY_APP_GROUP or name.startswith(APP_GROUP_PREFIX):
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
        raw.execute(psql.SQL("GRANT {} TO {}").format(psql.Identifier(ensure_app_group(connection)), role))
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
                upgrade_to_head(owner, app_roles=_named_app_roles(owner))
            if uses_embedded_server():
                create_app_role(owner, EMBEDDED_APP_ROLE)
    finally:
        owner.dispose()
    return app_database_url()


def _named_app_roles(owner: Engine) -> list[str]:
    """The login role DATABASE_URL names when it is not the owner (or the embedded app role): the app's own."""
    if uses_embedded_server():
        return [EMBEDDED_APP_ROLE]
    user = make_url(app_database_url()).username
    return [user] if user and user != owner.url.username else []


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
        except BaseException as error:  # noqa: BLE001 - a background thread: every error is handed to whoever collects it
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
