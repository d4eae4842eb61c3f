"""Agency returns: a review's returns as one card per agency (pages/returns_parts/return_cards.py: what happens
next and by when, with the one form of that next step; a save in a card reruns that card alone unless the page
around it changes; each folded to one line until opened, pages/returns_parts/card_folds.py), batches for the common
steps (pages/returns_parts/return_batches.py), the checklist table and its export, the Day 6 pack of the accepted
returns as one Word file (pages/returns_parts/day6_pack.py); and the outstanding returns across every live review,
most urgent first (the officer's worklist for the day)."""
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from db.enums import ReviewState, Role
from pages.returns_parts.card_folds import open_by_themselves
from pages.returns_parts.day6_pack import day6_pack_button
from pages.returns_parts.return_batches import SMALLEST_BATCH, batch_receipts, batch_share
from pages.returns_parts.return_cards import DATE_FORMAT, CardPage, chase_controls, return_card
from services.agencies import list_agencies
from services.agency_exchange import build_day6_pack
from services.due_mail import ScopingRequest, send_scoping_requests
from services.outbox import mail_is_on
from services.permissions import may
from services.rag import RAG_COLOURS, Rag
from services.returns import (
    CHECKLIST_COLUMNS,
    DATE_COLUMNS,
    CardStep,
    Stage,
    card_step,
    chase_emails,
    checklist_table,
    export_checklist,
    list_outstanding_returns,
    list_returns,
    record_return_received,
    returns_received_counts,
)
from services.reviews import get_review_status, list_reviews
from ui import state
from ui.flash import flash, show_flashes
from ui.gate import require_page
from ui.links import review_links
from ui.style import COMPACT_ON_PHONE
from ui.widgets import fmt_date, folded, md_text, page_of, rag_badge, review_picker

CHECKLIST, OUTSTANDING = "Checklist for one review", "Outstanding returns (all live reviews)"
RAG_CELL_COLOURS = {r.value.upper(): RAG_COLOURS[r] for r in Rag}
TABLE_OPEN_KEY = "checklist_table_open"
LINKS_ONCE_KEY = "scoping_links_to_send"  # the private links to send by hand, shown once after forms were sent
# Why a link was not emailed.
NO_PUBLIC_URL = ("the tracker's public address, RRT_PUBLIC_URL, is not set, so no request email carries a link; the "
                 "address below is the one you reached the tracker at")
NO_MAIL = "this tracker sends no email: SMTP_URL is not set"
NO_CONTACT = "no contact email is held for it: an administrator can add one"
CHASE_PAGE = 10
WORKLIST_PAGE = 50

require_page("returns")
as_of = state.today()
roles = state.signed_in_roles()
can_write = may(roles, record_return_received)
is_manager = Role.MANAGER in roles

st.title("Agency returns")
st.caption(f"Today is {fmt_date(as_of)}. Scoping returns are due 5 working days after the forms are sent, checked "
           "and shared with the JCR Chair the day they arrive, then accepted or sent back by the Partnership Manager.")
show_flashes()

default_view = CHECKLIST if st.query_params.get("review") else OUTSTANDING
if st.query_params.get("view") == "outstanding":
    default_view = OUTSTANDING
view = st.segmented_control("View", [CHECKLIST, OUTSTANDING], default=default_view, key="ret_view",
                            required=True, label_visibility="collapsed")


def _label_of(labels: Mapping[Any, str]) -> Callable[[Any], str]:
    """A format_func that never fails and always gives text: after a save, the browser may send back an option
    that is no longer offered (or its label), and Streamlit formats it before dropping it."""
    return lambda value: labels.get(value, str(value)) if isinstance(value, int) else str(value)


# The RAG as a coloured label (the column's one value shown as a tag), not a pandas Styler over the whole table.
RAG_COLUMN = st.column_config.MultiselectColumn(width=96, options=list(RAG_CELL_COLOURS),
                                                color=list(RAG_CELL_COLOURS.values()))


