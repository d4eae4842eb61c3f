"""Two more kinds of email: the scoping request to an agency (with its private link), and a JCR Chair told that a
return is shared with them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_BEFORE = "'digest','chase','send_back','sign_off'"
_AFTER = _BEFORE + ",'request','return_shared'"


def upgrade() -> None:
    op.drop_constraint("mail_kind_known", "sent_mail", type_="check")
    op.create_check_constraint("mail_kind_known", "sent_mail", f"kind IN ({_AFTER})")


def downgrade() -> None:
    op.execute("DELETE FROM sent_mail WHERE kind IN ('request','return_shared')")
    op.drop_constraint("mail_kind_known", "sent_mail", type_="check")
    op.create_check_constraint("mail_kind_known", "sent_mail", f"kind IN ({_BEFORE})")
