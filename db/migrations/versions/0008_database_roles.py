"""Least privilege (issue 12): the app connects as a login role in the NOLOGIN group `rrt_app`, which may read and
write what the services need and no more: SELECT and INSERT only on the daily log and the report versions, no
TRUNCATE, no ownership, no DDL. The owner (who runs this migration) keeps the tables; default privileges give the
group the same grants on tables and sequences the owner creates later.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GROUP = "rrt_app"
APPEND_ONLY = ("daily_log", "report_versions")


def upgrade() -> None:
    # Roles belong to the whole server, not to one database: another database on it may have made the group already.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}') THEN
                BEGIN
                    CREATE ROLE {GROUP} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL;
                END;
            END IF;
        END $$;
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {GROUP}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {GROUP}")
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {GROUP}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {GROUP}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {GROUP}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {GROUP}")


def downgrade() -> None:
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {GROUP}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {GROUP}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {GROUP}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {GROUP}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {GROUP}")
    # The group itself stays: other databases on the same server may still grant to it.
