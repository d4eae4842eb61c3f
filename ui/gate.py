"""The first line of every page: only a signed-in account whose roles open the page gets past it.

app.py already shows each role only its own pages (ui.navigation.PAGES); this check also holds when
Streamlit runs a page file directly (its older "pages/ folder" mode, which a server can fall into on its
very first run)."""
from __future__ import annotations

import streamlit as st

from ui import state
from ui.navigation import PAGES


def require_page(page_key: str) -> frozenset[str]:
    """Stop the page unless the signed-in account holds a role that opens `page_key`; return its roles."""
    roles = state.signed_in_roles() if state.signed_in_account_id() else frozenset()
    if not roles:
        st.warning("Please sign in first.", icon=":material/lock:")
        st.page_link("app.py", label="Go to the sign-in page", icon=":material/login:")
        st.stop()
    if not roles & PAGES[page_key].roles:
        st.error(f"Your roles do not open the {PAGES[page_key].title} page.", icon=":material/block:")
        st.stop()
    return roles

