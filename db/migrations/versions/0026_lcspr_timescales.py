"""The LCSPR's timescales as settings (issue 29): each a column of the single settings row, with its default and range.

- lcspr_commission_days: the reviewer commissioned within N working days of the decision (local default 20);
- lcspr_terms_days: the terms of reference agreed within N working days of commissioning (local default 15);
- lcspr_involvement_days: practitioners and the family involved by N working days after the terms (local default 40);
- lcspr_draft_before_days: the draft to the partners N working days before the completion date (local default 20);
- lcspr_completion_months: the final report within N months of the decision (Working Together 2023: six months);
- lcspr_copies_before_days: the copies to the Panel and the Secretary of State at least N working days before
  publication (Working Together 2023: seven working days; never fewer);
- lcspr_publication_days: publication within N working days of the final report (local default 30), never sooner
  than the copies' notice allows.

docs/lcspr.md gives each source.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# (column, default, CHECK name, CHECK SQL): frozen here; db/models.py mirrors them.
COLUMNS = (
    ("lcspr_commission_days", 20, "lcspr_commission_days_range", "lcspr_commission_days BETWEEN 1 AND 120"),
    ("lcspr_terms_days", 15, "lcspr_terms_days_range", "lcspr_terms_days BETWEEN 1 AND 120"),
    ("lcspr_involvement_days", 40, "lcspr_involvement_days_range", "lcspr_involvement_days BETWEEN 1 AND 250"),
    ("lcspr_draft_before_days", 20, "lcspr_draft_before_days_range", "lcspr_draft_before_days BETWEEN 1 AND 120"),
    ("lcspr_completion_months", 6, "lcspr_completion_months_range", "lcspr_completion_months BETWEEN 1 AND 24"),
    ("lcspr_copies_before_days", 7, "lcspr_copies_before_days_range", "lcspr_copies_before_days BETWEEN 7 AND 60"),
    ("lcspr_publication_days", 30, "lcspr_publication_days_range", "lcspr_publication_days BETWEEN 7 AND 250"),
)
ORDER_CHECK = ("lcspr_publication_after_copies_notice", "lcspr_publication_days >= lcspr_copies_before_days")


def upgrade() -> None:
    for column, default, check, sql in COLUMNS:
        op.add_column("settings", sa.Column(column, sa.Integer(), nullable=False, server_default=str(default)))
        op.create_check_constraint(check, "settings", sql)
    op.create_check_constraint(ORDER_CHECK[0], "settings", ORDER_CHECK[1])


def downgrade() -> None:
    op.drop_constraint(ORDER_CHECK[0], "settings", type_="check")
    for column, _default, check, _sql in reversed(COLUMNS):
        op.drop_constraint(check, "settings", type_="check")
        op.drop_column("settings", column)
