"""Agency returns: a review's checklist (one row per agency) with a form for each step, and the outstanding
returns across every live review, most urgent first (the officer's worklist for the day)."""
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from db.enums import FinalQaOutcome, FolderSection, ReturnEnding, ReviewState, Role
from services.agencies import list_agencies
from services.rag import RAG_COLOURS, Rag
from services.returns.chasing import ChaseEmail, chase_email, chase_emails, record_chase
from services.returns.exports import CHECKLIST_COLUMNS, DATE_COLUMNS, checklist_table, export_checklist
from services.returns.queries import list_outstanding_returns, list_returns, returns_received_counts
from services.returns.rules import (
    CHECK_OUTCOME_LABELS,
    CHECK_QUESTIONS,
    CLOSED_STAGES,
    FINAL_QA_LABELS,
    ReturnStatus,
    Stage,
    check_result_label,
)
from services.returns.service import (
    close_return_without_receipt,
    record_file_location,
    record_final_qa,
    record_initial_check,
    record_resubmission_received,
    record_return_received,
    record_returns_requested,
    record_shared_with_chair,
    record_summary,
    set_return_agreed_date,
)
from services.review_status import get_review_status
from services.reviews.service import list_reviews
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import VersionedForm, already_saved, remember_saved
from ui.gate import require_page
from ui.links import review_links
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, md_text, rag_badge, review_picker

CHECKLIST, OUTSTANDING = "Checklist for one review", "Outstanding returns (all live reviews)"
YES_NO = {"yes": True, "no": False}
DATE_FORMAT = "ddd D MMM YYYY"
RAG_CELL_COLOURS = {r.value.upper(): RAG_COLOURS[r] for r in Rag}
FOLDER_LABELS = {FolderSection.NOTIFICATION_AND_SCOPING: "I. Notification and scoping",
                 FolderSection.RAPID_REVIEW_MEETING: "II. Rapid Review meeting",
                 FolderSection.STATUTORY_CORRESPONDENCE: "III. Statutory Correspondence",
                 FolderSection.GENERAL_CORRESPONDENCE: "IV. General Correspondence"}
SAVES_SCOPE = "returns"

require_page("returns")
as_of = state.today()
roles = state.signed_in_roles()
can_write = bool(roles & {Role.MANAGER, Role.OFFICER})
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


def _styled(table: pd.DataFrame) -> Any:
    return table.style.map(
        lambda v: (f"background-color:{RAG_CELL_COLOURS[v]};color:white;font-weight:600"
                   if v in RAG_CELL_COLOURS else ""),
        subset=["RAG"],
    )


def _open_checklist(review_id: int) -> None:
    st.query_params["review"] = str(review_id)
    st.query_params.pop("view", None)
    st.session_state.pop("ret_view", None)
    st.rerun()


def _form(return_id: int, step: str, saved: Mapping[str, Any], version: int) -> VersionedForm:
    """The versioned form of one step of one return, filled from `saved` unless the user has typed over it."""
    form = VersionedForm(prefix=f"r{return_id}_{step}_", fields=list(saved))
    form.sync(version=version, saved=saved)
    return form


def _save(form: VersionedForm, return_id: int, fn: Callable[..., Any], success: str, *,
          describe_saved: Callable[[Mapping[str, Any]], str] | None = None, **kwargs: Any) -> None:
    """Save one step against the version its typing started from (ui.forms.VersionedForm). A second identical
    save (a double click) is not sent again."""
    fingerprint = (fn.__name__, return_id, repr(sorted(kwargs.items())))
    if already_saved(SAVES_SCOPE, fingerprint):
        st.info("That was already saved; it was not saved twice.", icon=":material/info:")
        return
    remember_saved(SAVES_SCOPE, fingerprint)
    form.save(fn, success=success, describe_saved=describe_saved, return_id=return_id, **kwargs)
    # Reached only when the save was refused (a saved one reruns the page): the same values may be sent again.
    remember_saved(SAVES_SCOPE, None)


