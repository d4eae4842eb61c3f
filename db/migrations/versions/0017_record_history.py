"""Every change of a case row is on the record: `record_history`, a third hash chain.

Before this, the app's role could UPDATE and DELETE the case tables without trace (a milestone's done date moved, a
send-back or the Panel's response deleted, the board account given the admin role) and `manage.py verify` still
passed. Now an owner-owned trigger (SECURITY DEFINER, search_path pinned) on every table the app may change writes
each INSERT, UPDATE and DELETE as one row of `record_history`: the table, the operation, the row's id and review,
the row before and after as jsonb (columns named in the trigger's arguments, such as a password hash, replaced by the
sha256 of their text), the account the transaction declared (`rrt.account_id`, set with set_config(..., true) by
db/acting.py), how it acted (`rrt.via`), the database user and the database's own time. An UPDATE that changes
nothing is not recorded. The app's role may only read the history; a trigger refuses UPDATE, DELETE and TRUNCATE
(even by the owner, as for the daily log), and a BEFORE INSERT trigger chains each row as migration 0009 does for
the log and the report versions (the daily log's head locked first, so the three chains always lock in one order).

Left out, on purpose (HISTORY_EXCLUDED; tests/integration/test_record_history.py fails on a table with neither):
daily_log and report_versions (append-only and chained already), record_history itself, record_chain_heads (moved
by the chain triggers only), alembic_version (the app may only read it), sign_in_sessions (each page run's last-seen
write; sessions hold no case data) and calendar_event_states (the calendar feeds' derived sequence numbers, rewritten
as feeds are read; the dates they follow are in the tracked tables).

The daily log's time and author come from the database for the app's role: a BEFORE INSERT trigger sets logged_at to
now() and, when the transaction declared its account, refuses an author other than that account. The owner
(migrations, seeding) may still set both.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
# Frozen here on purpose: services/integrity.py keeps its own copy (a test proves they agree).
HISTORY_CANONICAL = (
    "concat_ws(',', r.id, r.chain_position, "
    f"to_char(r.changed_at AT TIME ZONE 'UTC', {_UTC}), quote_nullable(r.table_name), quote_nullable(r.operation), "
    "quote_nullable(r.row_key), quote_nullable(r.review_id), quote_nullable(r.account_id), quote_nullable(r.via), "
    "quote_nullable(r.database_user), quote_nullable(r.old_row::text), quote_nullable(r.new_row::text))"
)
# Table -> columns stored as the sha256 of their text, not their value.
TRACKED = {
    "accounts": ("password_hash",),
    "agencies": (),
    "agency_return_chases": (),
    "agency_return_send_backs": (),
    "agency_returns": (),
    "calendar_feeds": (),
    "closure_days": (),
    "meeting_agencies": (),
    "meetings": (),
    "milestone_date_corrections": (),
    "milestone_templates": (),
    "panel_responses": (),
    "record_verifications": (),
    "report_sections": (),
    "report_sign_offs": (),
    "review_children": (),
    "review_milestones": (),
    "reviews": (),
    "sent_mail": (),
    "settings": (),
}


def upgrade() -> None:
    op.create_table(
        "record_history",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("operation", sa.String(length=6), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=40), nullable=True),
        sa.Column("database_user", sa.String(length=63), nullable=False),
        sa.Column("old_row", postgresql.JSONB(), nullable=True),
        sa.Column("new_row", postgresql.JSONB(), nullable=True),
        sa.Column("chain_position", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("operation IN ('INSERT', 'UPDATE', 'DELETE')", name="history_operation_known"),
    )
    # A verification counts the history's rows too (blank on the verifications of before this migration).
    op.add_column("record_verifications", sa.Column("history_rows", sa.Integer(), nullable=True))
    op.create_index("ix_record_history_chain_position", "record_history", ["chain_position"], unique=True)
    op.create_index("ix_record_history_review", "record_history", ["review_id", "id"])
    connection = op.get_bind()
    group = connection.execute(sa.text(
        "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r"
        " ON r.oid = a.grantee WHERE c.oid = 'reviews'::regclass AND r.rolname LIKE 'rrt\\_app%' LIMIT 1")).scalar()
    if group is not None:
        # Default privileges (0008, moved by 0016) gave the group full DML: the history is read, never written by it.
        op.execute(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON record_history FROM "{group}"')
    op.execute(f"INSERT INTO record_chain_heads (chain, position, hash) VALUES ('record_history', 0, '{GENESIS}')")
    op.execute("CREATE FUNCTION record_history_canonical(r record_history) RETURNS text LANGUAGE sql STABLE"
               f" AS $$ SELECT {HISTORY_CANONICAL} $$")
    op.execute(
        """
        CREATE FUNCTION chain_record_history() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
            head record_chain_heads%ROWTYPE;
        BEGIN
            -- The log's head first, as every log insert and version insert does: no two transactions wait in a circle.
            PERFORM 1 FROM record_chain_heads WHERE chain = 'daily_log' FOR UPDATE;
            SELECT * INTO head FROM record_chain_heads WHERE chain = 'record_history' FOR UPDATE;
            NEW.chain_position := head.position + 1;
            NEW.chain_hash := encode(sha256(convert_to(head.hash || E'\\n' || record_history_canonical(NEW), 'UTF8')), 'hex');
            UPDATE record_chain_heads SET position = NEW.chain_position, hash = NEW.chain_hash
                WHERE chain = 'record_history';
            RETURN NEW;
        END $$;
        """
    )
    op.execute(
        """
        CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'record_history is append-only: a change is recorded as it happens and never edited';
        END $$;
        """
    )
    op.execute("CREATE TRIGGER record_history_chain BEFORE INSERT ON record_history"
               " FOR EACH ROW EXECUTE FUNCTION chain_record_history()")
    op.execute("CREATE TRIGGER record_history_no_update_delete BEFORE UPDATE OR DELETE ON record_history"
               " FOR EACH ROW EXECUTE FUNCTION refuse_history_change()")
    op.execute("CREATE TRIGGER record_history_no_truncate BEFORE TRUNCATE ON record_history"
               " FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change()")
    op.execute(
        """
        CREATE FUNCTION record_row_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
            before jsonb;
            after jsonb;
            hidden text;
            account text := nullif(current_setting('rrt.account_id', true), '');
        BEGIN
            IF TG_OP <> 'INSERT' THEN before := to_jsonb(OLD); END IF;
            IF TG_OP <> 'DELETE' THEN after := to_jsonb(NEW); END IF;
            IF TG_OP = 'UPDATE' AND before = after THEN
                RETURN NULL;
            END IF;
            FOREACH hidden IN ARRAY coalesce(TG_ARGV, '{}'::text[]) LOOP
                IF before ? hidden AND before ->> hidden IS NOT NULL THEN
                    before := jsonb_set(before, ARRAY[hidden], to_jsonb('sha256:' || encode(sha256(CASE
                        WHEN left(before ->> hidden, 2) = '\\x' THEN decode(substr(before ->> hidden, 3), 'hex')
                        ELSE convert_to(before ->> hidden, 'UTF8') END), 'hex')));
                END IF;
                IF after ? hidden AND after ->> hidden IS NOT NULL THEN
                    after := jsonb_set(after, ARRAY[hidden], to_jsonb('sha256:' || encode(sha256(CASE
                        WHEN left(after ->> hidden, 2) = '\\x' THEN decode(substr(after ->> hidden, 3), 'hex')
                        ELSE convert_to(after ->> hidden, 'UTF8') END), 'hex')));
                END IF;
            END LOOP;
            INSERT INTO record_history (changed_at, table_name, operation, row_key, review_id, account_id, via,
                                        database_user, old_row, new_row, chain_position, chain_hash)
            VALUES (now(), TG_TABLE_NAME, TG_OP, coalesce(after ->> 'id', before ->> 'id', after ->> 'closed_on',
                        before ->> 'closed_on', after ->> 'review_id', before ->> 'review_id',
                        coalesce(after, before) ->> 'meeting_id' || '/' || (coalesce(after, before) ->> 'agency_id')),
                    CASE TG_TABLE_NAME
                        WHEN 'reviews' THEN (coalesce(after, before) ->> 'id')::int
                        WHEN 'agency_return_send_backs' THEN (SELECT review_id FROM agency_returns
                            WHERE id = (coalesce(after, before) ->> 'agency_return_id')::int)
                        WHEN 'agency_return_chases' THEN (SELECT review_id FROM agency_returns
                            WHERE id = (coalesce(after, before) ->> 'agency_return_id')::int)
                        WHEN 'milestone_date_corrections' THEN (SELECT review_id FROM review_milestones
                            WHERE id = (coalesce(after, before) ->> 'milestone_id')::int)
                        WHEN 'meeting_agencies' THEN (SELECT review_id FROM meetings
                            WHERE id = (coalesce(after, before) ->> 'meeting_id')::int)
                        ELSE (coalesce(after, before) ->> 'review_id')::int END,
                    CASE WHEN account ~ '^[0-9]{1,9}$' THEN account::int END,
                    left(nullif(current_setting('rrt.via', true), ''), 40), session_user, before, after, 0, '');
            RETURN NULL;
        END $$;
        """
    )
    op.execute(
        """
        CREATE FUNCTION daily_log_time_and_author() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
            account text := nullif(current_setting('rrt.account_id', true), '');
        BEGIN
            IF pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'daily_log'::regclass), 'MEMBER')
            THEN
                RETURN NEW;  -- the owner (migrations, seeding) may set both
            END IF;
            NEW.logged_at := now();
            IF account IS NOT NULL AND NEW.author_id::text IS DISTINCT FROM account THEN
                RAISE EXCEPTION 'a daily log entry is written by the account acting in this transaction (%), not %',
                    account, NEW.author_id USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """
    )
    # Fired before the chain trigger, which hashes the time and author: triggers of one event fire in name order, and
    # daily_log_a_... sorts before daily_log_chain.
    op.execute("CREATE TRIGGER daily_log_a_time_and_author BEFORE INSERT ON daily_log"
               " FOR EACH ROW EXECUTE FUNCTION daily_log_time_and_author()")
    op.execute("REVOKE ALL ON FUNCTION chain_record_history(), record_row_change(), daily_log_time_and_author()"
               " FROM PUBLIC")
    for table, hidden in TRACKED.items():
        arguments = ", ".join(f"'{column}'" for column in hidden)
        op.execute(f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}"
                   f" FOR EACH ROW EXECUTE FUNCTION record_row_change({arguments})")


def downgrade() -> None:
    for table in TRACKED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_history ON {table}")
    op.execute("DROP TRIGGER IF EXISTS daily_log_a_time_and_author ON daily_log")
    op.execute("DROP FUNCTION IF EXISTS daily_log_time_and_author()")
    op.execute("DROP FUNCTION IF EXISTS record_row_change()")
    op.execute("DROP FUNCTION IF EXISTS record_history_canonical(record_history)")
    op.drop_table("record_history")  # DROP TABLE does not fire the append-only row triggers
    op.execute("DROP FUNCTION IF EXISTS refuse_history_change()")
    op.execute("DROP FUNCTION IF EXISTS chain_record_history()")
    op.execute("DELETE FROM record_chain_heads WHERE chain = 'record_history'")
    op.drop_column("record_verifications", "history_rows")
