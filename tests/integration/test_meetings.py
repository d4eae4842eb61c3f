"""Meetings on a real PostgreSQL: recording them completes their milestones through the reviews service, minutes
late after the next working day, the refusals, roles, versions and the database's own rules."""
from __future__ import annotations

from datetime import date
from typing import Unpack

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review, ReviewMilestone
from db.models_report import Meeting
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.meetings.reads import MeetingRecord, MeetingRow, list_meetings
from services.meetings.service import record_meeting, update_meeting
from services.milestones import complete_milestone
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done
from services.reviews.status import get_review_status
from tests.types import MakeAccount, MeetingFields

D = date
FRI_18_DEC = D(2026, 12, 18)   # notification received: Day 1
THU_31_DEC = D(2026, 12, 31)   # Day 8: the Rapid Review meeting; minutes due Mon 4 Jan 2027
MON_4_JAN = D(2027, 1, 4)
TUE_5_JAN = D(2027, 1, 5)
AS_OF = D(2027, 1, 8)


@pytest.fixture
def agencies(session: Session) -> list[Agency]:
    rows = [Agency(name=name, kind="health", active=True) for name in ("Demoshire Police", "GP practices")]
    session.add_all(rows)
    session.flush()
    return rows


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return open_review(session, officer, notification_type="death", incident_date=D(2026, 12, 14),
                       csc_aware_date=D(2026, 12, 15), notification_received_date=FRI_18_DEC,
                       children=[ChildEntry("AB", 4)], as_of=FRI_18_DEC)


def _milestone(review: Review, key: str) -> ReviewMilestone:
    return next(m for m in review.milestones if m.key == key)


def _rr(session: Session, actor: Account, review: Review, agencies: list[Agency],
        **overrides: Unpack[MeetingFields]) -> MeetingRecord:
    values: MeetingFields = {
        "review_id": review.id, "kind": "rr_meeting", "held_on": THU_31_DEC, "agency_ids": [a.id for a in agencies],
        "chair_name": "Charlie Chair", "minute_taker_name": "Olly Officer", "decisions": "Agreed the learning.",
        "as_of": AS_OF}
    values.update(overrides)
    return record_meeting(session, actor, **values)


def _rr_row(session: Session, actor: Account, review: Review, as_of: date) -> MeetingRow:
    """The review's Rapid Review meeting as the meetings are listed on `as_of`."""
    row = list_meetings(session, actor, review_id=review.id, as_of=as_of).rr_meeting
    assert row is not None
    return row


def test_the_rapid_review_meeting_completes_its_milestone_and_minutes_follow(session: Session, chair: Account,
                                                                             review: Review,
                                                                             agencies: list[Agency]) -> None:
    meeting = _rr(session, chair, review, agencies)
    assert [a.name for a in meeting.agencies] == ["Demoshire Police", "GP practices"]
    assert (_milestone(review, "rr_meeting").done_date, _milestone(review, "rr_meeting").done_by_id) == \
        (THU_31_DEC, chair.id)
    # domain.md worked example: a meeting on Thu 31 Dec 2026 has its minutes due Mon 4 Jan 2027.
    assert _milestone(review, "minutes").due_date == MON_4_JAN
    found = _rr_row(session, chair, review, MON_4_JAN)
    assert (found.minutes_due, found.minutes) == (MON_4_JAN, "due Mon 04 Jan")
    late = _rr_row(session, chair, review, TUE_5_JAN)
    assert (late.minutes, late.minutes_late) == ("late: not circulated yet", True)
    log = session.scalars(select(LogEntry).where(LogEntry.review_id == review.id, LogEntry.category == "meeting")).all()
    assert len(log) == 1 and "Rapid Review meeting on 31 Dec 2026; chaired by Charlie Chair" in log[0].text
    assert "Decisions: Agreed the learning." in log[0].text


def test_minutes_recorded_later_complete_the_minutes_milestone_and_show_late(
        session: Session, officer: Account, chair: Account, review: Review, agencies: list[Agency]) -> None:
    meeting = _rr(session, chair, review, agencies)
    meeting = update_meeting(session, officer, meeting_id=meeting.id, expected_version=meeting.version,
                             agency_ids=[a.id for a in agencies], chair_name="Charlie Chair",
                             minute_taker_name="Olly Officer", minutes_circulated_on=TUE_5_JAN,
                             decisions="Agreed the learning.", as_of=AS_OF)
    minutes = _milestone(review, "minutes")
    assert (minutes.done_date, minutes.done_by_id) == (TUE_5_JAN, officer.id)
    row = _rr_row(session, officer, review, AS_OF)
    assert (row.minutes, row.minutes_late) == ("late (1 working day)", True)
    status = get_review_status(session, officer, review_id=review.id, as_of=AS_OF)
    assert {s.milestone.key: s.rag.value for s in status.milestones}["minutes"] == "complete"
    texts = [e.text for e in session.scalars(select(LogEntry).where(LogEntry.review_id == review.id)
                                             .order_by(LogEntry.id))]
    assert any(t.startswith("Minutes of the Rapid Review meeting of 31 Dec 2026 circulated on 05 Jan 2027: late "
                            "(1 working day) (due 04 Jan 2027)") for t in texts)
    with pytest.raises(InvalidInput, match="already recorded as circulated on 05 Jan 2027"):
        update_meeting(session, officer, meeting_id=meeting.id, expected_version=meeting.version,
                       agency_ids=[a.id for a in agencies], chair_name="Charlie Chair", minute_taker_name="",
                       minutes_circulated_on=MON_4_JAN, decisions="", as_of=AS_OF)


