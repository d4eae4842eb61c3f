"""Sign-in as the script sees it: the session token (the HttpOnly cookie, read through st.context.cookies), the
one-time ticket that hands a new session to the browser, and sign-out in every tab.

Streamlit cannot set an HttpOnly cookie from a script run, so the script sends the browser to /auth/session
(ui/server.py) with a one-time ticket; that route sets the cookie and sends the browser on to the page it was on.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from urllib.parse import quote, urlencode

import streamlit as st

from ui.streamlit_internals import redirect_browser, script_session_id

COOKIE_NAME = "rrt_session"
TOKEN_KEY = "session_token"
NEXT_KEY = "after_sign_in"
SIGNED_OUT_HERE_KEY = "signed_out_here"
SERVED_KEY = "served_by_a_browser"
SESSION_ROUTE = "/auth/session"
SIGN_OUT_ROUTE = "/auth/sign-out"
_SAFE_PATH = re.compile(r"/[A-Za-z0-9_\-]*")
# Which sign-in each Streamlit session (a tab's websocket) runs under, as the hash of the cookie its connection
# brought, recorded at every run: /media/ serves a file only to the sign-in whose tab made it (ui/server.py).
_SIGN_IN_OF_TAB: OrderedDict[str, str] = OrderedDict()
_SIGN_IN_OF_TAB_KEPT = 20_000
_sign_in_of_tab_lock = threading.Lock()


def served() -> bool:
    """True when a browser's request is behind this session (it always sends a Host header); False under AppTest and
    the benchmarks, which run the script with no request at all. Decided once a session, since it cannot change (the
    request context is a stand-in object under AppTest, costly to ask on every run)."""
    known = st.session_state.get(SERVED_KEY)
    if isinstance(known, bool):
        return known
    try:
        known = bool(st.context.headers)
    except Exception:  # noqa: BLE001 - no script run context at all: Streamlit's internals, whatever they raise
        return False
    st.session_state[SERVED_KEY] = known
    return known


def cookie_token() -> str | None:
    """The session token from the browser's cookie (sent with the page's connection), if any."""
    if not served():
        return None
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 - no request behind this run (AppTest): Streamlit's internals, whatever they raise
        return None
    return value if isinstance(value, str) and value else None


def _record_sign_in_of_tab(token: str | None) -> None:
    session_id = script_session_id()
    if session_id is None:
        return
    with _sign_in_of_tab_lock:
        if token is None:
            _SIGN_IN_OF_TAB.pop(session_id, None)
            return
        # Imported here: at import it would load the models and most of SQLAlchemy before the server listens.
        from services.sessions import token_hash

        _SIGN_IN_OF_TAB[session_id] = token_hash(token)
        _SIGN_IN_OF_TAB.move_to_end(session_id)
        while len(_SIGN_IN_OF_TAB) > _SIGN_IN_OF_TAB_KEPT:
            _SIGN_IN_OF_TAB.popitem(last=False)


def sign_in_of_tab(session_id: str) -> str | None:
    """The token hash of the cookie the Streamlit session `session_id` last ran with (None if none or unknown)."""
    with _sign_in_of_tab_lock:
        return _SIGN_IN_OF_TAB.get(session_id)


def current_token() -> str | None:
    """This tab's session token: one it has just started, else the cookie's, unless it signed out here. Records,
    for /media/, which sign-in this tab's connection runs under (the cookie's, unless it signed out here)."""
    cookie = cookie_token()
    if served():
        _record_sign_in_of_tab(None if st.session_state.get(SIGNED_OUT_HERE_KEY) else cookie)
    held = st.session_state.get(TOKEN_KEY)
    if isinstance(held, str) and held:
        return held
    if st.session_state.get(SIGNED_OUT_HERE_KEY):
        return None
    return cookie


def safe_next(path: str | None) -> str:
    """A path on this app to go to after signing in: only '/<page>' with a query, never another site."""
    if not path:
        return "/"
    base, _, query = path.partition("?")
    if not _SAFE_PATH.fullmatch(base):
        return "/"
    return base + (f"?{query}" if query else "")


def here() -> str:
    """The address this run serves (page path and query), to come back to after signing in."""
    path = st.session_state.get(NEXT_KEY) or "/"
    query = st.query_params.to_dict()
    query.pop("signed_out", None)
    return safe_next(path + (f"?{urlencode(query)}" if query else ""))


def redirect(url: str) -> None:
    """Send the browser to `url` (a full page load), as st.login does."""
    redirect_browser(url)


def hand_over(ticket: str, next_path: str) -> None:
    """Send the browser to exchange its one-time ticket for the session cookie, then on to `next_path`."""
    redirect(f"{SESSION_ROUTE}?ticket={quote(ticket)}&next={quote(safe_next(next_path), safe='')}")


def sign_out_everywhere() -> None:
    """After the session was ended on the server: clear the cookie and land on the sign-in page."""
    redirect(SIGN_OUT_ROUTE)
