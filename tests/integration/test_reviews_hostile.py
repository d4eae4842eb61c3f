"""Reviews against careless and hostile input (issue 11): the free-text gate, lost updates, date bounds."""
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import ReviewState
from db.models import Account, Review, ReviewChild, ReviewMilestone
from services.errors import InvalidInput, StaleRecord
from services.reviews.rules import ChildEntry
from services.reviews.service import (
    delegate_milestone,
    record_milestone_done,
    set_agreed_date,
    update_review_dates,
)
from tests.integration.test_reviews import TODAY, _milestone, _open

RECEIVED = date(2026, 12, 18)   # Fri; a year after it is Sat 18 Dec 2027


def _agree(session: Session, actor: Account, milestone: ReviewMilestone, **overrides: Any) -> ReviewMilestone:
    kwargs: dict[str, Any]
    kwargs = dict(milestone_id=milestone.id, expected_version=milestone.version, agreed_on=date(2027, 1, 5),
                  reason="Chair's diary")
    kwargs.update(overrides)
    return set_agreed_date(session, actor, **kwargs)


# ------------------------------------------------------------------ lost updates


def test_set_agreed_date_refuses_a_second_writer_with_an_older_version(session: Session, officer: Account,
                                                                       manager: Account) -> None:
    meeting = _milestone(_open(session, officer), "rr_meeting")
    read_by_both = meeting.version
    _agree(session, manager, meeting, expected_version=read_by_both)
    with pytest.raises(StaleRecord, match="'Rapid Review meeting held' was changed by someone else"):
        _agree(session, manager, meeting, expected_version=read_by_both, agreed_on=date(2027, 1, 6),
               reason="Later still")
    session.refresh(meeting)
    assert (meeting.agreed_due_date, meeting.agreed_reason) == (date(2027, 1, 5), "Chair's diary")


def test_delegate_milestone_refuses_a_second_writer_with_an_older_version(session: Session, officer: Account,
                                                                          manager: Account, chair: Account) -> None:
    meeting = _milestone(_open(session, officer), "rr_meeting")
    read_by_both = meeting.version
    delegate_milestone(session, manager, milestone_id=meeting.id, expected_version=read_by_both,
                       delegate_to_id=officer.id)
    with pytest.raises(StaleRecord, match="changed by someone else since you opened it"):
        delegate_milestone(session, manager, milestone_id=meeting.id, expected_version=read_by_both,
                           delegate_to_id=chair.id)
    session.refresh(meeting)
    assert meeting.delegated_to_id == officer.id


def test_record_milestone_done_refuses_a_second_writer_with_an_older_version(session: Session, officer: Account,
                                                                             manager: Account) -> None:
    folder = _milestone(_open(session, officer), "case_folder")
    read_by_both = folder.version
    _agree(session, manager, folder, expected_version=read_by_both, agreed_on=RECEIVED)
    with pytest.raises(StaleRecord):
        record_milestone_done(session, officer, milestone_id=folder.id, expected_version=read_by_both,
                              done_on=TODAY, as_of=TODAY)
    assert folder.done_date is None


# ------------------------------------------------------------------ free text


