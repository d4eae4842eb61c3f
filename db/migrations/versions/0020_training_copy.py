"""A training copy is marked in the settings, not guessed from the partnership's name.

The demo loader sets settings.training_copy; every page (the sign-in page too) then says "Training copy". Before,
the label followed the demo partnership's name, so renaming the partnership on the Administration page removed it
from a database that still held the demo's accounts. An installation that already holds the demo is marked here.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("settings", sa.Column("training_copy", sa.Boolean(), nullable=False, server_default=sa.text("false")))
    op.execute("UPDATE settings SET training_copy = true"
               " WHERE EXISTS (SELECT 1 FROM accounts WHERE username = 'demo-admin')")


def downgrade() -> None:
    op.drop_column("settings", "training_copy")
