"""The Administration page's scoping form editor and the agencies' link setting.

**The editor** starts from the current version of the form and edits it as a whole: each section's heading,
guidance, whether it is required and what it asks for (free text, or dates and episodes); sections added, removed
and moved up or down; then "Save as a new version" with a note of what changed. The senior manager's confirmation
stays last and cannot be removed (the rules refuse it anyway). Every button of the editor is a submit button of one
form, so whatever was typed anywhere in it is kept by every click; a refused save shows its sentence above the form
and keeps everything. The editor's sections are also kept in the session apart from their widgets (`MODEL_KEY`), so
going to another page and back keeps the work. Untouched, the editor follows a version saved by someone else; with
typing in it, it says so, and its save is refused as stale.

**The link setting** (working days a link works after its return's due date) is a versioned form, as the other
settings.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from services.agency_exchange import (
    KIND_WORDS,
    MAX_FORM_NOTE_CHARS,
    MAX_GUIDANCE_CHARS,
    MAX_HEADING_CHARS,
    MAX_LINK_EXPIRY_WORKING_DAYS,
    MAX_SECTIONS,
    FormSectionDraft,
    FormVersionRead,
    ScopingFormAdmin,
    save_scoping_form_version,
    update_link_expiry,
)
from services.clock import LONDON
from ui import state
from ui.flash import flash
from ui.forms import VersionedForm
from ui.widgets import md_text

MODEL_KEY = "sf_model"  # the editor's sections, apart from their widgets (kept when the page is left)
NOTE_KEY = "sf_note"
FORM_NAME = "scoping_form_editor"
CONFIRMATION = "confirmation"
ANSWER_KINDS = ["text", "dates"]
FIELDS = ("kind", "heading", "guidance", "required")
Row = dict[str, Any]  # uid, key (None for a section added here), kind, heading, guidance, required


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%a %d %b %Y at %H:%M}"


def _widget_key(uid: int, field: str) -> str:
    return f"sf_{field[0]}_{uid}"  # sf_k_, sf_h_, sf_g_, sf_r_ + the row's own number


def _values(row: Row) -> tuple[Any, ...]:
    return tuple(row[f] for f in ("key", *FIELDS))


def _fresh_model(current: FormVersionRead) -> dict[str, Any]:
    rows = [{"uid": uid, "key": s.key, "kind": s.kind, "heading": s.heading, "guidance": s.guidance,
             "required": s.required} for uid, s in enumerate(current.sections, start=1)]
    return {"based_on": current.number, "rows": rows, "next_uid": len(rows) + 1,
            "base": [_values(r) for r in rows]}


def _drop_widgets(model: dict[str, Any]) -> None:
    for row in model["rows"]:
        for field in FIELDS:
            st.session_state.pop(_widget_key(row["uid"], field), None)


def _model() -> dict[str, Any]:
    model: dict[str, Any] = st.session_state[MODEL_KEY]
    return model


def _capture() -> None:
    """Copy what the editor's widgets hold now into the model (a callback runs before the widgets are drawn again,
    with the values the click sent)."""
    for row in _model()["rows"]:
        for field in FIELDS:
            key = _widget_key(row["uid"], field)
            if key in st.session_state:
                row[field] = st.session_state[key]


def _touched() -> bool:
    model = _model()
    return [_values(r) for r in model["rows"]] != model["base"] or bool(st.session_state.get(NOTE_KEY))


def _sync(current: FormVersionRead) -> dict[str, Any]:
    """The editor's model: made from the current version the first time, and again when a newer version was saved
    while nothing was typed; every widget not in the session (the page was left) filled from the model."""
    held = st.session_state.get(MODEL_KEY)
    if held is not None:
        _capture()
    if held is None or (held["based_on"] != current.number and not _touched()):
        if held is not None:
            _drop_widgets(held)
        st.session_state[MODEL_KEY] = _fresh_model(current)
    model = _model()
    for row in model["rows"]:
        for field in FIELDS:
            key = _widget_key(row["uid"], field)
            if key not in st.session_state:
                st.session_state[key] = row[field]
    return model


def _move(uid: int, step: int) -> None:
    _capture()
    rows = _model()["rows"]
    at = next(i for i, r in enumerate(rows) if r["uid"] == uid)
    to = at + step
    if 0 <= to < len(rows) and CONFIRMATION not in (rows[at]["kind"], rows[to]["kind"]):
        rows[at], rows[to] = rows[to], rows[at]


def _remove(uid: int) -> None:
    _capture()
    model = _model()
    model["rows"] = [r for r in model["rows"] if r["uid"] != uid or r["kind"] == CONFIRMATION]
    for field in FIELDS:
        st.session_state.pop(_widget_key(uid, field), None)


def _add() -> None:
    """A blank section, just before the senior manager's confirmation (at the end when there is none)."""
    _capture()
    model = _model()
    uid = model["next_uid"]
    model["next_uid"] = uid + 1
    row = {"uid": uid, "key": None, "kind": "text", "heading": "", "guidance": "", "required": True}
    rows = model["rows"]
    last = len(rows) - 1 if rows and rows[-1]["kind"] == CONFIRMATION else len(rows)
    rows.insert(last, row)
    for field in FIELDS:
        st.session_state[_widget_key(uid, field)] = row[field]


def _discard() -> None:
    _drop_widgets(_model())
    st.session_state.pop(MODEL_KEY, None)
    st.session_state.pop(NOTE_KEY, None)


