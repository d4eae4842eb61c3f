"""Start the report's summary of an agency's involvement from what the agency sent through its link: a button in the
card's summary form, offered while the return is accepted, came through the link and has no summary saved.

Pressing it puts a draft made from the answers of the involvement and analysis sections (services.agency_exchange's
summary_draft, trimmed to the summary's limit) into the summary box, as typing: nothing is saved until the officer
saves the form. The button is a submit button of that form, so what the box held is sent with the click: a box that
already holds text is left as it is (nothing the officer typed is replaced), with a sentence saying so."""
from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

import streamlit as st

from services.agency_exchange import RoundRead, summary_draft
from services.returns import MAX_SUMMARY_CHARS
from ui.flash import flash

START_LABEL = "Start the summary from the return"


def _draft_key(return_id: int) -> str:
    return f"r{return_id}_summary_started"


def put_started_draft(return_id: int, box_key: str) -> None:
    """Before the summary box is drawn: the draft asked for on the last run goes into it, as typing."""
    draft = st.session_state.pop(_draft_key(return_id), None)
    if isinstance(draft, str):
        st.session_state[box_key] = draft


def start_summary(return_id: int, typed: str | None, answered: RoundRead, *, rerun: Callable[[], NoReturn]) -> None:
    """The button was pressed with `typed` in the box: fill an empty box with the draft (on the next run), else say
    why not."""
    if (typed or "").strip():
        st.info("The summary box already holds text, so the draft was not put in: nothing you typed is replaced. "
                "Empty the box first to start from the return.", icon=":material/info:")
        return
    draft = summary_draft([(a.key, a.heading, a.text) for a in answered.answers], max_chars=MAX_SUMMARY_CHARS)
    if not draft:
        st.info("The return answers neither its involvement nor its analysis section: there is nothing to start "
                "the summary from.", icon=":material/info:")
        return
    st.session_state[_draft_key(return_id)] = draft
    flash("The summary box holds a draft made from the return's involvement and analysis: edit it, then save it. "
          "Nothing is saved until you do.", "info")
    rerun()
