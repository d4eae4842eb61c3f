"""A data version per review, and one for the partnership, kept by the database (issue 31).

Before this, kept reads (services.unit_of_work.read_shared) were keyed by the sum of the three record chains' heads,
which every write moves: a write to one review emptied every kept read, the live list's and every other review's.

`data_versions` holds one row per scope: ('review', the review's id) and ('partnership', 1) (one partnership for now;
issue 30 makes it one per partnership). A scope's version is the id of the last transaction that changed it
(txid_current(): never the same for two transactions, so a kept read keyed by it is never taken for a later state).
- Every change the record of changes writes (migration 0017's trigger, which already works out each row's review)
  moves its review's version, or the partnership's when the row has no review (settings, closure days, agencies,
  accounts, the plan, ...): a row trigger on record_history, which moves a scope once per transaction (an indexed
  look-up finds it moved already), so a bulk change costs one look-up per row beside the history row it writes.
- A daily log entry or a report version (chains of their own, not in record_history) moves its review's version, or
  the partnership's for an entry of no review: a statement trigger on each, reading the statement's new rows (one
  upsert per statement, so a bulk load of a million log entries costs one statement more, not a million).
Backfilled: a row for the partnership and for every review, moved by this migration's transaction. A review with no
row (a copy loaded with the triggers off) reads as version 0 until its first change.

The app's role may only read it (moved by the SECURITY DEFINER triggers only). It holds no case data and is left out
of record_history (services.integrity.HISTORY_EXCLUDED): each of its changes follows one that is recorded.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

PARTNERSHIP = 1


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "scope_id", name="data_versions_pkey"),
        sa.CheckConstraint("scope IN ('partnership', 'review')", name="data_version_scope_known"),
    )
    group = op.get_bind().execute(sa.text(
        "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r"
        " ON r.oid = a.grantee WHERE c.oid = 'reviews'::regclass AND r.rolname LIKE 'rrt\\_app%' LIMIT 1")).scalar()
    if group is not None:
        # Default privileges (0008, moved by 0016) gave the group full DML: the versions are read, never written by it.
        op.execute(f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON data_versions FROM "{group}"')
    op.execute(
        f"""
        CREATE FUNCTION move_data_version_of_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        DECLARE
            moved bigint := txid_current();
            kind text := CASE WHEN NEW.review_id IS NULL THEN 'partnership' ELSE 'review' END;
            key integer := coalesce(NEW.review_id, {PARTNERSHIP});
        BEGIN
            -- Once per scope and transaction: a bulk change looks the row up, and writes it only the first time.
            PERFORM 1 FROM data_versions WHERE scope = kind AND scope_id = key AND version = moved;
            IF NOT FOUND THEN
                INSERT INTO data_versions (scope, scope_id, version) VALUES (kind, key, moved)
                    ON CONFLICT (scope, scope_id) DO UPDATE SET version = EXCLUDED.version;
            END IF;
            RETURN NULL;
        END $$;
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION move_data_versions_of_rows() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = public, pg_temp AS $$
        BEGIN
            INSERT INTO data_versions (scope, scope_id, version)
                SELECT DISTINCT CASE WHEN review_id IS NULL THEN 'partnership' ELSE 'review' END,
                       coalesce(review_id, {PARTNERSHIP}), txid_current() FROM added
                ON CONFLICT (scope, scope_id) DO UPDATE SET version = EXCLUDED.version
                    WHERE data_versions.version <> EXCLUDED.version;
            RETURN NULL;
        END $$;
        """
    )
    op.execute("REVOKE ALL ON FUNCTION move_data_version_of_change(), move_data_versions_of_rows() FROM PUBLIC")
    op.execute("CREATE TRIGGER record_history_data_version AFTER INSERT ON record_history"
               " FOR EACH ROW EXECUTE FUNCTION move_data_version_of_change()")
    for table in ("daily_log", "report_versions"):
        op.execute(f"CREATE TRIGGER {table}_data_version AFTER INSERT ON {table} REFERENCING NEW TABLE AS added"
                   " FOR EACH STATEMENT EXECUTE FUNCTION move_data_versions_of_rows()")
    op.execute(f"INSERT INTO data_versions (scope, scope_id, version) VALUES ('partnership', {PARTNERSHIP},"
               " txid_current())")
    op.execute("INSERT INTO data_versions (scope, scope_id, version) SELECT 'review', id, txid_current() FROM reviews")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS record_history_data_version ON record_history")
    for table in ("daily_log", "report_versions"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS move_data_version_of_change()")
    op.execute("DROP FUNCTION IF EXISTS move_data_versions_of_rows()")
    op.drop_table("data_versions")
