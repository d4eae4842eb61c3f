"""The case folder holds documents (issue 28): case_folder_documents, what the officers upload to a section of a
review's case folder (the minutes of a meeting, letters, anything else the folder keeps).

- A document is PDF or Word as its content shows, 1 byte to 10 MiB (the agencies' attachments' types and limit,
  migration 0021), its bytes checked against its SHA-256 by the database; its section is I to IV; its title is not
  blank; its file name has no folder in it. Minutes name their meeting, which must be a meeting of the same review.
- It is never deleted or changed: a trigger refuses DELETE, TRUNCATE and every UPDATE but the one that records its
  removal (when, by whom and why, all three, once), for the owner too. The app's group, which the default privileges
  of migration 0008 (moved to the database's own group by 0016) give full DML on every new table, loses DELETE here, as
  migration 0017 took the writes on record_history from it.
- When the transaction declared its account (db/acting.py), the database refuses a document added or removed in
  another account's name, as it does for the daily log's author (migration 0017).
- It is on the record of changes (migration 0017's trigger), its bytes kept there as their SHA-256, as migration 0021
  does for the agencies' attachments.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-09
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# Frozen here on purpose (db/models_folder.py mirrors them; tests/integration/test_schema_drift.py compares them).
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
SECTIONS = ("I", "II", "III", "IV")
TABLE = "case_folder_documents"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("folder_section", sa.String(length=3), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("meetings.id"), nullable=True),
        sa.Column("added_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(_in("folder_section", SECTIONS), name="folder_document_section_known"),
        sa.CheckConstraint("length(btrim(title)) > 0", name="folder_document_title_not_blank"),
        sa.CheckConstraint("length(btrim(file_name)) > 0 AND file_name !~ '[/\\\\]'",
                           name="folder_document_file_name_plain"),
        sa.CheckConstraint(_in("content_type", CONTENT_TYPES), name="folder_document_type_known"),
        sa.CheckConstraint(f"size_bytes BETWEEN 1 AND {MAX_DOCUMENT_BYTES}", name="folder_document_size_limit"),
        sa.CheckConstraint("octet_length(content) = size_bytes", name="folder_document_size_matches"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$' AND sha256 = encode(sha256(content), 'hex')",
                           name="folder_document_sha256_matches"),
        sa.CheckConstraint("(removed_at IS NULL) = (removed_by_id IS NULL)"
                           " AND (removed_at IS NULL) = (removed_reason IS NULL)",
                           name="folder_document_removal_complete"),
        sa.CheckConstraint("removed_reason IS NULL OR length(btrim(removed_reason)) > 0",
                           name="folder_document_removal_reason_not_blank"),
        sa.CheckConstraint("removed_at IS NULL OR removed_at >= added_at", name="folder_document_removed_after_added"),
    )
    op.create_index("ix_case_folder_documents_review", TABLE, ["review_id", "folder_section"])

    # Kept for ever: added once, removed once with a reason, never deleted or otherwise changed (the owner included).
    op.execute(
        """
        CREATE FUNCTION keep_case_folder_document() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            account text := nullif(current_setting('rrt.account_id', true), '');
            removal text[] := ARRAY['removed_at', 'removed_by_id', 'removed_reason'];
        BEGIN
            IF TG_OP = 'TRUNCATE' OR TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'case folder documents are kept: a document is removed with a reason, never deleted'
                    USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'INSERT' THEN
                IF NEW.removed_at IS NOT NULL THEN
                    RAISE EXCEPTION 'a case folder document is added first; its removal is recorded afterwards'
                        USING ERRCODE = 'check_violation';
                END IF;
                IF NEW.meeting_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM meetings WHERE id = NEW.meeting_id AND review_id = NEW.review_id) THEN
                    RAISE EXCEPTION 'meeting % is not a meeting of review %', NEW.meeting_id, NEW.review_id
                        USING ERRCODE = 'check_violation';
                END IF;
                IF account IS NOT NULL AND NEW.added_by_id::text IS DISTINCT FROM account THEN
                    RAISE EXCEPTION 'a case folder document is added by the account acting (%), not %',
                        account, NEW.added_by_id USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END IF;
            IF OLD.removed_at IS NOT NULL THEN
                RAISE EXCEPTION 'case folder document % was removed: it is kept as it was', OLD.id
                    USING ERRCODE = 'check_violation';
            END IF;
            IF (to_jsonb(NEW) - removal) IS DISTINCT FROM (to_jsonb(OLD) - removal) THEN
                RAISE EXCEPTION 'case folder document % is kept as it was added: only its removal can be recorded',
                    OLD.id USING ERRCODE = 'check_violation';
            END IF;
            IF account IS NOT NULL AND NEW.removed_by_id IS NOT NULL AND NEW.removed_by_id::text IS DISTINCT FROM account
            THEN
                RAISE EXCEPTION 'a case folder document is removed by the account acting (%), not %',
                    account, NEW.removed_by_id USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$;
        """
    )
    op.execute(f"CREATE TRIGGER {TABLE}_kept BEFORE INSERT OR UPDATE OR DELETE ON {TABLE}"
               " FOR EACH ROW EXECUTE FUNCTION keep_case_folder_document()")
    op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}"
               " FOR EACH STATEMENT EXECUTE FUNCTION keep_case_folder_document()")

    # On the record of changes, as every case table (migration 0017); the bytes as their SHA-256 (as 0021's).
    op.execute(f"CREATE TRIGGER {TABLE}_history AFTER INSERT OR UPDATE OR DELETE ON {TABLE}"
               " FOR EACH ROW EXECUTE FUNCTION record_row_change('content')")

    # The app's group (found as migration 0017 finds it): the default privileges gave it DELETE; a document is kept.
    group = op.get_bind().execute(sa.text(
        "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r"
        " ON r.oid = a.grantee WHERE c.oid = 'reviews'::regclass AND r.rolname LIKE 'rrt\\_app%' LIMIT 1")).scalar()
    if group is not None:
        op.execute(f'REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON {TABLE} FROM "{group}"')


def downgrade() -> None:
    # DROP TABLE does not fire the row triggers; a downgrade drops every uploaded document (none is migrated back).
    op.drop_table(TABLE)
    op.execute("DROP FUNCTION IF EXISTS keep_case_folder_document()")
