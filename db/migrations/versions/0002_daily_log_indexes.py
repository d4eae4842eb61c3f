"""Indexes for reading a review's daily log newest first and for milestone look-ups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_daily_log_review_time", "daily_log", ["review_id", "logged_at", "id"])
    op.create_index("ix_daily_log_author", "daily_log", ["author_id"])
    op.create_index("ix_review_milestones_review", "review_milestones", ["review_id"])


def downgrade() -> None:
    op.drop_index("ix_review_milestones_review", table_name="review_milestones")
    op.drop_index("ix_daily_log_author", table_name="daily_log")
    op.drop_index("ix_daily_log_review_time", table_name="daily_log")
