"""The agency returns' common batches: several receipts at once, and every return due to be shared with the JCR
Chair at once. Each is one transaction (ui.state.act_all: all saved, or none) and reruns the whole page, since it
changes several cards."""
from __future__ import annotations

from datetime import date

import streamlit as st

from pages.returns_parts.return_cards import YES_NO
from services.due_mail import share_return_with_chairs
from services.outbox import mail_is_on
from services.returns import (
    ReturnStatus,
    Stage,
    record_resubmission_received,
    record_return_received,
    record_shared_with_chair,
)
from ui import state
from ui.flash import flash
from ui.widgets import md_text

SMALLEST_BATCH = 2  # a batch form is offered from two returns at the same step


def _versions_drawn(name: str, shown: list[ReturnStatus]) -> dict[int, int]:
    """The versions the batch form `name` was drawn from the last time (a save made against an older version is
    refused, never overwritten), remembered now for the next run."""
    drawn = st.session_state.get(f"{name}_versions", {})
    st.session_state[f"{name}_versions"] = {s.ret.id: s.ret.version for s in shown}
    return {s.ret.id: drawn.get(s.ret.id, s.ret.version) for s in shown}


def _save_batch(steps: state.Steps, done: str, keys: list[str]) -> None:
    """Save every step in one transaction; saved, say which agencies and start the form afresh."""
    if not steps:
        st.error("Tick at least one agency.", icon=":material/error:")
        return
    saved = state.act_all(steps)
    if saved is None:
        return  # the rule broken is shown; nothing was saved and the form keeps its values
    flash(f"{done}: {', '.join(md_text(name) for name in saved)}.")
    for key in keys:
        st.session_state.pop(key, None)
    st.rerun(scope="app")


def batch_receipts(waiting: list[ReturnStatus], *, as_of: date) -> None:
    """Several returns arrived: tick them, one date, and per agency whether a senior manager signed it (and
    their role), as each receipt needs."""
    if len(waiting) < SMALLEST_BATCH:
        return
    versions = _versions_drawn("batch_receipts", waiting)
    keys = ["batch_receipt_on"]
    with st.expander(f"Record several receipts at once ({len(waiting)} awaited)"), st.form("batch_receipts"):
        received_on = st.date_input("Date received", value=as_of, max_value=as_of, format="DD/MM/YYYY",
                                    key="batch_receipt_on")
        rows = []
        for s in waiting:
            key = f"batch_r{s.ret.id}_"
            keys += [key + "pick", key + "signed", key + "role"]
            c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
            what = " (resubmission)" if s.stage is Stage.SENT_BACK else ""
            c1.checkbox(f"{md_text(s.agency_name)}{what}", key=key + "pick")
            c2.radio("Signed by a senior manager?", list(YES_NO), index=None, horizontal=True, key=key + "signed")
            c3.text_input("Their role: a role, not a name", key=key + "role")
            rows.append((s, key))
        submitted = st.form_submit_button("Record the receipts ticked", type="primary")
    if submitted:
        steps: state.Steps = [
            (s.agency_name, record_resubmission_received if s.stage is Stage.SENT_BACK else record_return_received,
             dict(return_id=s.ret.id, expected_version=versions[s.ret.id], received_on=received_on,
                  signed_by_senior_manager=YES_NO.get(st.session_state.get(key + "signed") or ""),
                  signatory_role=st.session_state.get(key + "role") or "", as_of=as_of))
            for s, key in rows if st.session_state.get(key + "pick")
        ]
        _save_batch(steps, "Recorded as received", keys)


def batch_share(to_share: list[ReturnStatus], *, as_of: date) -> None:
    """Every return whose next step is sharing with the JCR Chair, shared in one action (untick any not sent)."""
    if len(to_share) < SMALLEST_BATCH:
        return
    versions = _versions_drawn("batch_share", to_share)
    keys = ["batch_share_on", *(f"batch_s{s.ret.id}" for s in to_share)]
    with st.container(border=True), st.form("batch_share"):
        st.markdown(f"**{len(to_share)} returns are to be shared with the JCR Chair**")
        cols = st.columns(min(len(to_share), 3))
        for i, s in enumerate(to_share):
            cols[i % len(cols)].checkbox(md_text(s.agency_name), value=True, key=f"batch_s{s.ret.id}")
        shared_on = st.date_input("Date shared", value=as_of, max_value=as_of, format="DD/MM/YYYY",
                                  key="batch_share_on")
        # With mail on, sharing is sending: one email per return to each Chair, a link and never the content, the
        # share recorded as of today (as each card's "Email the JCR Chair a link to it"). Recording a date stays for
        # returns shared outside the tracker.
        emailed = mail_is_on() and st.form_submit_button("Email the JCR Chair links to the ticked returns",
                                                         type="primary", icon=":material/forward_to_inbox:")
        submitted = st.form_submit_button("Share the ticked returns with the JCR Chair",
                                          type="secondary" if mail_is_on() else "primary")
    ticked = [s for s in to_share if st.session_state.get(f"batch_s{s.ret.id}")]
    if emailed:
        sent: state.Steps = [(s.agency_name, share_return_with_chairs,
                              dict(return_id=s.ret.id, expected_version=versions[s.ret.id], as_of=as_of))
                             for s in ticked]
        _save_batch(sent, "Emailed to the JCR Chair (a link to each return, never its content) and recorded as "
                          "shared today", keys)
    elif submitted:
        steps: state.Steps = [
            (s.agency_name, record_shared_with_chair, dict(return_id=s.ret.id, expected_version=versions[s.ret.id],
                                            shared_on=shared_on, as_of=as_of))
            for s in ticked
        ]
        _save_batch(steps, "Recorded as shared with the JCR Chair", keys)
