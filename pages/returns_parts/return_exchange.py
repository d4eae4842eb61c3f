"""What an agency sent through its private link, on its return's card: each round received (when, signed by whom as
the agency's author typed it), the completeness pre-check, the senior manager's confirmation; the answers section by
section and the documents as downloads (the JCR Chair reads the return here too); and, for the officers, the link
itself: reissue it (emailed as the request was, or shown once) or revoke it, each with a reason; and, for a return
asked for before links existed (owed, no link ever issued), "Issue a link and send the request".

The caller passes what a save does next (the card's rerun), so this module needs nothing of return_cards.py."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import NoReturn

import streamlit as st

from services.agency_exchange import (
    DocumentFile,
    ExchangeRead,
    RoundRead,
    agency_document_file,
    agency_return_exchange,
    revoke_agency_link,
)
from services.clock import LONDON
from services.due_mail import ScopingRequest, issue_and_send_link, reissue_and_send_link
from ui import state
from ui.flash import flash
from ui.widgets import fmt_date, md_text

THROUGH_LINK = "through the agency's link"


def _when(value: datetime | None) -> str:
    """A stored time as London reads it: 'Tue 22 Dec 2026 at 14:05'."""
    if value is None:
        return "—"
    return f"{value.astimezone(LONDON):%a %d %b %Y at %H:%M}"


def _once_key(return_id: int) -> str:
    return f"r{return_id}_link_once"


def _link_line(exchange: ExchangeRead) -> str:
    """The return's link now: live (until when, issued by whom) or stopped."""
    if not exchange.links:
        return "No private link has been issued for this return (it was requested before links, or by email)."
    link = exchange.links[-1]
    issued = f"issued {_when(link.issued_at)} by {link.issued_by}"
    if link.revoked_at is None:
        return f"Private link {link.id}: live, works until {fmt_date(link.expires_on)}; {issued}."
    return f"Private link {link.id}: stopped {_when(link.revoked_at)} ({link.revoked_reason or 'no reason'}); {issued}."


def _round_header(r: RoundRead) -> str:
    resubmission = " (resubmission)" if r.round > 1 else ""
    return (f"Round {r.round}{resubmission}: received {_when(r.submitted_at)} {THROUGH_LINK}, signed by "
            f"{r.author_name or 'no name given'} (as typed)")


def _confirmation_line(r: RoundRead) -> str:
    c = r.confirmation
    if not c.confirmed:
        return "Senior manager's confirmation: not given."
    when = fmt_date(c.confirmed_on) if isinstance(c.confirmed_on, date) else "no date"
    return f"Senior manager's confirmation: {c.name or 'no name'}, {c.role or 'no role'}, {when}."


def _download(document_id: int) -> Callable[[], bytes]:
    """The document's bytes, read only when the button is clicked (as the account signed in then)."""
    later: Callable[[], DocumentFile] = state.read_later(agency_document_file, attachment_id=document_id)
    return lambda: later().content


def _round_body(r: RoundRead, return_id: int) -> None:
    """One round's answers in the form's order, and its documents as downloads (never shown inline)."""
    for answer in r.answers:
        st.markdown(f"**{md_text(answer.heading)}**{'' if answer.required else ' (optional)'}")
        if answer.text:
            st.markdown(md_text(answer.text))
        else:
            st.caption("Not answered.")
    st.caption(md_text(_confirmation_line(r)))
    if not r.documents:
        st.caption("No documents attached.")
    for d in r.documents:
        st.download_button(f"Download {md_text(d.file_name)} ({max(1, d.size_bytes // 1024):d} KB)", _download(d.id),
                           file_name=d.file_name, mime=d.content_type, on_click="ignore",
                           key=f"r{return_id}_doc_{d.id}", icon=":material/download:")
        st.caption(md_text(f"Added by {d.added_by_name} on {_when(d.added_at)}."))


