"""Meetings of one review: the Rapid Review meeting, pre-meets and the executive findings meeting with the AD/DCS.
Recording one completes its milestone; minutes later than the next working day show as late."""
from collections.abc import Mapping
from typing import Any

import streamlit as st

from db.enums import ReviewState
from services.meetings import MAX_DECISIONS_CHARS, MEETING_LABELS, list_meetings, record_meeting, update_meeting
from services.reviews import list_reviews
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import VersionedForm, already_saved, remember_saved
from ui.gate import require_page
from ui.links import review_links
from ui.style import wrapping_table
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, free_text_help, md_text, review_picker

require_page("meetings")

RESET_KEY = "mt_reset"
for key, value in st.session_state.pop(RESET_KEY, {}).items():
    st.session_state[key] = value

as_of = state.today()
signed_in = state.signed_in()
me = signed_in.display_name if signed_in else ""

st.title("Meetings")
st.caption("The Rapid Review meeting (Day 7-8), pre-meets for agencies new to the process (Day 2-5, optional) and the "
           "executive findings meeting with the AD/DCS when the Day 1 decision said one is needed. Minutes are due by "
           "the end of the next working day after the meeting.")
reviews = state.read_by_review(list_reviews)  # every review, for the picker: a write reads its review again
if not reviews:
    st.info("There are no reviews yet. Open one from the Live reviews page.")
    st.stop()
review_id = review_picker(reviews, key="mt_review_pick")
review_links(review_id, here="meetings")

found = state.read(list_meetings, review_id=review_id, as_of=as_of)
review = found.review
p = f"mt{review.id}_"

show_flashes()
st.markdown(f"### Meetings of {md_text(review.case_reference)}")
st.markdown(f"Executive findings meeting with the AD/DCS: **{found.exec_meeting}**"
            + (" (the JCR Chair records the Day 1 decision on the Review page)" if found.exec_meeting ==
               "not decided yet" else ""))

if found.rows:
    # A table whose cells wrap (ui.style.wrapping_table): every agency and the whole of the decisions are shown, at any
    # width; on a phone each meeting is a card.
    wrapping_table([
        {
            "Meeting": row.label,
            "Held": fmt_date(row.meeting.held_on),
            "Minutes": row.minutes.upper() if row.minutes_late else row.minutes,
            "Minutes circulated": fmt_date(row.meeting.minutes_circulated_on),
            "Chair": md_text(row.meeting.chair_name or "—"),
            "Minute-taker": md_text(row.meeting.minute_taker_name or "—"),
            "Agencies attending": md_text(", ".join(row.agency_names) or "—"),
            "Decisions": md_text(row.meeting.decisions or "—"),
        }
        for row in found.rows
    ], key=p + "table")
    late = [row for row in found.rows if row.minutes_late]
    for row in late:
        st.error(f"Minutes of the {row.label} of {fmt_date(row.meeting.held_on)}: {row.minutes} "
                 f"(due {fmt_date(row.minutes_due)}).", icon=":material/schedule:")
else:
    st.info("No meeting has been recorded for this review yet.")

if review.state == ReviewState.CLOSED:
    st.caption("This review is closed: its meetings can be read, not changed.")
    st.stop()

agencies = {a.id: a.name for a in found.agency_choices}


def _saved(message: str, reset: Mapping[str, object]) -> None:
    flash(message)
    st.session_state[RESET_KEY] = reset
    st.rerun()


# ---------------------------------------------------------------- record a meeting

st.subheader("Record a meeting")
kinds = found.can_add
defaults = {p + "kind": kinds[0] if kinds else None, p + "held_on": as_of,
            p + "agencies": list(found.return_agency_ids), p + "chair": "", p + "minute_taker": me,
            p + "minutes_on": None, p + "decisions": ""}
for key, value in defaults.items():
    st.session_state.setdefault(key, value)
with st.form(p + "record_form"):
    kind = st.selectbox("Meeting", kinds, format_func=MEETING_LABELS.__getitem__, key=p + "kind")
    c1, c2 = st.columns(2)
    held_on = c1.date_input("Date held", format="DD/MM/YYYY", key=p + "held_on")
    minutes_on = c2.date_input("Minutes circulated (leave empty until they are)", format="DD/MM/YYYY",
                               key=p + "minutes_on")
    chosen = st.multiselect("Agencies attending", list(agencies), format_func=agencies.__getitem__, key=p + "agencies")
    c3, c4 = st.columns(2)
    chair_name = c3.text_input("Chaired by (a professional's name or role)", key=p + "chair")
    minute_taker = c4.text_input("Minutes taken by", key=p + "minute_taker")
    decisions = st.text_area("Decisions", key=p + "decisions", height=140, help=free_text_help(MAX_DECISIONS_CHARS),
                             placeholder=FREE_TEXT_REMINDER)
    st.caption(FREE_TEXT_REMINDER)
    record = st.form_submit_button("Record the meeting", type="primary")
