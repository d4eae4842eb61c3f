"""One review: its dates, SIN timeliness, milestones with RAG, and forms to record progress."""
from collections.abc import Mapping
from typing import Any

import streamlit as st

from db.enums import ReviewState, Role
from pages.review_parts.briefing import briefing_part
from pages.review_parts.case_folder import case_folder_part
from pages.review_parts.lcspr import lcspr_part
from pages.review_parts.recommendations import recommendations_part
from pages.review_parts.themes import themes_part
from services.calendar_feed import calendar_file_name, review_calendar_file
from services.clock import LONDON
from services.integrity import HISTORY_SHOWN, review_history
from services.meetings import MEETING_MILESTONES
from services.milestones import DECISION_KEY, EVIDENCE_OF, OUTSIDE_NOTE_PREFIX, OUTSIDE_WORDS, REPORT_MILESTONES
from services.outside import outside_reference
from services.permissions import may
from services.plan import exec_meeting_words, not_applying_words
from services.rag import Rag
from services.reviews import (
    DATES_KEPT_BY_THE_REPORT,
    MAX_CHILDREN,
    NOT_KNOWN_HELP,
    NOT_KNOWN_YET,
    NOTIFICATION_TYPE_LABELS,
    WITHDRAWAL_REASON_LABELS,
    ChildEntry,
    MilestoneRead,
    MilestoneStatus,
    correct_milestone_date,
    correct_review_facts,
    delegate_milestone,
    get_review_status,
    list_date_corrections,
    list_delegates,
    list_reviews,
    putting_right,
    record_milestone_done,
    set_agreed_date,
    update_review_dates,
    withdraw_review,
)
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import VersionedForm
from ui.gate import require_page
from ui.links import review_links
from ui.navigation import link_target
from ui.style import wrapping_table
from ui.widgets import (
    FREE_TEXT_REMINDER,
    fmt_date,
    folded,
    md_sentence,
    md_text,
    rag_badge,
    review_picker,
    short_date,
)

roles = require_page("review")

as_of = state.today()
reviews = state.read_by_review(list_reviews)  # every review, for the picker: a write reads its review again
if not reviews:
    st.title("Review")
    st.info("There are no reviews yet. Open one from the Live reviews page.")
    st.stop()

picked = review_picker(reviews, key="review_pick")
review_links(picked, here="review")

# The same for every case reader: shared in this process until this review (or the partnership's settings) changes
# (ui.state.read_for_review).
status = state.read_for_review(get_review_status, review_id=picked, as_of=as_of)
review = status.review
is_open = review.state == ReviewState.OPEN
# A withdrawn review is kept as it was: like a closed one, no form writes to it.
is_closed = review.state in (ReviewState.CLOSED, ReviewState.WITHDRAWN)

show_flashes()

st.title(f"Review {review.case_reference}")
# Open: its RAG; submitted: awaiting the Panel; closed: CLOSED, with what is still outstanding (Ofsted's reply).
OFSTED_OUTSTANDING = " · **outstanding: Ofsted's response**"
ofsted_awaited = is_closed and review.ofsted_required and review.ofsted_response_date is None
st.markdown(
    f"{rag_badge(status.status_label if is_open else review.state)}{OFSTED_OUTSTANDING if ofsted_awaited else ''} "
    f"**{status.progress}** · "
    f"{NOTIFICATION_TYPE_LABELS[review.notification_type]} · children: "
    + ", ".join(f"{c.initials} (age {c.age_years})" for c in review.children),
)
# Withdrawn, corrected: read only when there is something to show (most reviews have neither).
put_right = (state.read_for_review(putting_right, review_id=review.id)
             if review.withdrawn or review.former_references or review.version > 1 else None)
if review.withdrawn and put_right is not None:
    reason = WITHDRAWAL_REASON_LABELS.get(review.withdrawn_reason or "", review.withdrawn_reason or "")
    st.error(f"**WITHDRAWN** on {fmt_date(review.withdrawn_on)} by {md_text(put_right.withdrawn_by_name or 'unknown')}"
             f". Reason: {md_text(reason)}." + (f" Note: {md_text(review.withdrawn_note)}" if review.withdrawn_note
                                                  else "")
             + " It is kept as it was, with its log; it is on no live list, feed or digest and in no board figure "
             "but its own count.", icon=":material/block:")
