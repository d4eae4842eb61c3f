"""The Live reviews page's LCSPRs: each converted review whose LCSPR is not yet published (nor decided not to be),
as stage "LCSPR" with its RAG, why and next step, worst first."""
from __future__ import annotations

from datetime import date

import streamlit as st

from services.lcspr import list_live_lcsprs
from ui import state
from ui.navigation import link_target
from ui.style import wrapping_table
from ui.widgets import md_text, rag_badge, short_date


def live_lcsprs(as_of: date) -> None:
    """The section (nothing when no LCSPR is in progress). Kept review by review like the list above
    (ui.state.read_by_review): a write to one review reads only its LCSPR again."""
    lcsprs = state.read_by_review(list_live_lcsprs, as_of=as_of)
    if not lcsprs:
        return
    st.subheader("LCSPRs in progress")
    st.caption("Reviews converted into a Local Child Safeguarding Practice Review, until the report is published "
               "(or decided not to be). Their steps are on the Review page.")
    # Cells are Markdown: every text goes through md_text, and the status is a badge that says it in words.
    rows = [{
        "Review": md_text(x.case_reference),
        "Stage": x.stage,
        "Status": rag_badge(x.rag),
        "Next step": md_text(f"{x.next_title}, due {short_date(x.next_due)}" if x.next_title and x.next_due
                             else "—"),
        "Progress": md_text(x.progress),
        "Why": md_text(x.why or "—"),
    } for x in lcsprs]
    wrapping_table(rows, key="live_lcsprs")
    with st.container(horizontal=True, key="lcspr_links"):
        for x in lcsprs:
            st.page_link(link_target("review"), label=f"{md_text(x.case_reference)} (LCSPR, {md_text(x.rag.value)})",
                         icon=":material/folder_open:", query_params={"review": str(x.review_id)})
