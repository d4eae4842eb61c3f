"""Issue 26: milestones follow their evidence; one signer per receipt; "no return" says whether it was chased.

- review_milestones.done_outside_reason: a step the product has evidence for (scoping forms sent, returns accepted,
  the meetings and minutes) recorded by the Partnership Manager as "done outside the product", with the reason.
- agency_returns.first_signed_by_senior_manager / first_signatory_role: the first receipt's own signature, kept
  when a resubmission arrives (signed_by_senior_manager / signatory_role then hold the version in hand's).
- agency_returns.no_chase_reason: why no chase was possible, for a "no return" with no chase on record.

No new table: the history trigger records the new columns of its tracked tables as it does the others.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("review_milestones", sa.Column("done_outside_reason", sa.Text(), nullable=True))
    op.create_check_constraint("done_outside_reason_not_blank", "review_milestones",
                               "done_outside_reason IS NULL OR length(btrim(done_outside_reason)) > 0")
    op.add_column("agency_returns", sa.Column("first_signed_by_senior_manager", sa.Boolean(), nullable=True))
    op.add_column("agency_returns", sa.Column("first_signatory_role", sa.String(120), nullable=True))
    op.add_column("agency_returns", sa.Column("no_chase_reason", sa.Text(), nullable=True))
    op.create_check_constraint("no_chase_reason_not_blank", "agency_returns",
                               "no_chase_reason IS NULL OR length(btrim(no_chase_reason)) > 0")


def downgrade() -> None:
    op.drop_constraint("no_chase_reason_not_blank", "agency_returns", type_="check")
    op.drop_column("agency_returns", "no_chase_reason")
    op.drop_column("agency_returns", "first_signatory_role")
    op.drop_column("agency_returns", "first_signed_by_senior_manager")
    op.drop_constraint("done_outside_reason_not_blank", "review_milestones", type_="check")
    op.drop_column("review_milestones", "done_outside_reason")
