"""Agency returns (scoping forms), their chases, and the daily log's link to a return.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen here on purpose: db/models_returns.RETURN_CHECKS mirrors this list (a test compares them).
RETURN_CHECKS = (
    ("received_after_requested", "received_date IS NULL OR received_date >= requested_date"),
    ("receipt_records_signature", "received_date IS NULL OR signed_by_senior_manager IS NOT NULL"),
    ("signed_names_role", "signed_by_senior_manager IS NOT TRUE OR signatory_role IS NOT NULL"),
    ("initial_check_outcome_known", "initial_check_outcome IS NULL OR initial_check_outcome IN ('satisfactory','concerns')"),
    (
        "initial_check_complete",
        "(initial_check_date IS NULL) = (initial_check_outcome IS NULL)"
        " AND (initial_check_date IS NULL) = (initial_checked_by_id IS NULL)"
        " AND (initial_check_date IS NULL OR (check_sufficient_information IS NOT NULL AND check_dates_present"
        " IS NOT NULL AND check_analysis IS NOT NULL AND check_signed IS NOT NULL))",
    ),
    (
        "initial_check_after_receipt",
        "initial_check_date IS NULL OR (received_date IS NOT NULL"
        " AND initial_check_date >= COALESCE(resubmission_received_date, received_date))",
    ),
    (
        "shared_after_receipt",
        "shared_with_chair_date IS NULL OR (received_date IS NOT NULL"
        " AND shared_with_chair_date >= COALESCE(resubmission_received_date, received_date))",
    ),
    ("final_qa_outcome_known", "final_qa_outcome IS NULL OR final_qa_outcome IN ('accepted','sent back')"),
    (
        "final_qa_complete",
        "(final_qa_date IS NULL) = (final_qa_outcome IS NULL) AND (final_qa_date IS NULL) = (final_qa_by_id IS NULL)",
    ),
    ("final_qa_after_initial_check", "final_qa_date IS NULL OR (initial_check_date IS NOT NULL AND final_qa_date >= initial_check_date)"),
    (
        "send_back_complete",
        "(sent_back_date IS NULL) = (sent_back_reason IS NULL) AND (sent_back_date IS NULL) = (resubmission_due_date IS NULL)",
    ),
    ("sent_back_reason_not_blank", "sent_back_reason IS NULL OR length(btrim(sent_back_reason)) > 0"),
    (
        "sent_back_matches_qa",
        "final_qa_outcome IS DISTINCT FROM 'sent back' OR sent_back_date IS NOT DISTINCT FROM final_qa_date",
    ),
    ("new_due_after_sent_back", "resubmission_due_date IS NULL OR resubmission_due_date >= sent_back_date"),
    ("sent_back_after_receipt", "sent_back_date IS NULL OR (received_date IS NOT NULL AND sent_back_date >= received_date)"),
    ("sent_back_count_matches", "sent_back_count >= 0 AND (sent_back_count = 0) = (sent_back_date IS NULL)"),
    (
        "resubmission_after_sent_back",
        "resubmission_received_date IS NULL OR (sent_back_date IS NOT NULL AND resubmission_received_date >= sent_back_date)",
    ),
    ("file_section_known", "file_section IS NULL OR file_section IN ('I','II','III','IV')"),
    ("file_path_needs_section", "(file_path IS NULL) = (file_section IS NULL)"),
)


def upgrade() -> None:
    op.create_table(
        "agency_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("requested_date", sa.Date(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("signed_by_senior_manager", sa.Boolean(), nullable=True),
        sa.Column("signatory_role", sa.String(length=120), nullable=True),
        sa.Column("check_sufficient_information", sa.Boolean(), nullable=True),
        sa.Column("check_dates_present", sa.Boolean(), nullable=True),
        sa.Column("check_analysis", sa.Boolean(), nullable=True),
        sa.Column("check_signed", sa.Boolean(), nullable=True),
        sa.Column("initial_check_outcome", sa.String(length=20), nullable=True),
        sa.Column("initial_check_note", sa.Text(), nullable=True),
        sa.Column("initial_check_date", sa.Date(), nullable=True),
        sa.Column("initial_checked_by_id", sa.Integer(), nullable=True),
        sa.Column("shared_with_chair_date", sa.Date(), nullable=True),
        sa.Column("final_qa_outcome", sa.String(length=20), nullable=True),
        sa.Column("final_qa_date", sa.Date(), nullable=True),
        sa.Column("final_qa_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_back_date", sa.Date(), nullable=True),
        sa.Column("sent_back_reason", sa.Text(), nullable=True),
        sa.Column("resubmission_due_date", sa.Date(), nullable=True),
        sa.Column("sent_back_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("resubmission_received_date", sa.Date(), nullable=True),
        sa.Column("file_section", sa.String(length=3), nullable=True),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        *(sa.CheckConstraint(sql, name=name) for name, sql in RETURN_CHECKS),
        sa.ForeignKeyConstraint(["review_id"], ["reviews.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["initial_checked_by_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["final_qa_by_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "agency_id", name="one_return_per_agency"),
    )
    op.create_table(
        "agency_return_chases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_return_id", sa.Integer(), nullable=False),
        sa.Column("chased_on", sa.Date(), nullable=False),
        sa.Column("chased_by_id", sa.Integer(), nullable=False),
        sa.Column("chased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["agency_return_id"], ["agency_returns.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["chased_by_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agency_return_chases_agency_return_id", "agency_return_chases", ["agency_return_id"])
    # The log keeps a link to the return an entry is about (nullable: most entries are not).
    op.add_column("daily_log", sa.Column("agency_return_id", sa.Integer(), nullable=True))
    op.create_foreign_key("daily_log_agency_return_id_fkey", "daily_log", "agency_returns", ["agency_return_id"], ["id"])
    op.create_index("ix_daily_log_agency_return", "daily_log", ["agency_return_id"])


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN does not fire the append-only row triggers.
    op.drop_index("ix_daily_log_agency_return", table_name="daily_log")
    op.drop_constraint("daily_log_agency_return_id_fkey", "daily_log", type_="foreignkey")
    op.drop_column("daily_log", "agency_return_id")
    op.drop_index("ix_agency_return_chases_agency_return_id", table_name="agency_return_chases")
    op.drop_table("agency_return_chases")
    op.drop_table("agency_returns")
