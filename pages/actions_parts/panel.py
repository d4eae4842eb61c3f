"""One action opened from the register: what it is, its evidence rounds (each kept, with its documents to download),
and the step its status allows: start it, give evidence (the owner's account, an officer or the Manager), accept the
evidence or send it back with a reason (the Manager), check its impact (the Manager, from its impact check date).

Stored text is drawn through md_text; a refusal keeps what was typed (ui.state.act)."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from services.actions import (
    MAX_FINDING_CHARS,
    MAX_REASON_CHARS,
    ActionRow,
    EvidenceFile,
    accept_evidence,
    action_evidence,
    check_action_impact,
    evidence_document_file,
    give_evidence,
    send_back_evidence,
    start_action,
)
from services.formatting import file_size
from services.permissions import may
from ui import state
from ui.flash import flash
from ui.widgets import fmt_date, free_text_help, md_text, rag_badge

UPLOAD_LIMIT_MB = 10
UPLOAD_TYPES = ["pdf", "doc", "docx"]
MAX_EVIDENCE_CHARS = 10_000
NONCE = "ac_file_nonce"


def _download(document_id: int) -> Callable[[], bytes]:
    later: Callable[[], EvidenceFile] = state.read_later(evidence_document_file, document_id=document_id)
    return lambda: later().data


def _done(message: str, *keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)
    flash(message)
    st.rerun()


def _details(row: ActionRow) -> None:
    st.markdown(f"**Action {row.id:d}** of {md_text(row.case_reference)}: {md_text(row.description)}")
    st.markdown(f"Recommendation: {md_text(row.recommendation)}")
    st.markdown(f"{rag_badge(row.rag)} {md_text(row.status_label)}. {md_text(row.why)}")
    st.markdown(f"Agency: **{md_text(row.agency)}**; owner: **{md_text(row.owner)}**; due {fmt_date(row.due_on)}; "
                f"impact to check from {fmt_date(row.impact_check_on)}.")
    if row.impact_finding is not None:
        st.markdown(f"Impact checked {fmt_date(row.impact_checked_on)}: {md_text(row.impact_finding)}")


def _rounds(row: ActionRow) -> None:
    rounds = state.read(action_evidence, action_id=row.id)
    if not rounds:
        st.caption("No evidence given yet.")
        return
    for r in rounds:
        outcome = ("waiting for the Manager's decision" if r.outcome is None else
                   f"{r.outcome} {fmt_date(r.decided_on)} by {r.decided_by or '—'}"
                   + (f": {r.outcome_reason}" if r.outcome_reason else ""))
        st.markdown(f"**Round {r.round:d}**, given {fmt_date(r.given_on)} by {md_text(r.given_by)}: "
                    f"{md_text(r.evidence)}")
        st.caption(md_text(outcome.capitalize()))
        for doc in r.documents:
            st.download_button(f"Download {md_text(doc.file_name)} ({md_text(file_size(doc.size_bytes))})",
                               _download(doc.id), file_name=doc.file_name, mime=doc.content_type, on_click="ignore",
                               icon=":material/download:", key=f"ac_doc_{doc.id}")


def _evidence_form(row: ActionRow) -> None:
    nonce = int(st.session_state.get(NONCE, 0))
    with st.form(f"ac_evidence_{row.id}"):
        text = st.text_area("What was done (the evidence)", key=f"ac_ev_text_{row.id}",
                            help=free_text_help(MAX_EVIDENCE_CHARS))
        uploads = st.file_uploader(f"Documents (optional): PDF or Word, at most {UPLOAD_LIMIT_MB} MB each",
                                   type=UPLOAD_TYPES, accept_multiple_files=True, max_upload_size=UPLOAD_LIMIT_MB,
                                   key=f"ac_ev_files_{row.id:d}_{nonce}")
        submitted = st.form_submit_button("Give the evidence: the action is done", icon=":material/task_alt:")
    if submitted:
        documents = [(u.name, u.getvalue()) for u in uploads or []]
        saved = state.act(give_evidence, action_id=row.id, expected_version=row.version, evidence=text,
                          documents=documents, as_of=state.today())
        if saved is not None:
            st.session_state[NONCE] = nonce + 1
            _done(f"Evidence round {saved:d} given for action {row.id:d}.", f"ac_ev_text_{row.id}")


def action_panel(row: ActionRow, roles: frozenset[str], account_id: int | None) -> None:
    """The opened action: its details, its evidence rounds and the step its status allows for these roles."""
    with st.container(border=True, key=f"ac_panel_{row.id}"):
        _details(row)
        _rounds(row)
        works = account_id == row.owner_account_id or bool(roles & {"manager", "officer"})
        if row.status == "not_started" and works and may(roles, start_action):
            if st.button("Start it (in progress)", key=f"ac_start_{row.id}", icon=":material/play_arrow:"):
                if state.act(start_action, action_id=row.id, expected_version=row.version) is None:
                    return
                _done(f"Action {row.id:d} is in progress.")
        if row.status in ("not_started", "in_progress") and works and may(roles, give_evidence):
            _evidence_form(row)
        if row.status == "done" and may(roles, accept_evidence):
            _decide(row)
        elif row.status == "done":
            st.caption("The evidence waits for the Partnership Manager's decision.")
        if row.status == "evidence_accepted" and may(roles, check_action_impact):
            _impact_form(row)


def _decide(row: ActionRow) -> None:
    if st.button("Accept the evidence", key=f"ac_accept_{row.id}", icon=":material/verified:", type="primary"):
        if state.act(accept_evidence, action_id=row.id, expected_version=row.version, as_of=state.today()) is None:
            return
        _done(f"The evidence for action {row.id:d} is accepted.")
    with st.form(f"ac_send_back_{row.id}"):
        reason = st.text_input("Why the evidence is sent back", key=f"ac_reason_{row.id}",
                               help=free_text_help(MAX_REASON_CHARS))
        sent = st.form_submit_button("Send the evidence back", icon=":material/undo:")
    if sent and state.act(send_back_evidence, action_id=row.id, expected_version=row.version, reason=reason,
                          as_of=state.today()) is not None:
        _done(f"The evidence for action {row.id:d} is sent back; the action is in progress again.",
              f"ac_reason_{row.id}")


def _impact_form(row: ActionRow) -> None:
    with st.form(f"ac_impact_{row.id}"):
        finding = st.text_input("What the impact check found (one sentence)", key=f"ac_finding_{row.id}",
                                help=free_text_help(MAX_FINDING_CHARS))
        checked = st.form_submit_button("Record the impact check", icon=":material/insights:")
    if checked and state.act(check_action_impact, action_id=row.id, expected_version=row.version, finding=finding,
                             as_of=state.today()) is not None:
        _done(f"The impact of action {row.id:d} is checked.", f"ac_finding_{row.id}")
