"""Issue 11: the administrator's editable records count their saves, so two administrators never silently
overwrite each other: agencies, the settings row and the plan's steps get a version column.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("agencies", "settings", "milestone_templates")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "version")