def _site_origin() -> str:
    """The tracker's address as this browser reached it ('https://host'), for a link when RRT_PUBLIC_URL is not set."""
    from urllib.parse import urlsplit

    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def show_links_once() -> None:
    """The private links that were not emailed, shown this once (the tracker keeps only their hash)."""
    requests: list[ScopingRequest] = st.session_state.pop(LINKS_ONCE_KEY, [])
    if not requests:
        return
    with st.container(border=True, key="links_to_send"):
        st.warning("Send these private links to the agencies yourself: they are shown only this once (the tracker "
                   "keeps no copy it can show again; reissue a link from its card if one is lost).",
                   icon=":material/key:")
        for r in requests:
            st.markdown(f"**{md_text(r.agency_name)}**: due {fmt_date(r.due)}; the link works until "
                        f"{fmt_date(r.expires_on)} "
                        f"({NO_PUBLIC_URL if r.url is None else NO_MAIL if not mail_is_on() else NO_CONTACT}).")
            st.code(r.url or f"{_site_origin()}{r.path}", language=None)


def _open_checklist(review_id: int) -> None:
    st.query_params["review"] = str(review_id)
    st.query_params.pop("view", None)
    st.query_params.pop("return", None)
    st.session_state.pop("ret_view", None)
    st.rerun()


# ---------------------------------------------------------------- outstanding returns (worklist)

if view == OUTSTANDING:
    st.query_params["view"] = "outstanding"
    outstanding = state.read_by_review(list_outstanding_returns, as_of=as_of)  # a write reads its review's part again
    late = outstanding.late  # the figures are computed once for the shared list
    c1, c2, c3, c4 = st.container(key=COMPACT_ON_PHONE + "worklist_counts").columns(4)  # two to a row on a phone
    c1.metric("Late from the agency", len(late))
    c2.metric("To check today or overdue", outstanding.to_check)
    c3.metric("Awaiting final QA", outstanding.awaiting_final_qa)
    c4.metric("Outstanding in all", len(outstanding))
    if not outstanding:
        st.info("No return is outstanding on any live review.")
        st.stop()
    # Most urgent first, WORKLIST_PAGE at a time: a partnership's fit on one page; at national scale (about 900),
    # the rest are a choice away instead of built into the table on every run.
    shown = page_of(outstanding, key="worklist_from", label="Outstanding returns shown", size=WORKLIST_PAGE)
    rows = [
        {
            "Case reference": s.case_reference,
            "Agency": s.agency_name,
            "RAG": s.rag.value.upper(),
            "Stage": s.stage.value,
            "Next step": s.next_step,
            "Step due": s.action_due,
            "Requested": s.ret.requested_date,
            "Chased": len(s.ret.chases),
        }
        for s in shown
    ]
    table = pd.DataFrame(rows)
    event = st.dataframe(
        table, hide_index=True, width="stretch", key="outstanding_table",
        on_select="rerun", selection_mode="single-row", placeholder="—",
        # Fits 1280 px with the menu open, nothing cut off: text wraps in rows of three lines (Streamlit wraps only
        # in rows taller than 4rem); the stage is said by the next step, and the date asked is on the checklist.
        row_height=66, column_order=["Case reference", "Agency", "RAG", "Next step", "Step due", "Chased"],
        column_config={"Case reference": st.column_config.TextColumn("Review", width=80),
                       "Agency": st.column_config.TextColumn(width=150),
                       "RAG": RAG_COLUMN,
                       "Next step": st.column_config.TextColumn(width=250),
                       "Step due": st.column_config.DateColumn(format="ddd D MMM", width=95),
                       "Chased": st.column_config.NumberColumn(width=65)},
    )
    picked_rows = event.selection.rows if event and event.selection else []
    if picked_rows:
        _open_checklist(shown[picked_rows[0]].ret.review_id)
    st.caption("Select a row to open that review's checklist.")
    if late:
        st.subheader("Chase late returns")
        st.caption(f"{len(late)} late return{'s' if len(late) != 1 else ''}: each with its email ready and a button "
                   "to log the chase.")
        # Drawn only while open (the table and the counts above are what the worklist is opened for); a box for
        # each late return, most urgent first, CHASE_PAGE at a time (a partnership can have hundreds).
        chase_box = folded("The late returns, to chase", key="chase_open", icon=":material/schedule_send:")
        if not chase_box.open:
            st.stop()
        with chase_box:
            late = page_of(late, key="chase_from", label="Late returns shown", size=CHASE_PAGE)
            emails = state.read(chase_emails, return_ids=[s.ret.id for s in late], as_of=as_of)
            for s in late:
                with st.container(border=True):
                    chases = s.ret.chases
                    chased = " Not chased yet."
                    if chases:
                        chased = (f" Chased {len(chases)} time{'s' if len(chases) != 1 else ''}, last "
                                  f"{fmt_date(max(c.chased_on for c in chases))}.")
                    st.markdown(f"{rag_badge(s.rag)} **{s.case_reference}: {md_text(s.agency_name)}**: "
                                f"{md_text(s.next_step)}.{chased}")
                    chase_controls(s, as_of=as_of, can_write=can_write, key_prefix="worklist",
                                   email=emails.get(s.ret.id))
    st.stop()

