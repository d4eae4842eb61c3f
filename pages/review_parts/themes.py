"""The Review page's practice themes: the themes the review is coded with, each with its sentence of learning (a
retired theme stays, marked), the form that codes it with one more active theme (managers and officers) and the one
that takes a theme off. Read and drawn only while open. Every cell holding stored text goes through md_text."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from services.clock import LONDON
from services.errors import ServiceError
from services.permissions import may
from services.themes import MAX_LEARNING, ReviewThemes, code_review_theme, review_themes, uncode_review_theme
from ui import state
from ui.flash import flash
from ui.style import wrapping_table
from ui.widgets import folded, md_sentence, md_text

CODE_FIELDS = ("rt_theme", "rt_learning")
LEARNING_HELP = ("One sentence about practice, at most 300 characters. No names, dates of birth, addresses, "
                 "postcodes or NHS numbers.")


def _when(value: datetime) -> str:
    return f"{value.astimezone(LONDON):%a %d %b %Y}"


def _listing(read: ReviewThemes) -> None:
    if not read.coded:
        st.caption("Not coded with any theme yet.")
        return
    wrapping_table([{"Theme": md_text(c.name + ("" if c.active else " (retired)")), "Learning": md_text(c.learning),
                     "Coded by": md_text(c.coded_by), "When": md_text(_when(c.coded_at))} for c in read.coded],
                   key="review_themes")


def _code_form(read: ReviewThemes) -> None:
    if not read.choices:
        st.caption("Every active theme is already on this review.")
        return
    names = {t.id: t.name for t in read.choices}
    with st.form("code_review_theme"):
        st.markdown("**Code the review with a theme**")
        theme_id = st.selectbox("Theme", list(names), index=None, placeholder="Choose a theme",
                                format_func=names.__getitem__, key="rt_theme")
        learning = st.text_input("The learning, in one sentence", max_chars=MAX_LEARNING, key="rt_learning",
                                 help=LEARNING_HELP, placeholder=LEARNING_HELP)
        submitted = st.form_submit_button("Add the theme", icon=":material/sell:")
    if submitted:
        coded = state.act(code_review_theme, review_id=read.review_id, theme_id=theme_id, learning=learning)
        if coded is not None:
            for key in CODE_FIELDS:
                st.session_state.pop(key, None)
            flash(f"Coded with {md_text(coded.name)}.")
            st.rerun()


def _uncode_form(read: ReviewThemes) -> None:
    if not read.coded:
        return
    names = {c.theme_id: c.name for c in read.coded}
    with st.form("uncode_review_theme"):
        theme_id = st.selectbox("Take a theme off the review (the log keeps its learning)", list(names), index=None,
                                placeholder="Choose a theme", format_func=names.__getitem__, key="rt_uncode")
        submitted = st.form_submit_button("Take it off", icon=":material/label_off:")
    if submitted:
        if theme_id is None:
            st.error("Choose the theme to take off.", icon=":material/error:")
            return
        try:  # uncode_review_theme returns None: act() could not tell a refusal, so write() is used
            state.write(uncode_review_theme, review_id=read.review_id, theme_id=theme_id)
        except ServiceError as error:
            st.error(md_sentence(error), icon=":material/error:")
            return
        st.session_state.pop("rt_uncode", None)
        flash(f"{md_text(names[theme_id])} taken off the review.")
        st.rerun()


def themes_part(review_id: int, roles: frozenset[str]) -> None:
    """The review's practice themes on its page."""
    st.subheader("Practice themes")
    box = folded("The themes and their learning", key="review_themes_open", icon=":material/sell:")
    if not box.open:
        return
    read = state.read(review_themes, review_id=review_id)
    with box:
        _listing(read)
        if read.writable and may(roles, code_review_theme):
            _code_form(read)
        if read.writable and may(roles, uncode_review_theme):
            _uncode_form(read)