if review.former_references:
    st.caption("Former case references (still findable): "
               + ", ".join(md_text(old) for old in review.former_references))

left, right = st.columns(2)
with left:
    st.subheader("Dates")
    st.markdown(
        f"""
| Date of | When |
|---|---|
| Incident | {fmt_date(review.incident_date, blank=NOT_KNOWN_YET)} |
| CSC became aware | {fmt_date(review.csc_aware_date, blank=NOT_KNOWN_YET)} |
| SIN submitted by CSC | {fmt_date(review.sin_submitted_date)} |
| SIN due (5 working days from CSC awareness) | {fmt_date(status.sin_due_date)}: **{status.sin_timeliness}** |
| Notification received by the Partnership | {fmt_date(review.notification_received_date)} |
| Day 1 | {fmt_date(status.day_one)} |
| Review due (end of Day 15) | **{fmt_date(status.due_date)}** |
| Submitted to the National Panel | {fmt_date(review.submitted_to_panel_date)} |
| Panel response | {fmt_date(review.panel_response_date)} |
"""
    )
    if not is_closed and (review.incident_date is None or review.csc_aware_date is None):
        st.info("The incident date or the date CSC became aware is not known yet. Record it under \"Correct the "
                "review's dates\" below when it is known: both are required before the report is signed off.",
                icon=":material/event_busy:")
with right:
    st.subheader("Where it stands")
    st.metric("Working days left to Day 15", status.working_days_left if is_open else "—")
    if status.next_milestone:
        m = status.next_milestone
        st.write(f"Next: **{md_text(m.title)}**, due {fmt_date(m.effective_due_date)}")
    st.write(f"Executive findings meeting with the AD/DCS: {md_text(exec_meeting_words(review))}")
    st.download_button("Add its deadlines to my calendar (.ics)",
                       state.read_later(review_calendar_file, review_id=review.id),  # built when clicked
                       file_name=calendar_file_name(review.case_reference, review.id), mime="text/calendar",
                       icon=":material/calendar_month:", key="review_ics")
    st.caption(f"In calendars and email subjects: Rapid Review {outside_reference(review.case_reference, review.id)}")

if status.why:
    st.subheader(f"Why it is {status.status_label}")
    where = {"review": "on this page", "returns": "Agency returns", "meetings": "Meetings", "report": "Report"}
    for item in status.why:
        c_item, c_link = st.columns([4, 1], vertical_alignment="center")
        c_item.markdown(f"{rag_badge(item.rag)} {md_text(item.label)}")
        c_link.page_link(link_target(item.page), label=where[item.page], icon=":material/arrow_forward:",
                         query_params={"review": str(review.id)})

st.subheader("Milestones")


def _due(milestone: MilestoneRead) -> str:
    plan = short_date(milestone.due_date) if milestone.due_date else "—"
    return f"{plan}, agreed {short_date(milestone.agreed_due_date)}" if milestone.agreed_due_date else plan


def _done(milestone: MilestoneRead) -> str:
    if milestone.done_date is None:
        return "—"
    by = f" by {milestone.done_by_name}" if milestone.done_by_name else ""
    outside = f", {OUTSIDE_WORDS}" if (milestone.note or "").startswith(OUTSIDE_NOTE_PREFIX) else ""
    return short_date(milestone.done_date) + by + outside


def _owner(milestone: MilestoneRead) -> str:
    delegated = f", delegated to {milestone.delegated_to_name}" if milestone.delegated_to_name else ""
    return milestone.owner + delegated


def _note(milestone: MilestoneRead) -> str:
    agreed = f"Agreed: {milestone.agreed_reason}" if milestone.agreed_reason else ""
    return "; ".join(part for part in (milestone.note, agreed) if part) or "—"


def _status_words(s: MilestoneStatus) -> Rag | str:
    """The status badge's words: a step the Day 1 decision has not settled reads 'not decided yet' (never 'not
    needed' before the Chair decides)."""
    if s.rag is Rag.NOT_NEEDED:
        return not_applying_words(review, s.milestone) or s.rag
    return "optional" if s.milestone.optional and s.rag is not Rag.COMPLETE else s.rag


