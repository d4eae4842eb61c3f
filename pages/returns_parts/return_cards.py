"""One agency return as a card (its next step first, with the one form of that step), and the ready emails of a
return with the button that logs a chase.

Each card is a Streamlit fragment: a click or a save in it reruns that card alone, not the page. After a save, the
card checks that the page around it still tells the truth about its return (`outside_view`: the header's RAG and
counts, the batch forms, the open checklist table); when it no longer does, the whole page reruns. So a saved
summary or file location, a logged chase, an agreed date that leaves the RAG as it was, or a refused save redraws
one card; a receipt, a check, a sharing or a decision, which move the header's figures and the batches, redraw the
page (docs/agency-returns.md, "What a save redraws").

Each card is folded to one line (its RAG, agency, stage and when its next step is due) and draws nothing else until
it is opened: a folded card builds no form, so a review's page costs a few elements per agency, not thirty. The most
urgent OPEN_BY_ITSELF cards (worst RAG first, then the soonest step), the card a link names (?return=) and the only
card of a review open by themselves; the user opens or folds any other, and a card stays as the user left it. Opening
or folding a card reruns that card alone.

A card rerun alone skips app.py, so the card does here what app.py does on every run of the page: the check of the
sign-in session, the typing kept while the database was away (ui.kept), and the plain sentence for an error.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

import pandas as pd
import streamlit as st

from db.enums import FinalQaOutcome, FolderSection, InitialCheckOutcome, ReturnEnding
from pages.returns_parts.card_folds import card_fold
from pages.returns_parts.return_exchange import exchange_section
from pages.returns_parts.summary_start import START_LABEL, put_started_draft, start_summary
from services.agency_exchange import RoundRead
from services.due_mail import email_agency_about_return, share_return_with_chairs
from services.outbox import mail_is_on
from services.returns import (
    CHECK_OUTCOME_LABELS,
    CHECK_QUESTIONS,
    CLOSED_STAGES,
    FINAL_QA_LABELS,
    MAX_NOTE_CHARS,
    MAX_SUMMARY_CHARS,
    CardStep,
    ReadyEmail,
    ReturnStatus,
    Stage,
    card_step,
    chase_email,
    check_result_label,
    checklist_row,
    close_return_without_receipt,
    first_receipt_signature,
    list_returns,
    record_chase,
    record_file_location,
    record_final_qa,
    record_initial_check,
    record_resubmission_received,
    record_return_received,
    record_shared_with_chair,
    record_summary,
    send_back_email,
    set_return_agreed_date,
    signature_words,
)
from services.sessions import resume
from ui import auth, state
from ui.errors import run_safely
from ui.flash import flash, show_flashes
from ui.forms import VersionedForm, already_saved, remember_saved
from ui.kept import restore_typing
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, free_text_help, md_text, rag_badge

YES_NO = {"yes": True, "no": False}
DATE_FORMAT = "ddd D MMM YYYY"
FOLDER_LABELS = {FolderSection.NOTIFICATION_AND_SCOPING: "I. Notification and scoping",
                 FolderSection.RAPID_REVIEW_MEETING: "II. Rapid Review meeting",
                 FolderSection.STATUTORY_CORRESPONDENCE: "III. Statutory Correspondence",
                 FolderSection.GENERAL_CORRESPONDENCE: "IV. General Correspondence"}
SAVES_SCOPE = "returns"
RECEIPT_TITLE, RESUBMISSION_TITLE = "Record the return received", "Record the resubmission received"
# Every step's form on a card, with its submit buttons' labels: Streamlit keys an unkeyed submit button
# "FormSubmitter:<form>-<label>", which tells a run, before the card is drawn, which form was sent.
CARD_FORM_BUTTONS: dict[str, tuple[str, ...]] = {
    "receipt": (RECEIPT_TITLE, RESUBMISSION_TITLE),
    "check": ("Record the initial check", "All four yes: record it as satisfactory"),
    "share": ("Record shared with the JCR Chair", "Email the JCR Chair a link to it"),
    "qa": ("Record the final QA",),
    "agreed": ("Save the agreed date", "Clear the agreed date"),
    "ending": ("Close the return",),
}
CARD_SAVED_KEY = "return_card_saved"  # set by a save in a card, for the card's next run to check the page around it


@dataclass(frozen=True)
class CardPage:
    """What a card needs from the page around it, as the page drew it."""

    review_id: int
    as_of: date
    writable: bool  # the account may write and the review is not closed
    is_manager: bool
    batched: frozenset[CardStep]  # the steps whose returns sit in a batch form on the page just now
    table_open: bool  # the checklist table is drawn
    focused_return_id: int | None = None  # the return the page's address names (?return=): its card opens first
    open_by_itself: frozenset[int] = frozenset()  # the returns whose cards are open until the user folds them


def outside_view(s: ReturnStatus, page: CardPage) -> tuple[Hashable, ...]:
    """What the page outside the card draws from this return: its stage and RAG (the review's RAG and the counts of
    returns received and accepted in the header), its step (the batch forms it sits in), the version a batch form
    saves it against, and its row of the checklist table when the table is open."""
    step = card_step(s.ret)
    return (s.stage, s.rag, step, s.ret.version if step in page.batched else None,
            tuple(checklist_row(s).items()) if page.table_open else None)


def _card_rerun() -> bool:
    """True when this run reruns a card alone (the page around it was not run)."""
    from ui.streamlit_internals import reruns_fragment_alone

    return reruns_fragment_alone()


def rerun_after_save() -> NoReturn:
    """After a save: rerun the card alone when the save came from a card rerun (the card then reruns the page if
    the page no longer tells the truth about its return), else the page."""
    if _card_rerun():
        st.session_state[CARD_SAVED_KEY] = True
        st.rerun(scope="fragment")
    st.rerun(scope="app")


def _still_signed_in() -> bool:
    """app.py's check of the sign-in session, for a card rerun alone (which skips app.py): a session ended anywhere
    (signed out in another tab, idle, too old, account changed) must not save."""
    if not auth.served():
        return state.signed_in() is not None
    token = auth.current_token()
    outcome = state.run_in_session(lambda session: resume(session, token=token))
    return outcome.account is not None and outcome.account.account_id == state.signed_in_account_id()


class CardForm(VersionedForm):
    """A versioned form in a card: a save reruns the card alone (see rerun_after_save)."""

    def rerun_after_save(self) -> None:
        rerun_after_save()


def _submit_key(return_id: int, step: str, label: str) -> str:
    return f"FormSubmitter:r{return_id}_{step}_form-{label}"


def _refused_key(return_id: int) -> str:
    return f"r{return_id}_refused_step"


def _put_away_key(return_id: int) -> str:
    return f"r{return_id}_put_away"


def _drawn_key(return_id: int) -> str:
    return f"r{return_id}_forms_drawn"


def _sent_form(return_id: int) -> tuple[str, str] | None:
    """The step form of this card sent on this run (its name and the label of the button pressed), else the one whose
    save over a step recorded meanwhile was refused and is still shown (until saved or put away)."""
    if st.session_state.get(_put_away_key(return_id)):
        refused_step = st.session_state.pop(_refused_key(return_id), None)
        if isinstance(refused_step, tuple):  # drop that form's typing (and its base and version), no other form's
            prefix = f"r{return_id}_{refused_step[0]}_"
            for key in [k for k in st.session_state if str(k).startswith(prefix)]:
                del st.session_state[key]
        return None
    for step, labels in CARD_FORM_BUTTONS.items():
        for label in labels:
            if st.session_state.get(_submit_key(return_id, step, label)):
                return step, label
    refused = st.session_state.get(_refused_key(return_id))
    return (refused[0], refused[1]) if isinstance(refused, tuple) else None


def _form(return_id: int, step: str, saved: Mapping[str, Any], version: int) -> CardForm:
    """The versioned form of one step of one return, filled from `saved` unless the user has typed over it. A form
    drawn although its step is no longer the return's next (`late_form`) keeps the version its typing started
    from, so that its save is refused as stale, never silently dropped."""
    form = CardForm(prefix=f"r{return_id}_{step}_", fields=list(saved))
    late = st.session_state.get(_drawn_key(return_id))
    form.sync(version=version, saved=saved, hold=isinstance(late, dict) and late.get("late") == step)
    if isinstance(late, dict):
        late.setdefault("drawn", set()).add(step)
    return form


def _save(form: CardForm, return_id: int, fn: Callable[..., Any], success: str, *,
          describe_saved: Callable[[Mapping[str, Any]], str] | None = None, **kwargs: Any) -> None:
    """Save one step against the version its typing started from (ui.forms.VersionedForm). A second identical
    save (a double click) is not sent again. A form drawn late (its step recorded meanwhile by someone else) that
    is refused stays on the card with what was typed, until saved or put away."""
    fingerprint = (fn.__name__, return_id, repr(sorted(kwargs.items())))
    if already_saved(SAVES_SCOPE, fingerprint):
        st.info("That was already saved; it was not saved twice.", icon=":material/info:")
        return
    drawn = st.session_state.get(_drawn_key(return_id))
    late = isinstance(drawn, dict) and drawn.get("late") is not None and form.prefix.endswith(f"_{drawn['late']}_")
    kept = ("What you typed is kept below, beside what was saved: that step is already recorded, so check the card "
            "and put your typing away when done.") if late else \
        "What you typed is still in the form: saving again replaces their values."
    remember_saved(SAVES_SCOPE, fingerprint)
    refused = st.session_state.pop(_refused_key(return_id), None)
    form.save(fn, success=success, describe_saved=describe_saved, kept=kept, return_id=return_id, **kwargs)
    # Reached only when the save was refused (a saved one reruns): the same values may be sent again.
    remember_saved(SAVES_SCOPE, None)
    if late and isinstance(drawn, dict):
        st.session_state[_refused_key(return_id)] = (drawn["late"], drawn.get("label") or "")
    elif refused is not None:
        st.session_state[_refused_key(return_id)] = refused


def read_email(email: ReadyEmail, agency_name: str, *, title: str = "Read the email") -> None:
    """The email as text under its link: To, Cc (the agency's JCR Group representative), Subject and body."""
    if not email.to:
        st.caption(f"No contact email is held for {md_text(agency_name)}: ask an administrator to add one.")
    cc = f"\nCc: {email.cc} (JCR Group representative)" if email.cc else ""
    with st.expander(title):
        st.code(f"To: {email.to or '(no address held)'}{cc}\nSubject: {email.subject}\n\n{email.body}",
                language=None, wrap_lines=True)


def chase_controls(status: ReturnStatus, *, as_of: date, can_write: bool, key_prefix: str,
                   email: ReadyEmail | None = None) -> None:
    """The ready email (a mailto link, read here unless given) and, for writers, the button that logs the chase."""
    if email is None:
        email = state.read(chase_email, return_id=status.ret.id, as_of=as_of)
    c1, c2 = st.columns([1, 1])
    c1.link_button(f"Email {md_text(status.agency_name)}", email.mailto, icon=":material/mail:")
    chased = can_write and c2.button("Log that I chased", key=f"{key_prefix}_chased_{status.ret.id}",
                                     icon=":material/history_edu:")
    if chased and state.act(record_chase, return_id=status.ret.id, as_of=as_of) is not None:
        flash(f"Chase of {md_text(status.agency_name)} logged.")
        rerun_after_save()
    send = can_write and bool(email.to) and mail_is_on() and c1.button(
        "Send it from the tracker", icon=":material/send:", key=f"{key_prefix}_send_{status.ret.id}")
    if send and state.act(email_agency_about_return, return_id=status.ret.id, as_of=as_of) is not None:
        flash(f"Email to {md_text(status.agency_name)} queued: it goes out on the next mail run and is logged when "
              "sent.")
        rerun_after_save()
    read_email(email, status.agency_name)


def _done_line(s: ReturnStatus) -> str:
    """The steps done, as a short line of dates."""
    ret = s.ret
    done = [f"sent {fmt_date(ret.requested_date)}"]
    if ret.received_date:
        done.append(f"received {fmt_date(ret.received_date)} ({first_receipt_signature(ret)})")
    if ret.send_backs:
        done.append(f"sent back {len(ret.send_backs)} time{'s' if len(ret.send_backs) != 1 else ''}")
    if ret.resubmission_received_date:
        signed = signature_words(ret.signed_by_senior_manager, ret.signatory_role)
        done.append(f"resubmitted {fmt_date(ret.resubmission_received_date)} ({signed})")
    if ret.initial_check_date:
        done.append(f"checked {fmt_date(ret.initial_check_date)} ({check_result_label(ret)})")
    if ret.shared_with_chair_date:
        done.append(f"shared with the JCR Chair {fmt_date(ret.shared_with_chair_date)} ({s.shared})")
    if s.stage is Stage.ACCEPTED:
        done.append(f"accepted {fmt_date(ret.final_qa_date)}")
    if ret.file_path:
        done.append(f"filed in {ret.file_section}: {ret.file_path}")
    return "Done: " + " · ".join(done) + "."


def _describe_steps(s: ReturnStatus) -> Callable[[Mapping[str, Any]], str]:
    """What a refused step form shows as saved by someone else: the return's steps as recorded now."""
    def describe(_saved: Mapping[str, Any]) -> str:
        ended = (f"\nClosed as '{s.ret.ended_as}' on {fmt_date(s.ret.ended_on)}: {s.ret.ended_reason or ''}"
                 if s.ret.ended_as is not None else "")
        return f"Stage: {s.stage.value}.\n{_done_line(s)}{ended}"
    return describe


def _receipt_form(s: ReturnStatus, page: CardPage, pressed: str | None = None) -> None:
    ret = s.ret
    resubmission = s.stage is Stage.SENT_BACK if pressed is None else pressed == RESUBMISSION_TITLE
    title = RESUBMISSION_TITLE if resubmission else RECEIPT_TITLE
    receipt_form = _form(ret.id, "receipt", {"received_on": page.as_of, "signed": None, "role": ""}, ret.version)
    with st.form(f"r{ret.id}_receipt_form"):
        c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
        received_on = c1.date_input("Date received", format="DD/MM/YYYY", key=receipt_form.key("received_on"))
        signed = c2.radio("Signed by a senior manager?", list(YES_NO), horizontal=True,
                          key=receipt_form.key("signed"))
        role = c3.text_input("Their role (for example Head of Service): a role, not a name",
                             key=receipt_form.key("role"))
        receipt_submitted = st.form_submit_button(title, type="primary")
    if receipt_submitted:
        fn = record_resubmission_received if resubmission else record_return_received
        _save(receipt_form, ret.id, fn,
              f"{'Resubmission' if resubmission else 'Return'} from {md_text(s.agency_name)} recorded as received.",
              describe_saved=_describe_steps(s), received_on=received_on,
              signed_by_senior_manager=YES_NO.get(signed or ""), signatory_role=role,
              as_of=page.as_of)


def _check_form(s: ReturnStatus, page: CardPage) -> None:
    ret = s.ret
    check_form = _form(ret.id, "check", {"checked_on": page.as_of, **dict.fromkeys(CHECK_QUESTIONS),
                                         "outcome": None, "note": ""}, ret.version)
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
        # "All four yes" says signed: offered only for a receipt recorded as signed (one rule per receipt).
        all_yes = bool(ret.signed_by_senior_manager) and b2.form_submit_button(
            "All four yes: record it as satisfactory")
    if check_submitted or all_yes:
        answer_values: dict[str, Any] = (dict.fromkeys(CHECK_QUESTIONS, True) if all_yes
                                         else {k: YES_NO.get(v or "") for k, v in answers.items()})
        _save(check_form, ret.id, record_initial_check, f"Initial check of {md_text(s.agency_name)}'s return recorded.",
              describe_saved=_describe_steps(s), checked_on=checked_on,
              outcome=InitialCheckOutcome.SATISFACTORY if all_yes else outcome, note=note,
              as_of=page.as_of, **answer_values)


def _share_form(s: ReturnStatus, page: CardPage) -> None:
    ret = s.ret
    share_form = _form(ret.id, "share", {"shared_on": page.as_of}, ret.version)
    with st.form(f"r{ret.id}_share_form"):
        c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
        shared_on = c1.date_input("Date shared with the JCR Chair", format="DD/MM/YYYY",
                                  key=share_form.key("shared_on"))
        emailed = mail_is_on() and c2.form_submit_button("Email the JCR Chair a link to it", type="primary",
                                                         icon=":material/forward_to_inbox:")
        share_submitted = c2.form_submit_button("Record shared with the JCR Chair",
                                                type="secondary" if mail_is_on() else "primary")
    if emailed:
        _save(share_form, ret.id, share_return_with_chairs,
              f"{md_text(s.agency_name)}'s return is shared with the JCR Chair: the email with its link (never its "
              "content) is queued, and the share is recorded as of today.",
              describe_saved=_describe_steps(s), as_of=page.as_of)
    elif share_submitted:
        _save(share_form, ret.id, record_shared_with_chair,
              f"{md_text(s.agency_name)}'s return recorded as shared with the JCR Chair.",
              describe_saved=_describe_steps(s), shared_on=shared_on,
              as_of=page.as_of)


def _final_qa_form(s: ReturnStatus, page: CardPage) -> None:
    ret = s.ret
    if not page.is_manager:
        st.info("Waiting for the Partnership Manager's final QA (accept or send back).",
                icon=":material/hourglass_top:")
        return
    qa_form = _form(ret.id, "qa", {"outcome": None, "date": page.as_of, "reason": "", "new_due": None},
                    ret.version)
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
        _save(qa_form, ret.id, record_final_qa, f"{md_text(s.agency_name)}'s return {word}.",
              describe_saved=_describe_steps(s), decided_on=decided_on,
              outcome=decision, reason=reason, new_due_date=new_due, as_of=page.as_of)


def _file_and_summary_forms(s: ReturnStatus, page: CardPage, answered: RoundRead | None = None) -> None:
    """The file location and the report's summary; `answered`: the round accepted, as it came through the agency's
    link, when the summary may start from it (pages/returns_parts/summary_start.py)."""
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
        _save(file_form, ret.id, record_file_location, f"File location of {md_text(s.agency_name)}'s return saved.",
              describe_saved=lambda saved: f"{saved['section']}: {saved['path']}", file_section=section,
              file_path=path)
    summary_form = _form(ret.id, "summary", {"text": ret.summary or ""}, ret.version)
    put_started_draft(ret.id, summary_form.key("text"))
    may_start = answered is not None and s.stage is Stage.ACCEPTED and not ret.summary
    with right, st.form(f"r{ret.id}_summary_form"):
        st.markdown("**Summary of involvement and learning** (feeds the report)")
        summary = st.text_area("Summary", key=summary_form.key("text"), height=140,
                               help=free_text_help(MAX_SUMMARY_CHARS), placeholder=FREE_TEXT_REMINDER)
        summary_submitted = st.form_submit_button("Save the summary")
        start = may_start and st.form_submit_button(START_LABEL, icon=":material/edit_note:")
    if start and answered is not None:
        start_summary(ret.id, summary, answered, rerun=rerun_after_save)
    if summary_submitted:
        _save(summary_form, ret.id, record_summary, f"Summary for {md_text(s.agency_name)} saved.",
              describe_saved=lambda saved: saved["text"], summary=summary)


def _ending_form(s: ReturnStatus, page: CardPage) -> None:
    ret = s.ret
    ending_form = _form(ret.id, "ending", {"ending": None, "on": None, "reason": "", "no_chase": ""}, ret.version)
    with st.form(f"r{ret.id}_ending_form"):
        st.markdown("**Close without a receipt: no return, or withdrawn** (Partnership Manager)")
        st.caption("'No return': the agency did not respond by its due date, after chasing (the board counts it "
                   "late). 'Withdrawn': the agency was asked in error (left out of the board's figures). The "
                   "report says so for this agency; the chases and the log stay. Logged.")
        ending = st.radio("How the return ends", list(ReturnEnding), index=None, horizontal=True,
                          key=ending_form.key("ending"))
        ended_on = st.date_input("Date closed", format="DD/MM/YYYY", key=ending_form.key("on"))
        ending_reason = st.text_input("Reason", key=ending_form.key("reason"), help=free_text_help(MAX_NOTE_CHARS))
        no_chase = ""
        if not ret.chases:
            no_chase = st.text_input("No chase is on record: why none was possible (for 'no return')",
                                     key=ending_form.key("no_chase"), help=free_text_help(MAX_NOTE_CHARS))
        end_submitted = st.form_submit_button("Close the return")
    if end_submitted:
        _save(ending_form, ret.id, close_return_without_receipt,
              f"The return from {md_text(s.agency_name)} is closed as '{md_text(ending)}'.",
              describe_saved=_describe_steps(s), ending=ending, ended_on=ended_on,
              reason=ending_reason, no_chase_reason=no_chase, as_of=page.as_of)


def _agreed_form(s: ReturnStatus, page: CardPage) -> None:
    ret = s.ret
    agreed_form = _form(ret.id, "agreed", {"on": ret.agreed_due_date, "reason": ""}, ret.version)
    with st.form(f"r{ret.id}_agreed_form"):
        st.markdown("**Agreed due date** (Partnership Manager)")
        st.caption("A date agreed with the agency replaces the plan date of this round for the RAG, the "
                   "worklist and the chase email; a send-back sets its own new due date and clears it. Logged.")
        agreed_on = st.date_input("Agreed due date", format="DD/MM/YYYY", key=agreed_form.key("on"),
                                  min_value=ret.requested_date)
        agreed_reason = st.text_input("Reason (for example 'later date agreed with the agency')",
                                      key=agreed_form.key("reason"), help=free_text_help(MAX_NOTE_CHARS))
        a1, a2 = st.columns(2)
        agree_submitted = a1.form_submit_button("Save the agreed date", type="primary")
        clear_submitted = a2.form_submit_button("Clear the agreed date", disabled=ret.agreed_due_date is None)
    if agree_submitted or clear_submitted:
        new_date = None if clear_submitted else agreed_on
        word = "cleared" if new_date is None else f"set to {fmt_date(new_date)}"
        _save(agreed_form, ret.id, set_return_agreed_date, f"Agreed due date for {md_text(s.agency_name)} {word}.",
              describe_saved=lambda saved: f"Agreed due date: {fmt_date(saved['on'])}",
              agreed_on=new_date, reason=agreed_reason)


def _late_form(s: ReturnStatus, page: CardPage, step: str, label: str) -> None:
    """The step form sent (or refused) although the return has moved past that step since the card was drawn (someone
    else recorded it, or closed the return): drawn again with what was typed, so that its save is refused with a
    sentence and the other person's values beside it, never dropped without a word."""
    drawers: dict[str, Callable[[ReturnStatus, CardPage], None]] = {
        "receipt": lambda s_, p_: _receipt_form(s_, p_, pressed=label), "check": _check_form, "share": _share_form,
        "qa": _final_qa_form, "agreed": _agreed_form, "ending": _ending_form}
    drawn = st.session_state[_drawn_key(s.ret.id)]
    drawn["late"], drawn["label"] = step, label
    with st.container(border=True, key=f"r{s.ret.id}_late_form"):
        st.caption("The step you were saving, as you typed it (it was recorded meanwhile by someone else):")
        drawers[step](s, page)
        st.button("Put my typing away", key=_put_away_key(s.ret.id), icon=":material/delete_sweep:")


NEXT_STEP_FORMS: dict[CardStep, Callable[[ReturnStatus, CardPage], None]] = {
    CardStep.RECEIPT: _receipt_form, CardStep.CHECK: _check_form, CardStep.SHARE: _share_form,
    CardStep.FINAL_QA: _final_qa_form,
}


def _draw_card(s: ReturnStatus, page: CardPage) -> None:  # noqa: C901 - a page's layout: one small branch per step of a return
    """One agency's return: what happens next and by when, the form of that step only, then the steps done as a
    line of dates; the manager's agreed date and closing, the filing and the summary, under 'More'."""
    ret = s.ret
    step = card_step(ret)
    writable = page.writable
    sent = _sent_form(ret.id) if writable else None
    st.session_state[_drawn_key(ret.id)] = {"late": None, "drawn": set()}
    focused = page.focused_return_id == ret.id
    # The card's one line: the RAG (in words), the agency, the stage and when the next step is due.
    fold_key = card_fold(ret.id, open_by_itself=ret.id in page.open_by_itself, sent=sent is not None)
    fold = st.expander(f"{rag_badge(s.rag)} **{md_text(s.agency_name)}**: {s.stage.value}"
                       + (f" · next step due {fmt_date(s.action_due)}"
                          if s.action_due is not None and s.stage not in CLOSED_STAGES else ""),
                       key=fold_key, on_change="rerun")
    if not fold.open:
        return
    with fold, st.container(key=f"card_{ret.id}"):
        show_flashes()  # a save that reran this card alone says so here (one that reran the page, at its top)
        if focused:
            st.caption("The return the link you followed opens:")
        st.markdown(f"**Next:** {md_text(s.what_next)}")
        if ret.agreed_due_date is not None:
            st.caption(md_text(f"Plan date {fmt_date(ret.resubmission_due_date or s.due_date)}; agreed due date "
                               f"{fmt_date(ret.agreed_due_date)}: {ret.agreed_reason}"))
        if ret.ended_as is not None:
            st.info(f"Closed by {md_text(ret.ended_by_name or '')} on {fmt_date(ret.ended_on)} as "
                    f"'{md_text(ret.ended_as)}'. Reason: {md_text(ret.ended_reason or '')}", icon=":material/block:")
        exchange = exchange_section(ret.id, s.agency_name, as_of=page.as_of, writable=writable,
                                    owed=s.stage in (Stage.AWAITING, Stage.SENT_BACK), rerun=rerun_after_save,
                                    focused=focused)
        answered = exchange.answered_round(ret.sent_back_count + 1) if exchange is not None else None
        if writable and s.stage is Stage.SENT_BACK:
            back_email = state.read(send_back_email, return_id=ret.id)
            st.link_button(f"Email the send-back to {md_text(s.agency_name)}", back_email.mailto,
                           icon=":material/forward_to_inbox:")
            read_email(back_email, s.agency_name, title="Read the send-back email")
        if writable and step is CardStep.RECEIPT:
            chase_controls(s, as_of=page.as_of, can_write=True, key_prefix="checklist")
        if writable and step is CardStep.FILING:
            _file_and_summary_forms(s, page, answered)
        elif writable and step in NEXT_STEP_FORMS:
            NEXT_STEP_FORMS[step](s, page)
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
                row_height=86,  # four lines: a reason wraps in full in a card at 1280 px with the menu open
                column_config={"Round": st.column_config.NumberColumn(width=60),
                               "Sent back": st.column_config.DateColumn(format=DATE_FORMAT, width=115),
                               "Reason": st.column_config.TextColumn(width=290),
                               "New due date": st.column_config.DateColumn(format=DATE_FORMAT, width=115),
                               "By": st.column_config.TextColumn(width=160)},
            )
        more_manager = page.is_manager and s.stage not in CLOSED_STAGES
        more_filing = ret.received_date is not None and step is not CardStep.FILING
        if writable and (more_manager or more_filing):
            with st.expander("More: " + ", ".join(
                    (["agreed due date", "close without a receipt"] if more_manager else [])
                    + (["file location and summary"] if more_filing else []))):
                if more_manager:
                    _agreed_form(s, page)
                    _ending_form(s, page)
                if more_filing:
                    _file_and_summary_forms(s, page, answered)
        if sent is not None and sent[0] not in st.session_state[_drawn_key(ret.id)]["drawn"]:
            _late_form(s, page, *sent)


def _card_as_read_now(drawn: ReturnStatus, page: CardPage) -> ReturnStatus:
    """On a card rerun alone: the return as it stands now. After a save in the card, the page reruns instead when
    it no longer tells the truth about the return; and whenever the sign-in session has ended, for app.py to say
    so. (Before a save, a change made by someone else is not a reason: the click being handled would be lost.)"""
    saved = st.session_state.pop(CARD_SAVED_KEY, False)
    restore_typing()  # what was typed while the database could not be reached goes back into the form
    if not _still_signed_in():
        st.rerun(scope="app")
    now = next((s for s in state.read(list_returns, review_id=page.review_id, as_of=page.as_of)
                if s.ret.id == drawn.ret.id), None)
    if now is None or (saved and outside_view(now, page) != outside_view(drawn, page)):
        st.rerun(scope="app")
    return now


@st.fragment
def return_card(drawn: ReturnStatus, page: CardPage) -> None:
    """One agency's return as a card that reruns alone (see the module's docstring). `drawn` is the return as the
    page read it on its last run."""

    def run() -> None:
        _draw_card(_card_as_read_now(drawn, page) if _card_rerun() else drawn, page)

    run_safely(run)
