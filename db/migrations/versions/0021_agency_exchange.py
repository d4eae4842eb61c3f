"""Agencies answer their scoping request through a private link (the returns loop of Days 1-6).

- agency_exchange_settings: one row; how many working days after a return's due date its link keeps working.
- agency_form_versions / agency_form_sections: the partnership's scoping form, versioned. A version is a list of
  ordered sections (heading, guidance, required or optional, and a kind: free text, dates and episodes, or the senior
  manager's confirmation). Version 1 is seeded from the guide. A link keeps the version it was sent with.
- agency_return_links: one agency's private link to its one return. The token is stored only as its SHA-256 hash;
  a link is issued by an account, may be revoked (with a reason) and reissued (the new one names the old). At most
  one live link per return.
- agency_return_rounds: the agency's answer for one round of a return (round 1 the first return, round n+1 the answer
  to the n-th send-back), a draft until submitted; who typed it (as typed) and the senior manager's confirmation.
- agency_return_answers: the text of each section in a round.
- agency_return_attachments: documents the agency attached to a round (PDF or Word, at most 10 MiB), kept in the
  database with their SHA-256, which the database checks against the bytes.

Every round is kept: a submitted round, its answers and its attachments can no longer be changed or deleted (a
trigger refuses it, for the owner too). A link stops when its return ends (accepted, "no return", withdrawn) or its
review is withdrawn or closed: triggers on agency_returns and reviews revoke it in the same transaction, whichever
service made the change. Every new table is on the record of changes (migration 0017's trigger); an attachment's
bytes are kept there as their SHA-256. The app's group gets its grants on these tables from the default privileges of
migration 0008 (moved to the database's own group by 0016), as every table since.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Frozen here on purpose (db/models_agency.py mirrors them; tests/integration/test_schema_drift.py compares them).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = (
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
SECTION_KINDS = ("text", "dates", "confirmation")
MAX_ANSWER_CHARS = 20000
DEFAULT_LINK_EXPIRY_WORKING_DAYS = 10

# The default form, drawn from the guide (domain.md "The scoping form and the agencies").
_NO_NAMES = " Use initials and roles: no names, dates of birth, addresses or NHS numbers."
DEFAULT_SECTIONS = (
    ("involvement", "text", True, "The agency's involvement with the child and family",
     "Who in your agency was involved with the child and family, when, and what service you gave." + _NO_NAMES),
    ("key_dates", "dates", True, "Key dates and episodes",
     "The dates of your contacts and the key episodes, in date order, for example \"12/03/2026: home visit by the "
     "health visitor\"." + _NO_NAMES),
    ("analysis", "text", True, "Analysis of practice",
     "What went well and what could have been better, and why: an analysis of the practice, not only a "
     "chronology."),
    ("learning", "text", True, "Learning and immediate actions taken",
     "What your agency has learned so far, and the actions already taken (for example to keep other children "
     "safe)."),
    ("confirmation", "confirmation", True, "Senior manager's quality confirmation",
     "A senior manager of your agency confirms the quality of this return before it is submitted: their name, "
     "their role and the date they confirmed it."),
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "agency_exchange_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_expiry_working_days", sa.Integer(), nullable=False,
                  server_default=str(DEFAULT_LINK_EXPIRY_WORKING_DAYS)),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.CheckConstraint("id = 1", name="agency_exchange_single_row"),
        sa.CheckConstraint("link_expiry_working_days BETWEEN 1 AND 60", name="link_expiry_range"),
    )
    op.execute("INSERT INTO agency_exchange_settings (id) VALUES (1)")

    op.create_table(
        "agency_form_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("number", name="agency_form_versions_number_key"),
        sa.CheckConstraint("number >= 1", name="form_version_number_positive"),
    )
    op.create_table(
        "agency_form_sections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("form_version_id", sa.Integer(), sa.ForeignKey("agency_form_versions.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("heading", sa.String(length=200), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False, server_default=""),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("form_version_id", "position", name="one_section_per_position"),
        sa.UniqueConstraint("form_version_id", "key", name="one_section_per_key"),
        sa.CheckConstraint("position >= 1", name="section_position_positive"),
        sa.CheckConstraint("key ~ '^[a-z][a-z0-9_]{0,39}$'", name="section_key_format"),
        sa.CheckConstraint(_in("kind", SECTION_KINDS), name="section_kind_known"),
        sa.CheckConstraint("length(btrim(heading)) > 0", name="section_heading_not_blank"),
    )
    op.create_index("one_confirmation_per_form", "agency_form_sections", ["form_version_id"], unique=True,
                    postgresql_where=sa.text("kind = 'confirmation'"))
    version_id = op.get_bind().execute(sa.text(
        "INSERT INTO agency_form_versions (number, note) VALUES (1, 'The default form, drawn from the guide.')"
        " RETURNING id")).scalar_one()
    for position, (key, kind, required, heading, guidance) in enumerate(DEFAULT_SECTIONS, start=1):
        op.get_bind().execute(sa.text(
            "INSERT INTO agency_form_sections (form_version_id, position, key, kind, heading, guidance, required)"
            " VALUES (:version, :position, :key, :kind, :heading, :guidance, :required)"),
            {"version": version_id, "position": position, "key": key, "kind": kind, "heading": heading,
             "guidance": guidance, "required": required})

    op.create_table(
        "agency_return_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_return_id", sa.Integer(), sa.ForeignKey("agency_returns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("form_version_id", sa.Integer(), sa.ForeignKey("agency_form_versions.id"), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.Column("reissued_from_id", sa.Integer(), sa.ForeignKey("agency_return_links.id"), nullable=True),
        sa.UniqueConstraint("token_hash", name="agency_return_links_token_hash_key"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="link_token_hash_is_sha256"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="link_revocation_complete"),
        sa.CheckConstraint("revoked_reason IS NULL OR length(btrim(revoked_reason)) > 0",
                           name="link_revoked_reason_not_blank"),
        sa.CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="link_revoker_needs_revocation"),
        sa.CheckConstraint("reissued_from_id IS DISTINCT FROM id", name="link_not_reissued_from_itself"),
    )
    op.create_index("ix_agency_return_links_return", "agency_return_links", ["agency_return_id"])
    op.create_index("one_live_link_per_return", "agency_return_links", ["agency_return_id"], unique=True,
                    postgresql_where=sa.text("revoked_at IS NULL"))

    op.create_table(
        "agency_return_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_return_id", sa.Integer(), sa.ForeignKey("agency_returns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), sa.ForeignKey("agency_form_versions.id"), nullable=False),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("agency_return_links.id"), nullable=False),
        sa.Column("author_name", sa.String(length=120), nullable=True),
        sa.Column("senior_manager_name", sa.String(length=120), nullable=True),
        sa.Column("senior_manager_role", sa.String(length=120), nullable=True),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.UniqueConstraint("agency_return_id", "round", name="one_answer_per_round"),
        sa.CheckConstraint("round >= 1", name="round_positive"),
        sa.CheckConstraint(
            "submitted_at IS NULL OR (confirmed AND length(btrim(coalesce(author_name, ''))) > 0"
            " AND length(btrim(coalesce(senior_manager_name, ''))) > 0"
            " AND length(btrim(coalesce(senior_manager_role, ''))) > 0 AND confirmed_on IS NOT NULL)",
            name="submitted_round_is_confirmed"),
        sa.CheckConstraint("submitted_at IS NULL OR submitted_at >= started_at", name="submitted_after_started"),
    )
    op.create_index("ix_agency_return_rounds_review", "agency_return_rounds", ["review_id"])

    op.create_table(
        "agency_return_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("agency_return_rounds.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("section_id", sa.Integer(), sa.ForeignKey("agency_form_sections.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("round_id", "section_id", name="one_answer_per_section"),
        sa.CheckConstraint(f"length(text) <= {MAX_ANSWER_CHARS}", name="answer_length_limit"),
    )

    op.create_table(
        "agency_return_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("agency_return_rounds.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("agency_return_id", sa.Integer(), sa.ForeignKey("agency_returns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_by_name", sa.String(length=120), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint(_in("content_type", CONTENT_TYPES), name="attachment_type_known"),
        sa.CheckConstraint(f"size_bytes BETWEEN 1 AND {MAX_ATTACHMENT_BYTES}", name="attachment_size_limit"),
        sa.CheckConstraint("octet_length(content) = size_bytes", name="attachment_size_matches"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$' AND sha256 = encode(sha256(content), 'hex')",
                           name="attachment_sha256_matches"),
        sa.CheckConstraint("length(btrim(file_name)) > 0 AND file_name !~ '[/\\\\]'",
                           name="attachment_file_name_plain"),
        sa.CheckConstraint("length(btrim(added_by_name)) > 0", name="attachment_author_not_blank"),
    )
    op.create_index("ix_agency_return_attachments_round", "agency_return_attachments", ["round_id"])

    # Every round is kept: a submitted round and what it holds are never changed or deleted afterwards.
    op.execute(
        """
        CREATE FUNCTION refuse_submitted_round_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            round_id integer;
        BEGIN
            IF TG_TABLE_NAME = 'agency_return_rounds' THEN
                IF OLD.submitted_at IS NOT NULL THEN
                    RAISE EXCEPTION 'round % of return % was submitted: it is kept as it was sent',
                        OLD.round, OLD.agency_return_id USING ERRCODE = 'check_violation';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            round_id := CASE WHEN TG_OP = 'DELETE' THEN OLD.round_id ELSE NEW.round_id END;
            IF EXISTS (SELECT 1 FROM agency_return_rounds WHERE id = round_id AND submitted_at IS NOT NULL)
               OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM agency_return_rounds
                                                WHERE id = OLD.round_id AND submitted_at IS NOT NULL)) THEN
                RAISE EXCEPTION 'that round was submitted: its answers and documents are kept as they were sent'
                    USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$;
        """
    )
    op.execute("CREATE TRIGGER agency_return_rounds_kept BEFORE UPDATE OR DELETE ON agency_return_rounds"
               " FOR EACH ROW EXECUTE FUNCTION refuse_submitted_round_change()")
    for table in ("agency_return_answers", "agency_return_attachments"):
        op.execute(f"CREATE TRIGGER {table}_kept BEFORE INSERT OR UPDATE OR DELETE ON {table}"
                   " FOR EACH ROW EXECUTE FUNCTION refuse_submitted_round_change()")

    # A link stops when its return ends or its review is withdrawn or closed, whichever service made the change.
    op.execute(
        """
        CREATE FUNCTION revoke_agency_links() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'agency_returns' THEN
                IF NEW.ended_as IS NOT NULL AND OLD.ended_as IS NULL THEN
                    UPDATE agency_return_links SET revoked_at = now(),
                           revoked_reason = 'The return was closed as ''' || NEW.ended_as || '''.'
                     WHERE agency_return_id = NEW.id AND revoked_at IS NULL;
                ELSIF NEW.final_qa_outcome = 'accepted' AND OLD.final_qa_outcome IS DISTINCT FROM 'accepted' THEN
                    UPDATE agency_return_links SET revoked_at = now(), revoked_reason = 'The return was accepted.'
                     WHERE agency_return_id = NEW.id AND revoked_at IS NULL;
                END IF;
            ELSIF NEW.state IN ('withdrawn', 'closed') AND OLD.state IS DISTINCT FROM NEW.state THEN
                UPDATE agency_return_links SET revoked_at = now(),
                       revoked_reason = 'The review was ' || NEW.state || '.'
                 WHERE review_id = NEW.id AND revoked_at IS NULL;
            END IF;
            RETURN NULL;
        END $$;
        """
    )
    op.execute("CREATE TRIGGER agency_returns_revoke_links AFTER UPDATE ON agency_returns"
               " FOR EACH ROW EXECUTE FUNCTION revoke_agency_links()")
    op.execute("CREATE TRIGGER reviews_revoke_agency_links AFTER UPDATE ON reviews"
               " FOR EACH ROW EXECUTE FUNCTION revoke_agency_links()")

    # On the record of changes, as every case table (migration 0017); an attachment's bytes as their SHA-256.
    for table, hidden in (("agency_exchange_settings", ""), ("agency_form_versions", ""),
                          ("agency_form_sections", ""), ("agency_return_links", ""), ("agency_return_rounds", ""),
                          ("agency_return_answers", ""), ("agency_return_attachments", "'content'")):
        op.execute(f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}"
                   f" FOR EACH ROW EXECUTE FUNCTION record_row_change({hidden})")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS reviews_revoke_agency_links ON reviews")
    op.execute("DROP TRIGGER IF EXISTS agency_returns_revoke_links ON agency_returns")
    op.execute("DROP FUNCTION IF EXISTS revoke_agency_links()")
    # The kept rounds' triggers go with their tables; a downgrade drops every agency answer (none is migrated back).
    op.drop_table("agency_return_attachments")
    op.drop_table("agency_return_answers")
    op.drop_table("agency_return_rounds")
    op.execute("DROP FUNCTION IF EXISTS refuse_submitted_round_change()")
    op.drop_table("agency_return_links")
    op.drop_index("one_confirmation_per_form", table_name="agency_form_sections")
    op.drop_table("agency_form_sections")
    op.drop_table("agency_form_versions")
    op.drop_table("agency_exchange_settings")