def test_minutes_on_the_next_working_day_are_on_time(session: Session, officer: Account, review: Review,
                                                     agencies: list[Agency]) -> None:
    _rr(session, officer, review, agencies, minutes_circulated_on=MON_4_JAN)
    assert _milestone(review, "minutes").done_date == MON_4_JAN
    assert _rr_row(session, officer, review, AS_OF).minutes == "on time"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (dict(held_on=None), "Give the date the meeting was held"),
        (dict(held_on=D(2027, 1, 9)), r"in the future: record a meeting once it has been held"),
        (dict(held_on=D(2026, 12, 17)), r"cannot be held before the notification was received \(18 Dec 2026\)"),
        (dict(minutes_circulated_on=D(2026, 12, 30)),
         r"minutes cannot be circulated \(30 Dec 2026\) before the meeting was held \(31 Dec 2026\)"),
        (dict(minutes_circulated_on=D(2027, 1, 9)), "minutes circulated date .* cannot be in the future"),
        (dict(agency_ids=[]), "Choose the agencies that attended the Rapid Review meeting"),
        (dict(chair_name="  "), "Give the chair's name"),
        (dict(kind="board_meeting"), "Choose the kind of meeting"),
    ],
)
def test_a_meeting_that_breaks_a_rule_is_refused_with_a_sentence_and_nothing_is_saved(
        session: Session, officer: Account, review: Review, agencies: list[Agency], overrides: MeetingFields,
        message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _rr(session, officer, review, agencies, **overrides)
    assert session.scalars(select(Meeting).where(Meeting.review_id == review.id)).all() == []
    assert _milestone(review, "rr_meeting").done_date is None


def test_one_rapid_review_meeting_per_review_and_the_database_agrees(session: Session, officer: Account,
                                                                     review: Review, agencies: list[Agency]) -> None:
    _rr(session, officer, review, agencies)
    with pytest.raises(InvalidInput, match=r"Rapid Review meeting of 181226AB was already recorded .held 31 Dec 2026"):
        _rr(session, officer, review, agencies, held_on=MON_4_JAN)
    with pytest.raises(IntegrityError, match="one_meeting_of_a_kind"), session.begin_nested():
        session.execute(text("INSERT INTO meetings (review_id, kind, held_on, chair_name, created_by_id, "
                             "updated_by_id) VALUES (:r, 'rr_meeting', DATE '2027-01-04', 'X', :a, :a)"),
                        {"r": review.id, "a": officer.id})
    with pytest.raises(IntegrityError, match="minutes_after_meeting"), session.begin_nested():
        session.execute(text("UPDATE meetings SET minutes_circulated_on = DATE '2026-12-30' WHERE review_id = :r"),
                        {"r": review.id})


def test_pre_meets_are_optional_and_as_many_as_needed(session: Session, officer: Account, review: Review,
                                                      agencies: list[Agency]) -> None:
    for day in (D(2026, 12, 21), D(2026, 12, 22)):
        record_meeting(session, officer, review_id=review.id, kind="pre_meet", held_on=day,
                       agency_ids=[agencies[1].id], as_of=AS_OF)
    assert _milestone(review, "pre_meets").done_date == D(2026, 12, 21)
    found = list_meetings(session, officer, review_id=review.id, as_of=AS_OF)
    assert [(r.label, r.minutes, r.minutes_late) for r in found.rows] == [("Pre-meet", "none needed", False)] * 2
    assert "pre_meet" in found.can_add and "rr_meeting" in found.can_add


def test_the_executive_findings_meeting_follows_the_day_1_decision(session: Session, officer: Account, chair: Account,
                                                                   review: Review, agencies: list[Agency]) -> None:
    with pytest.raises(InvalidInput, match="Day 1 decision on an executive findings meeting has not been recorded"):
        record_meeting(session, chair, review_id=review.id, kind="exec_meeting", held_on=MON_4_JAN,
                       chair_name="Charlie Chair", as_of=AS_OF)
    record_milestone_done(session, chair, milestone_id=_milestone(review, "exec_decision").id, done_on=FRI_18_DEC,
                          as_of=AS_OF, exec_meeting_required=True)
    assert "exec_meeting" in list_meetings(session, chair, review_id=review.id, as_of=AS_OF).can_add
    record_meeting(session, chair, review_id=review.id, kind="exec_meeting", held_on=MON_4_JAN,
                   chair_name="Charlie Chair", agency_ids=[agencies[0].id], as_of=AS_OF)
    assert _milestone(review, "exec_meeting").done_date == MON_4_JAN


def test_no_executive_findings_meeting_when_the_decision_said_no(session: Session, chair: Account,
                                                                 review: Review) -> None:
    record_milestone_done(session, chair, milestone_id=_milestone(review, "exec_decision").id, done_on=FRI_18_DEC,
                          as_of=AS_OF, exec_meeting_required=False)
    with pytest.raises(InvalidInput, match="Day 1 decision said no executive findings meeting"):
        record_meeting(session, chair, review_id=review.id, kind="exec_meeting", held_on=MON_4_JAN,
                       chair_name="Charlie Chair", as_of=AS_OF)


def test_a_milestone_done_by_hand_keeps_its_date_and_the_log_says_so(
        session: Session, officer: Account, manager: Account, review: Review, agencies: list[Agency]) -> None:
    # Issue 26: a meeting step is recorded by hand only as done outside the product, by the Partnership Manager.
    record_milestone_done(session, manager, milestone_id=_milestone(review, "rr_meeting").id, done_on=D(2026, 12, 30),
                          as_of=AS_OF, done_outside_reason="Held before the tracker was in use.")
    _rr(session, officer, review, agencies)
    assert _milestone(review, "rr_meeting").done_date == D(2026, 12, 30)
    entry = session.scalars(select(LogEntry).where(LogEntry.review_id == review.id)
                            .order_by(LogEntry.id.desc())).first()
    assert entry is not None
    assert "was already recorded as done on 30 Dec 2026; it keeps that date" in entry.text


def test_changes_are_checked_against_the_version_and_nothing_to_save_is_refused(session: Session, officer: Account,
                                                                                chair: Account, review: Review,
                                                                                 agencies: list[Agency]) -> None:
    meeting = _rr(session, chair, review, agencies)
    version = meeting.version
    meeting = update_meeting(session, officer, meeting_id=meeting.id, expected_version=version,
                             agency_ids=[agencies[0].id], chair_name="Charlie Chair", minute_taker_name="Olly Officer",
                             minutes_circulated_on=None, decisions="Agreed the learning.", as_of=AS_OF)
    assert [a.name for a in meeting.agencies] == ["Demoshire Police"] and meeting.version == version + 1
    with pytest.raises(StaleRecord, match="changed by someone else since you opened it"):
        update_meeting(session, chair, meeting_id=meeting.id, expected_version=version, agency_ids=[agencies[0].id],
                       chair_name="Someone else", minute_taker_name="", minutes_circulated_on=None, decisions="",
                       as_of=AS_OF)
    with pytest.raises(InvalidInput, match="Nothing to save"):
        update_meeting(session, chair, meeting_id=meeting.id, expected_version=meeting.version,
                       agency_ids=[agencies[0].id], chair_name="Charlie Chair", minute_taker_name="Olly Officer",
                       minutes_circulated_on=None, decisions="Agreed the learning.", as_of=AS_OF)


def test_a_closed_review_refuses_meetings(session: Session, officer: Account, manager: Account, review: Review,
                                          agencies: list[Agency]) -> None:
    # A review finished by hand, as before the tracker: the milestone core, without the Report page (its meeting
    # recorded as held outside the product: the submission asks for it, issue 26).
    record_milestone_done(session, manager, milestone_id=_milestone(review, "rr_meeting").id, done_on=D(2026, 12, 30),
                          as_of=AS_OF, done_outside_reason="Held before the tracker was in use.")
    complete_milestone(session, manager, milestone_id=_milestone(review, "panel_submission").id,
                       done_on=D(2027, 1, 7), as_of=AS_OF)
    complete_milestone(session, manager, milestone_id=_milestone(review, "panel_response").id,
                       done_on=AS_OF, as_of=AS_OF)
    with pytest.raises(InvalidInput, match="is closed: its meetings can no longer be changed"):
        _rr(session, officer, review, agencies)
    assert list_meetings(session, officer, review_id=review.id, as_of=AS_OF).rows == ()


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_and_admin_neither_see_nor_record_meetings(session: Session, make_account: MakeAccount, review: Review,
                                                         agencies: list[Agency], role: str) -> None:
    actor = make_account(role)
    with pytest.raises(NotAllowed):
        list_meetings(session, actor, review_id=review.id, as_of=AS_OF)
    with pytest.raises(NotAllowed):
        _rr(session, actor, review, agencies)
