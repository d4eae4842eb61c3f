"""The Rapid Review report of one review: write its sections, preview it, download it as Word, and take it
through the JCR Chair's sign-off to the National Panel. Every generated file is kept as a version."""
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from db.enums import Role
from services.clock import LONDON
from services.permissions import may
from services.report import (
    AGENCY_TABLE_COLUMNS,
    APPENDIX,
    MAX_REASON_CHARS,
    MAX_SECTION_CHARS,
    MILESTONE_TABLE_COLUMNS,
    SECTIONS,
    STATE_LABELS,
    WRITABLE_KEYS,
    agency_table_rows,
    get_report,
    get_version_file,
    make_draft,
    milestone_table_rows,
    paragraphs_of,
    record_lcspr_decision,
    record_responses,
    record_sign_off_given_outside,
    report_markdown,
    save_section,
    send_to_chair,
    set_ofsted_required,
    sign_off,
    submit_to_panel,
    withdraw_sign_off,
)
from services.reviews import list_reviews
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import VersionedForm, already_saved, remember_saved
from ui.gate import require_page
from ui.links import review_links
from ui.navigation import link_target
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, free_text_help, md_text, no_autolinks, review_picker

YES_NO = {"yes": True, "no": False}
SAVES_SCOPE = "rp_saves"

require_page("report")

RESET_KEY = "rp_reset"
# Widget values to set before the widgets are drawn (after a save: the browser then shows them too).
for key, value in st.session_state.pop(RESET_KEY, {}).items():
    st.session_state[key] = value

as_of = state.today()
roles = state.signed_in_roles()
can_send = may(roles, send_to_chair)
is_chair = Role.CHAIR in roles
is_manager = Role.MANAGER in roles

reviews = state.read_by_review(list_reviews)  # every review, for the picker: a write reads its review again
st.title("Report")
if not reviews:
    st.info("There are no reviews yet. Open one from the Live reviews page.")
    st.stop()
review_id = review_picker(reviews, key="rp_review_pick")
review_links(review_id, here="report")

view = state.read(get_report, review_id=review_id, as_of=as_of)
review = view.review
p = f"rp{review.id}_"

show_flashes()

st.markdown(f"### Rapid Review report {md_text(review.case_reference)}")
st.markdown(f"**{md_text(view.stage_text)}** Next: {md_text(view.next_step)}")
if view.missing:
    st.warning(
        "Not written yet — the Word file marks these \"[This section has not been written yet]\" and the JCR Chair "
        "cannot sign off until they are done:\n"
        + "\n".join(f"- **{s.number}. {md_text(s.title)}**: {md_text(why)}" for s, why in view.missing),
        icon=":material/edit_note:",
    )


def _reset_next_run(values: Mapping[str, object]) -> None:
    st.session_state[RESET_KEY] = {**st.session_state.get(RESET_KEY, {}), **values}


def _made(version_id: int) -> None:
    """A new version: offer it for download, and pick it in the versions list."""
    st.session_state[p + "ready"] = version_id
    _reset_next_run({p + "version_pick": version_id})


def _done(message: str, values: Mapping[str, object] | None = None) -> None:
    flash(message)
    if values:
        _reset_next_run(values)
    st.rerun()


def _save_once(form: VersionedForm, fn: Callable[..., Any], success: str,
               describe_saved: Callable[[Mapping[str, Any]], str], **kwargs: Any) -> None:
    """Save through the versioned form; the same save sent again (a double click) is not sent twice."""
    fingerprint = (fn.__name__, form.prefix, repr(sorted(kwargs.items())))
    if already_saved(SAVES_SCOPE, fingerprint):
        st.info("That was already saved; it was not saved twice.", icon=":material/info:")
        return
    remember_saved(SAVES_SCOPE, fingerprint)
    form.save(fn, success=success, describe_saved=describe_saved, **kwargs)
    remember_saved(SAVES_SCOPE, None)  # reached only when refused: the same values may be sent again


def _describe_section(last_changed: str) -> Callable[[Mapping[str, Any]], str]:
    def describe(saved: Mapping[str, Any]) -> str:
        return f"{last_changed}\n\n{saved['text'] or '(empty)'}"
    return describe


