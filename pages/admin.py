"""Administration: accounts, agencies, closure days, settings (the agencies' link setting among them), the milestone
plan for future reviews, the scoping form the agencies answer (pages/admin_parts/scoping_form.py) and the practice
themes reviews are coded with (pages/admin_parts/themes.py)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from db.enums import Role
from pages.admin_parts.lcspr_timescales import lcspr_timescales_form
from pages.admin_parts.scoping_form import link_expiry_form, scoping_form_tab
from pages.admin_parts.themes import practice_themes_tab
from services.accounts import (
    MIN_PASSWORD_LENGTH,
    create_account,
    list_accounts,
    reset_password,
    set_active,
    set_email,
    set_roles,
)
from services.agencies import add_agency, list_agencies, update_agency
from services.agency_exchange import scoping_form_admin
from services.errors import ServiceError
from services.integrity import last_verification
from services.plan import list_plan_templates, update_plan_template, window_label
from services.sessions import end_session, list_active_sessions
from services.settings import add_closure_day, get_settings, list_closure_days, remove_closure_day, update_settings
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import VersionedForm
from ui.gate import require_page
from ui.widgets import fmt_date, md_sentence, md_text

require_page("admin")

ROLES = list(Role)
REP_EMAIL_LABEL = "JCR Group representative's email (optional)"
REP_EMAIL_HELP = "Copied (cc) on the chase and send-back emails to this agency."

st.title("Administration")
show_flashes()


def done(message: str) -> None:
    """Saved: say so on the next run. A refused save never comes here: the form keeps what was typed."""
    flash(message)
    st.rerun()


def _when(moment: datetime | None, otherwise: str) -> str:
    return moment.strftime("%d %b %Y %H:%M") if moment else otherwise


# The tabs remember the one in use (a keyed widget), so a save's rerun comes back to it, not to "Accounts".
SECTIONS = ["Accounts", "Agencies", "Closure days", "Settings", "Milestone plan", "Scoping form", "Practice themes"]
accounts_tab, agencies_tab, closures_tab, settings_tab, plan_tab, form_tab, themes_tab = st.tabs(
    SECTIONS, key="admin_section", on_change="rerun")
exchange = state.read(scoping_form_admin)  # the agencies' link setting (Settings) and the scoping form

with accounts_tab:
    accounts = state.read(list_accounts)
    st.dataframe(
        pd.DataFrame([
            {"Username": a.username, "Name": a.display_name, "Roles": ", ".join(a.roles),
             "Active": "yes" if a.active else "no",
             "Email": a.email or "",
             "Failures in a row": a.failed_attempts, "Last sign-in": _when(a.last_sign_in_at, "never")}
            for a in accounts
        ]),
        hide_index=True, width="stretch",
    )
    st.subheader("Create an account")
    with st.form("create_account"):
        username = st.text_input("Username", key="ca_username")
        display_name = st.text_input("Name", key="ca_name")
        roles = st.multiselect("Roles", ROLES, key="ca_roles")
        password = st.text_input(f"Password (at least {MIN_PASSWORD_LENGTH} characters)", type="password",
                                 key="ca_password")
        if st.form_submit_button("Create account", type="primary"):
            created = state.act(create_account, username=username, display_name=display_name, roles=roles,
                                password=password)
            if created:
                done(f"Account {md_text(created.username)} created.")

    st.subheader("Change an account")
    by_id = {a.id: a for a in accounts}
    chosen = st.selectbox("Account", list(by_id), key="edit_account",
                          format_func=lambda i: f"{by_id[i].username} ({by_id[i].display_name})")
    account = by_id[chosen]
    c1, c2, c3 = st.columns(3)
    with c1.form("roles_form"):
        new_roles = st.multiselect("Roles", ROLES, default=[Role(r) for r in account.roles], key=f"roles_{chosen}")
        if st.form_submit_button("Save roles"):
            if state.act(set_roles, account_id=chosen, roles=new_roles):
                done(f"Roles of {md_text(account.username)} saved.")
    with c2.form("password_form"):
        new_password = st.text_input("New password", type="password", key=f"pw_{chosen}")
        if st.form_submit_button("Reset password"):
            if state.act(reset_password, account_id=chosen, new_password=new_password):
                done(f"Password of {md_text(account.username)} reset.")
    with c3:
        label = "Deactivate" if account.active else "Reactivate"
        if st.button(label, key=f"active_{chosen}"):
            if state.act(set_active, account_id=chosen, active=not account.active):
                done(f"{md_text(account.username)} {'deactivated' if account.active else 'reactivated'}.")
    with st.form("email_form"):
        new_email = st.text_input("Work email (organisation sign-in matches it; empty for none)",
                                  value=account.email or "", key=f"email_{chosen}")
        if st.form_submit_button("Save email"):
            if state.act(set_email, account_id=chosen, email=new_email):
                done(f"Email of {md_text(account.username)} saved.")

    # Signed-in sessions (issue 13): who is signed in now, and ending a session (its browser asks to sign in).
    st.subheader("Signed-in sessions")
    live_sessions = state.read(list_active_sessions)
    if not live_sessions:
        st.caption("Nobody is signed in.")
    for live in live_sessions:
        s1, s2 = st.columns([4, 1])
        s1.markdown(f"**{md_text(live.username)}** ({md_text(live.display_name)}) · signed in "
                    f"{_when(live.created_at, '')} · last seen {_when(live.last_seen_at, '')} · ends by "
                    f"{_when(live.expires_at, '')} at the latest")
        if s2.button("End session", key=f"end_session_{live.id}"):
            if state.act(end_session, session_id=live.id):
                done(f"A session of {md_text(live.username)} ended.")

with agencies_tab:
    agencies = state.read(list_agencies)
    st.dataframe(pd.DataFrame([{"Agency": a.name, "Kind": a.kind, "Contact email": a.contact_email or "",
                                "JCR representative's email": a.jcr_rep_email or "",
                                "Active": "yes" if a.active else "no"} for a in agencies]),
                 hide_index=True, width="stretch")
    with st.form("add_agency"):
        st.subheader("Add an agency")
        name = st.text_input("Name", key="ag_name")
        kind = st.text_input("Kind (health, police, education, local authority …)", key="ag_kind")
        email = st.text_input("Contact email for scoping forms", key="ag_email")
        rep_email = st.text_input(REP_EMAIL_LABEL, key="ag_rep_email", help=REP_EMAIL_HELP)
        if st.form_submit_button("Add agency"):
            added = state.act(add_agency, name=name, kind=kind, contact_email=email, jcr_rep_email=rep_email)
            if added:
                done(f"Agency {md_text(added.name)} added.")
    if agencies:
        agency_by_id = {a.id: a for a in agencies}
        pick = st.selectbox("Change an agency", list(agency_by_id), format_func=lambda i: agency_by_id[i].name,
                            key="ag_pick")
        agency = agency_by_id[pick]
        agency_form = VersionedForm(f"ag_e_{pick}_", ("name", "kind", "email", "rep_email", "active"))
        agency_form.sync(version=agency.version, saved={"name": agency.name, "kind": agency.kind,
                                                        "email": agency.contact_email or "",
                                                        "rep_email": agency.jcr_rep_email or "",
                                                        "active": agency.active})
        with st.form("edit_agency"):
            e_name = st.text_input("Name", key=agency_form.key("name"))
            e_kind = st.text_input("Kind", key=agency_form.key("kind"))
            e_email = st.text_input("Contact email", key=agency_form.key("email"))
            e_rep_email = st.text_input(REP_EMAIL_LABEL, key=agency_form.key("rep_email"), help=REP_EMAIL_HELP)
            e_active = st.checkbox("Active (can be chosen for new reviews)", key=agency_form.key("active"))
            saving_agency = st.form_submit_button("Save agency")
        if saving_agency:
            agency_form.save(update_agency, success=f"Agency {md_text(e_name)} saved.",
                             describe_saved=lambda v: f"{v['name']} ({v['kind']}), {v['email'] or 'no email'}, "
                             f"JCR representative {v['rep_email'] or 'none'}, "
                             f"{'active' if v['active'] else 'inactive'}",
                             agency_id=pick, name=e_name, kind=e_kind, contact_email=e_email,
                             jcr_rep_email=e_rep_email, active=e_active)

with closures_tab:
    st.caption("Days the partnership is closed (for example a Christmas closure). They stop counting as working "
               "days; the due dates of open reviews move with them. England bank holidays are already counted.")
    closures = state.read(list_closure_days)
    st.dataframe(pd.DataFrame([{"Closed on": fmt_date(c.closed_on), "Reason": c.reason} for c in closures]),
                 hide_index=True, width="stretch")
    with st.form("add_closure"):
        closed_on = st.date_input("Closure day", value=None, format="DD/MM/YYYY", key="cl_date")
        reason = st.text_input("Reason", key="cl_reason")
        if st.form_submit_button("Add closure day"):
            if closed_on is None:
                st.error("Give the date of the closure day.")
            elif state.act(add_closure_day, closed_on=closed_on, reason=reason):
                done(f"Closure day {fmt_date(closed_on)} added.")
    if closures:
        with st.form("remove_closure"):
            gone = st.selectbox("Remove a closure day", [c.closed_on for c in closures], format_func=fmt_date,
                                key="cl_remove")
            # remove_closure_day returns None: act() returning None cannot tell a refusal, so write() is used.
            if st.form_submit_button("Remove"):
                try:
                    state.write(remove_closure_day, closed_on=gone)
                except ServiceError as error:
                    st.error(md_sentence(error), icon=":material/error:")
                else:
                    done(f"Closure day {fmt_date(gone)} removed.")

with settings_tab:
    settings = state.read(get_settings)
    settings_form = VersionedForm("st_", ("name", "amber", "idle"))
    settings_form.sync(version=settings.version, saved={"name": settings.partnership_name,
                                                        "amber": settings.amber_threshold_days,
                                                        "idle": settings.idle_timeout_minutes})
    with st.form("settings"):
        partnership = st.text_input("Partnership name", key=settings_form.key("name"))
        amber = st.number_input("Amber threshold (working days before the due date)", min_value=0, max_value=10,
                                step=1, key=settings_form.key("amber"))
        idle = st.number_input("Sign out after this many idle minutes", min_value=5, max_value=480,
                               step=5, key=settings_form.key("idle"))
        try:  # organisation sign-in is configured in the server's secrets ([auth]), not in the database
            auth_secrets = st.secrets.get("auth") or {}
        except FileNotFoundError:  # no secrets at all (Streamlit's StreamlitSecretNotFoundError)
            auth_secrets = {}
        organisation_configured = all(auth_secrets.get(key) for key in (
            "server_metadata_url", "client_id", "client_secret", "redirect_uri", "cookie_secret"))
        passwords = st.checkbox(
            "Local passwords may sign in", value=settings.local_passwords_enabled, key="st_passwords",
            help="Switch off to let people sign in only with their organisation account; possible only while "
                 "organisation sign-in is configured." if organisation_configured else
                 "Organisation sign-in is not configured ([auth] in the server's secrets), so passwords stay on.")
        saving_settings = st.form_submit_button("Save settings")
    if saving_settings:
        settings_form.save(update_settings, success="Settings saved.",
                           describe_saved=lambda v: f"{v['name']}; amber at {v['amber']} working day(s); "
                           f"idle sign-out after {v['idle']} minutes",
                           partnership_name=partnership, amber_threshold_days=int(amber),
                           idle_timeout_minutes=int(idle), local_passwords_enabled=passwords,
                           organisation_sign_in_configured=organisation_configured)
    link_expiry_form(exchange)
    lcspr_timescales_form()

with plan_tab:
    st.caption("The plan new reviews copy. Changes apply to reviews opened from now on; open reviews keep theirs.")
    templates = state.read(list_plan_templates)
    st.dataframe(pd.DataFrame([{"Step": t.title, "Window": window_label(t), "Owner": t.owner,
                                "Optional": "yes" if t.optional else "", "Active": "yes" if t.active else "no"}
                               for t in templates]), hide_index=True, width="stretch")
    template_by_id = {t.id: t for t in templates}
    pick = st.selectbox("Change a step", list(template_by_id), format_func=lambda i: template_by_id[i].title,
                        key="pl_pick")
    t = template_by_id[pick]
    step_form = VersionedForm(f"pl_{pick}_", ("title", "start", "end", "owner", "done_when", "active"))
    step_form.sync(version=t.version, saved={"title": t.title, "start": t.window_start_day, "end": t.window_end_day,
                                             "owner": t.owner, "done_when": t.done_when, "active": t.active})
    with st.form("edit_step"):
        title = st.text_input("Title", key=step_form.key("title"))
        c1, c2 = st.columns(2)
        start = c1.number_input("First Day of the window", min_value=1, max_value=30, key=step_form.key("start"))
        end = c2.number_input("Last Day of the window (due date)", min_value=1, max_value=30,
                              key=step_form.key("end"))
        owner = st.text_input("Owner", key=step_form.key("owner"))
        done_when = st.text_area("Done when", key=step_form.key("done_when"))
        active = st.checkbox("Active", key=step_form.key("active"))
        saving_step = st.form_submit_button("Save step")
    if saving_step:
        step_form.save(update_plan_template, success=f"Plan step '{md_text(title)}' saved.",
                       describe_saved=lambda v: f"{v['title']}: Days {v['start']}-{v['end']}, owner {v['owner']}",
                       template_id=pick, title=title, window_start_day=int(start) if start is not None else None,
                       window_end_day=int(end) if end is not None else None, owner=owner, active=active,
                       done_when=done_when)

with form_tab:
    # Drawn only while chosen (the tabs rerun on a change): its preview's expander and its one large form are not
    # sent, hidden, with every other tab.
    if form_tab.open:
        scoping_form_tab(exchange)

with themes_tab:
    if themes_tab.open:  # drawn only while chosen, as the scoping form
        practice_themes_tab()

st.subheader("The record")
st.caption("The daily log and the report versions are chained by hash: `manage.py verify` (run on the server) "
           "checks that no entry or version was changed or removed since it was made.")
_last = state.read(last_verification)
if _last is None:
    st.info("The record has not been verified yet: run `manage.py verify` on the server.")
elif _last.ok:
    st.success(f"Last verified {_last.checked_at.astimezone(ZoneInfo('Europe/London')):%d %b %Y %H:%M}: "
               f"{_last.log_entries} log entries and {_last.report_versions} report versions match.",
               icon=":material/verified:")
else:
    st.error(f"Last verification {_last.checked_at.astimezone(ZoneInfo('Europe/London')):%d %b %Y %H:%M} "
             f"found a problem: {md_text(_last.problem or '')}", icon=":material/gpp_bad:")