def _section(row: Row, index: int, count: int, rows: list[Row]) -> None:
    """One section's boxes and its buttons (move up, move down, remove)."""
    uid = row["uid"]
    confirmation = row["kind"] == CONFIRMATION
    with st.container(border=True, key=f"sf_section_{uid}"):
        st.markdown(f"**Section {index + 1:d} of {count:d}**"
                    + (" · the senior manager's confirmation" if confirmation else ""))
        if confirmation:
            st.caption("Always required and always last: the agency gives the senior manager's name, role and date "
                       "and ticks the confirmation before it can send its return.")
        else:
            st.selectbox("What it asks for", ANSWER_KINDS, format_func=KIND_WORDS.__getitem__,
                         key=_widget_key(uid, "kind"),
                         help="Dates and episodes: the pre-check looks there for the dates of contacts.")
        st.text_input("Heading", key=_widget_key(uid, "heading"),
                      help=f"One line, up to {MAX_HEADING_CHARS:,} characters; no two sections the same.")
        st.text_area("Guidance for the agency", key=_widget_key(uid, "guidance"), height=80,
                     help=f"Shown under the heading; one paragraph, up to {MAX_GUIDANCE_CHARS:,} characters.")
        if not confirmation:
            st.checkbox("Required (the pre-check names it when it is not answered)", key=_widget_key(uid, "required"))
        c1, c2, c3 = st.columns(3)
        above = rows[index - 1]["kind"] if index > 0 else CONFIRMATION
        below = rows[index + 1]["kind"] if index + 1 < count else CONFIRMATION
        c1.form_submit_button("Move up", key=f"sf_up_{uid}", on_click=_move, args=(uid, -1),
                              disabled=confirmation or above == CONFIRMATION, icon=":material/arrow_upward:")
        c2.form_submit_button("Move down", key=f"sf_down_{uid}", on_click=_move, args=(uid, 1),
                              disabled=confirmation or below == CONFIRMATION, icon=":material/arrow_downward:")
        c3.form_submit_button("Remove", key=f"sf_remove_{uid}", on_click=_remove, args=(uid,), disabled=confirmation,
                              icon=":material/delete:")


def scoping_form_tab(admin: ScopingFormAdmin) -> None:
    """The current form, its editor, and the versions saved so far."""
    current = admin.current
    st.caption("The form each agency answers through its private link. A change is saved as a new version: "
               "requests already sent keep the version they were sent with; links issued from then on get the new "
               "one.")
    by = current.created_by or "the tracker (the guide's form)"
    st.markdown(f"**Current: version {current.number:d}**, saved {_when(current.created_at)} by {md_text(by)}.")
    with st.expander(f"Version {current.number:d} as the agency reads it"):
        for position, section in enumerate(current.sections, start=1):
            st.markdown(f"**{position:d}. {md_text(section.heading)}**"
                        + ("" if section.required else " (optional)"))
            if section.guidance:
                st.caption(md_text(section.guidance))
    model = _sync(current)
    if model["based_on"] != current.number:
        st.warning(f"Version {current.number:d} was saved by someone else while you were editing version "
                   f"{model['based_on']:d}: saving yours would go over it, so it is refused. Start again from the "
                   "current version (your changes are dropped), or note them and make them again.",
                   icon=":material/sync_problem:")
    rows: list[Row] = model["rows"]
    with st.form(FORM_NAME, enter_to_submit=False):
        for index, row in enumerate(rows):
            _section(row, index, len(rows), rows)
        st.form_submit_button("Add a section", key="sf_add", on_click=_add, disabled=len(rows) >= MAX_SECTIONS,
                              icon=":material/add:")
        note = st.text_area("What changed, and why (kept with the version and logged)", key=NOTE_KEY, height=80,
                            help=f"Up to {MAX_FORM_NOTE_CHARS:,} characters.")
        c1, c2 = st.columns(2)
        saving = c1.form_submit_button("Save as a new version", key="sf_save", type="primary",
                                       icon=":material/save:")
        c2.form_submit_button("Start again from the current version", key="sf_discard", on_click=_discard,
                              icon=":material/undo:")
    if saving:
        _capture()
        drafts = [FormSectionDraft(r["key"], r["kind"], r["heading"], r["guidance"], bool(r["required"]))
                  for r in model["rows"]]
        saved = state.act(save_scoping_form_version, sections=drafts, note=note, based_on=model["based_on"])
        if saved is not None:
            _discard()
            flash(f"Scoping form version {saved.number:d} saved: requests sent from now on use it; requests "
                  "already sent keep theirs.")
            st.rerun()
    st.markdown("**Versions saved**")
    st.dataframe(pd.DataFrame([{"Version": v.number, "Saved": _when(v.created_at),
                                "By": v.created_by or "the tracker", "Sections": v.sections,
                                "Links sent with it": v.links, "What changed": v.note or ""}
                               for v in admin.versions]),
                 hide_index=True, width="stretch")


def link_expiry_form(admin: ScopingFormAdmin) -> None:
    """How many working days after its return's due date an agency's private link keeps working."""
    form = VersionedForm("lx_", ("days",))
    form.sync(version=admin.link_expiry_version, saved={"days": admin.link_expiry_working_days})
    with st.form("link_expiry"):
        st.markdown("**Agencies' private links**")
        days = st.number_input(
            "Working days a link keeps working after its return's due date", min_value=1,
            max_value=MAX_LINK_EXPIRY_WORKING_DAYS, step=1, key=form.key("days"),
            help="Links issued from then on get it (a later due date, agreed or after a send-back, moves it on); a "
                 "link already issued keeps at least the date it was issued with, which its email quotes.")
        saving = st.form_submit_button("Save the link setting")
    if saving:
        form.save(update_link_expiry, success="The agencies' link setting is saved.",
                  describe_saved=lambda v: f"{v['days']} working days after the due date",
                  working_days=int(days) if days is not None else None)