def _chase_controls(status: ReturnStatus, *, key_prefix: str, email: ChaseEmail | None = None) -> None:
    """The ready email (a mailto link, read here unless given) and, for writers, the button that logs the chase."""
    if email is None:
        email = state.read(chase_email, return_id=status.ret.id, as_of=as_of)
    c1, c2 = st.columns([1, 1])
    c1.link_button(f"Email {status.agency_name}", email.mailto, icon=":material/mail:")
    if can_write and c2.button("Log that I chased", key=f"{key_prefix}_chased_{status.ret.id}",
                               icon=":material/history_edu:"):
        if state.act(record_chase, return_id=status.ret.id, as_of=as_of) is not None:
            flash(f"Chase of {status.agency_name} logged.")
            st.rerun()
    if not email.to:
        st.caption(f"No contact email is held for {status.agency_name}: ask an administrator to add one.")
    with st.expander("Read the email"):
        st.code(f"To: {email.to or '(no address held)'}\nSubject: {email.subject}\n\n{email.body}",
                language=None, wrap_lines=True)


# ---------------------------------------------------------------- outstanding returns (worklist)

if view == OUTSTANDING:
    st.query_params["view"] = "outstanding"
    outstanding = state.read_shared(list_outstanding_returns, as_of=as_of)  # shared until a write
    late = [s for s in outstanding if s.late]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Late from the agency", len(late))
    c2.metric("To check today or overdue", sum(1 for s in outstanding if s.stage is Stage.RECEIVED))
    c3.metric("Awaiting final QA", sum(1 for s in outstanding if s.stage is Stage.CHECKED))
    c4.metric("Outstanding in all", len(outstanding))
    if not outstanding:
        st.info("No return is outstanding on any live review.")
        st.stop()
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
            "_review": s.ret.review_id,
        }
        for s in outstanding
    ]
    table = pd.DataFrame(rows)
    event = st.dataframe(
        _styled(table.drop(columns="_review")), hide_index=True, width="stretch", key="outstanding_table",
        on_select="rerun", selection_mode="single-row", placeholder="—",
        column_config={"Step due": st.column_config.DateColumn(format=DATE_FORMAT),
                       "Requested": st.column_config.DateColumn(format=DATE_FORMAT),
                       "RAG": st.column_config.TextColumn(width=96)},
    )
    picked_rows = event.selection.rows if event and event.selection else []
    if picked_rows:
        _open_checklist(outstanding[picked_rows[0]].ret.review_id)
    st.caption("Select a row to open that review's checklist.")
    if late:
        st.subheader("Chase late returns")
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
                _chase_controls(s, key_prefix="worklist", email=emails.get(s.ret.id))
    st.stop()

# ---------------------------------------------------------------- one review's checklist

reviews = state.read_shared(list_reviews)  # every review, for the picker: shared until a write
if not reviews:
    st.info("There are no reviews yet. Open one from the Live reviews page.")
    st.stop()
picked = review_picker(reviews, key="ret_review_pick")
review_links(picked, here="returns")
st.query_params.pop("view", None)

review_status = state.read(get_review_status, review_id=picked, as_of=as_of)
review = review_status.review
statuses = state.read(list_returns, review_id=picked, as_of=as_of)
counts = state.read(returns_received_counts, review_ids=[picked]).get(picked)
review_word = review_status.status_label if review.state == ReviewState.OPEN else ReviewState.SUBMITTED
st.markdown(
    f"### {review.case_reference} {rag_badge(review_word)}\n"
    f"{review_status.progress} · returns received: **{counts.label if counts else 'none requested'}**"
    + (f" · accepted: **{counts.accepted}**" if counts else ""),
)

if statuses:
    rows = checklist_table(statuses)
    table = pd.DataFrame(rows, columns=CHECKLIST_COLUMNS)
    st.dataframe(
        _styled(table), hide_index=True, width="stretch", key="checklist_table", placeholder="—",
        column_config={"RAG": st.column_config.TextColumn(width=96),
                       **{c: st.column_config.DateColumn(format=DATE_FORMAT) for c in DATE_COLUMNS}},
    )
    # The files are built only when asked for, never on every run of the page: a stored value a file cannot hold
    # can then never stop the page, and nobody waits for a workbook they did not ask for.
    if st.button("Export the checklist (Excel or CSV)", key="export_prepare", icon=":material/table_view:"):
        xlsx = state.read(export_checklist, review_id=picked, as_of=as_of, file_format="xlsx")
        csv_file = state.read(export_checklist, review_id=picked, as_of=as_of, file_format="csv")
        d1, d2, _ = st.columns([1, 1, 3])
        d1.download_button("Download Excel", xlsx.data, file_name=xlsx.file_name, mime=xlsx.mime,
                           key="export_xlsx", icon=":material/download:", on_click="ignore")
        d2.download_button("Download CSV", csv_file.data, file_name=csv_file.file_name, mime=csv_file.mime,
                           key="export_csv", icon=":material/download:", on_click="ignore")
