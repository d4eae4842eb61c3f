"""Least privilege per database: the app's group is the database's own, `rrt_app_<database>` (`app_group_name`).

Before this, every tracker database on a server granted its tables to one server-wide group `rrt_app`, and PUBLIC kept
CONNECT on every database: the app role of one tracker database could connect to another on the same server and read
and write its case data. Here, as the owner:
- the database's own group is made (roles belong to the server) and every privilege `rrt_app` held in this database
  (tables, sequences, the schema, the owner's default privileges) moves to it; `rrt_app` keeps nothing here, and its
  grants in other databases are theirs to move when they are upgraded;
- CONNECT (and TEMPORARY) on the database is taken from PUBLIC and CONNECT given to the group only;
- existing login roles keep working: the roles the migration runner names as this database's app roles
  (`rrt.app_roles`, set by `upgrade_to_head` from DATABASE_URL, or the embedded `rrt_web`) are made members of the new
  group if they were members of `rrt_app`. With none named (a bare `alembic upgrade`), every login member of
  `rrt_app` is, so that no running app is locked out; on a server with several tracker databases, take each role
  out of the groups of the databases it does not serve (`REVOKE rrt_app_<db> FROM <role>`).
Membership of `rrt_app` itself is left alone: databases not yet upgraded still rely on it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
import hashlib
import re

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

LEGACY_APP_GROUP = "rrt_app"
APP_GROUP_PREFIX = "rrt_app_"


# Frozen here on purpose (migrations import no app code): db/engine.py keeps the same functions for the app, the tests
# and the restore; tests/integration/test_database_isolation.py proves the group names agree.
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



def upgrade() -> None:
    connection = op.get_bind()
    group = ensure_app_group(connection)
    legacy = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": LEGACY_APP_GROUP}).first()
    if legacy is None:
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {_ident(group)}"))
    else:
        move_app_grants(connection, LEGACY_APP_GROUP, group)
        named = [r for r in (connection.execute(text("SELECT current_setting('rrt.app_roles', true)")).scalar()
                             or "").split(",") if r]
        members = connection.execute(text(
            "SELECT u.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
            " JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :legacy AND u.rolcanlogin"
            " AND NOT (u.rolsuper OR u.rolcreaterole OR u.rolcreatedb OR u.rolbypassrls)"),
            {"legacy": LEGACY_APP_GROUP}).scalars().all()
        for member in members:
            if not named or member in named:
                connection.execute(text(f"GRANT {_ident(group)} TO {_ident(member)}"))
    limit_connect_to_app_group(connection)


def downgrade() -> None:
    connection = op.get_bind()
    group = ensure_app_group(connection)
    connection.execute(text(f"""DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LEGACY_APP_GROUP}')
        THEN CREATE ROLE {LEGACY_APP_GROUP} NOLOGIN; END IF; END $$"""))
    move_app_grants(connection, group, LEGACY_APP_GROUP)
    database = _ident(str(connection.execute(text("SELECT current_database()")).scalar_one()))
    connection.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO PUBLIC"))
    # The group itself stays: roles are the server's, and its members may still be named in a later upgrade.
