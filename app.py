"""Rapid Review Tracker: entry point. Sign-in first; then only the pages the account's roles may use."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy.exc import OperationalError

from db.enums import Role
from services.accounts import count_accounts, signed_in_account
from services.calendar import load_settings
from ui import state
from ui.errors import DATABASE_UNAVAILABLE, DatabaseUnavailable, run_safely
from ui.navigation import pages_for
from ui.widgets import md_text

st.set_page_config(page_title="Rapid Review Tracker", page_icon=":material/fact_check:", layout="wide")


def main() -> None:
    try:
        factory = state.session_factory()
        with factory() as session:
            no_accounts = count_accounts(session) == 0
            settings = load_settings(session)
            account_id = state.signed_in_account_id()
            account = signed_in_account(session, account_id)
            partnership, idle_minutes = settings.partnership_name, settings.idle_timeout_minutes
    except (DatabaseUnavailable, OperationalError):
        st.title("Rapid Review Tracker")
        st.error(DATABASE_UNAVAILABLE, icon=":material/cloud_off:")
        return

    now = datetime.now(UTC)
    if account_id is not None and account is None:
        state.sign_out("Your account has been deactivated.")
    elif account is not None:
        last_seen = st.session_state.get(state.LAST_SEEN_KEY, now)
        if now - last_seen > timedelta(minutes=idle_minutes):
            state.sign_out(f"You were signed out after {idle_minutes} idle minutes. Please sign in again.")
            account = None
        else:
            st.session_state[state.LAST_SEEN_KEY] = now

    if account is None:
        sign_in_page = st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True)
        st.session_state["first_run"] = no_accounts
        st.navigation([sign_in_page], position="hidden").run()
        return

    with st.sidebar:
        st.caption(md_text(partnership))
        st.markdown(f"Signed in as **{md_text(account.display_name)}**")
        st.caption("Roles: " + ", ".join(role for role in Role if role in account.roles))
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            state.sign_out("You have signed out.")
            st.rerun()
    pages = pages_for(account.roles)
    if not pages:
        st.warning("Your account has no role that opens a page. Ask an administrator.")
        return
    st.navigation(pages).run()


run_safely(main)
