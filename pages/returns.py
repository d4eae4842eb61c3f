"""Agency returns: a review's returns as one card per agency (what happens next and by when, with the one form of
that next step), batches for the common steps (several receipts at once, sharing every checked return with the
JCR Chair at once), the checklist table and its export; and the outstanding returns across every live review, most
urgent first (the officer's worklist for the day)."""
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from db.enums import FinalQaOutcome, FolderSection, InitialCheckOutcome, ReturnEnding, ReviewState, Role
from services.agencies import list_agencies
from services.due_mail import email_agency_about_return
from services.outbox import mail_is_on
from services.rag import RAG_COLOURS, Rag
from services.returns.chasing import ReadyEmail, chase_email, chase_emails, record_chase, send_back_email
from services.returns.exports import CHECKLIST_COLUMNS, DATE_COLUMNS, checklist_table, export_checklist
from services.returns.queries import list_outstanding_returns, list_returns, returns_received_counts
from services.returns.rules import (
    CHECK_OUTCOME_LABELS,
    CHECK_QUESTIONS,
    CLOSED_STAGES,
    FINAL_QA_LABELS,
    CardStep,
    ReturnStatus,
    Stage,
    card_step,
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
CHASE_PAGE = 10

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


# The RAG as a coloured label (the column's one value shown as a tag), not a pandas Styler over the whole table.
RAG_COLUMN = st.column_config.MultiselectColumn(width=96, options=list(RAG_CELL_COLOURS),
                                                color=list(RAG_CELL_COLOURS.values()))


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


def _read_email(email: ReadyEmail, agency_name: str, *, title: str = "Read the email") -> None:
    """The email as text under its link: To, Cc (the agency's JCR Group representative), Subject and body."""
    if not email.to:
        st.caption(f"No contact email is held for {agency_name}: ask an administrator to add one.")
    cc = f"\nCc: {email.cc} (JCR Group representative)" if email.cc else ""
    with st.expander(title):
        st.code(f"To: {email.to or '(no address held)'}{cc}\nSubject: {email.subject}\n\n{email.body}",
                language=None, wrap_lines=True)


def _chase_controls(status: ReturnStatus, *, key_prefix: str, email: ReadyEmail | None = None) -> None:
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
    if can_write and email.to and mail_is_on() and c1.button("Send it from the tracker", icon=":material/send:",
                                                             key=f"{key_prefix}_send_{status.ret.id}"):
        if state.act(email_agency_about_return, return_id=status.ret.id, as_of=as_of) is not None:
            flash(f"Email to {status.agency_name} queued: it goes out on the next mail run and is logged when sent.")
            st.rerun()
    _read_email(email, status.agency_name)


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
    st.rerun()


def _batch_receipts(waiting: list[ReturnStatus]) -> None:
    """Several returns arrived: tick them, one date, and per agency whether a senior manager signed it (and
    their role), as each receipt needs."""
    if len(waiting) < 2:
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
            c1.checkbox(f"{s.agency_name}{what}", key=key + "pick")
            c2.radio("Signed by a senior manager?", list(YES_NO), index=None, horizontal=True, key=key + "signed")
            c3.text_input("Their role: a role, not a name", key=key + "role", max_chars=120)
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


def _batch_share(to_share: list[ReturnStatus]) -> None:
    """Every return whose next step is sharing with the JCR Chair, shared in one action (untick any not sent)."""
    if len(to_share) < 2:
        return
    versions = _versions_drawn("batch_share", to_share)
    keys = ["batch_share_on", *(f"batch_s{s.ret.id}" for s in to_share)]
    with st.container(border=True), st.form("batch_share"):
        st.markdown(f"**{len(to_share)} returns are to be shared with the JCR Chair**")
        cols = st.columns(min(len(to_share), 3))
        for i, s in enumerate(to_share):
            cols[i % len(cols)].checkbox(s.agency_name, value=True, key=f"batch_s{s.ret.id}")
        shared_on = st.date_input("Date shared", value=as_of, max_value=as_of, format="DD/MM/YYYY",
                                  key="batch_share_on")
        submitted = st.form_submit_button("Share the ticked returns with the JCR Chair", type="primary")
    if submitted:
        steps: state.Steps = [
            (s.agency_name, record_shared_with_chair, dict(return_id=s.ret.id, expected_version=versions[s.ret.id],
                                            shared_on=shared_on, as_of=as_of))
            for s in to_share if st.session_state.get(f"batch_s{s.ret.id}")
        ]
        _save_batch(steps, "Recorded as shared with the JCR Chair", keys)


def _done_line(s: ReturnStatus) -> str:
    """The steps done, as a short line of dates."""
    ret = s.ret
    done = [f"sent {fmt_date(ret.requested_date)}"]
    if ret.received_date:
        signed = f"signed: {ret.signatory_role}" if ret.signed_by_senior_manager else "not signed by a senior manager"
        done.append(f"received {fmt_date(ret.received_date)} ({signed})")
    if ret.send_backs:
        done.append(f"sent back {len(ret.send_backs)} time{'s' if len(ret.send_backs) != 1 else ''}")
    if ret.resubmission_received_date:
        done.append(f"resubmitted {fmt_date(ret.resubmission_received_date)}")
    if ret.initial_check_date:
        done.append(f"checked {fmt_date(ret.initial_check_date)} ({check_result_label(ret)})")
    if ret.shared_with_chair_date:
        done.append(f"shared with the JCR Chair {fmt_date(ret.shared_with_chair_date)} ({s.shared})")
    if s.stage is Stage.ACCEPTED:
        done.append(f"accepted {fmt_date(ret.final_qa_date)}")
    if ret.file_path:
        done.append(f"filed in {ret.file_section}: {ret.file_path}")
    return "Done: " + " · ".join(done) + "."


def _receipt_form(s: ReturnStatus) -> None:
    ret = s.ret
    resubmission = s.stage is Stage.SENT_BACK
    title = "Record the resubmission received" if resubmission else "Record the return received"
    receipt_form = _form(ret.id, "receipt", {"received_on": as_of, "signed": None, "role": ""}, ret.version)
    with st.form(f"r{ret.id}_receipt_form"):
        c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
        received_on = c1.date_input("Date received", format="DD/MM/YYYY", key=receipt_form.key("received_on"))
        signed = c2.radio("Signed by a senior manager?", list(YES_NO), horizontal=True,
                          key=receipt_form.key("signed"))
        role = c3.text_input("Their role (for example Head of Service): a role, not a name",
                             key=receipt_form.key("role"), max_chars=120)
        receipt_submitted = st.form_submit_button(title, type="primary")
    if receipt_submitted:
        fn = record_resubmission_received if resubmission else record_return_received
        _save(receipt_form, ret.id, fn,
              f"{'Resubmission' if resubmission else 'Return'} from {s.agency_name} recorded as received.",
              received_on=received_on, signed_by_senior_manager=YES_NO.get(signed or ""), signatory_role=role,
              as_of=as_of)


def _check_form(s: ReturnStatus) -> None:
    ret = s.ret
    check_form = _form(ret.id, "check", {"checked_on": as_of, **dict.fromkeys(CHECK_QUESTIONS), "outcome": None,
                                         "note": ""}, ret.version)
    with st.form(f"r{ret.id}_check_form"):
        st.markdown("**Initial quality check** (the day it arrives)")
        checked_on = st.date_input("Date checked", format="DD/MM/YYYY", key=check_form.key("checked_on"))
        answers = {}
        cols = st.columns(len(CHECK_QUESTIONS))
        for col, (name, label) in zip(cols, CHECK_QUESTIONS.items(), strict=True):
            answers[name] = col.radio(label[0].upper() + label[1:] + "?", list(YES_NO), horizontal=True,
                                       key=check_form.key(name))
        outcome = st.radio("Outcome", list(CHECK_OUTCOME_LABELS), format_func=CHECK_OUTCOME_LABELS.__getitem__,
                            key=check_form.key("outcome"))
        note = st.text_area("Note: what is missing or weak", key=check_form.key("note"), help=FREE_TEXT_REMINDER,
                            placeholder=FREE_TEXT_REMINDER, height=68)
        b1, b2 = st.columns(2)
        check_submitted = b1.form_submit_button("Record the initial check", type="primary")
        all_yes = b2.form_submit_button("All four yes: record it as satisfactory")
    if check_submitted or all_yes:
        answer_values: dict[str, Any] = (dict.fromkeys(CHECK_QUESTIONS, True) if all_yes
                                         else {k: YES_NO.get(v or "") for k, v in answers.items()})
        _save(check_form, ret.id, record_initial_check, f"Initial check of {s.agency_name}'s return recorded.",
              checked_on=checked_on, outcome=InitialCheckOutcome.SATISFACTORY if all_yes else outcome, note=note,
              as_of=as_of, **answer_values)


def _share_form(s: ReturnStatus) -> None:
    ret = s.ret
    share_form = _form(ret.id, "share", {"shared_on": as_of}, ret.version)
    with st.form(f"r{ret.id}_share_form"):
        c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
        shared_on = c1.date_input("Date shared with the JCR Chair", format="DD/MM/YYYY",
                                  key=share_form.key("shared_on"))
        share_submitted = c2.form_submit_button("Record shared with the JCR Chair", type="primary")
    if share_submitted:
        _save(share_form, ret.id, record_shared_with_chair,
              f"{s.agency_name}'s return recorded as shared with the JCR Chair.", shared_on=shared_on, as_of=as_of)


def _final_qa_form(s: ReturnStatus) -> None:
    ret = s.ret
    if not is_manager:
        st.info("Waiting for the Partnership Manager's final QA (accept or send back).",
                icon=":material/hourglass_top:")
        return
    qa_form = _form(ret.id, "qa", {"outcome": None, "date": as_of, "reason": "", "new_due": None}, ret.version)
    with st.form(f"r{ret.id}_qa_form"):
        st.markdown("**Final QA** (Partnership Manager)")
        checker = ret.initial_checked_by_name or "someone"
        signed_text = f"yes ({ret.signatory_role})" if ret.signed_by_senior_manager else "no"
        st.caption(md_text(f"Initial check on {fmt_date(ret.initial_check_date)} by {checker}: "
                           f"{check_result_label(ret)}. Signed by a senior manager: {signed_text}. Shared with the "
                           f"JCR Chair: {s.shared}."))
        decision = st.radio("Decision", list(FINAL_QA_LABELS), format_func=FINAL_QA_LABELS.__getitem__,
                            horizontal=True,  key=qa_form.key("outcome"))
        decided_on = st.date_input("Date of the decision", format="DD/MM/YYYY", key=qa_form.key("date"))
        reason = st.text_area("If sent back: the reason (the agency is told this)", key=qa_form.key("reason"),
                              help=FREE_TEXT_REMINDER, placeholder=FREE_TEXT_REMINDER)
        new_due = st.date_input("If sent back: the new due date", format="DD/MM/YYYY", key=qa_form.key("new_due"))
        qa_submitted = st.form_submit_button("Record the final QA", type="primary")
    if qa_submitted:
        word = decision if decision in tuple(FinalQaOutcome) else ""
        _save(qa_form, ret.id, record_final_qa, f"{s.agency_name}'s return {word}.", decided_on=decided_on,
              outcome=decision, reason=reason, new_due_date=new_due, as_of=as_of)


def _file_and_summary_forms(s: ReturnStatus) -> None:
    ret = s.ret
    left, right = st.columns(2)
    file_form = _form(ret.id, "file", {"section": ret.file_section or FolderSection.NOTIFICATION_AND_SCOPING.value,
                                       "path": ret.file_path or ""}, ret.version)
    with left, st.form(f"r{ret.id}_file_form"):
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
    with right, st.form(f"r{ret.id}_summary_form"):
        st.markdown("**Summary of involvement and learning** (feeds the report)")
        summary = st.text_area("Summary", key=summary_form.key("text"), height=140, help=FREE_TEXT_REMINDER,
                               placeholder=FREE_TEXT_REMINDER, max_chars=4000)
        summary_submitted = st.form_submit_button("Save the summary")
    if summary_submitted:
        _save(summary_form, ret.id, record_summary, f"Summary for {s.agency_name} saved.",
              describe_saved=lambda saved: saved["text"], summary=summary)


def _ending_form(s: ReturnStatus) -> None:
    ret = s.ret
    ending_form = _form(ret.id, "ending", {"ending": None, "on": None, "reason": ""}, ret.version)
    with st.form(f"r{ret.id}_ending_form"):
        st.markdown("**Close without a receipt: no return, or withdrawn** (Partnership Manager)")
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


def _agreed_form(s: ReturnStatus) -> None:
    ret = s.ret
    agreed_form = _form(ret.id, "agreed", {"on": ret.agreed_due_date, "reason": ""}, ret.version)
    with st.form(f"r{ret.id}_agreed_form"):
        st.markdown("**Agreed due date** (Partnership Manager)")
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


NEXT_STEP_FORMS: dict[CardStep, Callable[[ReturnStatus], None]] = {
    CardStep.RECEIPT: _receipt_form, CardStep.CHECK: _check_form, CardStep.SHARE: _share_form,
    CardStep.FINAL_QA: _final_qa_form, CardStep.FILING: _file_and_summary_forms,
}


def _card(s: ReturnStatus, step: CardStep, *, writable: bool) -> None:
    """One agency's return: what happens next and by when, the form of that step only, then the steps done as a
    line of dates; the manager's agreed date and closing, the filing and the summary, under 'More'."""
    ret = s.ret
    with st.container(border=True, key=f"card_{ret.id}"):
        st.markdown(f"{rag_badge(s.rag)} **{md_text(s.agency_name)}**: {s.stage.value}")
        st.markdown(f"**Next:** {md_text(s.what_next)}")
        if ret.agreed_due_date is not None:
            st.caption(md_text(f"Plan date {fmt_date(ret.resubmission_due_date or s.due_date)}; agreed due date "
                               f"{fmt_date(ret.agreed_due_date)}: {ret.agreed_reason}"))
        if ret.ended_as is not None:
            st.info(f"Closed by {md_text(ret.ended_by_name or '')} on {fmt_date(ret.ended_on)} as "
                    f"'{ret.ended_as}'. Reason: {md_text(ret.ended_reason or '')}", icon=":material/block:")
        if writable and s.stage is Stage.SENT_BACK:
            back_email = state.read(send_back_email, return_id=ret.id)
            st.link_button(f"Email the send-back to {s.agency_name}", back_email.mailto,
                           icon=":material/forward_to_inbox:")
            _read_email(back_email, s.agency_name, title="Read the send-back email")
        if writable and step is CardStep.RECEIPT:
            _chase_controls(s, key_prefix="checklist")
        if writable and step in NEXT_STEP_FORMS:
            NEXT_STEP_FORMS[step](s)
        elif step is CardStep.FINAL_QA:
            st.caption("Waiting for the Partnership Manager's final QA (accept or send back).")
        st.caption(md_text(_done_line(s)))
        if ret.send_backs:
            rounds = len(ret.send_backs)
            st.markdown(f"**Sent back {rounds} time{'s' if rounds != 1 else ''}** (every round):")
            st.dataframe(
                pd.DataFrame([{"Round": b.round, "Sent back": b.sent_back_on, "Reason": b.reason,
                               "New due date": b.resubmission_due_date,
                               "By": b.sent_back_by_name or "not recorded (before rounds were kept)"}
                              for b in ret.send_backs]),
                hide_index=True, width="stretch", key=f"send_backs_{ret.id}",
                column_config={"Sent back": st.column_config.DateColumn(format=DATE_FORMAT),
                               "New due date": st.column_config.DateColumn(format=DATE_FORMAT)},
            )
        more_manager = is_manager and s.stage not in CLOSED_STAGES
        more_filing = ret.received_date is not None and step is not CardStep.FILING
        if writable and (more_manager or more_filing):
            with st.expander("More: " + ", ".join(
                    (["agreed due date", "close without a receipt"] if more_manager else [])
                    + (["file location and summary"] if more_filing else []))):
                if more_manager:
                    _agreed_form(s)
                    _ending_form(s)
                if more_filing:
                    _file_and_summary_forms(s)


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
        table.drop(columns="_review"), hide_index=True, width="stretch", key="outstanding_table",
        on_select="rerun", selection_mode="single-row", placeholder="—",
        column_config={"Step due": st.column_config.DateColumn(format=DATE_FORMAT),
                       "Requested": st.column_config.DateColumn(format=DATE_FORMAT),
                       "RAG": RAG_COLUMN},
    )
    picked_rows = event.selection.rows if event and event.selection else []
    if picked_rows:
        _open_checklist(outstanding[picked_rows[0]].ret.review_id)
    st.caption("Select a row to open that review's checklist.")
    if late:
        st.subheader("Chase late returns")
        # A box for each late return, most urgent first, CHASE_PAGE at a time (a partnership can have hundreds).
        count = len(late)
        start = 0 if count <= CHASE_PAGE else st.selectbox(
            "Late returns shown", range(0, count, CHASE_PAGE), key="chase_from",
            format_func=lambda first: f"{first + 1}–{min(first + CHASE_PAGE, count)} of {count}")
        late = late[start:start + CHASE_PAGE]
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
    # The table (every column, as the export) under the cards' overview; the cards below say what to do next.
    table_box = st.expander("The checklist as a table, and its export")
    table_box.dataframe(
        table, hide_index=True, width="stretch", key="checklist_table", placeholder="—",
        column_config={"RAG": RAG_COLUMN,
                       **{c: st.column_config.DateColumn(format=DATE_FORMAT) for c in DATE_COLUMNS}},
    )
    # The files are built only when asked for, never on every run of the page: a stored value a file cannot hold
    # can then never stop the page, and nobody waits for a workbook they did not ask for.
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
                created = state.act(record_returns_requested, review_id=picked, agency_ids=chosen,
                                    requested_on=sent_on, as_of=as_of)
                if created:
                    flash(f"Scoping forms recorded as sent to {len(created)} "
                          f"agenc{'y' if len(created) == 1 else 'ies'}.")
                    for key in (f"send_agencies_{picked}_{len(asked)}", f"send_date_{picked}"):
                        st.session_state.pop(key, None)
                    st.rerun()

# ---- common batches: several receipts at once; every return whose next step is sharing, at once
steps_of = {s.ret.id: card_step(s.ret) for s in statuses}
if writable:
    _batch_receipts([s for s in statuses if steps_of[s.ret.id] is CardStep.RECEIPT])
    _batch_share([s for s in statuses if steps_of[s.ret.id] is CardStep.SHARE])

# ---- one card per agency: its next step first, with one form for it
for status in statuses:
    _card(status, steps_of[status.ret.id], writable=writable)