else:
    st.info("No scoping form has been recorded as sent for this review yet.")

if review.state == ReviewState.CLOSED or not can_write:
    if review.state == ReviewState.CLOSED:
        st.caption("This review is closed: its returns can be read and exported, not changed.")
    st.stop()

# ---- send scoping forms
asked = {s.ret.agency_id for s in statuses}
agencies = [a for a in state.read(list_agencies, active_only=True) if a.id not in asked]
with st.expander("Record scoping forms sent", expanded=not statuses):
    if not agencies:
        st.caption("Every active agency has been sent the scoping form for this review.")
    else:
        with st.form("send_forms"):
            names = {a.id: a.name for a in agencies}
            # A new box once forms were sent (its key counts the agencies asked): the browser's copy of the box
            # just sent, naming agencies no longer offered, then belongs to a box that is gone.
            chosen = st.multiselect("Agencies chosen for this review", list(names), format_func=_label_of(names),
                                    key=f"send_agencies_{picked}_{len(asked)}")
            sent_on = st.date_input("Date sent", value=as_of, max_value=as_of, format="DD/MM/YYYY",
                                    key=f"send_date_{picked}")
            send = st.form_submit_button("Record forms sent", type="primary")
        if send:
            created = state.act(record_returns_requested, review_id=picked, agency_ids=chosen, requested_on=sent_on,
                                as_of=as_of)
            if created:
                flash(f"Scoping forms recorded as sent to {len(created)} agenc{'y' if len(created) == 1 else 'ies'}.")
                for key in (f"send_agencies_{picked}_{len(asked)}", f"send_date_{picked}"):
                    st.session_state.pop(key, None)
                st.rerun()

if not statuses:
    st.stop()

# ---- record a step for one agency
st.subheader("Record a step")
by_return = {s.ret.id: s for s in statuses}
wanted_return = st.session_state.get("ret_pick")
if wanted_return not in by_return:
    # Start on the most urgent return still open.
    open_ones = sorted((s for s in statuses if s.stage not in CLOSED_STAGES), key=lambda s: s.action_due or as_of)
    st.session_state["ret_pick"] = (open_ones[0] if open_ones else statuses[0]).ret.id
return_labels = {i: f"{r.agency_name}: {r.stage.value}" for i, r in by_return.items()}
return_id = st.selectbox("Agency", list(by_return), key="ret_pick", format_func=_label_of(return_labels))
s = by_return[return_id]
ret = s.ret
p = f"r{ret.id}_"
due_words = f"Due {fmt_date(s.due_date)}" + (f"; new due date {fmt_date(ret.resubmission_due_date)}"
                                              if ret.resubmission_due_date else "")
if ret.agreed_due_date is not None:
    due_words += f" (plan date); agreed due date {fmt_date(ret.agreed_due_date)}: {ret.agreed_reason}"
st.markdown(f"{rag_badge(s.rag)} **{md_text(s.agency_name)}**: {s.stage.value}. Next: {md_text(s.next_step)}. "
            f"{md_text(due_words)}.")

if ret.ended_as is not None:
    st.info(f"Closed by {md_text(ret.ended_by_name or '')} on {fmt_date(ret.ended_on)} as '{ret.ended_as}'. "
            f"Reason: {md_text(ret.ended_reason or '')}", icon=":material/block:")

if is_manager and s.stage not in CLOSED_STAGES:
    with st.expander("Close without a receipt: no return, or withdrawn (Partnership Manager)"):
        ending_form = _form(ret.id, "ending", {"ending": None, "on": None, "reason": ""}, ret.version)
        with st.form(p + "ending_form"):
            st.caption("'No return': the agency did not respond by its due date, after chasing (the board counts it "
                       "late). 'Withdrawn': the agency was asked in error (left out of the board's figures). The "
                       "report says so for this agency; the chases and the log stay. Logged.")
            ending = st.radio("How the return ends", list(ReturnEnding), index=None, horizontal=True,
                              key=ending_form.key("ending"))
            ended_on = st.date_input("Date closed", format="DD/MM/YYYY", key=ending_form.key("on"))
            ending_reason = st.text_input("Reason", key=ending_form.key("reason"), max_chars=2000,
                                          help=FREE_TEXT_REMINDER)
            end_submitted = st.form_submit_button("Close the return")
        if end_submitted:
            _save(ending_form, ret.id, close_return_without_receipt,
                  f"The return from {s.agency_name} is closed as '{ending}'.", ending=ending, ended_on=ended_on,
                  reason=ending_reason, as_of=as_of)

