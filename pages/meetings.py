"""Meetings of one review: the Rapid Review meeting, pre-meets and the executive findings meeting with the AD/DCS.
Recording one completes its milestone; minutes later than the next working day show as late."""
import pandas as pd
import streamlit as st

from services.agencies import list_agencies
from services.errors import ServiceError, StaleRecord
from services.meetings import MEETING_LABELS, list_meetings, record_meeting, update_meeting
from services.returns.service import list_returns
from services.reviews.service import list_reviews
from ui import state
from ui.gate import require_page
from ui.widgets import FREE_TEXT_REMINDER, fmt_date, review_picker

require_page("meetings")

RESET_KEY = "mt_reset"
for key, value in st.session_state.pop(RESET_KEY, {}).items():
    st.session_state[key] = value

as_of = state.today()
me = state.read(lambda session, actor: actor.display_name)

st.title("Meetings")
st.caption("The Rapid Review meeting (Day 7-8), pre-meets for agencies new to the process (Day 2-5, optional) and the "
           "executive findings meeting with the AD/DCS when the Day 1 decision said one is needed. Minutes are due by "
           "the end of the next working day after the meeting.")
reviews = state.read(list_reviews)
if not reviews:
    st.info("There are no reviews yet. Open one from the Live reviews page.")
    st.stop()
review_id = review_picker(reviews, key="mt_review_pick")

found = state.read(list_meetings, review_id=review_id, as_of=as_of)
review = found.review
p = f"mt{review.id}_"

flash = st.session_state.pop("mt_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
flash_error = st.session_state.pop("mt_flash_error", None)
if flash_error:
    st.error(flash_error, icon=":material/sync_problem:")
st.markdown(f"### Meetings of {review.case_reference}")
st.markdown(f"Executive findings meeting with the AD/DCS: **{found.exec_meeting}**"
            + (" (the JCR Chair records the Day 1 decision on the Review page)" if found.exec_meeting ==
               "not decided yet" else ""))

if found.rows:
    st.dataframe(
        pd.DataFrame([
            {
                "Meeting": row.label,
                "Held": row.meeting.held_on,
                "Minutes": row.minutes.upper() if row.minutes_late else row.minutes,
                "Minutes circulated": row.meeting.minutes_circulated_on,
                "Chair": row.meeting.chair_name or "",
                "Minute-taker": row.meeting.minute_taker_name or "",
                "Agencies attending": ", ".join(row.agency_names),
                "Decisions": row.meeting.decisions or "",
            }
            for row in found.rows
        ]),
        hide_index=True, width="stretch", key=p + "table", placeholder="—",
        column_config={c: st.column_config.DateColumn(format="ddd D MMM YYYY") for c in ("Held", "Minutes circulated")},
    )
    late = [row for row in found.rows if row.minutes_late]
    for row in late:
        st.error(f"Minutes of the {row.label} of {fmt_date(row.meeting.held_on)}: {row.minutes} "
                 f"(due {fmt_date(row.minutes_due)}).", icon=":material/schedule:")
else:
    st.info("No meeting has been recorded for this review yet.")

if review.state == "closed":
    st.caption("This review is closed: its meetings can be read, not changed.")
    st.stop()

returns_agencies = [s.ret.agency for s in state.read(list_returns, review_id=review.id, as_of=as_of)]
agencies = {a.id: a.name for a in state.read(list_agencies, active_only=True)}
agencies.update({a.id: a.name for a in returns_agencies})


def _saved(message: str, reset: dict) -> None:
    st.session_state["mt_flash"] = message
    st.session_state[RESET_KEY] = reset
    st.rerun()


# ---------------------------------------------------------------- record a meeting

st.subheader("Record a meeting")
kinds = found.can_add
defaults = {p + "kind": kinds[0] if kinds else None, p + "held_on": as_of,
            p + "agencies": [a.id for a in returns_agencies], p + "chair": "", p + "minute_taker": me,
            p + "minutes_on": None, p + "decisions": ""}
for key, value in defaults.items():
    st.session_state.setdefault(key, value)
with st.form(p + "record_form"):
    kind = st.selectbox("Meeting", kinds, format_func=MEETING_LABELS.get, key=p + "kind")
    c1, c2 = st.columns(2)
    held_on = c1.date_input("Date held", format="DD/MM/YYYY", key=p + "held_on")
    minutes_on = c2.date_input("Minutes circulated (leave empty until they are)", format="DD/MM/YYYY",
                               key=p + "minutes_on")
    chosen = st.multiselect("Agencies attending", list(agencies), format_func=agencies.get, key=p + "agencies")
    c3, c4 = st.columns(2)
    chair_name = c3.text_input("Chaired by (a professional's name or role)", key=p + "chair", max_chars=120)
    minute_taker = c4.text_input("Minutes taken by", key=p + "minute_taker", max_chars=120)
    decisions = st.text_area("Decisions", key=p + "decisions", height=140, max_chars=8000, help=FREE_TEXT_REMINDER,
                             placeholder=FREE_TEXT_REMINDER)
    st.caption(FREE_TEXT_REMINDER)
    record = st.form_submit_button("Record the meeting", type="primary")
if record:
    meeting = state.act(record_meeting, review_id=review.id, kind=kind, held_on=held_on, agency_ids=chosen,
                        chair_name=chair_name, minute_taker_name=minute_taker, minutes_circulated_on=minutes_on,
                        decisions=decisions, as_of=as_of)
    if meeting is not None:
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
    e = f"{p}e{meeting.id}_"
    # The version the form was filled against: a save by someone else since then is refused, not overwritten.
    current = {e + "version": meeting.version, e + "agencies": [a.id for a in meeting.agencies],
               e + "chair": meeting.chair_name or "", e + "minute_taker": meeting.minute_taker_name or "",
               e + "minutes_on": meeting.minutes_circulated_on, e + "decisions": meeting.decisions or ""}
    for key, value in current.items():
        st.session_state.setdefault(key, value)
    with st.form(e + "form"):
        chosen_edit = st.multiselect("Agencies attending", list(agencies), format_func=agencies.get,
                                     key=e + "agencies")
        c1, c2, c3 = st.columns(3)
        chair_edit = c1.text_input("Chaired by", key=e + "chair", max_chars=120)
        taker_edit = c2.text_input("Minutes taken by", key=e + "minute_taker", max_chars=120)
        minutes_edit = c3.date_input("Minutes circulated", format="DD/MM/YYYY", key=e + "minutes_on",
                                     disabled=meeting.minutes_circulated_on is not None)
        decisions_edit = st.text_area("Decisions", key=e + "decisions", height=140, max_chars=8000,
                                      help=FREE_TEXT_REMINDER, placeholder=FREE_TEXT_REMINDER)
        change = st.form_submit_button("Save the changes")
    if change:
        try:
            state.read(update_meeting, meeting_id=meeting.id, expected_version=st.session_state[e + "version"],
                       agency_ids=chosen_edit, chair_name=chair_edit, minute_taker_name=taker_edit,
                       minutes_circulated_on=minutes_edit if meeting.minutes_circulated_on is None
                       else meeting.minutes_circulated_on, decisions=decisions_edit, as_of=as_of)
        except StaleRecord as error:
            # Someone else saved first: show the saved values (this run read them) and say so.
            st.session_state["mt_flash_error"] = str(error)
            st.session_state[RESET_KEY] = current
            st.rerun()
        except ServiceError as error:
            st.error(str(error), icon=":material/error:")
        else:
            st.session_state.pop(e + "version", None)  # the next run takes the new version
            _saved(f"The record of the {rows[picked].label} was saved.", {})
