"""Sign in (with the organisation's account when configured, or a local password); on an empty system, create the
first account and offer the demo data."""
from __future__ import annotations

import logging
from datetime import date
from typing import Any, Protocol

import streamlit as st
from sqlalchemy.orm import Session

# demo.cast holds only the demo's names (demo.partnership, which loads it, imports most of the app).
from demo.cast import DEMO_ACCOUNTS
from services.accounts import (
    PASSWORD_RULE,
    SIGN_IN_REFUSED,
    USERNAME_RULE,
    SignedIn,
    account_for_verified_email,
    create_first_account,
    sign_in_with_password,
)
from services.errors import ServiceError
from services.settings_reads import load_settings
from services.sign_in_throttle import source_address
from ui import auth, state
from ui.flash import show_flashes
from ui.widgets import md_sentence


def _set_up(session: Session, *, username: str, display_name: str, password: str, with_demo: bool,
            as_of: date) -> tuple[SignedIn, str | None]:
    """The first account (nobody is signed in yet, so no role to check), and the demo partnership if asked: then also
    the demo accounts' password of this load, to be shown once."""
    account = create_first_account(session, username=username, display_name=display_name, password=password)
    signed_in = SignedIn(account.id, account.display_name, frozenset(account.roles))
    if not with_demo:
        return signed_in, None
    from demo.partnership import load_demo_data  # only on a first run: it imports most of the app

    return signed_in, load_demo_data(session, as_of=as_of, first_account=account).password


# Streamlit's st.login needs these in the [auth] secrets (the README has a Microsoft Entra ID example).
AUTH_KEYS = ("server_metadata_url", "client_id", "client_secret", "redirect_uri", "cookie_secret")
REFUSAL_LOGGED_KEY = "organisation_refusal_logged"
# The first account and the demo accounts' password of this load, kept while they are shown once (before signing in,
# which reloads the page and forgets this tab's state). The password is in no other place: only its hashes are kept.
DEMO_LOADED_KEY = "demo_loaded_for"
DEMO_PASSWORD_KEY = "demo_password_once"
_LOG = logging.getLogger(__name__)


class _Account(Protocol):
    """An account that has just proved who it is: the services give back its id (and the page needs no more)."""

    @property
    def id(self) -> int: ...


def _start_session(account: _Account) -> None:
    """Sign the account in. Served, the browser is sent to /auth/session for its cookie and comes back signed in:
    the run stops there, because a rerun starting now would clear the browser's message queue, redirect included
    (a race lost under load). Under AppTest (no browser) the app reruns signed in."""
    state.sign_in(account)
    if auth.served():
        st.caption("Signing you in…")
        st.stop()
    st.rerun()


def _organisation_label() -> str | None:
    """The organisation's name for the sign-in button when organisation sign-in is configured, else None."""
    try:
        auth_secrets = st.secrets.get("auth") or {}
        label_secrets = st.secrets.get("organisation_sign_in") or {}
    except FileNotFoundError:  # no secrets at all (Streamlit's StreamlitSecretNotFoundError)
        return None
    if not all(auth_secrets.get(key) for key in AUTH_KEYS):
        return None
    return str(label_secrets.get("label") or "your organisation")


def _source_address() -> str:
    """Where this sign-in comes from, for the throttle: the connection's address, or, when the connection is from
    this machine (the trusted nginx of scripts/serve_workers.py), the address nginx put last in X-Forwarded-For."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 - no request behind this run (AppTest): Streamlit's internals, whatever they raise
        return source_address(None, None)
    return source_address(peer, forwarded)


def _verified(value: Any) -> bool | None:
    """The identity's email_verified claim: None when the provider does not give it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _organisation_sign_in() -> None:
    """The provider has sent the browser back with an identity: sign its account in, or say why not."""
    email = st.user.get("email")
    verified = _verified(st.user.get("email_verified"))
    outcome = state.run_in_session(lambda session: account_for_verified_email(
        session, email=email if isinstance(email, str) else None, email_verified=verified))
    if outcome.account is not None:
        _start_session(outcome.account)  # the same session, ticket and cookie as a password sign-in
    if not st.session_state.get(REFUSAL_LOGGED_KEY):
        # Never the email: the server log says only that a refusal happened.
        _LOG.warning("Organisation sign-in refused: no active account matches the identity's verified email.")
        st.session_state[REFUSAL_LOGGED_KEY] = True
    st.error(outcome.refusal or "Organisation sign-in was refused. Ask your administrator.",
             icon=":material/block:")
    if st.button("Sign in with another organisation account", key="organisation_sign_out"):
        st.logout()  # clears Streamlit's identity cookie
        st.stop()


