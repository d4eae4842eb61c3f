"""The Day 6 pack's download on the Agency returns page: one Word file of the review's accepted returns for the Rapid
Review meeting, offered once a return is accepted and built when the button is clicked (never on a run of the page),
as the account signed in then."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from services.agency_exchange import Day6PackFile, build_day6_pack, day6_pack_file_name
from services.word_document import DOCX_MIME
from ui import state

LABEL = "Download the Day 6 pack (Word)"


def day6_pack_button(review_id: int, case_reference: str, *, as_of: date, accepted: int, asked: int) -> None:
    """The button, with a line saying what the pack holds now; before any return is accepted, that line only."""
    if not asked:
        return
    if not accepted:
        st.caption("The Day 6 pack (every accepted return in one Word file, for the Rapid Review meeting) is offered "
                   "here once a return is accepted.")
        return
    later: Callable[[], Day6PackFile] = state.read_later(build_day6_pack, review_id=review_id, as_of=as_of)
    st.download_button(LABEL, lambda: later().data, file_name=day6_pack_file_name(case_reference, as_of),
                       mime=DOCX_MIME, icon=":material/download:", on_click="ignore", key="day6_pack")
    waiting = asked - accepted
    st.caption(f"Every accepted return in one file for the Rapid Review meeting ({accepted:d} of {asked:d} accepted"
               + (f"; {waiting:d} not accepted yet, listed at its end" if waiting else "")
               + "). It is built from the returns as they stand when you click.")
