"""Server-side sign-in sessions (issue 13): the browser holds a random token in an HttpOnly cookie, the database
holds only its SHA-256 hash. Accounts get an email (organisation sign-in matches it), and the settings a switch
for local passwords.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=60), nullable=True),
        sa.Column("ticket_hash", sa.String(length=64), nullable=True),
        sa.Column("ticket_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("token_hash"),
        sa.UniqueConstraint("ticket_hash"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="token_hash_is_sha256"),
        sa.CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended_with_reason"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )
    op.create_index("ix_sign_in_sessions_account_id", "sign_in_sessions", ["account_id"])
    op.add_column("accounts", sa.Column("email", sa.String(length=254), nullable=True))
    op.create_unique_constraint("accounts_email_key", "accounts", ["email"])
    op.create_check_constraint("email_lower_case", "accounts", "email = lower(email)")
    op.add_column("settings", sa.Column("local_passwords_enabled", sa.Boolean(), nullable=False,
                                        server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("settings", "local_passwords_enabled")
    op.drop_constraint("email_lower_case", "accounts", type_="check")
    op.drop_constraint("accounts_email_key", "accounts", type_="unique")
    op.drop_column("accounts", "email")
    op.drop_index("ix_sign_in_sessions_account_id", table_name="sign_in_sessions")
    op.drop_table("sign_in_sessions")
