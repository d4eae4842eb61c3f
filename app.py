"""Rapid Review Tracker: entry point. Sign-in first; then only the pages the account's roles may use.

Who is signed in comes from the server-side session the browser's cookie names (services/sessions.py, ui/auth.py),
checked on every run: a session ended anywhere (signed out in another tab, idle, 12 hours old, account changed)
asks for sign-in on the next click."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.enums import Role
from demo.cast import TRAINING_COPY
from services.accounts import SignedIn, count_accounts, signed_in_account
from services.sessions import ResumeOutcome, resume
from services.settings_reads import load_settings
from ui import auth, state
from ui.errors import DatabaseUnavailable, run_safely, show_database_unavailable
from ui.flash import flash
from ui.kept import restore_typing
from ui.links import REVIEW_PAGE_KEYS
from ui.navigation import PAGES, closed_page_sentence, closed_pages, menu, run_page
from ui.style import apply_style
from ui.widgets import ALL_LIVE_CHOSEN_KEY, CURRENT_REVIEW_KEY, md_text

st.set_page_config(page_title="Rapid Review Tracker", page_icon=":material/fact_check:", layout="wide")
apply_style()

ENDED_NOTICES = {
    "idle": "You were signed out after {idle} idle minutes. Please sign in again.",
    "expired": "A sign-in lasts at most 12 hours. Please sign in again.",
    "signed out": "You have signed out (perhaps in another tab). Please sign in again.",
    "account deactivated": "Your account has been deactivated.",
    "password changed": "Your password was changed, so you were signed out. Please sign in again.",
    "roles changed": "Your roles were changed, so you were signed out. Please sign in again.",
    "email changed": "Your account's email was changed, so you were signed out. Please sign in again.",
    "ended by an administrator": "An administrator ended your session. Please sign in again.",
}


def _check_session(session: Session, token: str | None) -> tuple[SignedIn | None, str | None]:
    """The signed-in account and, when a session has just been refused, the sentence that says why."""
    if token is None and not auth.served() and state.signed_in_account_id() is not None:
        # AppTest and the benchmarks set session_state["account_id"] (no browser, no cookie): the account must
        # still be active and the idle time holds. A served app never takes this path (auth.served()).
        account = signed_in_account(session, state.signed_in_account_id())
        if account is None:
            return None, ENDED_NOTICES["account deactivated"]
        idle_minutes = load_settings(session).idle_timeout_minutes
        last_seen = st.session_state.get(state.LAST_SEEN_KEY, datetime.now(UTC))
        if datetime.now(UTC) - last_seen > timedelta(minutes=idle_minutes):
            return None, ENDED_NOTICES["idle"].format(idle=idle_minutes)
        st.session_state[state.LAST_SEEN_KEY] = datetime.now(UTC)
        return account, None
    outcome: ResumeOutcome = resume(session, token=token)
    if outcome.account is None:
        notice = ENDED_NOTICES.get(outcome.ended_reason or "")
        return None, notice.format(idle=outcome.idle_minutes) if notice else None
    found = outcome.account
    return SignedIn(id=found.account_id, display_name=found.display_name, roles=found.roles), None


def _signed_out_pages() -> list[st.Page]:
    """The sign-in page, also under every page's own address, so a link to /review?review=24 opens the sign-in
    form (keeping its query) and, once signed in, that page and review."""
    sign_in_page = st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True)
    aliases = [st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", url_path=Path(entry.path).stem)
               for entry in PAGES.values()]
    return [sign_in_page, *aliases]


def main() -> None:
    # One connection, and one read of the account, settings and closure days, for the whole run (ui/state.py).
    with state.page_run():
        _run_page()


def _run_signed_out_page(token: str | None, notice: str | None, *, no_accounts: bool) -> None:
    """No live sign-in: forget any old one, say once why it ended, and run the sign-in (or first-run) page."""
    if state.signed_in_account_id() is not None or st.session_state.get(auth.TOKEN_KEY):
        state.sign_out()
    if notice and (token is None or st.session_state.get("ended_notice_for") != token):
        # Said once per ended session: the cookie stays until the next sign-in replaces it.
        st.session_state["ended_notice_for"] = token
        flash(notice, "info")
    st.session_state["first_run"] = no_accounts
    page = st.navigation(_signed_out_pages(), position="hidden")
    st.session_state[auth.NEXT_KEY] = "/" + (page.url_path or "")
    page.run()


def _run_page() -> None:
    token = auth.current_token()
    try:
        # Touching the session writes neither the account nor the settings: the page's reads borrow both.
        with state.unit_of_work(read_only=False, keeps_account=True) as session:
            settings, version = state.read_frame(session)
            account, notice = _check_session(session, token)
            if account is not None:
                state.checked_sign_in(account, version)
            partnership = settings.partnership_name
            training = settings.training_copy
            no_accounts = account is None and count_accounts(session) == 0
    except (DatabaseUnavailable, OperationalError):
        st.title("Rapid Review Tracker")
        show_database_unavailable()
        return
    restore_typing()  # what was typed while the database could not be reached goes back into the form
    if training:  # on every page, the sign-in page included
        st.warning(TRAINING_COPY, icon=":material/school:")

    if account is None:
        _run_signed_out_page(token, notice, no_accounts=no_accounts)
        return

    st.session_state[state.ACCOUNT_KEY] = account.id
    with st.sidebar:
        roles = ", ".join(role for role in Role if role in account.roles)
        st.markdown((":orange-badge[:material/school: Training copy]  \n" if training else "")
                    + f":small[{md_text(partnership)}]  \nSigned in as **{md_text(account.display_name)}**  \n"
                    f":small[Roles: {roles}]")
        if st.button("Sign out", icon=":material/logout:", key="sign_out"):
            state.end_session(token)
            if auth.served():
                auth.sign_out_everywhere()
                st.stop()
            st.rerun()
    pages = menu(account.roles)
    if not pages:
        st.warning("Your account has no role that opens a page. Ask an administrator.")
        return
    closed = closed_pages(account.roles)
    page = st.navigation([*pages, *closed.values()])
    closed_key = next((key for key, alias in closed.items() if alias.url_path == page.url_path), None)
    if closed_key is not None:
        st.info(closed_page_sentence(closed_key, account.roles), icon=":material/block:")
    else:
        _carry_the_review(page.url_path)
    run_page(page)


def _carry_the_review(url_path: str | None) -> None:
    """Moving to another review page (the menu drops the address's query) keeps the review chosen last in this
    session, and puts it in the address, so the address always names the review shown."""
    key = next((k for k, entry in PAGES.items() if Path(entry.path).stem == url_path), None)
    if key not in REVIEW_PAGE_KEYS or "review" in st.query_params or st.query_params.get("view") == "outstanding":
        return
    remembered = st.session_state.get(CURRENT_REVIEW_KEY)
    if not isinstance(remembered, int):
        return
    if key == "log" and st.session_state.get(ALL_LIVE_CHOSEN_KEY):
        return  # the daily log was last left on "All live reviews"
    st.query_params["review"] = str(remembered)


run_safely(main)
