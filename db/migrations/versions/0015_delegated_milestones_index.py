"""Issue 16: the milestones delegated to an account, found by an index instead of walking every live review's
milestones (the Live reviews page asks on every run, for the account signed in; so do the calendar feed and the
daily digest). Partial: only open, delegated milestones are ever looked up this way.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
from alembic import op
from sqlalchemy import text

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_review_milestones_delegated_open", "review_milestones", ["delegated_to_id"],
                    postgresql_where=text("delegated_to_id IS NOT NULL AND done_date IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_review_milestones_delegated_open", table_name="review_milestones")
