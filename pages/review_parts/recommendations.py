"""The Review page's recommendations and actions: each recommendation of the review with its actions (RAG, owner,
due date, status), and for managers and officers the forms that add a recommendation, edit its text, add an action
and change an action's due date or owner with a reason. The lifecycle (evidence, acceptance, impact) is on the
Actions page. Stored text is drawn through md_text; a refusal keeps what was typed (ui.state.act)."""
from __future__ import annotations

from datetime import date

import streamlit as st

from pages.review_parts.action_links import action_links_part
from services.actions import (
    MAX_REASON_CHARS,
    SOURCE_LABELS,
    ActionChoices,
    RecommendationRead,
    action_choices,
    add_action,
    add_recommendation,
    change_action,
    edit_recommendation,
    review_recommendations,
)
from services.permissions import may
from ui import state
from ui.flash import flash
from ui.navigation import link_target
from ui.style import wrapping_table
from ui.widgets import fmt_date, folded, free_text_help, md_text, rag_badge, short_date

MAX_TEXT_CHARS = 2_000
NO_ACCOUNT = 0


def _saved(message: str, *keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)
    flash(message)
    st.rerun()


def _listing(recommendations: tuple[RecommendationRead, ...]) -> None:
    for number, rec in enumerate(recommendations, start=1):
        st.markdown(f"**{number:d}. {md_text(rec.source_label)}**, made {fmt_date(rec.made_on)}: {md_text(rec.text)}")
        if not rec.actions:
            st.caption("No action yet.")
            continue
        wrapping_table([{"RAG": rag_badge(a.rag), "Action": md_text(a.description), "Agency": md_text(a.agency),
                         "Owner": md_text(a.owner), "Due": short_date(a.due_on), "Status": md_text(a.status_label),
                         "Why": md_text(a.why)} for a in rec.actions], key=f"rr_rec_{rec.id}")


def _add_recommendation(review_id: int, as_of: date) -> None:
    with st.form("rr_add_recommendation"):
        source = st.selectbox("Where it comes from", list(SOURCE_LABELS), index=None, placeholder="Choose",
                              format_func=SOURCE_LABELS.__getitem__, key="rr_rec_source")
        text = st.text_area("The recommendation", key="rr_rec_text", help=free_text_help(MAX_TEXT_CHARS))
        made_on = st.date_input("Made on", value=None, format="DD/MM/YYYY", key="rr_rec_made")
        submitted = st.form_submit_button("Add the recommendation", icon=":material/add:")
    if submitted and state.act(add_recommendation, review_id=review_id, source=source, text=text, made_on=made_on,
                               as_of=as_of) is not None:
        _saved("Recommendation added.", "rr_rec_source", "rr_rec_text", "rr_rec_made")


def _edit_recommendation(recommendations: tuple[RecommendationRead, ...]) -> None:
    by_id = {r.id: r for r in recommendations}
    with st.form("rr_edit_recommendation"):
        chosen = st.selectbox("Recommendation", list(by_id), index=None, placeholder="Choose a recommendation",
                              format_func=lambda i: by_id[i].text[:90], key="rr_edit_pick")
        text = st.text_area("Its text, as it should read", key="rr_edit_text", help=free_text_help(MAX_TEXT_CHARS))
        submitted = st.form_submit_button("Save the recommendation's text", icon=":material/edit:")
    if submitted:
        if chosen is None:
            st.error("Choose the recommendation to edit.", icon=":material/error:")
            return
        if state.act(edit_recommendation, recommendation_id=chosen, expected_version=by_id[chosen].version,
                     text=text) is not None:
            _saved("Recommendation edited.", "rr_edit_pick", "rr_edit_text")


def _owner_fields(choices: ActionChoices, prefix: str) -> tuple[int | None, str, str]:
    owners = {c.id: c.name for c in choices.owners}
    account = st.selectbox("Owner: an account", [NO_ACCOUNT, *owners], key=f"{prefix}_owner",
                           format_func=lambda i: "None: a named contact below" if i == NO_ACCOUNT else owners[i])
    name = st.text_input("Or a named contact: name", key=f"{prefix}_owner_name")
    email = st.text_input("Named contact's email (optional)", key=f"{prefix}_owner_email")
    return (account or None), name, email