def test_a_milestone_note_of_10000_characters_is_refused_and_4000_kept(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    with pytest.raises(InvalidInput, match="The note is 10,000 characters long; it can be at most 4,000"):
        record_milestone_done(session, officer, milestone_id=_milestone(review, "case_folder").id, done_on=TODAY,
                              note="x" * 10_000, as_of=TODAY)
    done = record_milestone_done(session, officer, milestone_id=_milestone(review, "case_folder").id,
                                 done_on=TODAY, note="  " + "y" * 4000 + "\n ", as_of=TODAY)
    assert done.note == "y" * 4000


def test_a_milestone_note_with_a_nul_is_refused_and_a_vertical_tab_becomes_a_new_line(session: Session,
                                                                                      officer: Account) -> None:
    review = _open(session, officer)
    folder = _milestone(review, "case_folder")
    with pytest.raises(InvalidInput, match=r"The note contains a hidden control character \(U\+0000"):
        record_milestone_done(session, officer, milestone_id=folder.id, done_on=TODAY, note="a\x00b", as_of=TODAY)
    record_milestone_done(session, officer, milestone_id=folder.id, done_on=TODAY, note="one\vtwo", as_of=TODAY)
    assert folder.note == "one\ntwo"


def test_agreed_reason_goes_through_the_gate(session: Session, officer: Account, manager: Account) -> None:
    meeting = _milestone(_open(session, officer), "rr_meeting")
    with pytest.raises(InvalidInput, match="reason the date was agreed contains a hidden control character"):
        _agree(session, manager, meeting, reason="Chair\x01")
    with pytest.raises(InvalidInput, match="reason the date was agreed is 4,001 characters long"):
        _agree(session, manager, meeting, reason="r" * 4001)
    with pytest.raises(InvalidInput, match="Say why the date was agreed"):
        _agree(session, manager, meeting, reason=" \n\t ")
    _agree(session, manager, meeting, reason="  Chair's\u2028diary  ")
    assert meeting.agreed_reason == "Chair's\ndiary"


@pytest.mark.parametrize("initials", ["ß", "ı", "Aß", "É", "Ａ"])
def test_initials_outside_a_to_z_are_refused_not_changed(session: Session, officer: Account, initials: str) -> None:
    with pytest.raises(InvalidInput, match="is not a set of initials: use 1 to 4 letters from A to Z"):
        _open(session, officer, initials=initials)
    assert not session.scalars(select(ReviewChild)).all()


def test_initials_with_a_nul_are_refused_with_a_sentence(session: Session, officer: Account) -> None:
    with pytest.raises(InvalidInput, match="initials of child 1 contains a hidden control character"):
        _open(session, officer, children=[ChildEntry("A\x00B", 4)])


# ------------------------------------------------------------------ date bounds


@pytest.mark.parametrize(
    ("agreed_on", "message"),
    [
        (date(1900, 1, 1), r"agreed date \(01 Jan 1900\) cannot be before the notification was received "
                           r"\(18 Dec 2026\)"),
        (date(2026, 12, 17), r"cannot be before the notification was received"),
        (date(2027, 12, 19), r"more than a year after the notification was received \(18 Dec 2026\): give a date "
                             r"on or before 18 Dec 2027"),
        (date(2100, 1, 1), r"agreed date \(01 Jan 2100\) is more than a year after"),
    ],
)
def test_agreed_dates_outside_the_review_window_are_refused(session: Session, officer: Account, manager: Account,
                                                            agreed_on: date, message: str) -> None:
    meeting = _milestone(_open(session, officer), "rr_meeting")
    with pytest.raises(InvalidInput, match=message):
        _agree(session, manager, meeting, agreed_on=agreed_on)
    assert meeting.agreed_due_date is None


def test_agreed_dates_at_the_edges_of_the_window_are_kept(session: Session, officer: Account, manager: Account) -> None:
    meeting = _milestone(_open(session, officer), "rr_meeting")
    _agree(session, manager, meeting, agreed_on=RECEIVED)
    # The window ends Sat 18 Dec 2027; an agreed date is a working day (issue 26): its last one is Fri 17 Dec.
    _agree(session, manager, meeting, agreed_on=date(2027, 12, 17))
    assert meeting.agreed_due_date == date(2027, 12, 17)


@pytest.mark.parametrize(("state", "message"), [
    (ReviewState.SUBMITTED, "was submitted to the Panel on 12 Jan 2027; a date can no longer be agreed"),
    (ReviewState.CLOSED, "is closed; its dates can no longer be agreed"),
])
def test_no_agreed_date_on_a_submitted_or_closed_review(session: Session, officer: Account, manager: Account,
                                                        state: ReviewState,
                                                        message: str) -> None:
    review = _open(session, officer)
    review.state, review.submitted_to_panel_date = state, date(2027, 1, 12)
    if state == ReviewState.CLOSED:
        review.panel_response_date = date(2027, 1, 20)
    session.flush()
    meeting = _milestone(review, "rr_meeting")
    with pytest.raises(InvalidInput, match=message):
        _agree(session, manager, meeting)


def test_received_cannot_move_after_a_milestone_already_done(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    record_milestone_done(session, officer, milestone_id=_milestone(review, "case_folder").id,
                          done_on=RECEIVED, as_of=TODAY)
    with pytest.raises(InvalidInput, match=r"cannot be received \(19 Dec 2026\) after 'Case folder created' was "
                                           r"done \(18 Dec 2026\)"):
        update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                            incident_date=review.incident_date, csc_aware_date=review.csc_aware_date,
                            sin_submitted_date=None, notification_received_date=date(2026, 12, 19),
                            as_of=date(2026, 12, 21))
    session.refresh(review)
    assert review.notification_received_date == RECEIVED
    # Earlier is fine: the milestone stays done on its day.
    update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                        incident_date=review.incident_date, csc_aware_date=review.csc_aware_date,
                        sin_submitted_date=None, notification_received_date=date(2026, 12, 17),
                        as_of=date(2026, 12, 21))
    assert session.scalars(select(ReviewMilestone.done_date).where(
        ReviewMilestone.review_id == review.id, ReviewMilestone.key == "case_folder")).one() == RECEIVED


def test_received_cannot_move_after_the_submission(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    review.state, review.submitted_to_panel_date = ReviewState.SUBMITTED, date(2026, 12, 21)
    session.flush()
    with pytest.raises(InvalidInput, match=r"after the review was submitted to the Panel \(21 Dec 2026\)"):
        update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                            incident_date=review.incident_date, csc_aware_date=review.csc_aware_date,
                            sin_submitted_date=None, notification_received_date=date(2026, 12, 22),
                            as_of=date(2026, 12, 23))
    assert session.get_one(Review, review.id).notification_received_date == RECEIVED
