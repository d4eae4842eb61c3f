"""The row of links from one review page to the same review on the others (issue 13): every page that shows one
review has an address naming it (`/<page>?review=<id>`), so a link can be copied, bookmarked or emailed."""
from __future__ import annotations

import streamlit as st

from ui.navigation import PAGES, link_target

# The pages that show one review, in menu order.
REVIEW_PAGE_KEYS = ("review", "returns", "log", "meetings", "report")


def review_links(review_id: int, *, here: str) -> None:
    """Links to this review on the other review pages (the page `here` is not repeated)."""
    others = [key for key in REVIEW_PAGE_KEYS if key != here]
    columns = st.columns(len(others))
    for column, key in zip(columns, others, strict=True):
        entry = PAGES[key]
        column.page_link(link_target(key), label=f"{entry.title} for this review", icon=entry.icon,
                         query_params={"review": str(review_id)})
