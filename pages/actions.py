"""Actions: the recommendations and actions register across every review. First, by agency: how many actions, how
many overdue, done on time, evidenced and impact checked; then the filters (agency, status, review, overdue only,
impact checked only); then the actions, most urgent first, each with its RAG and why. Opening one shows its evidence
rounds and the step its status allows (pages/actions_parts/panel.py). Managers, officers and JCR Chairs; never the
Board (it is case data)."""
from __future__ import annotations

import streamlit as st

from pages.actions_parts.panel import action_panel
from services.actions import STATUS_LABELS, RegisterFilters, action_register
from ui import state
from ui.flash import show_flashes
from ui.gate import require_page
from ui.style import wrapping_table
from ui.widgets import md_text, page_of, rag_badge, short_date

roles = require_page("actions")
as_of = state.today()

st.title("Actions")
st.caption("Every action of every review's recommendations (from the Rapid Review report, the National Panel's "
           "response or the LCSPR). Overdue: not started or in progress, and due before today. Done on time: the "
           "first evidence given by the due date. Evidenced: the Partnership Manager accepted the evidence. Add "
           "recommendations and actions on the Review page.")
show_flashes()

ALL = 0
linked = st.query_params.get("review")  # a digest's link: /actions?review=12
if linked and linked.isdigit() and "ac_review" not in st.session_state:
    st.session_state["ac_review"] = int(linked)
filters = RegisterFilters(
    agency_id=st.session_state.get("ac_agency") or None,
    status=st.session_state.get("ac_status") or None,
    overdue_only=bool(st.session_state.get("ac_overdue")),
    impact_checked_only=bool(st.session_state.get("ac_impact")),
    review_id=st.session_state.get("ac_review") or None,
)
register = state.read(action_register, filters=filters, as_of=as_of)

st.subheader("By agency")
if register.by_agency:
    wrapping_table([{"Agency": md_text(c.agency), "Actions": str(c.actions), "Overdue": str(c.overdue),
                     "Done on time": str(c.done_on_time), "Evidenced": str(c.evidenced),
                     "Impact checked": str(c.impact_checked)} for c in register.by_agency], key="ac_by_agency")
else:
    st.info("No action has been recorded yet. Add a review's recommendations and their actions on the Review page.")
    st.stop()

st.subheader("The actions")
agencies = {c.id: c.name for c in register.agencies}
reviews = {c.id: c.name for c in register.reviews}
if st.session_state.get("ac_agency") not in (None, ALL, *agencies):
    st.session_state.pop("ac_agency")
if st.session_state.get("ac_review") not in (None, ALL, *reviews):
    st.session_state.pop("ac_review")
one, two, three = st.columns(3)
one.selectbox("Agency", [ALL, *agencies], format_func=lambda i: "Every agency" if i == ALL else agencies[i],
              key="ac_agency")
two.selectbox("Status", ["", *STATUS_LABELS], format_func=lambda s: STATUS_LABELS.get(s, "Every status"),
              key="ac_status")
three.selectbox("Review", [ALL, *reviews], format_func=lambda i: "Every review" if i == ALL else reviews[i],
                key="ac_review")
left, right = st.columns(2)
left.checkbox("Overdue only", key="ac_overdue")
right.checkbox("Impact checked only", key="ac_impact")

rows = register.rows
st.caption(f"{len(rows):,} of {register.total:,} actions, most urgent first.")
if not rows:
    st.info("No action matches these filters.")
    st.stop()
shown = page_of(rows, key="ac_page", label="Actions shown")
wrapping_table([{"RAG": rag_badge(r.rag), "Review": md_text(r.case_reference), "Action": md_text(r.description),
                 "Agency": md_text(r.agency), "Owner": md_text(r.owner), "Due": short_date(r.due_on),
                 "Status": md_text(r.status_label), "Why": md_text(r.why)} for r in shown], key="ac_rows")

by_id = {r.id: r for r in rows}
opened = st.selectbox("Open an action (give evidence, accept it or send it back, check its impact)", list(by_id),
                      index=None, placeholder="Choose an action",
                      format_func=lambda i: f"{by_id[i].case_reference} #{i}: {by_id[i].description[:80]}",
                      key="ac_open")
if opened is not None and opened in by_id:
    action_panel(by_id[opened], roles, state.signed_in_account_id())
