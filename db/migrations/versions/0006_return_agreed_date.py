"""An agreed due date for one agency return (domain.md "Agreed dates and delegation"): the Partnership Manager
may agree a later (or earlier) date with the agency; it replaces the return's computed due date, with a reason.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Frozen here on purpose: db/models_returns.AGREED_DATE_CHECKS mirrors these (a test compares them).
AGREED_DATE_CHECKS = (
    ("agreed_date_needs_reason", "(agreed_due_date IS NULL) = (agreed_reason IS NULL)"),
    ("agreed_reason_not_blank", "agreed_reason IS NULL OR length(btrim(agreed_reason)) > 0"),
    ("agreed_after_requested", "agreed_due_date IS NULL OR agreed_due_date >= requested_date"),
)


def upgrade() -> None:
    op.add_column("agency_returns", sa.Column("agreed_due_date", sa.Date(), nullable=True))
    op.add_column("agency_returns", sa.Column("agreed_reason", sa.Text(), nullable=True))
    for name, sql in AGREED_DATE_CHECKS:
        op.create_check_constraint(name, "agency_returns", sql)


def downgrade() -> None:
    for name, _sql in reversed(AGREED_DATE_CHECKS):
        op.drop_constraint(name, "agency_returns", type_="check")
    op.drop_column("agency_returns", "agreed_reason")
    op.drop_column("agency_returns", "agreed_due_date")
