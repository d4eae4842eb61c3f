"""AppTest of the Meetings page on a real, committed database (issue 11): recording a meeting, a stale edit that
keeps what was typed and shows the saved values, a double submit that saves once, and a refusal in words."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, LogEntry
from db.models_report import Meeting
from services.meetings.service import record_meeting, update_meeting
from tests.app.test_report_page import AS_OF, _open, _seed
from tests.types import MakeApp, OpenSession

HELD = date(2026, 12, 31)


def _record(at: AppTest, p: str, *, kind: str | None = None, held: date = HELD, chair: str = "Charlie Chair",
            decisions: str = "Agreed the episodes.") -> None:
    if kind is not None:
        at.selectbox(key=p + "kind").set_value(kind)
    at.date_input(key=p + "held_on").set_value(held)
    at.text_input(key=p + "chair").input(chair)
    at.text_area(key=p + "decisions").input(decisions)
    at.button(key=f"FormSubmitter:{p}record_form-Record the meeting").click().run()
    assert not at.exception, at.exception


def _recorded_meeting(app_db: OpenSession, officer_id: int, review_id: int) -> int:
    with app_db() as session, session.begin():
        actor = session.get(Account, officer_id)
        meeting = record_meeting(session, actor, review_id=review_id, kind="rr_meeting", held_on=HELD,
                                 agency_ids=list(session.scalars(select(Agency.id))), chair_name="Charlie Chair",
                                 decisions="Agreed the episodes.", as_of=AS_OF)
        return meeting.id


def test_recording_a_meeting_puts_it_in_the_table_and_completes_its_milestone(app_db: OpenSession,
                                                                              make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    p = f"mt{review_id}_"
    _record(at, p)
    assert at.success[0].value == "Rapid Review meeting of Thu 31 Dec 2026 recorded."
    table = at.table[0].value  # cells are Markdown (ui.style.wrapping_table): a full stop is escaped
    assert list(table["Meeting"]) == ["Rapid Review meeting"]
    assert list(table["Chair"]) == ["Charlie Chair"] and list(table["Decisions"]) == ["Agreed the episodes\\."]
    with app_db() as session:
        assert session.scalar(select(Meeting.chair_name)) == "Charlie Chair"


def test_a_hidden_control_character_is_refused_in_words_and_the_typing_stays(app_db: OpenSession,
                                                                             make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    p = f"mt{review_id}_"
    _record(at, p, decisions="Agreed\x00 the episodes.")
    assert at.error[0].value.startswith(
        "The record of the meeting's decisions contains a hidden control character (U+0000")
    assert at.text_area(key=p + "decisions").value == "Agreed\x00 the episodes."
    assert at.text_input(key=p + "chair").value == "Charlie Chair"
    with app_db() as session:
        assert session.scalars(select(Meeting)).all() == []


def test_a_stale_edit_keeps_what_was_typed_and_shows_the_saved_values_then_saves_over_them(app_db: OpenSession,
                                                                                           make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db)
    meeting_id = _recorded_meeting(app_db, officer.id, review_id)
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    e = f"mt{review_id}_e{meeting_id}_"
    assert at.text_area(key=e + "decisions").value == "Agreed the episodes."
    # The manager changes the record after the officer opened the page.
    with app_db() as session, session.begin():
        meeting = session.get_one(Meeting, meeting_id)
        update_meeting(session, session.get(Account, manager.id), meeting_id=meeting_id,
                       expected_version=meeting.version, agency_ids=[a.id for a in meeting.agencies],
                       chair_name="Morgan Manager", minute_taker_name="", minutes_circulated_on=None,
                       decisions="The manager's decisions.", as_of=AS_OF)
    typed = "The officer's decisions, " + "typed at length. " * 60
    at.text_area(key=e + "decisions").input(typed)
    at.button(key=f"FormSubmitter:{e}form-Save the changes").click().run()
    assert not at.exception
    refusal = next(e.value for e in at.error if "changed by someone else" in e.value)
    assert refusal.startswith("The record of the Rapid Review meeting was changed by someone else since you opened it")
    assert "What you typed is still in the form" in refusal
    assert at.text_area(key=e + "decisions").value == typed
    shown = "\n".join(c.value for c in at.code)
    assert "Chaired by: Morgan Manager" in shown and "Decisions: The manager's decisions." in shown
    # Saving again, having seen theirs, goes over them deliberately.
    at.button(key=f"FormSubmitter:{e}form-Save the changes").click().run()
    assert at.success[0].value == "The record of the Rapid Review meeting was saved."
    with app_db() as session:
        assert session.get_one(Meeting, meeting_id).decisions == typed.strip()


def test_coming_back_to_a_meeting_someone_else_changed_is_no_false_conflict(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db)
    meeting_id = _recorded_meeting(app_db, officer.id, review_id)
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    e = f"mt{review_id}_e{meeting_id}_"
    with app_db() as session, session.begin():
        meeting = session.get_one(Meeting, meeting_id)
        update_meeting(session, session.get(Account, manager.id), meeting_id=meeting_id,
                       expected_version=meeting.version, agency_ids=[a.id for a in meeting.agencies],
                       chair_name="Morgan Manager", minute_taker_name="", minutes_circulated_on=None,
                       decisions="The manager's decisions.", as_of=AS_OF)
    at.run()  # the page shown afresh: the untouched form follows the saved record and its version
    assert at.text_input(key=e + "chair").value == "Morgan Manager"
    at.text_input(key=e + "minute_taker").input("Olly Officer")
    at.button(key=f"FormSubmitter:{e}form-Save the changes").click().run()
    assert at.success[0].value == "The record of the Rapid Review meeting was saved."
    with app_db() as session:
        saved = session.get_one(Meeting, meeting_id)
        assert (saved.chair_name, saved.minute_taker_name) == ("Morgan Manager", "Olly Officer")


def test_a_double_submit_records_a_pre_meet_once_and_saves_an_edit_once(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    p = f"mt{review_id}_"
    # The same form arriving twice (a double click): the second is not recorded again.
    _record(at, p, kind="pre_meet", held=date(2026, 12, 22), chair="", decisions="Briefed the GP practice.")
    assert at.success[0].value == "Pre-meet of Tue 22 Dec 2026 recorded."
    _record(at, p, kind="pre_meet", held=date(2026, 12, 22), chair="", decisions="Briefed the GP practice.")
    assert "That meeting was just recorded: it is in the table above." in [i.value for i in at.info]
    with app_db() as session:
        assert len(session.scalars(select(Meeting).where(Meeting.kind == "pre_meet")).all()) == 1
        meeting_id = session.scalar(select(Meeting.id))
    e = f"mt{review_id}_e{meeting_id}_"
    at.text_area(key=e + "decisions").input("Briefed the GP practice and the school.")
    at.button(key=f"FormSubmitter:{e}form-Save the changes").click().run()
    assert at.success[0].value == "The record of the Pre-meet was saved."
    at.button(key=f"FormSubmitter:{e}form-Save the changes").click().run()
    assert "Those changes were just saved: they are in the table above." in [i.value for i in at.info]
    assert not at.error
    with app_db() as session:
        changes = session.scalars(select(LogEntry.text).where(LogEntry.text.like("Meeting record changed%"))).all()
    assert len(changes) == 1


SCRIPT_PASTE = "<script>alert(1)</script>" * 400  # 10,000 characters
KEPT = "Shorten it and save again: what you typed is still in the form."


@pytest.mark.parametrize("form", ["record", "edit"])
@pytest.mark.parametrize(("field", "typed", "sentence"), [
    ("chair", "C" * 121, f"The chair's name is 121 characters long; it can be at most 120. {KEPT}"),
    ("chair", SCRIPT_PASTE, f"The chair's name is 10,000 characters long; it can be at most 120. {KEPT}"),
    ("minute_taker", "M" * 121, f"The minute-taker's name is 121 characters long; it can be at most 120. {KEPT}"),
    ("decisions", "d" * 8001,
     f"The record of the meeting's decisions is 8,001 characters long; it can be at most 8,000. {KEPT}"),
])
def test_a_text_longer_than_the_meeting_record_keeps_is_refused_in_words_and_stays_in_the_box(
        app_db: OpenSession, make_app: MakeApp, form: str, field: str, typed: str, sentence: str) -> None:
    """The boxes have no character limit (a browser box with one drops a longer paste whole): the save says why not."""
    officer, _, _, review_id = _seed(app_db)
    if form == "edit":
        meeting_id = _recorded_meeting(app_db, officer.id, review_id)
        prefix, submit = f"mt{review_id}_e{meeting_id}_", "form-Save the changes"
    else:
        prefix, submit = f"mt{review_id}_", "record_form-Record the meeting"
    at = _open(make_app, officer, review_id, page="pages/meetings.py")
    if form == "record" and field != "chair":
        at.text_input(key=prefix + "chair").input("Charlie Chair")
    box = at.text_area if field == "decisions" else at.text_input
    box(key=prefix + field).input(typed)
    at.button(key=f"FormSubmitter:{prefix}{submit}").click().run()
    assert not at.exception, at.exception
    # (A meeting recorded with its minutes not yet circulated is shown late, in red, above the forms.)
    assert [e.value for e in at.error if not e.value.startswith("Minutes of the ")] == [sentence]
    box = at.text_area if field == "decisions" else at.text_input
    assert box(key=prefix + field).value == typed
    with app_db() as session:
        stored = [(m.chair_name, m.minute_taker_name, m.decisions) for m in session.scalars(select(Meeting))]
    assert stored == ([("Charlie Chair", None, "Agreed the episodes.")] if form == "edit" else [])
