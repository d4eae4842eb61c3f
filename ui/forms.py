"""Forms that edit a saved record without losing what was typed, and saves that a double click sends once.

A form that edits a record (a review's dates, a report section, a meeting, an agency return) works against
the record's `version`. `VersionedForm` keeps three things per form in the session:

- the values typed in its widgets (Streamlit's own widget state, under `form.key(field)`);
- the *base*: the saved values the widgets were last filled from;
- the *version* the typing started from, which the service checks (`expected_version`).

Each run, before drawing the widgets, the page calls `sync()` with the record as read now. Untouched widgets
(typed == base) follow the record, so coming back to a record someone else changed shows their values and
their version, never a false conflict. Widgets the user has typed in keep the typing. A save refused because
someone else saved first keeps the typing, shows their values beside it, and moves the version on, so that
saving again deliberately goes over theirs.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import streamlit as st

from services.errors import ServiceError, StaleRecord
from ui import state
from ui.flash import flash
from ui.widgets import md_sentence

T = TypeVar("T")
LAST_SAVED_KEY = "last_saved_fingerprints"
KEPT_OVER = "What you typed is still in the form: saving again replaces their values."


def already_saved(scope: str, fingerprint: Hashable) -> bool:
    """Whether the same save (same service, same values) was the last one made in `scope`: a double click."""
    return bool(st.session_state.get(LAST_SAVED_KEY, {}).get(scope) == fingerprint)


def remember_saved(scope: str, fingerprint: Hashable) -> None:
    st.session_state.setdefault(LAST_SAVED_KEY, {})[scope] = fingerprint


@dataclass(frozen=True)
class VersionedForm:
    """One form editing one record; `prefix` must be unique to the form and the record (e.g. f"dates_{id}_")."""

    prefix: str
    fields: Sequence[str]

    def key(self, field: str) -> str:
        """The widget key of `field`: pass it as the widget's `key=` and give the widget no `value=`."""
        return f"{self.prefix}{field}"

    @property
    def _base_key(self) -> str:
        return f"{self.prefix}_base"

    @property
    def _version_key(self) -> str:
        return f"{self.prefix}_version"

    @property
    def _current_key(self) -> str:
        return f"{self.prefix}_current"

    def typed(self) -> dict[str, Any]:
        return {field: st.session_state.get(self.key(field)) for field in self.fields}

    def sync(self, *, version: int, saved: Mapping[str, Any], hold: bool = False) -> None:
        """Fill the widgets from the record as read now, unless the user has typed over them. A form not drawn on
        the last run (folded away, or another page shown) has lost its widgets' values: it is filled again.

        `hold`: keep the typing and the version it started from even when nothing was typed over: the form is saved
        on this run although the record moved on (a step someone else recorded meanwhile), so the save is refused."""
        base = st.session_state.get(self._base_key)
        dropped = any(self.key(field) not in st.session_state for field in self.fields)
        held = hold and base is not None and not dropped and self._version_key in st.session_state
        if not held and (base is None or dropped or self.typed() == base):
            for field in self.fields:
                st.session_state[self.key(field)] = saved[field]
            st.session_state[self._base_key] = dict(saved)
            st.session_state[self._version_key] = version
        st.session_state[self._current_key] = (version, dict(saved))

    @property
    def expected_version(self) -> int:
        return int(st.session_state[self._version_key])

    def forget(self) -> None:
        """Drop the typing, so the next run fills the widgets from the saved record again."""
        for key in [*(self.key(field) for field in self.fields), self._base_key, self._version_key]:
            st.session_state.pop(key, None)

    def save(
        self,
        fn: Callable[..., T],
        *,
        success: str,
        describe_saved: Callable[[Mapping[str, Any]], str] | None = None,
        kept: Any = None,  # Any: a page may pass its values as **dict[str, object]
        **kwargs: Any,
    ) -> T | None:
        """Call a writing service with the version the typing started from.

        Saved: forget the typing, flash `success` and rerun (`rerun_after_save`). Refused because someone else saved
        first: keep the typing, say so (`kept` says what saving again does) and show their values (`describe_saved`
        turns them into plain text). Refused
        for a rule: show the sentence and keep the typing."""
        try:
            result = state.write(fn, expected_version=self.expected_version, **kwargs)
        except StaleRecord as error:
            version, saved = st.session_state[self._current_key]
            st.session_state[self._version_key] = version
            st.error(f"{md_sentence(error)} {kept if isinstance(kept, str) else KEPT_OVER}",
                     icon=":material/sync_problem:")
            if describe_saved is not None:
                st.caption("Saved now by someone else:")
                st.code(describe_saved(saved), language=None, wrap_lines=True)
            return None
        except ServiceError as error:
            st.error(md_sentence(error), icon=":material/error:")
            return None
        self.forget()
        flash(success)
        self.rerun_after_save()
        return result  # not reached: a rerun stops the run

    def rerun_after_save(self) -> None:
        """Rerun the page (a form drawn in a fragment may rerun less: pages.returns_parts.return_cards.CardForm)."""
        st.rerun()
