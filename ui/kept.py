"""What was typed, kept through the runs the database could not serve.

When the database cannot be reached, a run stops before the page draws its forms (app.py checks the session first),
and Streamlit drops the state of every widget a run did not draw: what was typed would be gone by the time the
database is back. So, on such a run, `keep_typing` copies the value of every keyed input widget (text, numbers,
dates, choices, ticks; never a button, an upload or a table's selection, which cannot be set) to a session key of
its own, which Streamlit never drops; `restore_typing`, on the first run the database answers again, puts each value
back under its widget's key, where the widget takes it as its value. Every form benefits without saying so; a save
then writes exactly what was typed.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.runtime.state.session_state_proxy import get_session_state

KEPT_KEY = "typing_kept_while_database_down"
# The kinds of widget value that st.session_state may set (a button's trigger, an upload or a chat message may not).
_SETTABLE_KINDS = frozenset({"string_value", "int_value", "double_value", "bool_value", "string_array_value",
                             "int_array_value", "double_array_value"})


def _typed_values() -> dict[str, Any]:
    """The values of the keyed input widgets the browser sent with this run."""
    typed: dict[str, Any] = {}
    for widget in get_session_state().get_widget_states():
        key = user_key_from_element_id(widget.id)
        if key is None or widget.WhichOneof("value") not in _SETTABLE_KINDS:
            continue
        try:
            value = st.session_state[key]
        except KeyError:  # a widget the server no longer knows (restarted): nothing to keep
            continue
        if not isinstance(value, Mapping):  # a table's selection or an edited table: not typing, and not settable
            typed[key] = value
    return typed


def keep_typing() -> None:
    """On a run the database cannot serve: keep what the browser sent as typed (added to what an earlier failed run
    kept, since a second failed run draws no widget and so gets none back)."""
    st.session_state.setdefault(KEPT_KEY, {}).update(_typed_values())


def restore_typing() -> None:
    """On the first run the database serves again, before the page draws: give back every kept value whose widget
    lost it."""
    for key, value in st.session_state.pop(KEPT_KEY, {}).items():
        if key not in st.session_state:
            st.session_state[key] = value