# ---------------------------------------------------------------- one review's checklist

reviews = state.read_by_review(list_reviews)  # every review, for the picker: a write reads its review again
if not reviews:
    st.info("There are no reviews yet. Open one from the Live reviews page.")
    st.stop()
picked = review_picker(reviews, key="ret_review_pick")
review_links(picked, here="returns")
st.query_params.pop("view", None)

review_status = state.read(get_review_status, review_id=picked, as_of=as_of)
review = review_status.review
statuses = state.read(list_returns, review_id=picked, as_of=as_of)
# ?return=<id> (the link in the JCR Chair's email, services.due_mail.return_card_address): that return's card first,
# its latest answers open; a return of another review (the box chose another) is dropped from the address.
focused_id = next((s.ret.id for s in statuses if str(s.ret.id) == st.query_params.get("return")), None)
if focused_id is None:
    st.query_params.pop("return", None)
counts = state.read(returns_received_counts, review_ids=[picked]).get(picked)
review_word = review_status.status_label if review.state == ReviewState.OPEN else ReviewState.SUBMITTED
st.markdown(
    f"### {review.case_reference} {rag_badge(review_word)}\n"
    f"{review_status.progress} · returns received: **{counts.label if counts else 'none requested'}**"
    + (f" · accepted: **{counts.accepted}**" if counts else ""),
)

table_open = False
if statuses:
    # The table (every column, as the export) under the cards' overview; the cards below say what to do next. It is
    # drawn only while open, so that a save in a card (which changes its row) reruns that card alone while closed.
    table_box = folded("The checklist as a table, and its export", key=TABLE_OPEN_KEY)
    table_open = bool(table_box.open)
    if table_open:
        table = pd.DataFrame(checklist_table(statuses), columns=CHECKLIST_COLUMNS)
        table_box.dataframe(
            table, hide_index=True, width="stretch", key="checklist_table", placeholder="—",
            column_config={"RAG": RAG_COLUMN,
                           **{c: st.column_config.DateColumn(format=DATE_FORMAT) for c in DATE_COLUMNS}},
        )
        # The files are built only when asked for, never on every run of the page: a stored value a file cannot
        # hold can then never stop the page, and nobody waits for a workbook they did not ask for.
        if table_box.button("Export the checklist (Excel or CSV)", key="export_prepare", icon=":material/table_view:"):
            xlsx = state.read(export_checklist, review_id=picked, as_of=as_of, file_format="xlsx")
            csv_file = state.read(export_checklist, review_id=picked, as_of=as_of, file_format="csv")
            d1, d2, _ = table_box.columns([1, 1, 3])
            d1.download_button("Download Excel", xlsx.data, file_name=xlsx.file_name, mime=xlsx.mime,
                               key="export_xlsx", icon=":material/download:", on_click="ignore")
            d2.download_button("Download CSV", csv_file.data, file_name=csv_file.file_name, mime=csv_file.mime,
                               key="export_csv", icon=":material/download:", on_click="ignore")
