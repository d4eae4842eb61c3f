"""Reviews on PostgreSQL: opening, references, date corrections, milestones, the live list."""
from collections.abc import Sequence
from datetime import date
from typing import TypedDict, Unpack

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review, ReviewMilestone
from services.errors import InvalidInput, NotAllowed, StaleRecord
from services.milestones import complete_milestone
from services.rag import Rag
from services.reviews.reads import list_delegates
from services.reviews.rules import ChildEntry
from services.reviews.service import (
    delegate_milestone,
    open_review,
    record_milestone_done,
    set_agreed_date,
    update_review_dates,
)
from services.reviews.status import delegated_tasks, get_review_status, list_delegated_to_me, list_live_reviews
from services.settings import add_closure_day
from tests.types import MakeAccount

TODAY = date(2026, 12, 18)


class ReviewFields(TypedDict, total=False):
    """open_review's keyword arguments a test may set (each as a form may send it, None included)."""

    notification_type: str | None
    incident_date: date | None
    csc_aware_date: date | None
    notification_received_date: date | None
    children: Sequence[ChildEntry]
    sin_submitted_date: date | None


def _open(session: Session, actor: Account, *, received: date = date(2026, 12, 18), initials: str = "AB",
          as_of: date = TODAY, **overrides: Unpack[ReviewFields]) -> Review:
    values: ReviewFields = {
        "notification_type": "serious_harm",
        "incident_date": date(2026, 11, 24),
        "csc_aware_date": date(2026, 11, 25),
        "notification_received_date": received,
        "children": [ChildEntry(initials, 7)],
    }
    values.update(overrides)
    return open_review(session, actor, as_of=as_of, **values)


def _milestone(review: Review, key: str) -> ReviewMilestone:
    return next(m for m in review.milestones if m.key == key)


def test_open_review_gets_reference_and_plan_dates(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    assert review.case_reference == "181226AB"
    assert review.state == "open"
    assert [c.initials for c in review.children] == ["AB"]
    assert _milestone(review, "scoping_sent").due_date == date(2026, 12, 18)
    assert _milestone(review, "returns_accepted").due_date == date(2026, 12, 29)
    assert _milestone(review, "rr_meeting").due_date == date(2026, 12, 31)
    assert _milestone(review, "panel_submission").due_date == date(2027, 1, 12)
    assert _milestone(review, "panel_response").due_date is None


def test_reference_clash_gets_suffixes(session: Session, officer: Account) -> None:
    refs = [_open(session, officer).case_reference for _ in range(3)]
    assert refs == ["181226AB", "181226AB-2", "181226AB-3"]


def test_reference_uses_first_child_of_several(session: Session, officer: Account) -> None:
    review = _open(session, officer, children=[ChildEntry("c.d", 3), ChildEntry("EF", 9)])
    assert review.case_reference == "181226CD"
    assert [(c.position, c.initials, c.age_years) for c in review.children] == [(1, "CD", 3), (2, "EF", 9)]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"incident_date": date(2026, 11, 26)}, "incident date"),
        ({"csc_aware_date": date(2026, 12, 19), "notification_received_date": date(2026, 12, 18)}, "future"),
        ({"notification_received_date": date(2026, 11, 24)}, "must be on or before"),
        ({"sin_submitted_date": date(2026, 11, 20)}, "SIN"),
        ({"notification_received_date": None}, "Give the date the notification was received"),
        ({"children": []}, "at least one child"),
        ({"children": [ChildEntry("Jo Smith", 3)]}, "1 to 4 letters"),
        ({"children": [ChildEntry("AB", 18)]}, "between 0 and 17"),
        ({"children": [ChildEntry("A", 1)] * 5}, "at most 4"),
        ({"notification_type": "accident"}, "notification type"),
    ],
)
def test_open_review_refuses_bad_input_and_writes_nothing(session: Session, officer: Account, overrides: ReviewFields,
                                                          message: str) -> None:
    before = session.scalar(select(func.count()).select_from(Review))
    with pytest.raises(InvalidInput, match=message):
        _open(session, officer, **overrides)
    assert session.scalar(select(func.count()).select_from(Review)) == before


def test_board_and_admin_cannot_open_reviews(session: Session, make_account: MakeAccount) -> None:
    for role in ("board", "admin", "chair"):
        with pytest.raises(NotAllowed):
            _open(session, make_account(role))


def test_database_refuses_what_services_must_never_write(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), session.begin_nested():
        review.incident_date = date(2026, 11, 30)
        session.flush()
    session.refresh(review)
    with pytest.raises(IntegrityError), session.begin_nested():
        review.children[0].initials = "Jo"
        session.flush()