# A table whose cells wrap (not a grid drawn on a canvas): every column and every word of a note show at 1280 px
# with the menu open; on a phone, one card per milestone. Cells are Markdown: every text goes through md_text, and
# the status is a coloured badge that says it in words.
milestone_rows = [
    {
        "Milestone": md_text(s.milestone.title + (" (optional)" if s.milestone.optional else "")),
        "Status": rag_badge(_status_words(s)),
        "Window": md_text(s.window),
        "Due": _due(s.milestone),
        "Done": md_text(_done(s.milestone)),
        "Owner": md_text(_owner(s.milestone)),
        "Note": md_text(_note(s.milestone)),
    }
    for s in status.milestones
]
wrapping_table(milestone_rows, key="milestones")

corrections = state.read_for_review(list_date_corrections, review_id=review.id)
if corrections:
    st.markdown("**Dates of completed steps corrected** (the date recorded first stays in the record)")
    for title in dict.fromkeys(c.milestone_title for c in corrections):
        st.markdown(f"*{md_text(title)}*\n" + "\n".join(
            f"- done {fmt_date(c.new_done_date)}, not {fmt_date(c.old_done_date)}: corrected by "
            f"{md_text(c.corrected_by_name)} on {c.corrected_at.astimezone(LONDON):%a %d %b %Y %H:%M}. "
            f"Reason: {md_text(c.reason)}"
            for c in corrections if c.milestone_title == title))

lcspr_part(review.id, as_of, state.signed_in_roles())

done_milestones = [s.milestone for s in status.milestones
                   if s.milestone.done_date is not None and s.milestone.key not in DATES_KEPT_BY_THE_REPORT]
if done_milestones and Role.MANAGER in state.signed_in_roles():
    done_titles = {m.id: m.title for m in done_milestones}

    def _done_title(milestone_id: object) -> str:
        # Total: the browser may send back a step no longer listed.
        return done_titles.get(milestone_id, str(milestone_id)) if isinstance(milestone_id, int) else str(milestone_id)

    with (box := folded("Correct the date of a completed step (Partnership Manager)", key="correct_step_open")):
        if box.open:  # drawn only while open
            st.caption("The step's date changes; the date recorded first, the reason and who corrected it are kept "
                       "and logged. A meeting's date moves with its step, and the submission and response dates with "
                       "theirs. The report's own steps (sent to the Chair, signed) keep the dates of their versions.")
            corrected_id = st.selectbox("Completed step", list(done_titles), format_func=_done_title,
                                        key="cm_milestone")
            correcting = next((m for m in done_milestones if m.id == corrected_id), done_milestones[0])
            correct_form = VersionedForm(prefix=f"cm_{correcting.id}_", fields=["on", "reason"])
            correct_form.sync(version=correcting.version, saved={"on": correcting.done_date, "reason": ""})
            with st.form("correct_milestone_date"):
                st.caption(f"Recorded now: done {fmt_date(correcting.done_date)}"
                           + (f" by {md_text(correcting.done_by_name)}" if correcting.done_by_name else "") + ".")
                corrected_on = st.date_input("Correct date", max_value=as_of, format="DD/MM/YYYY",
                                             key=correct_form.key("on"))
                correction_reason = st.text_input("Why the date is corrected", key=correct_form.key("reason"),
                                                  help=FREE_TEXT_REMINDER, placeholder=FREE_TEXT_REMINDER)
                correct_submitted = st.form_submit_button("Correct the date")
            if correct_submitted:
                correct_form.save(
                    correct_milestone_date,
                    success=f"Date corrected for {md_text(correcting.title)}: done {fmt_date(corrected_on)}.",
                    describe_saved=lambda saved: f"Done: {fmt_date(saved['on'])}",
                    milestone_id=correcting.id, corrected_on=corrected_on, reason=correction_reason, as_of=as_of)

open_milestones = [s.milestone for s in status.milestones if s.rag not in (Rag.COMPLETE, Rag.NOT_NEEDED)]
# Meetings and the report's steps are recorded on their own pages, which keep the meeting and the versions.
# Steps with evidence in the product (the requests, the returns, the meetings) complete from it, never by a tick.
recorded_here = [m for m in open_milestones if m.key not in REPORT_MILESTONES | set(MEETING_MILESTONES.values())
                 and m.key not in EVIDENCE_OF]