def _show_demo_accounts(password: str) -> None:
    """The demo's accounts and the password made for them by this load, shown once, right after loading the demo."""
    st.success("The fictional demo partnership is loaded. Its demo accounts, one per role, share this password, "
               "made at random for this copy. It is shown only now: note it before you continue.",
               icon=":material/check_circle:")
    st.code(password, language=None)
    st.table([{"Username": username, "Name": name, "Roles": ", ".join(roles)}
              for username, name, roles in DEMO_ACCOUNTS])
    st.caption("Your own account signs in with the password you chose.")


st.title("Rapid Review Tracker")
show_flashes()
if st.query_params.get("signed_out"):
    # /auth/sign-out lands here: the session has ended on the server and the cookie is gone.
    st.info("You have signed out.")
    del st.query_params["signed_out"]

if (first_account := st.session_state.get(DEMO_LOADED_KEY)) is not None:
    st.subheader("Set up: the demo is ready")
    _show_demo_accounts(str(st.session_state.get(DEMO_PASSWORD_KEY, "")))
    if st.button("Continue to the tracker", type="primary", key="demo_continue"):
        del st.session_state[DEMO_LOADED_KEY]
        st.session_state.pop(DEMO_PASSWORD_KEY, None)
        _start_session(first_account)
    st.stop()

if st.session_state.get("first_run"):
    st.subheader("Set up: create the first account")
    st.write("No account exists yet. The first account manages the partnership's reviews and administers the "
             "system (roles: admin, manager).")
    with st.form("first_account"):
        username = st.text_input(f"Username ({USERNAME_RULE})", key="first_username")
        display_name = st.text_input("Your name (a staff member's name)", key="first_display_name")
        password = st.text_input(f"Password ({PASSWORD_RULE})", type="password", key="first_password")
        repeat = st.text_input("Password again", type="password", key="first_password_again")
        with_demo = st.checkbox("Also load the fictional demo partnership (made-up reviews and demo accounts)",
                                key="first_with_demo")
        submitted = st.form_submit_button("Create account", type="primary")
    if submitted:
        if password != repeat:
            st.error("The two passwords differ. Type the same password twice.")
        else:
            try:
                account, demo_password = state.run_in_session(lambda session: _set_up(
                    session, username=username, display_name=display_name, password=password, with_demo=with_demo,
                    as_of=state.today()))
            except ServiceError as error:
                st.error(md_sentence(error))
            else:
                if demo_password is not None:
                    st.session_state[DEMO_LOADED_KEY] = account
                    st.session_state[DEMO_PASSWORD_KEY] = demo_password
                    st.rerun()
                _start_session(account)
    st.stop()

st.subheader("Sign in")
organisation = _organisation_label()
if organisation is not None and st.user.is_logged_in:
    _organisation_sign_in()
elif organisation is not None:
    if st.button(f"Sign in with {organisation}", type="primary", icon=":material/badge:", key="organisation_sign_in"):
        st.login()
        st.stop()
# Local passwords stay available unless the administrator switched them off, and always while organisation sign-in
# is not configured (otherwise nobody could sign in).
passwords_on = organisation is None or state.run_in_session(
    lambda session: load_settings(session).local_passwords_enabled)
if not passwords_on:
    st.caption("Local passwords are switched off: sign in with your organisation account.")
    st.stop()
if organisation is not None:
    st.caption("Or with a username and password of this tracker:")
with st.form("sign_in"):
    username = st.text_input("Username", key="sign_in_username")
    password = st.text_input("Password", type="password", key="sign_in_password")
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    # Each step in a transaction of its own; the password is checked between them, holding nothing.
    outcome = sign_in_with_password(state.run_in_session, username=username, password=password,
                                    address=_source_address())
    if outcome.account is None:
        st.error(outcome.refusal or SIGN_IN_REFUSED)
    else:
        _start_session(outcome.account)
