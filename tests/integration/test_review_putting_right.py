"""Putting a review right (issue 26): withdrawing a review opened in error, correcting its facts, and the type that
has no default. Expected values are worked by hand from domain.md ("Putting a review right") and the reference rule
(DDMMYY of the notification's receipt + the first child's initials, -2, -3 on a clash)."""
from collections.abc import Callable, Sequence
from datetime import date

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review, ReviewFactCorrection
from db.models_returns import AgencyReturn
from services.calendar_feed import calendar_feed_for_token, turn_on_calendar_feed
from services.due_mail import _digest_lines
from services.errors import InvalidInput, NotAllowed
from services.meetings.service import record_meeting
from services.returns.reads import list_outstanding_returns, returns_received_counts
from services.returns.service import record_returns_requested
from services.reviews.reads import list_reviews, putting_right
from services.reviews.rules import ChildEntry
from services.reviews.service import (
    correct_review_facts,
    open_review,
    record_milestone_done,
    set_agreed_date,
    update_review_dates,
    withdraw_review,
)
from services.reviews.status import list_live_reviews
from tests.types import MakeAccount

MONDAY, TUESDAY = date(2026, 12, 7), date(2026, 12, 8)


def _open(session: Session, actor: Account, *, initials: str = "AB", received: date = MONDAY,
          kind: str | None = "death", children: list[ChildEntry] | None = None) -> Review:
    return open_review(session, actor, notification_type=kind, incident_date=None, csc_aware_date=None,
                       notification_received_date=received, children=children or [ChildEntry(initials, 7)],
                       as_of=received)


def _withdraw(session: Session, actor: Account, review: Review, *, reason: str | None = "opened in error",
              note: str = "", as_of: date = TUESDAY) -> Review:
    return withdraw_review(session, actor, review_id=review.id, expected_version=review.version, reason=reason,
                           note=note, as_of=as_of)


def _agencies(session: Session, n: int) -> list[Agency]:
    agencies = [Agency(name=f"Agency {i}", kind="police", active=True) for i in range(n)]
    session.add_all(agencies)
    session.flush()
    return agencies


# ---------------------------------------------------------------- withdrawing


def test_a_withdrawn_review_leaves_the_live_list_worklist_and_digest_and_is_kept_readable(
        session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    kept = _open(session, officer, initials="CD")
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in _agencies(session, 2)],
                             requested_on=MONDAY, as_of=MONDAY)
    assert {s.review.id for s in list_live_reviews(session, manager, as_of=TUESDAY)} == {review.id, kept.id}
    _withdraw(session, manager, review, reason="other", note="CSC notified the wrong partnership")
    assert [s.review.id for s in list_live_reviews(session, manager, as_of=TUESDAY)] == [kept.id]
    assert [r.ret.review_id for r in list_outstanding_returns(session, officer, as_of=TUESDAY)] == []
    assert {line.case_reference for line in _digest_lines(session, manager, TUESDAY, date(2026, 12, 9))} == \
        {"071226CD"}
    reviews = list_reviews(session, officer)
    assert [r.case_reference for r in reviews.live] == ["071226CD"]
    assert [r.case_reference for r in reviews.closed] == ["071226AB"]  # the closed-review finder finds it
    found = reviews.by_id[review.id]
    assert (found.state, found.withdrawn_on, found.withdrawn_reason, found.withdrawn_note) == \
        ("withdrawn", TUESDAY, "other", "CSC notified the wrong partnership")
    assert putting_right(session, officer, review_id=review.id).withdrawn_by_name == manager.display_name
    # Its open returns stop counting: both ended as withdrawn, and the count says so.
    ended = session.scalars(select(AgencyReturn.ended_as).where(AgencyReturn.review_id == review.id)).all()
    assert ended == ["withdrawn", "withdrawn"]
    assert returns_received_counts(session, officer, review_ids=[review.id])[review.id].label == "2 withdrawn"
    log = session.scalars(select(LogEntry.text).where(LogEntry.review_id == review.id)
                          .order_by(LogEntry.id.desc())).first()
    assert log is not None
    assert log.startswith("Review 071226AB withdrawn on 08 Dec 2026. Reason: other. Note: CSC notified the wrong "
                          "partnership")


def test_the_live_lists_count_leaves_withdrawn_returns_out(session: Session, officer: Account,
                                                           manager: Account) -> None:
    review = _open(session, officer)
    agencies = _agencies(session, 5)
    rets = record_returns_requested(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies],
                                    requested_on=MONDAY, as_of=MONDAY)
    # Received: returns 0, 1 and 4; return 4 is then withdrawn (asked in error), as is 3 (never received).
    for ret in (rets[0], rets[1], rets[4]):
        ret.received_date = TUESDAY
        ret.signed_by_senior_manager = False
    for ret in (rets[3], rets[4]):
        ret.ended_as, ret.ended_on, ret.ended_reason, ret.ended_by_id = "withdrawn", TUESDAY, "asked in error", \
            manager.id
    session.flush()
    counts = returns_received_counts(session, officer, review_ids=[review.id])[review.id]
    assert counts.label == "2 of 3 received, 2 withdrawn"  # not "3 of 5"


