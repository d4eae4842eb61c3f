"""Issue 26: a review opened in error can leave, and its facts can be put right.

- reviews: the state "withdrawn" and who withdrew it, when and why (a reason from a short list; "other" needs words
  in the note). The withdrawn fields are all set or none, and only a review with that state has them.
- review_fact_corrections: initials, an age, the number of children, the notification type, and the case reference a
  corrected first child's initials give, each with the old value, the new one, why and who. On the record of changes
  (migration 0017's trigger) like every case table.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# Frozen here on purpose (the models' copies may move on; tests/integration/test_schema_drift.py compares them).
_STATE_KNOWN = "state IN ('open','submitted','closed','withdrawn')"
_STATE_KNOWN_BEFORE = "state IN ('open','submitted','closed')"
_STATE_MATCHES = (
    "(state = 'open' AND submitted_to_panel_date IS NULL)"
    " OR (state = 'submitted' AND submitted_to_panel_date IS NOT NULL AND panel_response_date IS NULL)"
    " OR (state = 'closed' AND panel_response_date IS NOT NULL)"
)
_WITHDRAWN_MATCHES = " OR (state = 'withdrawn' AND submitted_to_panel_date IS NULL)"
_REASON_KNOWN = ("withdrawn_reason IS NULL OR withdrawn_reason IN "
                 "('not notified by CSC','duplicate','opened in error','other')")
_ALL_OR_NOTHING = (
    "(state <> 'withdrawn' AND withdrawn_on IS NULL AND withdrawn_by_id IS NULL AND withdrawn_reason IS NULL"
    " AND withdrawn_note IS NULL)"
    " OR (state = 'withdrawn' AND withdrawn_on IS NOT NULL AND withdrawn_by_id IS NOT NULL"
    " AND withdrawn_reason IS NOT NULL AND (withdrawn_reason <> 'other'"
    " OR length(btrim(coalesce(withdrawn_note, ''))) > 0))"
)
_FACTS = "fact IN ('initials','age','number of children','notification type','case reference')"


def upgrade() -> None:
    op.add_column("reviews", sa.Column("withdrawn_on", sa.Date(), nullable=True))
    op.add_column("reviews", sa.Column("withdrawn_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True))
    op.add_column("reviews", sa.Column("withdrawn_reason", sa.String(30), nullable=True))
    op.add_column("reviews", sa.Column("withdrawn_note", sa.Text(), nullable=True))
    op.drop_constraint("state_known", "reviews", type_="check")
    op.create_check_constraint("state_known", "reviews", _STATE_KNOWN)
    op.drop_constraint("state_matches_dates", "reviews", type_="check")
    op.create_check_constraint("state_matches_dates", "reviews", _STATE_MATCHES + _WITHDRAWN_MATCHES)
    op.create_check_constraint("withdrawn_reason_known", "reviews", _REASON_KNOWN)
    op.create_check_constraint("withdrawn_all_or_nothing", "reviews", _ALL_OR_NOTHING)

    op.create_table(
        "review_fact_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fact", sa.String(30), nullable=False),
        sa.Column("child_position", sa.Integer(), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint(_FACTS, name="fact_known"),
        sa.CheckConstraint("old_value IS DISTINCT FROM new_value", name="fact_correction_changes_value"),
        sa.CheckConstraint("length(btrim(reason)) > 0", name="fact_correction_reason_not_blank"),
    )
    op.create_index("ix_review_fact_corrections_review_id", "review_fact_corrections", ["review_id"])
    # On the record of changes, as every case table (migration 0017).
    op.execute("CREATE TRIGGER review_fact_corrections_history AFTER INSERT OR UPDATE OR DELETE"
               " ON review_fact_corrections FOR EACH ROW EXECUTE FUNCTION record_row_change()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS review_fact_corrections_history ON review_fact_corrections")
    op.drop_index("ix_review_fact_corrections_review_id", table_name="review_fact_corrections")
    op.drop_table("review_fact_corrections")
    op.drop_constraint("withdrawn_all_or_nothing", "reviews", type_="check")
    op.drop_constraint("withdrawn_reason_known", "reviews", type_="check")
    op.drop_constraint("state_matches_dates", "reviews", type_="check")
    if op.get_bind().execute(sa.text("SELECT count(*) FROM reviews WHERE state = 'withdrawn'")).scalar():
        raise RuntimeError("Withdrawn reviews exist: no earlier revision can hold them; they are never deleted.")
    op.create_check_constraint("state_matches_dates", "reviews", _STATE_MATCHES)
    op.drop_constraint("state_known", "reviews", type_="check")
    op.create_check_constraint("state_known", "reviews", _STATE_KNOWN_BEFORE)
    for column in ("withdrawn_note", "withdrawn_reason", "withdrawn_by_id", "withdrawn_on"):
        op.drop_column("reviews", column)
