"""Meetings (Rapid Review meeting, pre-meets, executive findings meeting), the report's written sections and
every generated version of the report, kept byte for byte and append-only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen here on purpose: db/models_report.MEETING_CHECKS / VERSION_CHECKS mirror these (a test compares them).
MEETING_CHECKS = (
    ("meeting_kind_known", "kind IN ('rr_meeting','pre_meet','exec_meeting')"),
    ("meeting_has_chair", "kind = 'pre_meet' OR length(btrim(coalesce(chair_name, ''))) > 0"),
    ("minutes_after_meeting", "minutes_circulated_on IS NULL OR minutes_circulated_on >= held_on"),
)
VERSION_CHECKS = (
    ("version_state_known", "state IN ('draft','sent_to_chair','signed_final','submitted')"),
    ("version_number_positive", "number >= 1"),
    ("step_date_unless_draft", "(state = 'draft') = (step_date IS NULL)"),
    ("ofsted_only_on_submission", "ofsted_sent_on IS NULL OR (state = 'submitted' AND ofsted_sent_on >= step_date)"),
    ("sha256_is_hex", "sha256 ~ '^[0-9a-f]{64}$'"),
    ("size_matches_content", "size_bytes = octet_length(content)"),
)


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("chair_name", sa.String(length=120), nullable=True),
        sa.Column("minute_taker_name", sa.String(length=120), nullable=True),
        sa.Column("minutes_circulated_on", sa.Date(), nullable=True),
        sa.Column("decisions", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        *(sa.CheckConstraint(sql, name=name) for name, sql in MEETING_CHECKS),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meetings_review_id", "meetings", ["review_id"])
    op.create_index("one_meeting_of_a_kind", "meetings", ["review_id", "kind"], unique=True,
                    postgresql_where=sa.text("kind IN ('rr_meeting','exec_meeting')"))
    op.create_table(
        "meeting_agencies",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("meeting_id", "agency_id"),
    )
    op.create_table(
        "report_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "section_key", name="one_text_per_section"),
    )
    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("step_date", sa.Date(), nullable=True),
        sa.Column("ofsted_sent_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_by_name", sa.String(length=120), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_fingerprint", sa.String(length=64), nullable=False),
        *(sa.CheckConstraint(sql, name=name) for name, sql in VERSION_CHECKS),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "number", name="one_number_per_version"),
    )
    op.create_index("one_signed_final_per_review", "report_versions", ["review_id"], unique=True,
                    postgresql_where=sa.text("state = 'signed_final'"))
    op.create_index("one_submitted_per_review", "report_versions", ["review_id"], unique=True,
                    postgresql_where=sa.text("state = 'submitted'"))
    # A version is a record of what was sent and signed: nobody, the app's own user included, may change it.
    op.execute(
        """
        CREATE FUNCTION refuse_report_version_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'report versions are kept as made: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER report_versions_no_update_delete BEFORE UPDATE OR DELETE ON report_versions"
        " FOR EACH ROW EXECUTE FUNCTION refuse_report_version_change()"
    )
    op.execute(
        "CREATE TRIGGER report_versions_no_truncate BEFORE TRUNCATE ON report_versions"
        " FOR EACH STATEMENT EXECUTE FUNCTION refuse_report_version_change()"
    )


def downgrade() -> None:
    # DROP TABLE does not fire the row or TRUNCATE triggers.
    op.drop_table("report_versions")
    op.execute("DROP FUNCTION IF EXISTS refuse_report_version_change()")
    op.drop_table("report_sections")
    op.drop_table("meeting_agencies")
    op.drop_index("one_meeting_of_a_kind", table_name="meetings")
    op.drop_index("ix_meetings_review_id", table_name="meetings")
    op.drop_table("meetings")
