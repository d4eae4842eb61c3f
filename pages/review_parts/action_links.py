"""The Review page's folded part "Agencies' links to their actions" (issue 29): one row per agency with actions on
this review (its actions, how many are still open, its live link's state and last day, who issued it), and for
officers and the Manager a form to issue an agency's link, or reissue or revoke it with a reason. The full address
is shown once, after it is issued (the tracker keeps only its hash); the JCR Chair reads the list and nothing more.

Every write is logged by its service (services.actions.agency_link). Stored text is drawn through md_text; a refusal
keeps what was typed (ui.state.act). Nothing is read while the part stays folded."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

import streamlit as st

from config.settings import settings
from services.actions import (
    MAX_REASON_CHARS,
    ActionLinkRead,
    IssuedActionLink,
    agency_action_links,
    issue_agency_action_link,
    reissue_agency_action_link,
    revoke_agency_action_link,
)
from services.clock import LONDON
from services.due_mail import AGENCY_PATH
from services.permissions import may
from ui import state
from ui.flash import flash
from ui.style import wrapping_table
from ui.widgets import fmt_date, folded, free_text_help, md_text

OPEN_KEY = "al_open"
ONCE_KEY = "al_link_once"
AGENCY_KEY = "al_agency"
REASON_KEY = "al_reason"
ONCE_SENTENCE = ("Copy this private link now and send it to {agency} yourself: it is shown only this once (the "
                 "tracker keeps no copy it can show again; reissue the link if it is lost). It works until {until}.")


def _site_origin() -> str:
    """The tracker's address as people reach it: RRT_PUBLIC_URL when set, else the address this browser reached."""
    configured = settings().public_url
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def action_link_address(token: str, origin: str) -> str:
    """The full address an agency opens to update its actions: '<origin>/agency/actions/<token>'."""
    return f"{origin}{AGENCY_PATH}/actions/{token}"


def _when(value: datetime | None) -> str:
    return "—" if value is None else f"{value.astimezone(LONDON):%a %d %b %Y at %H:%M}"


def link_state(row: ActionLinkRead, as_of: date) -> str:
    """The agency's link as the list shows it: none, live, past its last day, or opening nothing (all evidenced)."""
    if row.link_id is None:
        return "No link" if not row.all_evidenced else "No link (nothing left to do)"
    if row.all_evidenced:
        return f"Link {row.link_id:d}: opens nothing (every action's evidence accepted)"
    if row.expires_on is not None and row.expires_on < as_of:
        return f"Link {row.link_id:d}: expired (reissue it to send a new one)"
    return f"Link {row.link_id:d}: live"


def _listing(rows: tuple[ActionLinkRead, ...], as_of: date) -> None:
    wrapping_table([{"Agency": md_text(r.agency_name), "Actions": f"{r.actions:d}", "Open": f"{r.open_actions:d}",
                     "Link": md_text(link_state(r, as_of)),
                     "Works until": fmt_date(r.expires_on) if r.link_id is not None else "—",
                     "Issued": (md_text(f"{_when(r.issued_at)} by {r.issued_by or '—'}")
                                if r.link_id is not None else "—")}
                    for r in rows], key="al_links")


def _show_once() -> None:
    """The link just issued, this once, with its full address to copy."""
    once: IssuedActionLink | None = st.session_state.pop(ONCE_KEY, None)
    if once is None:
        return
    with st.container(border=True, key="al_once"):
        st.warning(md_text(ONCE_SENTENCE.format(agency=once.agency_name, until=fmt_date(once.expires_on))),
                   icon=":material/key:")
        st.code(action_link_address(once.token, _site_origin()), language=None)


def _keep_once(issued: IssuedActionLink) -> None:
    """The link just issued, for the next run to show once; the reason typed is done with."""
    st.session_state.pop(REASON_KEY, None)
    st.session_state[ONCE_KEY] = issued


def _controls(review_id: int, rows: tuple[ActionLinkRead, ...], as_of: date) -> None:
    """Issue, reissue or revoke one agency's link; reissuing and revoking need a reason (logged)."""
    names = {r.agency_id: r.agency_name for r in rows}
    with st.form("al_form"):
        agency = st.selectbox("Agency", list(names), index=None, placeholder="Choose an agency",
                              format_func=lambda i: names.get(i, str(i)), key=AGENCY_KEY)
        reason = st.text_input("Reason, to reissue or revoke (logged; for example 'sent to a colleague who has left')",
                               key=REASON_KEY, help=free_text_help(MAX_REASON_CHARS))
        c1, c2, c3 = st.columns(3)
        issue = c1.form_submit_button("Issue a link", icon=":material/add_link:")
        reissue = c2.form_submit_button("Reissue the link", icon=":material/autorenew:")
        revoke = c3.form_submit_button("Revoke the link", icon=":material/link_off:")
    if not (issue or reissue or revoke):
        return
    if agency is None:
        st.error("Choose the agency whose link this is.", icon=":material/error:")
        return
    if issue:
        issued = state.act(issue_agency_action_link, review_id=review_id, agency_id=agency, as_of=as_of)
        if issued is not None:
            _keep_once(issued)
            flash(f"A private link for {md_text(issued.agency_name)} to its actions is issued.")
            st.rerun()
    elif reissue:
        issued = state.act(reissue_agency_action_link, review_id=review_id, agency_id=agency, reason=reason,
                           as_of=as_of)
        if issued is not None:
            _keep_once(issued)
            flash(f"A new link for {md_text(issued.agency_name)} to its actions is issued; the old one no longer "
                  "works.")
            st.rerun()
    elif state.act(revoke_agency_action_link, review_id=review_id, agency_id=agency, reason=reason) is not None:
        st.session_state.pop(REASON_KEY, None)
        flash(f"The action link of {md_text(names.get(agency, ''))} is revoked: it opens nothing now.")
        st.rerun()


def action_links_part(review_id: int, roles: frozenset[str], as_of: date) -> None:
    """The folded list of the agencies' action links, with the officers' and the Manager's form."""
    if not may(roles, agency_action_links):
        return
    _show_once()
    box = folded("Agencies' links to their actions", key=OPEN_KEY, icon=":material/link:")
    if not box.open:
        return
    rows = state.read(agency_action_links, review_id=review_id)
    with box:
        st.caption("Each agency with actions on this review can update them and give its evidence through its own "
                   "private link; the Manager still accepts or sends back the evidence here. A link works until "
                   "its last day, or until every action of the agency has its evidence accepted.")
        if not rows:
            st.caption("No agency has an action on this review yet: add the actions first, then issue the links.")
            return
        _listing(rows, as_of)
        if may(roles, issue_agency_action_link):
            _controls(review_id, rows, as_of)