def _link_controls(return_id: int, agency_name: str, *, as_of: date, owed: bool, live: bool,
                   rerun: Callable[[], NoReturn]) -> None:
    """Reissue (with a reason; emailed as the request when the tracker can, else shown once) or revoke the link."""
    once: ScopingRequest | None = st.session_state.pop(_once_key(return_id), None)
    if once is not None:
        st.warning("The new private link, shown only this once: send it to the agency yourself (it was not emailed).",
                   icon=":material/key:")
        st.code(once.url or once.path, language=None)
    if not owed:
        return
    with st.expander("Reissue or revoke the private link"), st.form(f"r{return_id}_link_form"):
        reason = st.text_input("Reason (logged; for example 'sent to a colleague who has left')",
                               key=f"r{return_id}_link_reason")
        c1, c2 = st.columns(2)
        reissue = c1.form_submit_button("Reissue the link", icon=":material/autorenew:")
        revoke = c2.form_submit_button("Revoke the link", disabled=not live, icon=":material/link_off:")
    if reissue:
        issued = state.act(reissue_and_send_link, return_id=return_id, reason=reason, as_of=as_of)
        if issued is not None:
            st.session_state.pop(f"r{return_id}_link_reason", None)
            if issued.emailed_to:
                flash(f"A new link for {md_text(agency_name)} is made; the email with it is queued to "
                      f"{md_text(issued.emailed_to)}. The old link no longer works.")
            else:
                flash(f"A new link for {md_text(agency_name)} is made; the old one no longer works.")
                st.session_state[_once_key(return_id)] = issued
            rerun()
    if revoke and state.act(revoke_agency_link, return_id=return_id, reason=reason) is not None:
        st.session_state.pop(f"r{return_id}_link_reason", None)
        flash(f"The private link of {md_text(agency_name)} is revoked: it opens nothing now.")
        rerun()


def _first_link(return_id: int, agency_name: str, *, as_of: date, rerun: Callable[[], NoReturn]) -> None:
    """A return asked for before links existed, still owed: issue its first link and send the request with it."""
    st.caption("No private link has been issued for this return (it was asked for before the agencies' links "
               "existed): the agency cannot answer it in the tracker until it has one.")
    if st.button("Issue a link and send the request", key=f"r{return_id}_issue_link", icon=":material/add_link:"):
        issued = state.act(issue_and_send_link, return_id=return_id, as_of=as_of)
        if issued is not None:
            if issued.emailed_to:
                flash(f"A private link for {md_text(agency_name)} is issued; the request email with it is queued to "
                      f"{md_text(issued.emailed_to)}.")
            else:
                flash(f"A private link for {md_text(agency_name)} is issued.")
                st.session_state[_once_key(return_id)] = issued
            rerun()


def exchange_section(return_id: int, agency_name: str, *, as_of: date, writable: bool, owed: bool,
                     rerun: Callable[[], NoReturn], focused: bool = False) -> ExchangeRead | None:
    """The card's part about the private link: for a return that never had one, the officers' button to issue it
    (nothing for the JCR Chair) and None. `focused` (the card a link opened): the latest round's answers are shown
    open. The exchange read, for the rest of the card."""
    exchange = state.read(agency_return_exchange, return_id=return_id)
    if not exchange.links and not exchange.rounds:
        if writable and owed:
            _first_link(return_id, agency_name, as_of=as_of, rerun=rerun)
        return None
    st.caption(md_text(_link_line(exchange)))
    if exchange.draft_saved_at is not None:
        st.caption(f"The agency is working on a draft (last saved {_when(exchange.draft_saved_at)}); it is "
                   "theirs until they send it.")
    for r in reversed(exchange.rounds):
        latest = r is exchange.rounds[-1]
        st.markdown(f"**{md_text(_round_header(r))}**")
        if r.precheck.complete:
            st.success(md_text(r.precheck.sentence()), icon=":material/task_alt:")
        else:
            st.warning(md_text(r.precheck.sentence()), icon=":material/rule:")
        with st.expander("Read the answers and documents" + ("" if latest else f" of round {r.round:d}"),
                         expanded=focused and latest):
            _round_body(r, return_id)
    if writable:
        live = bool(exchange.links) and exchange.links[-1].revoked_at is None
        _link_controls(return_id, agency_name, as_of=as_of, owed=owed, live=live, rerun=rerun)
    return exchange
