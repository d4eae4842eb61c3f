"""Small shared widgets: RAG badges and dates in the partnership's format."""
from __future__ import annotations

import re
from datetime import date

import streamlit as st

from db.enums import ReviewState
from services.formatting import long_date
from services.rag import Rag

FREE_TEXT_REMINDER = "Initials only: no names, dates of birth, addresses or NHS numbers."


def fmt_date(value: date | None) -> str:
    """A date as every page shows it ('Fri 18 Dec 2026', a dash when empty): the services' one formatter."""
    return long_date(value)


# Streamlit's own badge colours: no HTML is ever built from what is shown. "Not due yet" shows as green.
BADGE_COLOURS = {
    Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green", Rag.NOT_DUE_YET: "green",
    Rag.COMPLETE: "blue", Rag.NOT_NEEDED: "gray",
}
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=^])")


def rag_badge(status: Rag | str) -> str:
    """A coloured badge, as Streamlit markdown, that also says the status in words (never colour alone)."""
    rag = Rag(status) if status in Rag._value2member_map_ else None
    colour = BADGE_COLOURS[rag] if rag else "gray"
    return f":{colour}-badge[{md_text(str(status).upper())}]"


def md_text(text: object) -> str:
    """Text a user typed (or an administrator named), shown literally inside st.markdown: no link, image,
    HTML, heading or colour directive can come from it."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


CURRENT_REVIEW_KEY = "current_review_id"


def review_picker(reviews: list, *, key: str) -> int:
    """Choose a review, kept in step with the address (?review=<id>) and across the review pages.

    A link decides which review opens; without one, the review chosen last on any page of this session;
    without that, the newest live review. Changing the box changes the address."""
    by_id = {r.id: r for r in reviews}
    wanted = st.query_params.get("review")
    remembered = st.session_state.get(CURRENT_REVIEW_KEY)
    live = [r for r in reviews if r.state != ReviewState.CLOSED]
    if wanted and wanted.isdigit() and int(wanted) in by_id:
        current_id = int(wanted)
    elif isinstance(remembered, int) and remembered in by_id:
        current_id = remembered
    else:
        current_id = (live or reviews)[0].id

    def follow_the_box() -> None:
        st.query_params["review"] = str(st.session_state[key])
        st.session_state[CURRENT_REVIEW_KEY] = st.session_state[key]

    if st.session_state.get(key) != current_id:
        st.session_state[key] = current_id
    review_id = st.selectbox("Review", list(by_id), key=key, on_change=follow_the_box,
                             format_func=lambda i: f"{by_id[i].case_reference} ({by_id[i].state})")
    st.query_params["review"] = str(review_id)
    st.session_state[CURRENT_REVIEW_KEY] = review_id
    return review_id
