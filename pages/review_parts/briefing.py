"""The Review page's seven-minute briefing: one page of Word with the review's learning (its practice themes) and
actions (its recommendations), for practitioners. Offered to case readers; built when the button is clicked (never
on a run of the page), as the account signed in then, from what the tracker holds at that moment."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from services.briefing import BriefingFile, briefing_file_name, build_briefing
from services.permissions import may
from services.word_document import DOCX_MIME
from ui import state

LABEL = "Download the seven-minute briefing (Word)"


def briefing_part(review_id: int, case_reference: str, roles: frozenset[str], *, as_of: date) -> None:
    """The download and a line saying what the briefing holds and what it leaves out."""
    if not may(roles, build_briefing):
        return
    st.subheader("Seven-minute briefing")
    later: Callable[[], BriefingFile] = state.read_later(build_briefing, review_id=review_id, as_of=as_of)
    st.download_button(LABEL, lambda: later().data, file_name=briefing_file_name(case_reference, as_of),
                       mime=DOCX_MIME, icon=":material/download:", on_click="ignore", key="briefing_download")
    st.caption("One page for practitioners: background, why it matters, what we found (each practice theme's "
               "learning), what we are doing (the recommendations and their actions: agency, due date, status), "
               "questions for reflection and where to find out more. It names the review by its case reference only: "
               "no initials, ages or dates of the case, and no action owner's name. Built from what the tracker holds "
               "when you click.")
