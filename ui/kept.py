"""What was typed, kept through the runs the database could not serve, and through a reload of the page meanwhile.

When the database cannot be reached, a run stops before the page draws its forms (app.py checks the session first),
and Streamlit drops the state of every widget a run did not draw: what was typed would be gone by the time the
database is back. So, on such a run, `keep_typing` copies the value of every keyed input widget (text, numbers,
dates, choices, ticks; never a button, an upload or a table's selection, which cannot be set) to a session key of
its own, which Streamlit never drops; `restore_typing`, on the first run the database answers again, puts each value
back under its widget's key, where the widget takes it as its value. Every form benefits without saying so; a save
then writes exactly what was typed.

A reload of the page starts a new Streamlit session, which would start empty. So the same values are also kept in
this process's memory, under a hash of the browser's sign-in cookie (never the cookie itself), for KEPT_FOR at most
after the last failed run: the first run of a new session from the same browser takes them back (and they are then
forgotten). Only a browser holding that sign-in cookie can get them; a browser with none (or an app not served, as
in AppTest) keeps nothing beyond its session.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

import streamlit as st

from ui import auth
from ui.streamlit_internals import settable_widget_keys

KEPT_KEY = "typing_kept_while_database_down"
KEPT_FOR = 15 * 60  # seconds: what was typed outlives a reload this long after the database was last found away
MOST_BROWSERS_KEPT = 500  # a bound on the memory held (the oldest go first)

# Password boxes' keys: a password is never kept beyond its session (pages/sign_in.py, pages/admin.py).
NEVER_KEPT = re.compile(r"password|^pw_")

_kept_by_browser: dict[str, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def _typed_values() -> dict[str, Any]:
    """The values of the keyed input widgets the browser sent with this run."""
    typed: dict[str, Any] = {}
    for key in settable_widget_keys():
        try:
            value = st.session_state[key]
        except KeyError:  # a widget the server no longer knows (restarted): nothing to keep
            continue
        if not isinstance(value, Mapping):  # a table's selection or an edited table: not typing, and not settable
            typed[key] = value
    return typed


def _browser_key() -> str | None:
    """The hash of this browser's sign-in cookie, or None without one."""
    token = auth.cookie_token()
    return hashlib.sha256(token.encode()).hexdigest() if token else None


def _drop_expired(now: float) -> None:
    for browser in [b for b, (kept_at, _) in _kept_by_browser.items() if now - kept_at > KEPT_FOR]:
        del _kept_by_browser[browser]
    while len(_kept_by_browser) > MOST_BROWSERS_KEPT:
        del _kept_by_browser[min(_kept_by_browser, key=lambda b: _kept_by_browser[b][0])]


def for_the_browser(kept: Mapping[str, Any]) -> dict[str, Any]:
    """What may outlive the session: everything typed but a password."""
    return {key: value for key, value in kept.items() if not NEVER_KEPT.search(key)}


def keep_typing() -> None:
    """On a run the database cannot serve: keep what the browser sent as typed (added to what an earlier failed run
    kept, since a second failed run draws no widget and so gets none back), in the session and for this browser."""
    kept = st.session_state.setdefault(KEPT_KEY, {})
    kept.update(_typed_values())
    browser = _browser_key()
    if browser is None:
        return
    now = time.monotonic()
    with _lock:
        _drop_expired(now)
        earlier = _kept_by_browser.get(browser, (now, {}))[1]
        _kept_by_browser[browser] = (now, {**earlier, **for_the_browser(kept)})


def restore_typing() -> None:
    """On the first run the database serves again, before the page draws: give back every kept value whose widget
    lost it (kept in this session, or by this browser's session before a reload)."""
    kept = st.session_state.pop(KEPT_KEY, {})
    browser = _browser_key()
    if browser is not None:
        with _lock:
            _drop_expired(time.monotonic())
            from_before = _kept_by_browser.pop(browser, None)
        if from_before is not None:
            kept = {**from_before[1], **kept}
    for key, value in kept.items():
        if key not in st.session_state:
            st.session_state[key] = value