record_values = (review.id, kind, held_on, tuple(chosen), chair_name, minute_taker, minutes_on, decisions)
if record and already_saved("mt_record", record_values):
    st.info("That meeting was just recorded: it is in the table above.", icon=":material/info:")
elif record:
    meeting = state.act(record_meeting, review_id=review.id, kind=kind, held_on=held_on, agency_ids=chosen,
                        chair_name=chair_name, minute_taker_name=minute_taker, minutes_circulated_on=minutes_on,
                        decisions=decisions, as_of=as_of)
    if meeting is not None:
        remember_saved("mt_record", record_values)
        st.session_state.pop(p + "kind", None)  # the kinds left to record change: start on the first again
        _saved(f"{MEETING_LABELS[meeting.kind]} of {fmt_date(meeting.held_on)} recorded.",
               {k: v for k, v in defaults.items() if k != p + "kind"})

# ---------------------------------------------------------------- change a meeting's record

if found.rows:
    st.subheader("Change a meeting's record or record its minutes")
    rows = {row.meeting.id: row for row in found.rows}
    picked = st.selectbox("Meeting", list(rows), key=p + "edit_pick",
                          format_func=lambda i: f"{rows[i].label}, {fmt_date(rows[i].meeting.held_on)}")
    meeting = rows[picked].meeting
    form = VersionedForm(f"{p}e{meeting.id}_", ("agencies", "chair", "minute_taker", "minutes_on", "decisions"))
    # Filled from the record as read now; what the user typed is kept, and a save checks the version it started from.
    form.sync(version=meeting.version, saved={
        "agencies": meeting.agency_ids, "chair": meeting.chair_name or "",
        "minute_taker": meeting.minute_taker_name or "", "minutes_on": meeting.minutes_circulated_on,
        "decisions": meeting.decisions or ""})

    def _describe(saved: Mapping[str, Any]) -> str:
        return "\n".join([
            "Agencies attending: " + ", ".join(agencies.get(i, str(i)) for i in saved["agencies"]),
            f"Chaired by: {saved['chair']}", f"Minutes taken by: {saved['minute_taker']}",
            f"Minutes circulated: {fmt_date(saved['minutes_on'])}", f"Decisions: {saved['decisions']}"])

    with st.form(form.key("form")):
        chosen_edit = st.multiselect("Agencies attending", list(agencies), format_func=agencies.__getitem__,
                                     key=form.key("agencies"))
        c1, c2, c3 = st.columns(3)
        chair_edit = c1.text_input("Chaired by", key=form.key("chair"))
        taker_edit = c2.text_input("Minutes taken by", key=form.key("minute_taker"))
        minutes_edit = c3.date_input("Minutes circulated", format="DD/MM/YYYY", key=form.key("minutes_on"),
                                     disabled=meeting.minutes_circulated_on is not None)
        decisions_edit = st.text_area("Decisions", key=form.key("decisions"), height=140,
                                      help=free_text_help(MAX_DECISIONS_CHARS), placeholder=FREE_TEXT_REMINDER)
        change = st.form_submit_button("Save the changes")
    edit_values = dict(meeting_id=meeting.id, agency_ids=tuple(chosen_edit), chair_name=chair_edit,
                       minute_taker_name=taker_edit,
                       minutes_circulated_on=minutes_edit if meeting.minutes_circulated_on is None
                       else meeting.minutes_circulated_on, decisions=decisions_edit)
    fingerprint = repr(sorted(edit_values.items()))
    if change and already_saved("mt_edit", fingerprint):
        st.info("Those changes were just saved: they are in the table above.", icon=":material/info:")
    elif change:
        remember_saved("mt_edit", fingerprint)
        form.save(update_meeting, success=f"The record of the {rows[picked].label} was saved.",
                  describe_saved=_describe, as_of=as_of, **edit_values)
        remember_saved("mt_edit", None)  # reached only when refused: the same values may be sent again