def _describe_lcspr(saved: Mapping[str, Any]) -> str:
    return f"Decision: {saved['decision'] or 'not recorded'}\nReasons: {saved['reason'] or '(none)'}"


# Keyed and tracked: after a save (a rerun) the page stays on the tab the person was using.
write_tab, preview_tab, versions_tab = st.tabs(["Write the sections", "Preview", "Word versions and sign-off"],
                                               key="rp_tab", on_change="rerun")

# ---------------------------------------------------------------- write the sections

with write_tab:
    if view.locked:
        st.info("The report was signed off: its text is what the JCR Chair signed and can no longer be changed. "
                "The signed final version is under \"Word versions and sign-off\".", icon=":material/lock:")
    st.caption("Sections 1 and 3 and the appendix are filled from the review's data; the others are written here and "
               "saved one section at a time. " + FREE_TEXT_REMINDER)
    section_forms = {key: VersionedForm(f"{p}s_{key}_", ("text",)) for key in WRITABLE_KEYS}
    for key, form in section_forms.items():
        # Filled from the section as read now; typing is kept, and the save checks the version it started from.
        form.sync(version=view.sections[key].version, saved={"text": view.sections[key].text})
    for section in SECTIONS:
        missing_here = [why for s, why in view.missing if s.key == section.key]
        label = f"{section.heading} · {section.source}" + (" · not complete" if missing_here else "")
        unsaved = section.key in section_forms and \
            st.session_state.get(section_forms[section.key].key("text")) != view.sections[section.key].text
        with st.expander(label, expanded=unsaved,
                         key=p + f"open_{section.key}"):
            if section.guidance:
                st.caption(section.guidance)
            if section.key == "case_details":
                st.dataframe(pd.DataFrame(view.content.case_details, columns=["Item", "Detail"]), hide_index=True,
                             width="stretch", key=f"{p}case_details")
                st.caption("From the review's record: correct dates on the Review page.")
                continue
            if section.key == "agency_involvement":
                if not view.content.agencies:
                    st.caption("No agency has been sent a scoping form yet.")
                for part in view.content.agencies:
                    written = bool(paragraphs_of(part.summary))
                    st.markdown(f"**{md_text(part.agency)}**: {md_text(part.dates_sentence)}"
                                + ("" if written else " *No summary written yet.*"))
                st.page_link(link_target("returns"),
                             label="Write or change an agency's summary on the Agency returns page",
                             icon=":material/assignment_turned_in:", query_params={"review": str(review.id)})
                continue
            if section.key == "lcspr_decision":
                decision_word = {True: "yes", False: "no", None: None}[review.lcspr_decision]
                lcspr = VersionedForm(p + "lcspr_", ("decision", "reason"))
                # Filled from the review as read now; what was typed is kept, and the save checks the version the
                # typing started from (the review's: another change to the review asks to check and save again).
                lcspr.sync(version=review.version,
                           saved={"decision": decision_word, "reason": review.lcspr_reason or ""})
                with st.form(lcspr.key("form")):
                    st.markdown("**The LCSPR decision** (from the Rapid Review meeting)")
                    answer = st.radio("Is a Local Child Safeguarding Practice Review to be carried out?", ["yes", "no"],
                                      index=None, horizontal=True, key=lcspr.key("decision"), disabled=view.locked)
                    reason = st.text_area("Reasons", key=lcspr.key("reason"), height=100,
                                          help=free_text_help(MAX_REASON_CHARS), placeholder=FREE_TEXT_REMINDER,
                                          disabled=view.locked)
                    lcspr_saved = st.form_submit_button("Save the LCSPR decision", disabled=view.locked)
                if lcspr_saved:
                    _save_once(lcspr, record_lcspr_decision, "LCSPR decision saved.", _describe_lcspr,
                               review_id=review.id, decision=YES_NO.get(answer or ""), reason=reason)
            if section.key == "sign_off":
                st.markdown("**JCR Chair:** " + (
                    md_text(view.sign_off.words) if view.sign_off
                    else "not signed off yet (the Chair signs under \"Word versions and sign-off\")"))

            saved = view.sections[section.key]
            form = section_forms[section.key]
            with st.form(form.key("form")):
                st.caption(md_text(saved.last_changed))
                typed = st.text_area(
                    "Issues of national importance" if section.key == "lcspr_decision" else
                    "Statutory partners' quality assurance" if section.key == "sign_off"
                    else f"Section {section.number}",
                    key=form.key("text"), height=220, help=free_text_help(MAX_SECTION_CHARS),
                    placeholder=FREE_TEXT_REMINDER, disabled=view.locked,
                )
                st.caption("A line starting with \"- \" becomes a bullet point in the Word file. " + FREE_TEXT_REMINDER)
                submitted = st.form_submit_button(f"Save section {section.number}", type="primary",
                                                  disabled=view.locked)
            if submitted:
                _save_once(form, save_section, f"Section {section.number} saved.",
                           _describe_section(saved.last_changed),
                           review_id=review.id, section_key=section.key, text=typed)

    with st.expander(f"{APPENDIX.heading} · {APPENDIX.source}"):
        st.caption(APPENDIX.guidance)
        if view.content.agencies:
            st.dataframe(pd.DataFrame(agency_table_rows(view.content), columns=list(AGENCY_TABLE_COLUMNS)),
                         hide_index=True, width="stretch", key=f"{p}appendix_agencies")
        st.dataframe(pd.DataFrame(milestone_table_rows(view.content), columns=list(MILESTONE_TABLE_COLUMNS)),
                     hide_index=True, width="stretch", key=f"{p}appendix_milestones")

