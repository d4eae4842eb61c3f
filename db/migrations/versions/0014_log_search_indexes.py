"""Issue 16: the daily log at national scale (about a million entries).

- pg_trgm (a trusted extension since PostgreSQL 13: the owner creates it without being a superuser) and a trigram
  GIN index on the entry's text, so "Words in the text" (ILIKE '%word%') reads the index, not every entry.
- daily_log (logged_at, id): every live review's log, newest first, walks this index and stops at one page.
- daily_log (review_id, author_id): the author filter's choices for every live review, from the index alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_daily_log_text_trgm ON daily_log USING gin (text gin_trgm_ops)")
    op.create_index("ix_daily_log_time", "daily_log", ["logged_at", "id"])
    op.create_index("ix_daily_log_review_author", "daily_log", ["review_id", "author_id"])


def downgrade() -> None:
    op.drop_index("ix_daily_log_review_author", table_name="daily_log")
    op.drop_index("ix_daily_log_time", table_name="daily_log")
    op.execute("DROP INDEX IF EXISTS ix_daily_log_text_trgm")
    # The extension stays: another schema object may use it, and dropping it needs its owner.
