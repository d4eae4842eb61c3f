"""Issue 14: a review can be finished as it really happens.

- A return closed without being accepted: "no return" (the agency did not respond by the agreed date) or
  "withdrawn" (asked in error), with the date, the Partnership Manager's reason and who closed it.
- report_sign_offs: who signed the report off and how (the Chair's account, or the Manager on the Chair's behalf
  with how it was given); a sign-off withdrawn before submission keeps its version. One in force per review
  replaces the unique index of one signed final version per review. Existing signed final versions get their row.
- panel_responses: what the National Panel said (date, agrees with the LCSPR decision, further information asked,
  notes).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen here on purpose: db/models_returns.ENDING_CHECKS mirrors these (the schema-drift test compares them).
ENDING_CHECKS = (
    ("ended_as_known", "ended_as IS NULL OR ended_as IN ('no return','withdrawn')"),
    (
        "ending_complete",
        "(ended_as IS NULL) = (ended_on IS NULL) AND (ended_as IS NULL) = (ended_reason IS NULL)"
        " AND (ended_as IS NULL) = (ended_by_id IS NULL)",
    ),
    ("ended_reason_not_blank", "ended_reason IS NULL OR length(btrim(ended_reason)) > 0"),
    ("ended_after_requested", "ended_on IS NULL OR ended_on >= requested_date"),
    ("ended_not_accepted", "ended_as IS NULL OR final_qa_outcome IS DISTINCT FROM 'accepted'"),
)

SIGN_OFF_CHECKS = (
    ("sign_off_how_given_when_outside", "given_outside = (how_given IS NOT NULL)"),
    ("sign_off_how_given_not_blank", "how_given IS NULL OR length(btrim(how_given)) > 0"),
    ("sign_off_chair_name_not_blank", "length(btrim(chair_name)) > 0"),
    (
        "sign_off_withdrawal_complete",
        "(withdrawn_on IS NULL) = (withdrawn_reason IS NULL) AND (withdrawn_on IS NULL) = (withdrawn_by_id IS NULL)",
    ),
    ("sign_off_withdrawal_reason_not_blank", "withdrawn_reason IS NULL OR length(btrim(withdrawn_reason)) > 0"),
)


def upgrade() -> None:
    op.add_column("agency_returns", sa.Column("ended_as", sa.String(20), nullable=True))
    op.add_column("agency_returns", sa.Column("ended_on", sa.Date(), nullable=True))
    op.add_column("agency_returns", sa.Column("ended_reason", sa.Text(), nullable=True))
    op.add_column("agency_returns", sa.Column("ended_by_id", sa.Integer(), sa.ForeignKey("accounts.id"),
                                              nullable=True))
    for name, sql in ENDING_CHECKS:
        op.create_check_constraint(name, "agency_returns", sql)

    op.create_table(
        "report_sign_offs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("report_versions.id"), nullable=False, unique=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("chair_name", sa.String(120), nullable=False),
        sa.Column("given_outside", sa.Boolean(), nullable=False),
        sa.Column("how_given", sa.String(200), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("recorded_by_name", sa.String(120), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        *(sa.CheckConstraint(sql, name=name) for name, sql in SIGN_OFF_CHECKS),
    )
    op.create_index("one_sign_off_in_force", "report_sign_offs", ["review_id"], unique=True,
                    postgresql_where=sa.text("withdrawn_on IS NULL"))
    op.execute(
        "INSERT INTO report_sign_offs (review_id, version_id, signed_on, chair_name, given_outside, recorded_by_id,"
        " recorded_by_name) SELECT review_id, id, step_date, created_by_name, false, created_by_id, created_by_name"
        " FROM report_versions WHERE state = 'signed_final'"
    )
    op.drop_index("one_signed_final_per_review", table_name="report_versions")
    op.create_table(
        "panel_responses",
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("agrees_with_lcspr", sa.Boolean(), nullable=False),
        sa.Column("further_information_asked", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("panel_responses")
    op.create_index("one_signed_final_per_review", "report_versions", ["review_id"], unique=True,
                    postgresql_where=sa.text("state = 'signed_final'"))
    op.drop_index("one_sign_off_in_force", table_name="report_sign_offs")
    op.drop_table("report_sign_offs")
    for name, _sql in reversed(ENDING_CHECKS):
        op.drop_constraint(name, "agency_returns", type_="check")
    for column in ("ended_by_id", "ended_reason", "ended_on", "ended_as"):
        op.drop_column("agency_returns", column)
