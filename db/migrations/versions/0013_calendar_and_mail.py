"""Issue 17: deadlines where people already work.

- calendar_feeds: an account's private calendar feed address; the token is stored only as its SHA-256 hash, and a
  revoked feed keeps its row (when it was turned off). One live feed per account.
- calendar_event_states: what each calendar event (by its UID) last said, so that its SEQUENCE goes up when its date
  moves or it is cancelled (RFC 5545: a client keeps the event with the highest SEQUENCE).
- sent_mail: every email the product sends (the morning digest, chases and send-back notices, the Chair told of a
  report sent for sign-off), with a unique key so that none is sent twice, and its attempts and last error so that a
  failed send is retried by the next run.

The app's group gets its grants on these tables from the default privileges of migration 0008.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash", name="calendar_feeds_token_hash_key"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="feed_token_hash_is_sha256"),
    )
    op.create_index("ix_calendar_feeds_account_id", "calendar_feeds", ["account_id"])
    op.create_index("one_live_feed_per_account", "calendar_feeds", ["account_id"], unique=True,
                    postgresql_where=sa.text("revoked_at IS NULL"))

    op.create_table(
        "calendar_event_states",
        sa.Column("uid", sa.String(length=120), primary_key=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("sequence >= 0", name="event_sequence_not_negative"),
    )

    op.create_table(
        "sent_mail",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("unique_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("cc_address", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("reviews.id"), nullable=True),
        sa.Column("agency_return_id", sa.Integer(), sa.ForeignKey("agency_returns.id"), nullable=True),
        sa.Column("queued_by_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.UniqueConstraint("unique_key", name="sent_mail_unique_key_key"),
        sa.CheckConstraint("kind IN ('digest','chase','send_back','sign_off')", name="mail_kind_known"),
        sa.CheckConstraint("attempts >= 0", name="mail_attempts_not_negative"),
        sa.CheckConstraint("length(btrim(subject)) > 0", name="mail_subject_not_blank"),
    )
    op.create_index("ix_sent_mail_unsent", "sent_mail", ["created_at"], postgresql_where=sa.text("sent_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_sent_mail_unsent", table_name="sent_mail")
    op.drop_table("sent_mail")
    op.drop_table("calendar_event_states")
    op.drop_index("one_live_feed_per_account", table_name="calendar_feeds")
    op.drop_index("ix_calendar_feeds_account_id", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