def test_correcting_received_date_recomputes_open_milestones_and_keeps_done_ones(session: Session, officer: Account,
                                                                                 chair: Account) -> None:
    # Received Fri 18 Dec (due Tue 12 Jan); corrected to Thu 17 Dec, the review is due one working day earlier,
    # Mon 11 Jan. Moving it later than the timeline, done on the 18th, would be refused (test_reviews_hostile).
    review = _open(session, officer, received=date(2026, 12, 18), as_of=TODAY)
    timeline = _milestone(review, "timeline_agreed")
    record_milestone_done(session, officer, milestone_id=timeline.id, done_on=date(2026, 12, 18), as_of=TODAY)
    update_review_dates(
        session, officer, review_id=review.id, expected_version=review.version,
        incident_date=review.incident_date, csc_aware_date=review.csc_aware_date, sin_submitted_date=None,
        notification_received_date=date(2026, 12, 17), as_of=TODAY,
    )
    assert _milestone(review, "panel_submission").due_date == date(2027, 1, 11)
    assert timeline.done_date == date(2026, 12, 18)
    assert review.case_reference == "181226AB"


def test_stale_version_is_refused(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    with pytest.raises(StaleRecord, match="changed by someone else"):
        update_review_dates(
            session, officer, review_id=review.id, expected_version=review.version - 1,
            incident_date=review.incident_date, csc_aware_date=review.csc_aware_date, sin_submitted_date=None,
            notification_received_date=date(2026, 12, 17), as_of=TODAY,
        )


def test_record_milestone_done_keeps_who_and_refuses_twice(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    m = _milestone(review, "case_folder")
    record_milestone_done(session, officer, milestone_id=m.id, done_on=TODAY, note="folder made", as_of=TODAY)
    assert (m.done_date, m.done_by_id, m.note) == (TODAY, officer.id, "folder made")
    with pytest.raises(InvalidInput, match="already recorded as done"):
        record_milestone_done(session, officer, milestone_id=m.id, done_on=TODAY, as_of=TODAY)


@pytest.mark.parametrize("done_on, message",
                         [(date(2026, 12, 19), "future"), (date(2026, 12, 17), "before the notification")])
def test_record_milestone_done_refuses_bad_dates(session: Session, officer: Account, done_on: date,
                                                 message: str) -> None:
    review = _open(session, officer)
    with pytest.raises(InvalidInput, match=message):
        record_milestone_done(session, officer, milestone_id=_milestone(review, "case_folder").id, done_on=done_on,
                              as_of=TODAY)


def test_minutes_follow_the_meeting_date(session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    as_of = date(2026, 12, 31)
    record_milestone_done(session, manager, milestone_id=_milestone(review, "rr_meeting").id, done_on=as_of,
                          as_of=as_of, done_outside_reason="Held before the tracker was in use.")
    assert _milestone(review, "minutes").due_date == date(2027, 1, 4)


def test_exec_decision_needs_an_answer_and_switches_the_exec_meeting(session: Session, officer: Account,
                                                                     chair: Account) -> None:
    review = _open(session, officer)
    decision = _milestone(review, "exec_decision")
    with pytest.raises(InvalidInput, match="yes or no"):
        record_milestone_done(session, chair, milestone_id=decision.id, done_on=TODAY, as_of=TODAY)
    status = get_review_status(session, chair, review_id=review.id, as_of=TODAY)
    assert next(s for s in status.milestones if s.milestone.key == "exec_meeting").rag == Rag.NOT_NEEDED
    record_milestone_done(session, chair, milestone_id=decision.id, done_on=TODAY, as_of=TODAY,
                          exec_meeting_required=True)
    status = get_review_status(session, chair, review_id=review.id, as_of=TODAY)
    assert next(s for s in status.milestones if s.milestone.key == "exec_meeting").rag == Rag.NOT_DUE_YET


def test_submission_and_response_are_the_managers_and_close_the_review(session: Session, officer: Account,
                                                                       manager: Account) -> None:
    review = _open(session, officer, received=date(2026, 12, 1), as_of=TODAY)
    submission = _milestone(review, "panel_submission")
    with pytest.raises(NotAllowed):
        record_milestone_done(session, officer, milestone_id=submission.id, done_on=TODAY, as_of=TODAY)
    response = _milestone(review, "panel_response")
    # Issue 6: the report's steps are recorded on the Report page (services.report), not by hand.
    with pytest.raises(InvalidInput, match="is recorded on the Report page"):
        record_milestone_done(session, manager, milestone_id=submission.id, done_on=TODAY, as_of=TODAY)
    # What services.report does after its own checks: the milestone core.
    with pytest.raises(InvalidInput, match="submission to the Panel before"):
        complete_milestone(session, manager, milestone_id=response.id, done_on=TODAY, as_of=TODAY)
    # Issue 26: the submission asks for the Rapid Review meeting (here recorded as held outside the product).
    record_milestone_done(session, manager, milestone_id=_milestone(review, "rr_meeting").id,
                          done_on=date(2026, 12, 10), as_of=TODAY, done_outside_reason="Held before the tracker.")
    complete_milestone(session, manager, milestone_id=submission.id, done_on=date(2026, 12, 17), as_of=TODAY)
    assert (review.state, review.submitted_to_panel_date) == ("submitted", date(2026, 12, 17))
    live = list_live_reviews(session, manager, as_of=TODAY)
    assert [s.progress for s in live if s.review.id == review.id] == ["submitted on time (Day 13)"]
    complete_milestone(session, manager, milestone_id=response.id, done_on=TODAY, as_of=TODAY)
    assert review.state == "closed"
    assert review.id not in [s.review.id for s in list_live_reviews(session, manager, as_of=TODAY)]


def test_live_list_status_day_numbers_and_worst_first(session: Session, officer: Account, manager: Account) -> None:
    late = _open(session, officer, received=date(2026, 12, 1), initials="LA", as_of=TODAY)
    _open(session, officer, received=date(2026, 12, 18), initials="FR", as_of=TODAY)
    for m in late.milestones:
        if m.window_end_day and m.window_end_day <= 13 and not m.optional and m.key != "exec_meeting":
            # Issue 6: "sent to the JCR Chair" is a report step, so the core completes it (no Report page here).
            complete_milestone(session, manager, milestone_id=m.id, done_on=TODAY, as_of=TODAY,
                               exec_meeting_required=False if m.key == "exec_decision" else None)
    statuses = {s.review.case_reference: s for s in list_live_reviews(session, manager, as_of=TODAY)}
    # Received Tue 1 Dec: 18 Dec is Day 14; due Day 15 = Mon 21 Dec; signed report due today+1 -> amber.
    assert statuses["011226LA"].progress == "Day 14 of 15"
    assert statuses["011226LA"].due_date == date(2026, 12, 21)
    assert statuses["011226LA"].working_days_left == 1
    assert statuses["011226LA"].rag == Rag.AMBER
    # Received today: Day 1 steps are due today -> amber; Day 15 is Tue 12 Jan 2027.
    assert statuses["181226FR"].progress == "Day 1 of 15"
    assert statuses["181226FR"].due_date == date(2027, 1, 12)
    assert statuses["181226FR"].rag == Rag.AMBER
    overdue = list_live_reviews(session, manager, as_of=date(2026, 12, 23))
    late_status = next(s for s in overdue if s.review.id == late.id)
    assert late_status.progress == "overdue by 2 working days"
    assert late_status.rag == Rag.RED
    assert overdue[0].review.id == late.id


def test_agreed_date_replaces_plan_date_for_rag_and_is_logged(session: Session, officer: Account,
                                                              manager: Account) -> None:
    review = _open(session, officer)
    meeting = _milestone(review, "rr_meeting")
    with pytest.raises(NotAllowed):
        set_agreed_date(session, officer, expected_version=None, milestone_id=meeting.id,
                        agreed_on=date(2027, 1, 5), reason="x")
    with pytest.raises(InvalidInput, match="Say why"):
        set_agreed_date(session, manager, expected_version=None, milestone_id=meeting.id,
                        agreed_on=date(2027, 1, 5), reason=" ")
    set_agreed_date(session, manager, expected_version=None, milestone_id=meeting.id,
                    agreed_on=date(2027, 1, 5), reason="Chair's diary")
    assert (meeting.due_date, meeting.effective_due_date) == (date(2026, 12, 31), date(2027, 1, 5))
    status = get_review_status(session, manager, review_id=review.id, as_of=date(2027, 1, 4))
    assert next(s for s in status.milestones if s.milestone.key == "rr_meeting").rag == Rag.AMBER
    entry = session.scalars(select(LogEntry).where(LogEntry.milestone_id == meeting.id)).one()
    assert entry.category == "date agreed" and "Chair's diary" in entry.text and "31 Dec 2026" in entry.text


def test_closure_days_move_open_reviews(session: Session, officer: Account, make_account: MakeAccount) -> None:
    review = _open(session, officer)
    admin = make_account("admin")
    for day in (29, 30, 31):
        add_closure_day(session, admin, closed_on=date(2026, 12, day), reason="Christmas closure")
    assert _milestone(review, "returns_accepted").due_date == date(2027, 1, 4)
    assert _milestone(review, "panel_submission").due_date == date(2027, 1, 15)


def test_board_cannot_read_reviews(session: Session, officer: Account, make_account: MakeAccount) -> None:
    _open(session, officer)
    with pytest.raises(NotAllowed):
        list_live_reviews(session, make_account("board"), as_of=TODAY)


def test_delegation_is_the_managers_logged_and_listed_soonest_first(session: Session, officer: Account,
                                                                    manager: Account, chair: Account) -> None:
    first = _open(session, officer, received=date(2026, 12, 18), initials="AB")
    second = _open(session, officer, received=date(2026, 12, 1), initials="CD")
    meeting = _milestone(first, "rr_meeting")
    folder = _milestone(second, "case_folder")
    with pytest.raises(NotAllowed):
        delegate_milestone(session, officer, expected_version=None, milestone_id=meeting.id, delegate_to_id=officer.id)
    delegate_milestone(session, manager, expected_version=None, milestone_id=meeting.id, delegate_to_id=officer.id)
    delegate_milestone(session, manager, expected_version=None, milestone_id=folder.id, delegate_to_id=officer.id)
    with pytest.raises(InvalidInput, match="already delegated to Test officer"):
        delegate_milestone(session, manager, expected_version=None, milestone_id=folder.id, delegate_to_id=officer.id)
    tasks = list_delegated_to_me(session, officer, as_of=TODAY)
    assert [(t.case_reference, t.title, t.due_date, t.rag) for t in tasks] == [
        ("011226CD", "Case folder created", date(2026, 12, 1), Rag.RED),
        ("181226AB", "Rapid Review meeting held", date(2026, 12, 31), Rag.NOT_DUE_YET),
    ]
    assert list_delegated_to_me(session, chair, as_of=TODAY) == []
    delegate_milestone(session, manager, expected_version=None, milestone_id=folder.id, delegate_to_id=chair.id)
    record_milestone_done(session, manager, milestone_id=meeting.id, done_on=TODAY, as_of=TODAY,
                          done_outside_reason="Held before the tracker was in use.")
    assert list_delegated_to_me(session, officer, as_of=TODAY) == []
    assert [t.title for t in list_delegated_to_me(session, chair, as_of=TODAY)] == ["Case folder created"]
    texts = session.scalars(select(LogEntry.text).where(LogEntry.category == "delegation").order_by(LogEntry.id)).all()
    assert texts == [
        "'Rapid Review meeting held' delegated to Test officer.",
        "'Case folder created' delegated to Test officer.",
        "'Case folder created' delegated to Test chair (was Test officer).",
    ]
    with pytest.raises(InvalidInput, match="already done"):
        delegate_milestone(session, manager, expected_version=None, milestone_id=meeting.id, delegate_to_id=None)


def test_a_delegated_step_that_does_not_apply_is_nobodys_task_until_it_does(session: Session, officer: Account,
                                                                            manager: Account, chair: Account) -> None:
    review = _open(session, officer)
    exec_meeting = _milestone(review, "exec_meeting")
    delegate_milestone(session, manager, expected_version=None, milestone_id=exec_meeting.id,
                       delegate_to_id=officer.id)
    # No executive findings meeting is needed until the Day 1 decision says so.
    assert list_delegated_to_me(session, officer, as_of=TODAY) == []
    assert delegated_tasks(list_live_reviews(session, officer, as_of=TODAY), officer.id) == []
    record_milestone_done(session, chair, milestone_id=_milestone(review, "exec_decision").id, done_on=TODAY,
                          as_of=TODAY, exec_meeting_required=True)
    expected = [("181226AB", "Executive findings meeting with the AD/DCS held", Rag.NOT_DUE_YET)]
    assert [(t.case_reference, t.title, t.rag) for t in list_delegated_to_me(session, officer, as_of=TODAY)] \
        == expected
    # The live page's way (from the list of every live review) gives the same tasks.
    assert [(t.case_reference, t.title, t.rag)
            for t in delegated_tasks(list_live_reviews(session, officer, as_of=TODAY), officer.id)] == expected
    assert delegated_tasks(list_live_reviews(session, officer, as_of=TODAY), manager.id) == []


def test_delegation_only_to_active_case_accounts(session: Session, officer: Account, manager: Account,
                                                 make_account: MakeAccount) -> None:
    review = _open(session, officer)
    board = make_account("board")
    with pytest.raises(InvalidInput, match="active account of a manager, officer or JCR Chair"):
        delegate_milestone(session, manager, expected_version=None, milestone_id=_milestone(review, "case_folder").id,
                           delegate_to_id=board.id)
    delegate_ids = {a.id for a in list_delegates(session, manager)}
    assert board.id not in delegate_ids
    assert officer.id in delegate_ids