else:
    st.info("No scoping form has been recorded as sent for this review yet.")

writable = can_write and review.state != ReviewState.CLOSED
if review.state == ReviewState.CLOSED:
    st.caption("This review is closed: its returns can be read and exported, not changed.")

# ---- send scoping forms
if writable:
    asked = {s.ret.agency_id for s in statuses}
    agencies = [a for a in state.read(list_agencies, active_only=True) if a.id not in asked]
    show_links_once()
    with st.expander("Record scoping forms sent", expanded=not statuses):
        if not agencies:
            st.caption("Every active agency has been sent the scoping form for this review.")
        else:
            with st.form("send_forms"):
                names = {a.id: a.name for a in agencies}
                # A new box once forms were sent (its key counts the agencies asked): the browser's copy of the box
                # just sent, naming agencies no longer offered, then belongs to a box that is gone.
                chosen = st.multiselect("Agencies chosen for this review", list(names),
                                        format_func=_label_of(names), key=f"send_agencies_{picked}_{len(asked)}")
                sent_on = st.date_input("Date sent", value=as_of, max_value=as_of, format="DD/MM/YYYY",
                                        key=f"send_date_{picked}")
                send = st.form_submit_button("Record forms sent", type="primary")
            if send:
                created = state.act(send_scoping_requests, review_id=picked, agency_ids=chosen,
                                    requested_on=sent_on, as_of=as_of)
                if created:
                    emailed = [r for r in created if r.emailed_to]
                    flash(f"Scoping forms recorded as sent to {len(created)} "
                          f"agenc{'y' if len(created) == 1 else 'ies'}, each with its private link."
                          + (f" The request email to {', '.join(md_text(r.agency_name) for r in emailed)} is "
                             "queued: it goes out on the next mail run and is logged when sent." if emailed else ""))
                    st.session_state[LINKS_ONCE_KEY] = [r for r in created if not r.emailed_to]
                    for key in (f"send_agencies_{picked}_{len(asked)}", f"send_date_{picked}"):
                        st.session_state.pop(key, None)
                    st.rerun()

# ---- common batches (several receipts at once; every return whose next step is sharing, at once), then one card per
# agency: its next step first, with one form for it
steps_of = {s.ret.id: card_step(s.ret) for s in statuses}
waiting = [s for s in statuses if steps_of[s.ret.id] is CardStep.RECEIPT]
to_share = [s for s in statuses if steps_of[s.ret.id] is CardStep.SHARE]
if writable:
    batch_receipts(waiting, as_of=as_of)
    batch_share(to_share, as_of=as_of)
if may(roles, build_day6_pack):
    day6_pack_button(picked, review.case_reference, as_of=as_of, asked=len(statuses),
                     accepted=sum(1 for s in statuses if s.stage is Stage.ACCEPTED))
batched = frozenset(step for step, group in ((CardStep.RECEIPT, waiting), (CardStep.SHARE, to_share))
                    if writable and len(group) >= SMALLEST_BATCH)
page = CardPage(review_id=picked, as_of=as_of, writable=writable, is_manager=is_manager, batched=batched,
                table_open=table_open, focused_return_id=focused_id,
                open_by_itself=open_by_themselves(statuses, focused_id))
for status in sorted(statuses, key=lambda s: s.ret.id != focused_id):  # the focused card first, the rest in order
    return_card(status, page)
