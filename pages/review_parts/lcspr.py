"""The Review page's LCSPR: when the review's decision is a Local Child Safeguarding Practice Review, the start button
(Partnership Manager); once started, its steps with due date, done date, RAG and why, and the forms that record a
step, the family's involvement as a reason, a decision not to publish and a corrected date.

Every cell and label holding stored text goes through md_text; every refusal keeps what was typed (ui.state.act)."""
from __future__ import annotations

from datetime import date

import streamlit as st

from services.lcspr import (
    MAX_REASON_CHARS,
    MAX_REVIEWER_NAME_CHARS,
    STEP_TITLES,
    LcsprStep,
    LcsprView,
    StepStatus,
    correct_lcspr_step,
    get_lcspr,
    record_family_not_involved,
    record_lcspr_step,
    record_not_published,
    start_lcspr,
)
from services.permissions import may
from services.rag import Rag
from ui import state
from ui.flash import flash
from ui.style import wrapping_table
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, folded, md_text, rag_badge, short_date


def _done_words(s: StepStatus) -> str:
    if s.done_on is not None:
        return short_date(s.done_on)
    if s.reason is not None:
        return ("not involved: " if s.step is LcsprStep.FAMILY_INVOLVED else "not published: ") + s.reason
    return "—"


def _step_title(value: object) -> str:
    # Total: the browser may send back a value that is no step.
    try:
        return STEP_TITLES[LcsprStep(str(value))]
    except ValueError:
        return str(value)


def _start(view: LcsprView, as_of: date, roles: frozenset[str]) -> None:
    if not may(roles, start_lcspr):
        st.caption("The decision is an LCSPR: the Partnership Manager starts it here, from the date of the decision.")
        return
    with st.form("lcspr_start"):
        decided = st.date_input("Date of the decision to carry out the LCSPR (its due dates count from it)",
                                value=None, min_value=view.notification_received_date, max_value=as_of,
                                format="DD/MM/YYYY", key="lc_decided")
        starting = st.form_submit_button("Start the LCSPR", type="primary")
    if starting and state.act(start_lcspr, review_id=view.review_id, decided_on=decided, as_of=as_of) is not None:
        flash(f"{md_text(view.case_reference)} is now an LCSPR.")
        st.rerun()


def _record_forms(view: LcsprView, as_of: date, roles: frozenset[str]) -> None:
    open_steps = [s.step.value for s in view.steps if s.rag is not Rag.COMPLETE]
    if open_steps and may(roles, record_lcspr_step):
        with st.form("lcspr_step"):
            step = st.selectbox("Step", open_steps, format_func=_step_title, key="lc_step")
            done_on = st.date_input("Date done", value=as_of, max_value=as_of, format="DD/MM/YYYY", key="lc_date")
            reviewer = st.text_input("Reviewer's name (with 'Reviewer commissioned')", key="lc_reviewer",
                                     max_chars=MAX_REVIEWER_NAME_CHARS)
            address = st.text_input("Web address of the published report (with 'Published'; https://...)",
                                    key="lc_address")
            recording = st.form_submit_button("Record the step", type="primary")
        if recording and state.act(record_lcspr_step, review_id=view.review_id, step=step, done_on=done_on,
                                   expected_version=view.version, as_of=as_of, reviewer_name=reviewer,
                                   publication_address=address) is not None:
            flash(f"Recorded: {md_text(_step_title(step))}, done {fmt_date(done_on)}.")
            st.rerun()
    if LcsprStep.FAMILY_INVOLVED.value in open_steps and may(roles, record_family_not_involved):
        with st.form("lcspr_family"):
            reason = st.text_area("The family was not involved: why", help=FREE_TEXT_REMINDER,
                                  max_chars=MAX_REASON_CHARS, key="lc_family_reason")
            saving = st.form_submit_button("Record the family not involved")
        if saving and state.act(record_family_not_involved, review_id=view.review_id, reason=reason,
                                expected_version=view.version, as_of=as_of) is not None:
            flash("Recorded: the family was not involved, with the reason.")
            st.rerun()
    final_done = any(s.step is LcsprStep.FINAL_REPORT and s.done_on for s in view.steps)
    if final_done and LcsprStep.PUBLISHED.value in open_steps and may(roles, record_not_published):
        with st.form("lcspr_not_published"):
            reason = st.text_area("The final report is not to be published: why", help=FREE_TEXT_REMINDER,
                                  max_chars=MAX_REASON_CHARS, key="lc_unpublished_reason")
            saving = st.form_submit_button("Record the report not published")
        if saving and state.act(record_not_published, review_id=view.review_id, reason=reason,
                                expected_version=view.version, as_of=as_of) is not None:
            flash("Recorded: the final report is not to be published.")
            st.rerun()


def _correct_form(view: LcsprView, as_of: date, roles: frozenset[str]) -> None:
    recorded = [s.step.value for s in view.steps if s.done_on is not None]
    if not recorded or not may(roles, correct_lcspr_step):
        return
    with (box := folded("Correct an LCSPR date (Partnership Manager)", key="lcspr_correct_open")):
        if box.open:  # drawn only while open
            with st.form("lcspr_correct"):
                step = st.selectbox("Step", recorded, format_func=_step_title, key="lc_c_step")
                corrected = st.date_input("Correct date", value=None, max_value=as_of, format="DD/MM/YYYY",
                                          key="lc_c_date")
                reason = st.text_area("Why the date is corrected", help=FREE_TEXT_REMINDER,
                                      max_chars=MAX_REASON_CHARS, key="lc_c_reason")
                correcting = st.form_submit_button("Correct the date")
            if correcting and state.act(correct_lcspr_step, review_id=view.review_id, step=step,
                                        corrected_on=corrected, reason=reason, expected_version=view.version,
                                        as_of=as_of) is not None:
                flash(f"Corrected: {md_text(_step_title(step))}, done {fmt_date(corrected)}.")
                st.rerun()


def lcspr_part(review_id: int, as_of: date, roles: frozenset[str]) -> None:
    """The LCSPR section of the Review page (nothing when the review is not, and cannot become, an LCSPR)."""
    view = state.read_for_review(get_lcspr, review_id=review_id, as_of=as_of)
    if not view.started and view.start_refusal is not None:
        return
    st.subheader("Local Child Safeguarding Practice Review (LCSPR)")
    if not view.started:
        _start(view, as_of, roles)
        return
    st.markdown(f"{rag_badge(view.rag)} Decided {fmt_date(view.decided_on)}.")
    if view.reviewer_name:
        st.markdown(f"Reviewer: {md_text(view.reviewer_name)}")
    if view.publication_address:
        st.caption(f"Published at: {md_text(view.publication_address)}")
    # Cells are Markdown: every text goes through md_text, and the status is a badge that says it in words.
    step_rows = [{"Step": md_text(s.title), "Due": short_date(s.due), "Done": md_text(_done_words(s)),
                  "Status": rag_badge(s.rag), "Why": md_text(s.why or "—")} for s in view.steps]
    wrapping_table(step_rows, key="lcspr_steps")
    st.caption(f"The copies go to the Panel and the Secretary of State at least {view.copies_before_days:d} working "
               "days before publication. Due dates follow the LCSPR timescales in the settings.")
    _record_forms(view, as_of, roles)
    _correct_form(view, as_of, roles)