def test_only_a_manager_withdraws_a_review(session: Session, officer: Account, chair: Account) -> None:
    review = _open(session, officer)
    for who in (officer, chair):
        with pytest.raises(NotAllowed):
            _withdraw(session, who, review)


@pytest.mark.parametrize("reason, note, words", [
    (None, "", "Choose why the review is withdrawn"),
    ("because", "", "Choose why the review is withdrawn"),
    ("other", "  ", "Say in the note why the review is withdrawn"),
])
def test_a_withdrawal_needs_a_reason_from_the_list_and_other_needs_words(session: Session, officer: Account,
                                                                         manager: Account, reason: str | None,
                                                                         note: str,
                                                                         words: str) -> None:
    review = _open(session, officer)
    with pytest.raises(InvalidInput, match=words):
        _withdraw(session, manager, review, reason=reason, note=note)
    assert session.get_one(Review, review.id).state == "open"


def test_a_review_is_withdrawn_once(session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    _withdraw(session, manager, review)
    with pytest.raises(InvalidInput, match="071226AB was withdrawn on 08 Dec 2026: it is kept as it was"):
        _withdraw(session, manager, session.get_one(Review, review.id))


def test_a_withdrawn_review_cannot_be_written_to(session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    scoping = next(m for m in review.milestones if m.key == "scoping_sent")
    meeting = next(m for m in review.milestones if m.key == "rr_meeting")
    _withdraw(session, manager, review)
    review = session.get_one(Review, review.id)
    refused = "Review 071226AB was withdrawn on 08 Dec 2026: it is kept as it was and can no longer be changed."
    writes: list[Callable[[], object]] = [
        lambda: record_milestone_done(session, officer, milestone_id=scoping.id, done_on=TUESDAY, as_of=TUESDAY),
        lambda: set_agreed_date(session, manager, milestone_id=meeting.id, expected_version=meeting.version,
                                agreed_on=date(2026, 12, 18), reason="agreed with the Chair"),
        lambda: update_review_dates(session, officer, review_id=review.id, expected_version=review.version,
                                    incident_date=MONDAY, csc_aware_date=MONDAY, sin_submitted_date=None,
                                    notification_received_date=MONDAY, as_of=TUESDAY),
        lambda: correct_review_facts(session, officer, review_id=review.id, expected_version=review.version,
                                     notification_type="death", children=[ChildEntry("AC", 7)], reason="typo"),
        lambda: record_returns_requested(session, officer, review_id=review.id,
                                         agency_ids=[_agencies(session, 1)[0].id], requested_on=TUESDAY,
                                         as_of=TUESDAY),
        lambda: record_meeting(session, officer, review_id=review.id, kind="pre_meet", held_on=TUESDAY,
                               as_of=TUESDAY),
    ]
    for write in writes:
        with pytest.raises(InvalidInput) as refusal:
            write()
        assert str(refusal.value) == refused


def test_a_submitted_review_cannot_be_withdrawn(session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    row = session.get_one(Review, review.id)
    row.state, row.submitted_to_panel_date = "submitted", TUESDAY
    session.flush()
    with pytest.raises(InvalidInput, match="was submitted to the National Panel: it can no longer be withdrawn"):
        _withdraw(session, manager, row)


def test_a_withdrawn_review_leaves_the_calendar_feed_cancelled(session: Session, officer: Account,
                                                               manager: Account) -> None:
    review = _open(session, officer)
    token = turn_on_calendar_feed(session, manager)
    uid = f"review-{review.id}-day15@rapid-review-tracker"

    def status() -> str | None:
        feed = calendar_feed_for_token(session, token=token, as_of=TUESDAY)
        assert feed is not None
        events = {str(e["uid"]): e for e in Calendar.from_ical(feed).walk("VEVENT")}
        return str(events[uid]["status"]) if uid in events else None

    assert status() == "CONFIRMED"
    _withdraw(session, manager, review)
    assert status() == "CANCELLED"  # kept a while, cancelled, so that subscribed calendars drop it
    later = calendar_feed_for_token(session, token=token, as_of=date(2027, 3, 1))
    assert later is not None and f"review-{review.id}-".encode() not in later


def test_the_database_refuses_a_half_withdrawn_review(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    row = session.get_one(Review, review.id)
    row.state = "withdrawn"  # no date, no one, no reason
    with pytest.raises(Exception, match="withdrawn_all_or_nothing"):
        session.flush()


# ---------------------------------------------------------------- correcting facts


def _correct(session: Session, actor: Account, review: Review, *, kind: str | None = "death",
             children: Sequence[ChildEntry], reason: str = "mistyped at opening") -> Review:
    return correct_review_facts(session, actor, review_id=review.id, expected_version=review.version,
                                notification_type=kind, children=children, reason=reason)


def test_corrected_first_initials_give_a_new_reference_and_the_old_one_stays_findable(
        session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer, initials="AB")
    _correct(session, officer, review, kind="serious_harm", children=[ChildEntry("AC", 8), ChildEntry("DE", 3)])
    row = session.get_one(Review, review.id)
    assert row.case_reference == "071226AC"
    assert row.notification_type == "serious_harm"
    assert [(c.initials, c.age_years) for c in row.children] == [("AC", 8), ("DE", 3)]
    kept = {(c.fact, c.child_position, c.old_value, c.new_value) for c in
            session.scalars(select(ReviewFactCorrection).where(ReviewFactCorrection.review_id == review.id))}
    assert kept == {("notification type", None, "death", "serious_harm"), ("number of children", None, "1", "2"),
                    ("initials", 1, "AB", "AC"), ("age", 1, "7", "8"), ("initials", 2, None, "DE"),
                    ("age", 2, None, "3"), ("case reference", None, "071226AB", "071226AC")}
    reviews = list_reviews(session, officer)
    assert reviews.by_id[review.id].former_references == ("071226AB",)
    assert [r.id for r in reviews.find("071226ab")] == [review.id]  # found by its old reference
    assert "formerly 071226AB" in reviews.labels[review.id]
    # A new review for AB on the same day does not take the old reference: it names one review only.
    assert _open(session, officer, initials="AB").case_reference == "071226AB-2"
    log = session.scalars(select(LogEntry.text).where(LogEntry.review_id == review.id)
                          .order_by(LogEntry.id.desc())).first()
    assert log is not None
    assert "initials of child 1 from AB to AC" in log and "The old case reference 071226AB stays findable." in log
    assert next(c.old_value for c in putting_right(session, manager, review_id=review.id).corrections) == "death"


def test_a_corrected_reference_clash_gives_minus_2(session: Session, officer: Account) -> None:
    _open(session, officer, initials="AC")
    review = _open(session, officer, initials="AB")
    _correct(session, officer, review, children=[ChildEntry("AC", 7)])
    assert session.get_one(Review, review.id).case_reference == "071226AC-2"


def test_correcting_a_second_child_keeps_the_reference(session: Session, officer: Account) -> None:
    review = _open(session, officer, children=[ChildEntry("AB", 7), ChildEntry("CD", 4), ChildEntry("EF", 2)])
    _correct(session, officer, review, children=[ChildEntry("AB", 7), ChildEntry("CE", 4)])
    row = session.get_one(Review, review.id)
    assert row.case_reference == "071226AB"
    assert [(c.position, c.initials) for c in row.children] == [(1, "AB"), (2, "CE")]


@pytest.mark.parametrize("kind, children, reason, words", [
    ("death", [ChildEntry("A1", 7)], "typo", "'A1' is not a set of initials"),
    ("death", [ChildEntry("AB", 18)], "typo", "must be between 0 and 17 years"),
    ("death", [ChildEntry("AB", -1)], "typo", "must be between 0 and 17 years"),
    ("death", [ChildEntry(i, 1) for i in ("A", "B", "C", "D", "E")], "typo", "at most 4 children"),
    ("death", [], "typo", "at least one child"),
    (None, [ChildEntry("AB", 7)], "typo", "Choose the notification type"),
    ("death", [ChildEntry("AC", 7)], "  ", "Say why the facts are corrected"),
    ("death", [ChildEntry("AB", 7)], "typo", "Nothing to correct"),
])
def test_a_correction_is_refused_with_a_sentence(session: Session, officer: Account, kind: str | None,
                                                 children: list[ChildEntry], reason: str,
                                                 words: str) -> None:
    review = _open(session, officer)
    with pytest.raises(InvalidInput, match=words):
        _correct(session, officer, review, kind=kind, children=children, reason=reason)


def test_the_board_and_the_chair_cannot_correct_facts(session: Session, officer: Account, chair: Account,
                                                      make_account: MakeAccount) -> None:
    review = _open(session, officer)
    for who in (chair, make_account("board")):
        with pytest.raises(NotAllowed):
            _correct(session, who, review, children=[ChildEntry("AC", 7)])


def test_the_notification_type_has_no_default(session: Session, officer: Account) -> None:
    with pytest.raises(InvalidInput, match="Choose the notification type: death, serious harm or other"):
        _open(session, officer, kind=None)
