"""Sign in; on an empty system, create the first account and offer the demo data."""
from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from db.models import Account
from demo.partnership import load_demo_data
from services.accounts import (
    MIN_PASSWORD_LENGTH,
    SIGN_IN_REFUSED,
    SignInOutcome,
    authenticate,
    create_first_account,
)
from services.errors import ServiceError
from ui import state
from ui.flash import show_flashes
from ui.widgets import md_sentence


def _set_up(session: Session, *, username: str, display_name: str, password: str, with_demo: bool,
            as_of: date) -> Account:
    """The first account (nobody is signed in yet, so no role to check), and the demo partnership if asked."""
    account = create_first_account(session, username=username, display_name=display_name, password=password)
    if with_demo:
        load_demo_data(session, as_of=as_of)
    return account


def _authenticate(session: Session, *, username: str, password: str) -> SignInOutcome:
    return authenticate(session, username=username, password=password)


st.title("Rapid Review Tracker")
show_flashes()
if st.query_params.get("signed_out"):
    # /auth/sign-out lands here: the session has ended on the server and the cookie is gone.
    st.info("You have signed out.")
    del st.query_params["signed_out"]

if st.session_state.get("first_run"):
    st.subheader("Set up: create the first account")
    st.write("No account exists yet. The first account manages the partnership's reviews and administers the "
             "system (roles: admin, manager).")
    with st.form("first_account"):
        username = st.text_input("Username", key="first_username")
        display_name = st.text_input("Your name (a staff member's name)", key="first_display_name")
        password = st.text_input(f"Password (at least {MIN_PASSWORD_LENGTH} characters)", type="password",
                                 key="first_password")
        repeat = st.text_input("Password again", type="password", key="first_password_again")
        with_demo = st.checkbox("Also load the fictional demo partnership (made-up reviews and demo accounts)",
                                key="first_with_demo")
        submitted = st.form_submit_button("Create account", type="primary")
    if submitted:
        if password != repeat:
            st.error("The two passwords differ. Type the same password twice.")
        else:
            try:
                account = state.run_in_session(lambda session: _set_up(
                    session, username=username, display_name=display_name, password=password, with_demo=with_demo,
                    as_of=state.today()))
            except ServiceError as error:
                st.error(md_sentence(error))
            else:
                state.sign_in(account)
                st.rerun()
    st.stop()

st.subheader("Sign in")
with st.form("sign_in"):
    username = st.text_input("Username", key="sign_in_username")
    password = st.text_input("Password", type="password", key="sign_in_password")
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    outcome = state.run_in_session(lambda session: _authenticate(session, username=username, password=password))
    if outcome.account is None:
        st.error(outcome.refusal or SIGN_IN_REFUSED)
    else:
        state.sign_in(outcome.account)
        st.rerun()