# ---------------------------------------------------------------- preview

with preview_tab:
    st.caption("The report as the Word file will show it, from what is saved now (unsaved typing is not included).")
    with st.container(border=True):
        st.markdown(no_autolinks(report_markdown(view.content)))

# ---------------------------------------------------------------- versions, sign-off and submission

with versions_tab:
    st.caption("Every Word file made here is kept as a version, byte for byte: any version downloads exactly as it "
               "was made. Sending to the JCR Chair, the Chair's sign-off and the submission each make a version and "
               "complete their milestone.")
    ready_key = p + "ready"
    if not view.locked:
        if st.button("Make a Word draft of the report", icon=":material/description:", key=p + "make_draft",
                     type="primary"):
            made = state.act(make_draft, review_id=review.id, as_of=as_of)
            if made is not None:
                _made(made.version.id)
                word = "made" if made.new else "is unchanged: nothing has changed since it was made"
                _done(f"Draft version {made.version.number} {word}. Download it below.")
    ready = st.session_state.get(ready_key)
    if ready and any(v.id == ready for v in view.versions):
        ready_version = next(v for v in view.versions if v.id == ready)
        file = state.read(get_version_file, version_id=ready_version.id)
        label = f"Download version {ready_version.number} ({STATE_LABELS[ready_version.state]}) as Word"
        st.download_button(label, file.data,
                           file_name=file.file_name, mime=file.mime, key=p + "download_ready",
                           icon=":material/download:", on_click="ignore", type="primary")
        if view.missing:
            st.caption(f"{len(view.missing)} part(s) are not written yet: the file marks them "
                       "\"[This section has not been written yet]\".")

    stage = view.stage
    if stage in ("draft", "with_chair") and can_send:
        with st.form(p + "send_form"):
            st.markdown("**Send to the JCR Chair**" + (" again, after amendments" if view.sent else ""))
            sent_on = st.date_input("Date sent", value=as_of, format="DD/MM/YYYY", key=p + "sent_on")
            send = st.form_submit_button("Send to the JCR Chair", icon=":material/send:")
        if send:
            version = state.act(send_to_chair, review_id=review.id, sent_on=sent_on, as_of=as_of)
            if version is not None:
                _made(version.id)
                _done(f"Version {version.number} recorded as sent to the JCR Chair on {fmt_date(sent_on)}.")
    if stage == "with_chair":
        if is_chair:
            with st.form(p + "sign_form"):
                st.markdown("**Sign off the report** (JCR Chair)")
                signed_on = st.date_input("Date signed off", value=as_of, format="DD/MM/YYYY", key=p + "signed_on")
                confirm = st.checkbox("I have read the report and sign it off as the final version.",
                                      key=p + "sign_confirm")
                sign = st.form_submit_button("Sign off", type="primary", icon=":material/verified:")
            if sign:
                if not confirm:
                    st.error("Tick the box to confirm you have read the report and sign it off.")
                else:
                    version = state.act(sign_off, review_id=review.id, signed_on=signed_on, as_of=as_of)
                    if version is not None:
                        _made(version.id)
                        _done(f"Signed off: version {version.number} is the signed final version.")
        else:
            st.info("Waiting for the JCR Chair to sign the report off.", icon=":material/hourglass_top:")
        if is_manager:
            with st.form(p + "outside_sign_form"):
                st.markdown("**Record a sign-off given outside the product** (for example the Chair's email): it is "
                            "shown as recorded by you on the Chair's behalf")
                outside_on = st.date_input("Date the Chair signed off", value=as_of, format="DD/MM/YYYY",
                                           key=p + "outside_signed_on")
                outside_chair = st.text_input("The JCR Chair's name", key=p + "outside_chair")
                outside_how = st.text_input("How it was given", key=p + "outside_how",
                                            placeholder="by email to the Partnership Manager")
                record_outside = st.form_submit_button("Record the sign-off", icon=":material/mark_email_read:")
            if record_outside:
                version = state.act(record_sign_off_given_outside, review_id=review.id, signed_on=outside_on,
                                    chair_name=outside_chair, how_given=outside_how, as_of=as_of)
                if version is not None:
                    _made(version.id)
                    _done(f"Sign-off recorded: version {version.number} is the signed final version.")
    if stage == "signed" and (is_manager or is_chair):
        with st.form(p + "withdraw_form"):
            st.markdown("**Withdraw the sign-off** (before submission; the signed version is kept)")
            withdrawn_on = st.date_input("Date withdrawn", value=as_of, format="DD/MM/YYYY", key=p + "withdrawn_on")
            withdraw_reason = st.text_area("Reason", key=p + "withdraw_reason", height=80,
                                           help=free_text_help(MAX_REASON_CHARS))
            withdraw = st.form_submit_button("Withdraw the sign-off", icon=":material/undo:")
        if withdraw and state.act(withdraw_sign_off, review_id=review.id, withdrawn_on=withdrawn_on,
                                  reason=withdraw_reason, as_of=as_of) is not None:
            _done("Sign-off withdrawn: the report can be amended and signed off again.")
    for old_sign in view.withdrawn_sign_offs:
        st.caption(f"Version {old_sign.version_number}: {md_text(old_sign.words)}; withdrawn "
                   f"{fmt_date(old_sign.withdrawn_on)}. Reason: {md_text(old_sign.withdrawn_reason or '')}")
    if stage == "signed":
        if is_manager:
            with st.form(p + "submit_form"):
                st.markdown("**Submit to the National Panel**" + (" and Ofsted" if review.ofsted_required else ""))
                submitted_on = st.date_input("Date submitted to the Panel", value=as_of, format="DD/MM/YYYY",
                                             key=p + "submitted_on")
                ofsted_on = (st.date_input("Date sent to Ofsted", value=as_of, format="DD/MM/YYYY",
                                           key=p + "ofsted_sent_on") if review.ofsted_required else None)
                submit = st.form_submit_button("Record the submission", type="primary", icon=":material/outbox:")
            if submit:
                version = state.act(submit_to_panel, review_id=review.id, submitted_on=submitted_on,
                                    ofsted_sent_on=ofsted_on, as_of=as_of)
                if version is not None:
                    _made(version.id)
                    _done(f"Submitted to the National Panel on {fmt_date(submitted_on)}: version {version.number}.")
        else:
            st.info("Waiting for the Partnership Manager to submit the signed final version to the National Panel.",
                    icon=":material/hourglass_top:")
    if is_manager and stage in ("draft", "with_chair", "signed"):
        ofsted = VersionedForm(p + "ofsted_", ("required",))
        ofsted.sync(version=review.version, saved={"required": review.ofsted_required})
        with st.form(ofsted.key("form")):
            required = st.checkbox("The report goes to Ofsted as well as the National Panel",
                                   key=ofsted.key("required"))
            ofsted_saved = st.form_submit_button("Save")
        if ofsted_saved:
            _save_once(ofsted, set_ofsted_required, "Saved: the report goes to Ofsted too." if required
                       else "Saved: the report does not go to Ofsted.",
                       lambda their: "Goes to Ofsted too." if their["required"] else "Does not go to Ofsted.",
                       review_id=review.id, required=required)
    if view.panel_response is not None:
        st.markdown(f"**The Panel's response:** {md_text(view.panel_response.words)}")
    ofsted_open = review.ofsted_required and review.ofsted_response_date is None
    if is_manager and (stage == "submitted" or (stage == "closed" and ofsted_open)):
        with st.form(p + "response_form"):
            st.markdown("**Record the response**: the Panel's response closes the review"
                        + ("; Ofsted's is recorded whenever it comes" if review.ofsted_required else ""))
            panel_on = agrees = further = None
            panel_notes = ""
            if stage == "submitted":
                panel_on = st.date_input("Date of the Panel's response", value=None, format="DD/MM/YYYY",
                                         key=p + "panel_response_on")
                agrees = st.radio("Does the Panel agree with the LCSPR decision?", ["yes", "no"], index=None,
                                  horizontal=True, key=p + "panel_agrees")
                further = st.radio("Did the Panel ask for further information?", ["yes", "no"], index=None,
                                   horizontal=True, key=p + "panel_further")
                panel_notes = st.text_area("Notes on the Panel's response", key=p + "panel_notes", height=80,
                                           help=free_text_help(MAX_REASON_CHARS))
            ofsted_response = None
            if review.ofsted_required:
                if review.ofsted_response_date:
                    st.caption(f"Ofsted's response: {fmt_date(review.ofsted_response_date)}")
                else:
                    ofsted_response = st.date_input("Date of Ofsted's response", value=None, format="DD/MM/YYYY",
                                                    key=p + "ofsted_response_on")
            respond = st.form_submit_button("Record the response", type="primary")
        if respond:
            if state.act(record_responses, review_id=review.id, panel_response_on=panel_on,
                         agrees_with_lcspr=YES_NO.get(agrees or ""),
                         further_information_asked=YES_NO.get(further or ""),
                         panel_notes=panel_notes, ofsted_response_on=ofsted_response, as_of=as_of) is not None:
                _done("Response recorded." + (" The review is closed." if panel_on else ""))

    st.markdown("**Versions**")
    if not view.versions:
        st.caption("No Word file has been made yet.")
    else:
        table = pd.DataFrame([
            {
                "Version": v.number,
                "State": STATE_LABELS[v.state],
                "Date of the step": v.step_date,
                "Made by": v.created_by_name,
                "Made at (UK)": f"{v.created_at.astimezone(LONDON):%a %d %b %Y %H:%M}",
                "Size (KB)": round(v.size_bytes / 1024, 1),
                "SHA-256": v.sha256[:12],
                "File": v.file_name,
            }
            for v in reversed(view.versions)
        ])
        st.dataframe(table, hide_index=True, width="stretch", key=p + "versions_table", placeholder="—",
                     column_config={"Date of the step": st.column_config.DateColumn(format="ddd D MMM YYYY")})
        numbers = {v.id: v for v in view.versions}
        chosen = st.selectbox("Download a version", list(reversed(list(numbers))), key=p + "version_pick",
                              format_func=lambda i: f"Version {numbers[i].number}: {STATE_LABELS[numbers[i].state]}")
        file = state.read(get_version_file, version_id=chosen)
        st.download_button(f"Download version {numbers[chosen].number}", file.data, file_name=file.file_name,
                           mime=file.mime, key=p + "download_version", icon=":material/download:", on_click="ignore")
