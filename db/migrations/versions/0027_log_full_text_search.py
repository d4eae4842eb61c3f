"""Issue 31: "Words in the text" fast for any word, two letters and the commonest words included.

The trigram index of 0014 cannot serve a word of two letters ("GP", "SW", initials), and a common word's trigrams
match most of the log, so both read every entry (3.5 s for "GP" with 5 M entries). Here each entry keeps its words
as a tsvector, a stored generated column: the text with every run of characters other than letters and digits made
a space, through the 'simple' configuration (lower case, no stemming, no stop words: "GP", "the" and initials are
words like any other). A GIN index serves a word typed in full or in part (a prefix query, 'gp':*); a review's
entries are filtered on the stored column without re-reading the text.

Adding the column rewrites the table once (about 30 s a million entries); the append-only triggers do not fire
(nothing is updated) and the hash chain's canonical text names its columns, so it is unchanged.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01
"""
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# The same expression as db.models.LogEntry.text_words.
TEXT_WORDS = "to_tsvector('simple'::regconfig, regexp_replace(text, '[^[:alnum:]]+', ' ', 'g'))"


def upgrade() -> None:
    op.execute(f"ALTER TABLE daily_log ADD COLUMN text_words tsvector GENERATED ALWAYS AS ({TEXT_WORDS}) STORED")
    op.execute("CREATE INDEX ix_daily_log_text_words ON daily_log USING gin (text_words)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_daily_log_text_words")
    op.execute("ALTER TABLE daily_log DROP COLUMN text_words")
