"""The Administration page's practice themes: the partnership's list (seeded from the national sources, docs/themes.md)
in its order, with where each comes from and how many reviews are coded with it; a theme of the partnership's own
added; a theme renamed or described (a versioned form: a save made over someone else's is refused and keeps the
typing), moved up or down, retired (no longer offered; it stays on the reviews coded with it) or restored.

Names and descriptions are shown in a data grid (plain text, never read as Markdown) and through md_text elsewhere."""
from __future__ import annotations

import streamlit as st

from services.themes import (
    MAX_DESCRIPTION_CHARS,
    MAX_NAME_CHARS,
    ThemeRead,
    add_theme,
    list_themes,
    move_theme,
    rename_theme,
    set_theme_active,
)
from ui import state
from ui.flash import flash
from ui.forms import VersionedForm
from ui.widgets import md_text

ADD_FIELDS = ("th_add_name", "th_add_description")
ADD_BUTTON = "Add the theme"


def _done(message: str) -> None:
    flash(message)
    st.rerun()


def _listing(themes: list[ThemeRead]) -> None:
    st.dataframe([{"Place": str(place) if t.active else "—", "Theme": t.name, "Source": t.source,
                   "Active": "yes" if t.active else "retired", "Reviews coded": t.reviews_coded,
                   "Description": t.description or ""}
                  for place, t in enumerate(themes, start=1)],
                 hide_index=True, width="stretch", key="th_table")


def _add_form() -> None:
    with st.form("add_theme"):
        st.markdown("**Add a theme of the partnership's own**")
        name = st.text_input("Name", max_chars=MAX_NAME_CHARS, key="th_add_name")
        description = st.text_area("What it covers (optional)", max_chars=MAX_DESCRIPTION_CHARS,
                                   key="th_add_description")
        submitted = st.form_submit_button(ADD_BUTTON)
    if submitted:
        added = state.act(add_theme, name=name, description=description)
        if added is not None:
            for key in ADD_FIELDS:
                st.session_state.pop(key, None)
            _done(f"Theme {md_text(added.name)} added at the end of the list.")


def _change_form(themes: list[ThemeRead]) -> None:
    by_id = {t.id: t for t in themes}
    pick = st.selectbox("Change a theme", list(by_id), key="th_pick",
                        format_func=lambda i: by_id[i].name + ("" if by_id[i].active else " (retired)"))
    if pick is None:
        return
    theme = by_id[pick]
    form = VersionedForm(f"th_e_{pick}_", ("name", "description"))
    form.sync(version=theme.version, saved={"name": theme.name, "description": theme.description or ""})
    with st.form("edit_theme"):
        st.text_input("Name", max_chars=MAX_NAME_CHARS, key=form.key("name"))
        st.text_area("What it covers (optional)", max_chars=MAX_DESCRIPTION_CHARS, key=form.key("description"))
        st.caption(f"Source: {md_text(theme.source)}. Reviews coded with it: {md_text(str(theme.reviews_coded))}.")
        saving = st.form_submit_button("Save the theme")
    if saving:
        typed = form.typed()
        form.save(rename_theme, success=f"Theme {md_text(typed['name'] or '')} saved.",
                  describe_saved=lambda v: f"{v['name']}: {v['description'] or 'no description'}",
                  theme_id=pick, name=typed["name"], description=typed["description"])
    up, down, retire = st.columns(3)
    if theme.active:
        if up.button("Move up", key=f"th_up_{pick}", icon=":material/arrow_upward:"):
            if state.act(move_theme, theme_id=pick, step=-1, expected_version=theme.version):
                _done(f"Theme {md_text(theme.name)} moved up.")
        if down.button("Move down", key=f"th_down_{pick}", icon=":material/arrow_downward:"):
            if state.act(move_theme, theme_id=pick, step=1, expected_version=theme.version):
                _done(f"Theme {md_text(theme.name)} moved down.")
    label = "Retire" if theme.active else "Restore"
    if retire.button(label, key=f"th_active_{pick}"):
        if state.act(set_theme_active, theme_id=pick, active=not theme.active, expected_version=theme.version):
            _done(f"Theme {md_text(theme.name)} {'retired' if theme.active else 'restored'}.")


def practice_themes_tab() -> None:
    """The tab's contents (drawn only while the tab is chosen)."""
    st.caption("The themes reviews are coded with, each with one sentence of learning. The list starts from the "
               "national sources (the Child Safeguarding Practice Review Panel's annual reports and national reviews, "
               "and the DfE serious incident notification statistics); add the partnership's own. A retired theme "
               "is no longer offered, and stays on the reviews already coded with it. Names are unique, whatever "
               "their capitals.")
    themes = state.read(list_themes)
    _listing(themes)
    _add_form()
    if themes:
        _change_form(themes)
