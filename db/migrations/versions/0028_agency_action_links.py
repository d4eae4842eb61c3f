"""Agencies update their own actions through a private link (issue 29, "Where the agency exchange exists").

- agency_action_links: one agency's private link to its actions of one review. Only the token's SHA-256 is kept (as
  agency_return_links, migration 0021); who issued it and when, the last day it works, and when, by whom and why it
  was revoked (a reissue revokes the old link, the reason saying so). One live (unrevoked) link per review and agency.
- On the record of changes (migration 0017's trigger); the app's group loses DELETE (a link is revoked, never
  deleted).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_action_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agencies.id"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("token_hash", name="agency_action_links_token_hash_key"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="action_link_token_hash_is_sha256"),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="action_link_revocation_complete"),
        sa.CheckConstraint("revoked_reason IS NULL OR length(btrim(revoked_reason)) > 0",
                           name="action_link_revoked_reason_not_blank"),
        sa.CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL",
                           name="action_link_revoker_needs_revocation"),
    )
    op.create_index("ix_agency_action_links_review_agency", "agency_action_links", ["review_id", "agency_id"])
    op.create_index("one_live_action_link_per_agency", "agency_action_links", ["review_id", "agency_id"],
                    unique=True, postgresql_where=sa.text("revoked_at IS NULL"))

    # On the record of changes, as every case table (migration 0017).
    op.execute("CREATE TRIGGER agency_action_links_history AFTER INSERT OR UPDATE OR DELETE ON agency_action_links"
               " FOR EACH ROW EXECUTE FUNCTION record_row_change()")

    # The app's group (found as migration 0017 finds it): a link is revoked, never deleted.
    group = op.get_bind().execute(sa.text(
        "SELECT r.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles r"
        " ON r.oid = a.grantee WHERE c.oid = 'reviews'::regclass AND r.rolname LIKE 'rrt\\_app%' LIMIT 1")).scalar()
    if group is not None:
        op.execute(f'REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON agency_action_links FROM "{group}"')


def downgrade() -> None:
    op.drop_table("agency_action_links")
