"""The owner's own actions in the daily digest and the calendar feed: an officer who owns an overdue action and one
due on the next working day gets both in the digest (linked to the Actions page), and each on its due date in the
feed; once evidence is given the feed cancels it and the digest drops it. A named contact's action is nobody's."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from db.models import Agency
from services.actions.service import add_action, add_recommendation, give_evidence
from services.calendar_feed import calendar_feed_for_token, turn_on_calendar_feed
from services.due_mail import _digest_lines
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import MakeAccount

RECEIVED = date(2026, 12, 1)  # Tue
TODAY = date(2026, 12, 24)  # Thu
NEXT_DAY = date(2026, 12, 29)  # (Fri 25 Christmas, Mon 28 Boxing Day substitute) Tue 29


def test_the_owner_sees_their_actions_in_the_digest_and_the_feed(session: Session, make_account: MakeAccount) -> None:
    officer, other = make_account("officer"), make_account("officer")
    review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 28),
                         csc_aware_date=date(2026, 11, 30), notification_received_date=RECEIVED,
                         children=[ChildEntry("AB", 4)], as_of=TODAY)
    agency = Agency(name="Feed Police", kind="police", active=True)
    session.add(agency)
    session.flush()
    rec = add_recommendation(session, officer, review_id=review.id, source="rapid_review", text="Learn.",
                             made_on=date(2026, 12, 10), as_of=TODAY)

    def action(due: date, owner_id: int | None) -> int:
        return add_action(session, officer, recommendation_id=rec, agency_id=agency.id, owner_account_id=owner_id,
                          owner_name=None if owner_id else "J Smith", owner_email=None, description="Do it.",
                          due_on=due, impact_check_on=None)

    late, soon = action(date(2026, 12, 23), officer.id), action(NEXT_DAY, officer.id)
    later = action(date(2026, 12, 30), officer.id)  # after the next working day: not in the digest
    action(date(2026, 12, 23), None)  # a named contact's: in nobody's digest
    lines = [(line.due, line.what, line.page) for line in _digest_lines(session, officer, TODAY, NEXT_DAY)
             if line.page == "actions"]
    assert lines == [(date(2026, 12, 23), f"Action {late} (Feed Police) overdue", "actions"),
                     (NEXT_DAY, f"Action {soon} (Feed Police) due", "actions")]
    assert [line for line in _digest_lines(session, other, TODAY, NEXT_DAY) if line.page == "actions"] == []

    token = turn_on_calendar_feed(session, officer)
    feed = calendar_feed_for_token(session, token=token, as_of=TODAY)
    assert feed is not None
    text = feed.decode()
    for action_id in (late, soon, later):
        assert f"UID:action-{action_id}@" in text
    assert "AB" not in text.split("action-")[1][:200]  # the outside reference, never the initials

    give_evidence(session, officer, action_id=late, expected_version=1, evidence="Done.", as_of=TODAY)
    assert [line.what for line in _digest_lines(session, officer, TODAY, NEXT_DAY) if line.page == "actions"] == [
        f"Action {soon} (Feed Police) due"]
    again = calendar_feed_for_token(session, token=token, as_of=TODAY)
    assert again is not None
    event = again.decode().split(f"UID:action-{late}@")[0].rsplit("BEGIN:VEVENT", 1)[1] + again.decode().split(
        f"UID:action-{late}@")[1].split("END:VEVENT", 1)[0]
    assert "STATUS:CANCELLED" in event