done_outside_here = [m for m in open_milestones if m.key in EVIDENCE_OF]
if not is_closed and open_milestones:
    st.subheader("Record a milestone done")
    link_meetings, link_report = st.columns(2)
    link_meetings.page_link(link_target("meetings"), label="Meetings and minutes are recorded on the Meetings page",
                            icon=":material/groups:", query_params={"review": str(review.id)})
    link_report.page_link(link_target("report"), label="The report's steps, sign-off and submission: Report page",
                          icon=":material/description:", query_params={"review": str(review.id)})
if not is_closed and recorded_here:
    titles = {m.id: m.title for m in recorded_here}
    with st.form("milestone_done"):
        milestone_id = st.selectbox("Milestone", list(titles), format_func=titles.__getitem__, key="md_milestone")
        done_on = st.date_input("Date done", value=as_of, max_value=as_of, format="DD/MM/YYYY", key="md_date")
        decision = st.radio("For the Day 1 decision only: is an executive findings meeting with the AD/DCS needed?",
                            ["not answered", "yes", "no"], horizontal=True, key="md_decision")
        note = st.text_area("Note (optional)", help=FREE_TEXT_REMINDER, placeholder=FREE_TEXT_REMINDER, key="md_note")
        submitted = st.form_submit_button("Record as done", type="primary")
    if submitted:
        chosen = next(m for m in recorded_here if m.id == milestone_id)
        answer = {"yes": True, "no": False}.get(decision) if chosen.key == DECISION_KEY else None
        if state.act(record_milestone_done, milestone_id=milestone_id, done_on=done_on, note=note, as_of=as_of,
                     exec_meeting_required=answer) is not None:
            flash(f"Recorded: {md_text(chosen.title)}, done {fmt_date(done_on)}.")
            st.rerun()

if not is_closed and done_outside_here and Role.MANAGER in state.signed_in_roles():
    outside_titles = {m.id: m.title for m in done_outside_here}

    def _outside_title(milestone_id: object) -> str:
        # Total: the browser may send back a step no longer open.
        return outside_titles.get(milestone_id, str(milestone_id)) if isinstance(milestone_id, int) \
            else str(milestone_id)

    with (box := folded("Record a step done outside the product (Partnership Manager)", key="outside_open")):
        if box.open:  # drawn only while open
            st.caption("These steps complete themselves from what is recorded in the product (the requests and "
                       "returns on Agency returns, the meetings on Meetings). Where the work really happened outside "
                       "the product, record it here with the reason: it is kept, logged and shown as done outside "
                       "the product.")
            with st.form("milestone_done_outside"):
                outside_id = st.selectbox("Step", list(outside_titles), format_func=_outside_title,
                                          key="mo_milestone")
                outside_on = st.date_input("Date done", value=as_of, max_value=as_of, format="DD/MM/YYYY",
                                           key="mo_date")
                outside_reason = st.text_area("Why it was done outside the product", help=FREE_TEXT_REMINDER,
                                              placeholder=FREE_TEXT_REMINDER, key="mo_reason")
                outside_submitted = st.form_submit_button("Record as done outside the product")
            if outside_submitted:
                outside_step = outside_titles.get(outside_id, "the step") if isinstance(outside_id, int) \
                    else "the step"
                if state.act(record_milestone_done, milestone_id=outside_id, done_on=outside_on, as_of=as_of,
                             done_outside_reason=outside_reason) is not None:
                    flash(f"Recorded: {md_text(outside_step)}, done outside the product on {fmt_date(outside_on)}.")
                    st.rerun()

