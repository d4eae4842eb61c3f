"""The review's decision on a Local Child Safeguarding Practice Review (LCSPR), with reasons.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reviews", sa.Column("lcspr_decision", sa.Boolean(), nullable=True))
    op.add_column("reviews", sa.Column("lcspr_reason", sa.Text(), nullable=True))
    op.create_check_constraint(
        "lcspr_decision_has_reason", "reviews", "lcspr_decision IS NULL OR length(btrim(lcspr_reason)) > 0"
    )


def downgrade() -> None:
    op.drop_constraint("lcspr_decision_has_reason", "reviews", type_="check")
    op.drop_column("reviews", "lcspr_reason")
    op.drop_column("reviews", "lcspr_decision")