if is_manager and s.stage not in CLOSED_STAGES:
    with st.expander("Agreed due date (Partnership Manager)", expanded=ret.agreed_due_date is not None):
        agreed_form = _form(ret.id, "agreed", {"on": ret.agreed_due_date, "reason": ""}, ret.version)
        with st.form(p + "agreed_form"):
            st.caption("A date agreed with the agency replaces the plan date of this round for the RAG, the "
                       "worklist and the chase email; a send-back sets its own new due date and clears it. Logged.")
            agreed_on = st.date_input("Agreed due date", format="DD/MM/YYYY", key=agreed_form.key("on"),
                                      min_value=ret.requested_date)
            agreed_reason = st.text_input("Reason (for example 'later date agreed with the agency')",
                                          key=agreed_form.key("reason"), max_chars=2000, help=FREE_TEXT_REMINDER)
            a1, a2 = st.columns(2)
            agree_submitted = a1.form_submit_button("Save the agreed date", type="primary")
            clear_submitted = a2.form_submit_button("Clear the agreed date", disabled=ret.agreed_due_date is None)
        if agree_submitted or clear_submitted:
            new_date = None if clear_submitted else agreed_on
            word = "cleared" if new_date is None else f"set to {fmt_date(new_date)}"
            _save(agreed_form, ret.id, set_return_agreed_date, f"Agreed due date for {s.agency_name} {word}.",
                  describe_saved=lambda saved: f"Agreed due date: {fmt_date(saved['on'])}",
                  agreed_on=new_date, reason=agreed_reason)

if s.awaiting_agency:
    _chase_controls(s, key_prefix="checklist")
    resubmission = s.stage is Stage.SENT_BACK
    title = "Record the resubmission received" if resubmission else "Record the return received"
    receipt_form = _form(ret.id, "receipt", {"received_on": as_of, "signed": None, "role": ""}, ret.version)
    with st.form(p + "receipt_form"):
        st.markdown(f"**{title}**")
        received_on = st.date_input("Date received", format="DD/MM/YYYY", key=receipt_form.key("received_on"))
        signed = st.radio("Signed by a senior manager?", list(YES_NO), horizontal=True,
                          key=receipt_form.key("signed"))
        role = st.text_input("Their role (for example Head of Service): a role, not a name",
                             key=receipt_form.key("role"), max_chars=120)
        receipt_submitted = st.form_submit_button(title, type="primary")
    if receipt_submitted:
        fn = record_resubmission_received if resubmission else record_return_received
        _save(receipt_form, ret.id, fn,
              f"{'Resubmission' if resubmission else 'Return'} from {s.agency_name} recorded as received.",
              received_on=received_on, signed_by_senior_manager=YES_NO.get(signed), signatory_role=role,
              as_of=as_of)

if s.stage is Stage.RECEIVED:
    check_form = _form(ret.id, "check", {"checked_on": as_of, **dict.fromkeys(CHECK_QUESTIONS), "outcome": None,
                                         "note": ""}, ret.version)
    with st.form(p + "check_form"):
        st.markdown("**Initial quality check** (the day it arrives)")
        checked_on = st.date_input("Date checked", format="DD/MM/YYYY", key=check_form.key("checked_on"))
        answers = {}
        for name, label in CHECK_QUESTIONS.items():
            answers[name] = st.radio(label[0].upper() + label[1:] + "?", list(YES_NO), horizontal=True,
                                     key=check_form.key(name))
        outcome = st.radio("Outcome", list(CHECK_OUTCOME_LABELS), format_func=CHECK_OUTCOME_LABELS.__getitem__,
                           key=check_form.key("outcome"))
        note = st.text_area("Note: what is missing or weak", key=check_form.key("note"), help=FREE_TEXT_REMINDER,
                            placeholder=FREE_TEXT_REMINDER)
        check_submitted = st.form_submit_button("Record the initial check", type="primary")
    if check_submitted:
        answer_values: dict[str, Any] = {k: YES_NO.get(v) for k, v in answers.items()}
        _save(check_form, ret.id, record_initial_check, f"Initial check of {s.agency_name}'s return recorded.",
              checked_on=checked_on, outcome=outcome, note=note, as_of=as_of,
              **answer_values)