if not is_closed and open_milestones and Role.MANAGER in state.signed_in_roles():
    by_id = {m.id: m for m in open_milestones}
    open_titles = {m.id: m.title for m in open_milestones}

    def _title(milestone_id: object) -> str:
        # Total: the browser may send back a milestone no longer open (done by someone else meanwhile).
        return open_titles.get(milestone_id, str(milestone_id)) if isinstance(milestone_id, int) else str(milestone_id)

    with (box := folded("Delegate a milestone (Partnership Manager)", key="delegate_open")):
        if box.open:  # drawn only while open
            delegates = {a.id: a.display_name for a in state.read(list_delegates)}
            delegated_id = st.selectbox("Milestone", list(open_titles), format_func=_title, key="dg_milestone")
            delegated = by_id[delegated_id]
            choices = dict(delegates)
            if delegated.delegated_to_id is not None and delegated.delegated_to_id not in choices:
                choices[delegated.delegated_to_id] = delegated.delegated_to_name or "someone no longer active"
            # Saved against the version the choice started from: a delegation saved meanwhile is not overwritten.
            delegate_form = VersionedForm(prefix=f"dg_{delegated.id}_", fields=["account"])
            delegate_form.sync(version=delegated.version, saved={"account": delegated.delegated_to_id})
            with st.form("delegate"):
                delegate_to = st.selectbox(
                    "Delegate to", [None, *choices],
                    format_func=lambda i: ("nobody (take the delegation back)" if i is None
                                           else choices.get(i, str(i))),
                    key=delegate_form.key("account"))
                delegate_submitted = st.form_submit_button("Save the delegation")
            if delegate_submitted:
                delegate_form.save(
                    delegate_milestone, success=f"Delegation saved for {md_text(delegated.title)}.",
                    describe_saved=lambda saved: "Delegated to: " + (
                        choices.get(saved["account"], "someone") if saved["account"] is not None else "nobody"),
                    milestone_id=delegated.id, delegate_to_id=delegate_to)
    with (box := folded("Agree a different date for a milestone (Partnership Manager)", key="agreed_date_open")):
        if box.open:  # drawn only while open
            agreed_id = st.selectbox("Milestone", list(open_titles), format_func=_title, key="ad_milestone")
            agreeing = by_id[agreed_id]
            agreed_form = VersionedForm(prefix=f"ad_{agreeing.id}_", fields=["on", "reason"])
            agreed_form.sync(version=agreeing.version, saved={"on": agreeing.agreed_due_date, "reason": ""})
            with st.form("agreed_date"):
                if agreeing.agreed_due_date is not None:
                    st.caption(f"Agreed now: {fmt_date(agreeing.agreed_due_date)}. "
                               f"Reason: {md_text(agreeing.agreed_reason or '')}")
                agreed_on = st.date_input("Agreed date", format="DD/MM/YYYY", key=agreed_form.key("on"))
                reason = st.text_input("Why (for example: meeting date agreed with the JCR Chair)",
                                       key=agreed_form.key("reason"), help=FREE_TEXT_REMINDER)
                a1, a2 = st.columns(2)
                agreed_submitted = a1.form_submit_button("Save the agreed date")
                clear_submitted = a2.form_submit_button("Clear the agreed date",
                                                        disabled=agreeing.agreed_due_date is None)
            if agreed_submitted and agreed_on is None:
                st.error("Give the agreed date.")
            elif agreed_submitted or clear_submitted:
                new_date = None if clear_submitted else agreed_on
                agreed_form.save(
                    set_agreed_date,
                    success=(f"Agreed date cleared for {md_text(agreeing.title)}." if new_date is None
                             else f"Agreed date saved for {md_text(agreeing.title)}."),
                    describe_saved=lambda saved: f"Agreed date: {fmt_date(saved['on'])}",
                    milestone_id=agreeing.id, agreed_on=new_date, reason=reason)

DATE_FIELDS = {"incident": "Incident", "aware": "CSC became aware", "sin": "SIN submitted",
               "received": "Notification received"}


def _describe_dates(saved: Mapping[str, Any]) -> str:
    return "\n".join(f"{label}: {fmt_date(saved[field])}" for field, label in DATE_FIELDS.items())