def _add_action(recommendations: tuple[RecommendationRead, ...], choices: ActionChoices) -> None:
    by_id = {r.id: r for r in recommendations}
    agencies = {c.id: c.name for c in choices.agencies}
    with st.form("rr_add_action"):
        rec = st.selectbox("Recommendation", list(by_id), index=None, placeholder="Choose a recommendation",
                           format_func=lambda i: by_id[i].text[:90], key="rr_act_rec")
        agency = st.selectbox("Owning agency", list(agencies), index=None, placeholder="Choose an agency",
                              format_func=agencies.__getitem__, key="rr_act_agency")
        account, name, email = _owner_fields(choices, "rr_act")
        description = st.text_area("The action", key="rr_act_text", help=free_text_help(MAX_TEXT_CHARS))
        due = st.date_input("Due on", value=None, format="DD/MM/YYYY", key="rr_act_due")
        impact = st.date_input("Check its impact on (optional)", value=None, format="DD/MM/YYYY", key="rr_act_impact")
        submitted = st.form_submit_button("Add the action", icon=":material/add_task:")
    if submitted:
        if rec is None:
            st.error("Choose the recommendation the action belongs to.", icon=":material/error:")
            return
        if state.act(add_action, recommendation_id=rec, agency_id=agency, owner_account_id=account, owner_name=name,
                     owner_email=email, description=description, due_on=due, impact_check_on=impact) is not None:
            _saved("Action added.", "rr_act_rec", "rr_act_agency", "rr_act_owner", "rr_act_owner_name",
                   "rr_act_owner_email", "rr_act_text", "rr_act_due", "rr_act_impact")


def _change_action(recommendations: tuple[RecommendationRead, ...], choices: ActionChoices) -> None:
    actions = {a.id: a for r in recommendations for a in r.actions}
    if not actions:
        return
    with st.form("rr_change_action"):
        chosen = st.selectbox("Action", list(actions), index=None, placeholder="Choose an action",
                              format_func=lambda i: f"#{i}: {actions[i].description[:80]}", key="rr_chg_pick")
        due = st.date_input("New due date", value=None, format="DD/MM/YYYY", key="rr_chg_due")
        impact = st.date_input("Check its impact on (optional)", value=None, format="DD/MM/YYYY", key="rr_chg_impact")
        account, name, email = _owner_fields(choices, "rr_chg")
        reason = st.text_input("Why it changes (logged)", key="rr_chg_reason", help=free_text_help(MAX_REASON_CHARS))
        submitted = st.form_submit_button("Change the action", icon=":material/edit_calendar:")
    if submitted:
        if chosen is None:
            st.error("Choose the action to change.", icon=":material/error:")
            return
        action = actions[chosen]
        if state.act(change_action, action_id=chosen, expected_version=action.version, due_on=due or action.due_on,
                     impact_check_on=impact or action.impact_check_on, owner_account_id=account, owner_name=name,
                     owner_email=email, reason=reason) is not None:
            _saved("Action changed.", "rr_chg_pick", "rr_chg_due", "rr_chg_impact", "rr_chg_owner",
                   "rr_chg_owner_name", "rr_chg_owner_email", "rr_chg_reason")


def recommendations_part(review_id: int, roles: frozenset[str], as_of: date) -> None:
    """The review's recommendations and actions, and the forms for managers and officers (drawn only while open)."""
    st.subheader("Recommendations and actions")
    recommendations = state.read(review_recommendations, review_id=review_id, as_of=as_of)
    if recommendations:
        _listing(recommendations)
    else:
        st.caption("No recommendation recorded yet.")
    st.page_link(link_target("actions"), label="Every review's actions, by agency", icon=":material/checklist:")
    action_links_part(review_id, roles, as_of)
    if not may(roles, add_recommendation):
        return
    box = folded("Add or change recommendations and actions", key="rr_recs_open", icon=":material/edit_note:")
    if not box.open:
        return
    choices = state.read(action_choices)
    with box:
        st.markdown("**Add a recommendation**")
        _add_recommendation(review_id, as_of)
        if recommendations:
            st.markdown("**Edit a recommendation's text**")
            _edit_recommendation(recommendations)
            st.markdown("**Add an action**")
            _add_action(recommendations, choices)
            st.markdown("**Change an action's due date or owner**")
            _change_action(recommendations, choices)