if s.stage in (Stage.RECEIVED, Stage.CHECKED, Stage.ACCEPTED) and ret.shared_with_chair_date is None:
    share_form = _form(ret.id, "share", {"shared_on": as_of}, ret.version)
    with st.form(p + "share_form"):
        st.markdown(f"**Shared with the JCR Chair**: {s.shared}")
        shared_on = st.date_input("Date shared", format="DD/MM/YYYY", key=share_form.key("shared_on"))
        share_submitted = st.form_submit_button("Record shared with the JCR Chair")
    if share_submitted:
        _save(share_form, ret.id, record_shared_with_chair,
              f"{s.agency_name}'s return recorded as shared with the JCR Chair.", shared_on=shared_on, as_of=as_of)

if s.stage is Stage.CHECKED:
    if not is_manager:
        st.info("Waiting for the Partnership Manager's final QA (accept or send back).",
                icon=":material/hourglass_top:")
    else:
        qa_form = _form(ret.id, "qa", {"outcome": None, "date": as_of, "reason": "", "new_due": None}, ret.version)
        with st.form(p + "qa_form"):
            st.markdown("**Final QA** (Partnership Manager)")
            checker = ret.initial_checked_by_name or "someone"
            signed_text = f"yes ({ret.signatory_role})" if ret.signed_by_senior_manager else "no"
            st.caption(f"Initial check on {fmt_date(ret.initial_check_date)} by {checker}: {check_result_label(ret)}. "
                       f"Signed by a senior manager: {signed_text}. Shared with the JCR Chair: {s.shared}.")
            decision = st.radio("Decision", list(FINAL_QA_LABELS), format_func=FINAL_QA_LABELS.__getitem__,
                                horizontal=True, key=qa_form.key("outcome"))
            decided_on = st.date_input("Date of the decision", format="DD/MM/YYYY", key=qa_form.key("date"))
            reason = st.text_area("If sent back: the reason (the agency is told this)", key=qa_form.key("reason"),
                                  help=FREE_TEXT_REMINDER, placeholder=FREE_TEXT_REMINDER)
            new_due = st.date_input("If sent back: the new due date", format="DD/MM/YYYY", key=qa_form.key("new_due"))
            qa_submitted = st.form_submit_button("Record the final QA", type="primary")
        if qa_submitted:
            word = decision if decision in tuple(FinalQaOutcome) else ""
            _save(qa_form, ret.id, record_final_qa, f"{s.agency_name}'s return {word}.", decided_on=decided_on,
                  outcome=decision, reason=reason, new_due_date=new_due, as_of=as_of)

if ret.received_date is not None:
    left, right = st.columns(2)
    file_form = _form(ret.id, "file", {"section": ret.file_section or FolderSection.NOTIFICATION_AND_SCOPING.value,
                                       "path": ret.file_path or ""}, ret.version)
    with left, st.form(p + "file_form"):
        st.markdown("**Where it is filed** in the case folder")
        section = st.selectbox("Section", list(FOLDER_LABELS), key=file_form.key("section"),
                               format_func=FOLDER_LABELS.__getitem__)
        path = st.text_input("File location", key=file_form.key("path"))
        file_submitted = st.form_submit_button("Save the file location")
    if file_submitted:
        _save(file_form, ret.id, record_file_location, f"File location of {s.agency_name}'s return saved.",
              describe_saved=lambda saved: f"{saved['section']}: {saved['path']}", file_section=section,
              file_path=path)
    summary_form = _form(ret.id, "summary", {"text": ret.summary or ""}, ret.version)
    with right, st.form(p + "summary_form"):
        st.markdown("**Summary of involvement and learning** (feeds the report)")
        summary = st.text_area("Summary", key=summary_form.key("text"), height=140, help=FREE_TEXT_REMINDER,
                               placeholder=FREE_TEXT_REMINDER, max_chars=4000)
        summary_submitted = st.form_submit_button("Save the summary")
    if summary_submitted:
        _save(summary_form, ret.id, record_summary, f"Summary for {s.agency_name} saved.",
              describe_saved=lambda saved: saved["text"], summary=summary)