if not is_closed and may(roles, update_review_dates):  # the Chair reads the dates but cannot correct them
    # Saved against the version the typing started from: a save by someone else since then is refused, not
    # overwritten, and the typing stays.
    dates_form = VersionedForm(prefix=f"cd_{review.id}_", fields=list(DATE_FIELDS))
    with (box := folded("Correct the review's dates", key="correct_dates_open")):
        if box.open:  # drawn only while open
            dates_form.sync(version=review.version, saved={
                "incident": review.incident_date, "aware": review.csc_aware_date, "sin": review.sin_submitted_date,
                "received": review.notification_received_date})
            st.caption("Due dates are recalculated; milestones already done keep their dates. The case reference "
                       "stays as it was given, because it names the case folder.")
            with st.form("correct_dates"):
                c1, c2 = st.columns(2)
                incident = c1.date_input("Incident date", max_value=as_of, format="DD/MM/YYYY",
                                         key=dates_form.key("incident"), help=NOT_KNOWN_HELP)
                aware = c2.date_input("Date CSC became aware", max_value=as_of, format="DD/MM/YYYY",
                                      key=dates_form.key("aware"), help=NOT_KNOWN_HELP)
                sin = c1.date_input("Date CSC submitted the SIN", max_value=as_of, format="DD/MM/YYYY",
                                    key=dates_form.key("sin"))
                received = c2.date_input("Notification received", max_value=as_of, format="DD/MM/YYYY",
                                         key=dates_form.key("received"))
                dates_submitted = st.form_submit_button("Save dates")
            if dates_submitted:
                dates_form.save(update_review_dates, success="Dates saved; due dates recalculated.",
                                describe_saved=_describe_dates, review_id=review.id, incident_date=incident,
                                csc_aware_date=aware, sin_submitted_date=sin, notification_received_date=received,
                                as_of=as_of)

# ---------------------------------------------------------------- withdraw or correct this review

FACT_LABELS = {"initials": "Initials", "age": "Age", "number of children": "Number of children",
               "notification type": "Notification type", "case reference": "Case reference"}


def _fact_value(fact: str, value: str | None) -> str:
    if value is None:
        return "none"
    return NOTIFICATION_TYPE_LABELS.get(value, value) if fact == "notification type" else value


if put_right is not None and put_right.corrections:
    st.markdown("**Facts corrected** (the old value stays in the record)")
    st.markdown("\n".join(
        "- " + md_text(FACT_LABELS.get(c.fact, c.fact) + (f" of child {c.child_position}" if c.child_position else ""))
        + f": {md_text(_fact_value(c.fact, c.old_value))} → {md_text(_fact_value(c.fact, c.new_value))}, by "
        f"{md_text(c.corrected_by_name)} on {md_text(f'{c.corrected_at.astimezone(LONDON):%a %d %b %Y %H:%M}')}. "
        f"Reason: {md_text(c.reason)}" for c in put_right.corrections))

FACT_FIELDS = ["type", *(f"initials_{i}" for i in range(1, MAX_CHILDREN + 1)),
               *(f"age_{i}" for i in range(1, MAX_CHILDREN + 1)), "reason"]


def _describe_facts(saved: Mapping[str, Any]) -> str:
    kids = [f"{saved[f'initials_{i}']} ({saved[f'age_{i}']})" for i in range(1, MAX_CHILDREN + 1)
            if saved[f"initials_{i}"]]
    return f"Type: {NOTIFICATION_TYPE_LABELS.get(saved['type'], saved['type'])}\nChildren: {', '.join(kids)}"


