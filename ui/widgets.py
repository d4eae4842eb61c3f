"""Small shared widgets: RAG badges and dates in the partnership's format."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, TypeVar, overload

import streamlit as st

from services.formatting import long_date
from services.rag import Rag

if TYPE_CHECKING:
    from services.reviews.reads import ReviewList
    from ui.streamlit_internals import ExpanderContainer

FREE_TEXT_REMINDER = "Initials only: no names, dates of birth, addresses or NHS numbers."
# The most rows a list draws at once (the live list): a partnership's live reviews are fewer (the demo's 10); at
# national scale, the rest are a choice away instead of drawn on every run of the page.
LIST_PAGE_SIZE = 15
T = TypeVar("T")


def free_text_help(most: int) -> str:
    """The help of a free-text box: the reminder, and the most its save takes. No text box has `max_chars` (Streamlit's
    box drops a longer paste whole): the save refuses an over-long text with a sentence and the text stays
    (docs/decisions.md; tests/app/test_text_boxes.py fails on a box with one)."""
    return f"{FREE_TEXT_REMINDER} Up to {most:,} characters."


def page_of(items: Sequence[T], *, key: str, label: str, size: int | None = None) -> list[T]:
    """The part of a long list to draw now: all of it when it fits in one page (`size`, else LIST_PAGE_SIZE), else
    one page with a box, labelled `label`, to choose which ("51–100 of 270"). The items keep their order (most urgent
    first), so the first page holds what matters most."""
    size = size or LIST_PAGE_SIZE
    count = len(items)
    starts = range(0, count, size)
    if count <= size:
        return list(items)
    if st.session_state.get(key) not in starts:
        st.session_state.pop(key, None)  # the list got shorter (a filter, a closed review): back to its first page
    def _shown(first: int) -> str:
        last = min(first + size, count)
        return f"{first + 1}–{last} of {count}" if last > first + 1 else f"{last} of {count}"

    start = st.selectbox(label, starts, key=key, format_func=_shown) or 0
    return list(items[start:start + size])


def folded(label: str, *, key: str, icon: str | None = None) -> ExpanderContainer:
    """An expander whose contents are drawn only while it is open (`.open`; Streamlit reruns the page when it is
    opened or closed, and keeps whether it is open under `key`): a form used now and then costs nothing on the runs
    it stays closed. What was typed in it is dropped when it is closed."""
    return st.expander(label, key=key, icon=icon, on_change="rerun")


def fmt_date(value: date | None, *, blank: str = "—") -> str:
    """A date as every page shows it ('Fri 18 Dec 2026', `blank` (a dash) when empty): the services' one
    formatter."""
    return long_date(value, blank=blank)


def short_date(value: date) -> str:
    """A date near today, in a narrow table cell: 'Fri 18 Dec' (the year is the one around it)."""
    return f"{value:%a} {value.day} {value:%b}"


# Streamlit's own badge colours: no HTML is ever built from what is shown. "Not due yet" shows as green.
BADGE_COLOURS = {
    Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green", Rag.NOT_DUE_YET: "green",
    Rag.COMPLETE: "blue", Rag.NOT_NEEDED: "gray",
}
# Every ASCII punctuation character: CommonMark lets a backslash make any of them literal, and each can start something
# Streamlit's Markdown draws: links and images ([ ] ( ) !), HTML and autolinks (< >), GFM autolinks (the "." of
# "www." and of a domain, the ":" and "/" of "http://", the "@" of an email address), LaTeX ($), colour and icon
# directives (:red[...], :material/...:), emphasis, headings, lists, tables, entities (&). Letters, digits, spaces
# and other scripts are left as they are, so the text reads as typed.
MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit's Markdown (remark-gfm) also turns "www.", "http(s)://" and "name@domain" into links in the text as parsed,
# after the escapes are read: a WORD JOINER (U+2060, invisible, no space) at each of those places breaks the pattern.
WORD_JOINER = "\u2060"
AUTOLINK_STARTS = re.compile(r"(?i)(?<=www)(?=\.)|(?<=:)(?=//)|(?=@)")


def rag_badge(status: Rag | str, *, count: int | None = None) -> str:
    """A coloured badge, as Streamlit markdown, that also says the status in words (never colour alone), after
    `count` when given (':red-badge[3 RED]': how many have that status)."""
    rag = Rag(status) if status in Rag._value2member_map_ else None
    colour = BADGE_COLOURS[rag] if rag else "gray"
    words = md_text(str(status).upper())
    return f":{colour}-badge[{words if count is None else f'{count} {words}'}]"


def md_text(text: object) -> str:
    """Text a user typed (or an administrator named), shown literally inside st.markdown: no link, image,
    HTML, heading, LaTeX, colour or icon directive, nor autolink (www., http://, an email address) can come from it.
    Shown, it reads as typed (the escapes and word joiners are invisible)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", AUTOLINK_STARTS.sub(WORD_JOINER, str(text)))


SENTENCE_SPECIAL = re.compile(r"([\\\[\]$`]|:(?=material/))")


def no_autolinks(markdown: str) -> str:
    """Markdown made by the code around escaped stored text, with every GFM autolink pattern (www., http://, an
    email address) broken: the escapes alone do not stop remark-gfm finding them in the text."""
    return AUTOLINK_STARTS.sub(WORD_JOINER, markdown)


def md_sentence(sentence: object) -> str:
    """A sentence for st.error/st.info that may quote what a user typed (a service's refusal): no link, image or
    colour directive (each needs a bracket), LaTeX ($), icon (:material/...:) or autolink (www., http://, an email
    address) can come from it (Streamlit shows HTML as text), and the rest of the sentence reads, and compares, as
    written. Text shown on its own, not inside a sentence, goes through md_text."""
    return SENTENCE_SPECIAL.sub(r"\\\1", AUTOLINK_STARTS.sub(WORD_JOINER, str(sentence)))


CURRENT_REVIEW_KEY = "current_review_id"


ALL_LIVE_CHOSEN_KEY = "all_live_reviews_chosen"
ALL_LIVE = 0  # the "all live reviews" choice in the box (review ids start at 1)
FOUND_CLOSED_LIMIT = 50  # closed reviews a search adds to a review picker


@overload
def review_picker(reviews: ReviewList, *, key: str, all_live_label: None = None) -> int: ...
@overload
def review_picker(reviews: ReviewList, *, key: str, all_live_label: str) -> int | None: ...
def review_picker(reviews: ReviewList, *, key: str, all_live_label: str | None = None) -> int | None:  # noqa: C901 - the choice's three sources (link, session, newest) and the address, in order
    """Choose a review, kept in step with the address (?review=<id>) and across the review pages.

    A link decides which review opens; without one, the review chosen last on any page of this session;
    without that, the newest live review. Changing the box changes the address.

    With `all_live_label` the box also offers every live review at once (first, under that label) and returns
    None for it: without a link, that choice stays while this session last made it here, and it is where the
    box starts when no review was chosen yet.

    The box offers the live reviews, the one chosen, and the closed reviews whose case reference contains what is
    typed in "Find a closed review" (at most FOUND_CLOSED_LIMIT): not every review ever, which at national scale is
    thousands of choices."""
    by_id, live, labels = reviews.by_id, reviews.live, reviews.labels  # computed once for the shared list
    wanted = st.query_params.get("review")
    remembered = st.session_state.get(CURRENT_REVIEW_KEY)
    current_id: int
    if wanted and wanted.isdigit() and int(wanted) in by_id:
        current_id = int(wanted)
    elif all_live_label is not None and st.session_state.get(ALL_LIVE_CHOSEN_KEY):
        current_id = ALL_LIVE
    elif isinstance(remembered, int) and remembered in by_id:
        current_id = remembered
    elif all_live_label is not None:
        current_id = ALL_LIVE
    else:
        current_id = (live or reviews)[0].id

    def remember(review_id: int) -> None:
        if review_id == ALL_LIVE:
            st.query_params.pop("review", None)
            st.session_state[ALL_LIVE_CHOSEN_KEY] = True
        else:
            st.query_params["review"] = str(review_id)
            st.session_state[CURRENT_REVIEW_KEY] = review_id
            st.session_state[ALL_LIVE_CHOSEN_KEY] = False

    def follow_the_box() -> None:
        remember(st.session_state[key])

    def label(review_id: int) -> str:
        if review_id == ALL_LIVE:
            return all_live_label or ""
        return labels[review_id]

    typed = str(st.session_state.get(f"{key}_find_closed") or "").strip().upper()
    found = [r.id for r in reviews.find(typed)]  # by its reference, or a former one (a corrected review's)
    choices = [r.id for r in live] + [current_id] + found[:FOUND_CLOSED_LIMIT]
    options = ([ALL_LIVE] if all_live_label is not None else []) + [
        i for i in dict.fromkeys(choices) if i in by_id]
    if st.session_state.get(key) != current_id:
        st.session_state[key] = current_id
    review_id = st.selectbox("Review", options, key=key, on_change=follow_the_box, format_func=label)
    if reviews.closed:
        st.text_input("Find a closed review", key=f"{key}_find_closed", placeholder="part of its case reference",
                      help=f"Closed and withdrawn reviews whose case reference, or a former one, contains this are "
                           f"added to the box above (at most {FOUND_CLOSED_LIMIT}).")
    chosen = ALL_LIVE if review_id is None else int(review_id)  # the box always has a value: it was set above
    remember(chosen)
    return None if chosen == ALL_LIVE else chosen
