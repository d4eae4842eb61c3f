"""Tamper evidence (issue 12): each daily-log entry and each report version carries a hash chain.

A BEFORE INSERT trigger (owned by the owner, SECURITY DEFINER) takes the chain's head row FOR UPDATE, so two inserts
wait for each other and never share a predecessor, gives the row the next position and sets
chain_hash = sha256(previous chain_hash || '\n' || the row's canonical text), the canonical text being every column in
a fixed order and form (timestamps in UTC, text quoted, a version's bytes by their own sha256). A version insert takes
the log's head first too, so the two chains always lock in the same order. Existing rows are chained here in id
order. `manage.py verify` recomputes the chain; the app's role may read the heads but not change them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
# Frozen here on purpose: services/integrity.py keeps its own copy of each expression (a test proves they agree).
_UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
LOG_CANONICAL = (
    "concat_ws(',', r.id, r.chain_position, quote_nullable(r.review_id), "
    f"to_char(r.logged_at AT TIME ZONE 'UTC', {_UTC}), r.author_id, quote_nullable(r.category), "
    "quote_nullable(r.text), quote_nullable(r.folder_section), quote_nullable(r.file_path), "
    "quote_nullable(r.milestone_id), quote_nullable(r.corrects_id), r.by_system, quote_nullable(r.agency_return_id))"
)
VERSION_CANONICAL = (
    "concat_ws(',', r.id, r.chain_position, r.review_id, r.number, quote_nullable(r.state), "
    "quote_nullable(to_char(r.step_date, 'YYYY-MM-DD')), quote_nullable(to_char(r.ofsted_sent_on, 'YYYY-MM-DD')), "
    f"to_char(r.created_at AT TIME ZONE 'UTC', {_UTC}), r.created_by_id, quote_nullable(r.created_by_name), "
    "quote_nullable(r.file_name), encode(sha256(r.content), 'hex'), r.size_bytes, quote_nullable(r.sha256), "
    "quote_nullable(r.content_fingerprint))"
)
CHAINS = (
    ("daily_log", "daily_log_no_update_delete", LOG_CANONICAL),
    ("report_versions", "report_versions_no_update_delete", VERSION_CANONICAL),
)


def upgrade() -> None:
    op.create_table(
        "record_chain_heads",
        sa.Column("chain", sa.String(length=40), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
    )
    op.create_table(
        "record_verifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("log_entries", sa.Integer(), nullable=False),
        sa.Column("report_versions", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
    )
    # Default privileges (0008) gave the app's group full DML on both: the heads are moved by the trigger only, and
    # a verification is a record too.
    op.execute("REVOKE INSERT, UPDATE, DELETE ON record_chain_heads FROM rrt_app")
    op.execute("REVOKE UPDATE, DELETE ON record_verifications FROM rrt_app")
    for table, _guard, canonical in CHAINS:
        op.add_column(table, sa.Column("chain_position", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("chain_hash", sa.String(length=64), nullable=True))
        op.execute(f"INSERT INTO record_chain_heads (chain, position, hash) VALUES ('{table}', 0, '{GENESIS}')")
        op.execute(f"CREATE FUNCTION {table}_canonical(r {table}) RETURNS text LANGUAGE sql STABLE"
                   f" AS $$ SELECT {canonical} $$")
    op.execute(
        """
        CREATE FUNCTION chain_daily_log() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
            head record_chain_heads%ROWTYPE;
        BEGIN
            SELECT * INTO head FROM record_chain_heads WHERE chain = 'daily_log' FOR UPDATE;
            NEW.chain_position := head.position + 1;
            NEW.chain_hash := encode(sha256(convert_to(head.hash || E'\\n' || daily_log_canonical(NEW), 'UTF8')), 'hex');
            UPDATE record_chain_heads SET position = NEW.chain_position, hash = NEW.chain_hash WHERE chain = 'daily_log';
            RETURN NEW;
        END $$;
        """
    )
    op.execute(
        """
        CREATE FUNCTION chain_report_versions() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
            head record_chain_heads%ROWTYPE;
        BEGIN
            -- The log's head first, as every log insert does: two transactions never wait for each other in a circle.
            PERFORM 1 FROM record_chain_heads WHERE chain = 'daily_log' FOR UPDATE;
            SELECT * INTO head FROM record_chain_heads WHERE chain = 'report_versions' FOR UPDATE;
            NEW.chain_position := head.position + 1;
            NEW.chain_hash := encode(sha256(convert_to(head.hash || E'\\n' || report_versions_canonical(NEW), 'UTF8')), 'hex');
            UPDATE record_chain_heads SET position = NEW.chain_position, hash = NEW.chain_hash
                WHERE chain = 'report_versions';
            RETURN NEW;
        END $$;
        """
    )
    op.execute("REVOKE ALL ON FUNCTION chain_daily_log(), chain_report_versions() FROM PUBLIC")
    for table, guard, _canonical in CHAINS:
        # Backfill in id order (the order they were made); the append-only guard is lifted for this one statement.
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {guard}")
        op.execute(
            f"""
            DO $$
            DECLARE
                r {table};
                prev text := '{GENESIS}';
                pos bigint := 0;
            BEGIN
                FOR r IN SELECT * FROM {table} ORDER BY id LOOP
                    pos := pos + 1;
                    r.chain_position := pos;
                    prev := encode(sha256(convert_to(prev || E'\\n' || {table}_canonical(r), 'UTF8')), 'hex');
                    UPDATE {table} SET chain_position = pos, chain_hash = prev WHERE id = r.id;
                END LOOP;
                UPDATE record_chain_heads SET position = pos, hash = prev WHERE chain = '{table}';
            END $$;
            """
        )
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {guard}")
        op.alter_column(table, "chain_position", nullable=False)
        op.alter_column(table, "chain_hash", nullable=False)
        op.create_index(f"ix_{table}_chain_position", table, ["chain_position"], unique=True)
        op.execute(f"CREATE TRIGGER {table}_chain BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION chain_{table}()")


def downgrade() -> None:
    for table, _guard, _canonical in CHAINS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_chain ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS chain_{table}()")
        op.drop_index(f"ix_{table}_chain_position", table_name=table)
        # DROP COLUMN does not fire the append-only row triggers.
        op.drop_column(table, "chain_hash")
        op.drop_column(table, "chain_position")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_canonical({table})")
    op.drop_table("record_verifications")
    op.drop_table("record_chain_heads")