if not is_closed and may(roles, correct_review_facts):
    with (box := folded("Withdraw or correct this review", key="put_right_open", icon=":material/build:")):
        if box.open:  # drawn only while open
            facts_form = VersionedForm(prefix=f"cf_{review.id}_", fields=FACT_FIELDS)
            kids = list(review.children)
            facts_form.sync(version=review.version, saved={
                "type": review.notification_type, "reason": "",
                **{f"initials_{i}": kids[i - 1].initials if i <= len(kids) else "" for i in range(1, 5)},
                **{f"age_{i}": str(kids[i - 1].age_years) if i <= len(kids) else "" for i in range(1, 5)}})
            st.markdown("**Correct its facts**")
            st.caption("Initials, ages, the number of children (clear a child's initials and age to remove them) and "
                       "the notification type. Each correction keeps the old value and is logged. A corrected first "
                       "child's initials give a new case reference; the old one stays findable. " + FREE_TEXT_REMINDER)
            with st.form("correct_facts"):
                fact_type = st.selectbox("Notification type", list(NOTIFICATION_TYPE_LABELS),
                                         format_func=NOTIFICATION_TYPE_LABELS.__getitem__,
                                         key=facts_form.key("type"))
                for i in range(1, MAX_CHILDREN + 1):
                    ci, ca = st.columns(2)
                    ci.text_input(f"Child {i} initials", key=facts_form.key(f"initials_{i}"))
                    ca.text_input(f"Child {i} age in years", key=facts_form.key(f"age_{i}"))
                facts_reason = st.text_input("Why the facts are corrected", key=facts_form.key("reason"),
                                             help=FREE_TEXT_REMINDER)
                facts_submitted = st.form_submit_button("Save the correction")
            if facts_submitted:
                typed = facts_form.typed()
                children, problem = [], None
                for i in range(1, MAX_CHILDREN + 1):
                    initials, age = str(typed[f"initials_{i}"] or "").strip(), str(typed[f"age_{i}"] or "").strip()
                    if not initials and not age:
                        continue
                    if not initials:
                        problem = f"Give child {i}'s initials, or clear their age."
                    elif not (age.isascii() and age.isdigit() and len(age) <= 3):
                        problem = f"Child {i}'s age must be a whole number of years (for example 7)."
                    else:
                        children.append(ChildEntry(initials, int(age)))
                if problem:
                    st.error(md_sentence(problem))
                else:
                    facts_form.save(correct_review_facts, success="Facts corrected.",
                                    describe_saved=_describe_facts, review_id=review.id,
                                    notification_type=fact_type, children=children, reason=facts_reason)
            if Role.MANAGER in state.signed_in_roles() and is_open:
                st.markdown("**Withdraw this review** (Partnership Manager)")
                st.caption("For a review opened in error, a duplicate, or one CSC decided not to notify. It leaves "
                           "the live list, the calendar feeds, the digests and the returns worklist; its open agency "
                           "returns end as withdrawn; it stays readable, with its log, as withdrawn, and the board "
                           "counts it apart. It cannot be undone.")
                withdraw_form = VersionedForm(prefix=f"wd_{review.id}_", fields=["reason", "note"])
                withdraw_form.sync(version=review.version, saved={"reason": None, "note": ""})
                with st.form("withdraw_review"):
                    st.selectbox("Why it is withdrawn", list(WITHDRAWAL_REASON_LABELS), index=None,
                                 placeholder="Choose a reason", format_func=WITHDRAWAL_REASON_LABELS.__getitem__,
                                 key=withdraw_form.key("reason"))
                    st.text_area("Note (needed for 'other')", key=withdraw_form.key("note"),
                                 help=FREE_TEXT_REMINDER, placeholder=FREE_TEXT_REMINDER)
                    withdraw_submitted = st.form_submit_button("Withdraw the review", type="primary")
                if withdraw_submitted:
                    typed = withdraw_form.typed()
                    withdraw_form.save(withdraw_review, success=f"Review {md_text(review.case_reference)} withdrawn.",
                                       review_id=review.id, reason=typed["reason"], note=typed["note"] or "",
                                       as_of=as_of)

# ---------------------------------------------------------------- history of changes

# Every change of the review's rows, as the database recorded it (migration 0017). Read and drawn only while open.
# Plain text in a data grid: the stored values are never read as Markdown.
history_box = folded("History of changes (who changed what, and when)", key="history_open",
                     icon=":material/manage_history:")
if history_box.open:
    history = state.read(review_history, review_id=review.id)
    if not history:
        history_box.caption("No change recorded yet.")
    else:
        latest = f"; the latest {HISTORY_SHOWN} changes" if len(history) >= HISTORY_SHOWN else ""
        history_box.caption(f"Newest first{latest}. Written by the database itself as each change was saved; "
                            "nobody can edit it.")
        history_box.dataframe(
            [{"When (UK)": f"{line.changed_at.astimezone(LONDON):%a %d %b %Y %H:%M:%S}", "Who": line.who,
              "Through": line.via, "What": f"{line.table} {line.row}", "Field": line.field, "Was": line.old,
              "Now": line.new} for line in history],
            hide_index=True, key="history_table")

# ---------------------------------------------------------------- seven-minute briefing (before the case folder,
# whose downloads stay the page's last)

briefing_part(review.id, review.case_reference, state.signed_in_roles(), as_of=as_of)

# ---------------------------------------------------------------- case folder

case_folder_part(review.id, review.case_reference, state.signed_in_roles())

# ---------------------------------------------------------------- practice themes

themes_part(review.id, state.signed_in_roles())
# ---------------------------------------------------------------- recommendations and actions

recommendations_part(review.id, state.signed_in_roles(), as_of)
