"""The first line of every page: only a signed-in account with one of the page's roles gets past it.

app.py already shows each role only its own pages; this check also holds when Streamlit runs a page
file directly (its older "pages/ folder" mode, which a server can fall into on its very first run)."""
from __future__ import annotations

import streamlit as st

from db.models import Account
from ui import state


def require_roles(*roles: str) -> None:
    """Stop the page unless the signed-in account holds one of `roles`."""
    account_id = state.signed_in_account_id()
    account = state.run_in_session(lambda session: session.get(Account, account_id)) if account_id else None
    if account is None or not account.active:
        st.warning("Please sign in first.", icon=":material/lock:")
        st.page_link("app.py", label="Go to the sign-in page", icon=":material/login:")
        st.stop()
    if not account.has_role(*roles):
        st.error("Your role does not open this page.", icon=":material/block:")
        st.stop()
