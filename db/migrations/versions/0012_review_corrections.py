"""Issue 14: reviews as they really run.

- The incident and CSC-awareness dates may be unknown when a review is opened (required before sign-off).
- agencies.jcr_rep_email: the agency's JCR Group representative, copied on send-backs and chases.
- agency_return_send_backs: every send-back round of a return, with its date, reason and new due date (the row
  keeps only the last; earlier rounds were in the log alone). Existing last send-backs are copied in.
- milestone_date_corrections: a completed step's date corrected, with the old and new dates and the reason; the
  step's done date changes, the correction stays.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("reviews", "incident_date", existing_type=sa.Date(), nullable=True)
    op.alter_column("reviews", "csc_aware_date", existing_type=sa.Date(), nullable=True)

    op.add_column("agencies", sa.Column("jcr_rep_email", sa.String(200), nullable=True))

    op.create_table(
        "agency_return_send_backs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_return_id", sa.Integer(), sa.ForeignKey("agency_returns.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("sent_back_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resubmission_due_date", sa.Date(), nullable=True),
        sa.Column("sent_back_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("agency_return_id", "round", name="one_send_back_per_round"),
        sa.CheckConstraint("round >= 1", name="send_back_round_positive"),
        sa.CheckConstraint("length(btrim(reason)) > 0", name="send_back_reason_not_blank"),
    )
    op.execute(
        "INSERT INTO agency_return_send_backs (agency_return_id, round, sent_back_on, reason, resubmission_due_date)"
        " SELECT id, GREATEST(sent_back_count, 1), sent_back_date, COALESCE(NULLIF(btrim(sent_back_reason), ''),"
        " 'Not recorded'), resubmission_due_date FROM agency_returns WHERE sent_back_date IS NOT NULL"
    )

    op.create_table(
        "milestone_date_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("milestone_id", sa.Integer(), sa.ForeignKey("review_milestones.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("old_done_date", sa.Date(), nullable=False),
        sa.Column("new_done_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("old_done_date <> new_done_date", name="correction_changes_date"),
        sa.CheckConstraint("length(btrim(reason)) > 0", name="correction_reason_not_blank"),
    )


def downgrade() -> None:
    op.drop_table("milestone_date_corrections")
    op.drop_table("agency_return_send_backs")
    op.drop_column("agencies", "jcr_rep_email")
    op.execute("UPDATE reviews SET incident_date = notification_received_date WHERE incident_date IS NULL")
    op.execute("UPDATE reviews SET csc_aware_date = notification_received_date WHERE csc_aware_date IS NULL")
    op.alter_column("reviews", "csc_aware_date", existing_type=sa.Date(), nullable=False)
    op.alter_column("reviews", "incident_date", existing_type=sa.Date(), nullable=False)
