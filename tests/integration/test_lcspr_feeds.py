"""The LCSPR's due steps reach the daily digest and the calendar feeds (services/due_mail.py and
services/calendar_feed.py call services/lcspr/reads.py): due, named by outside reference in a feed, cancelled once
done; the JCR Chair's feed has none."""
from __future__ import annotations

from datetime import date

from icalendar import Calendar
from sqlalchemy.orm import Session

from services.calendar_feed import calendar_feed_for_token, review_calendar_file, turn_on_calendar_feed
from services.due_mail import _digest_lines
from services.lcspr import record_lcspr_step, start_lcspr
from services.outside import outside_reference
from services.report import record_lcspr_decision
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import MakeAccount

RECEIVED = date(2026, 11, 30)
DECIDED = date(2026, 12, 2)  # reviewer due Mon 4 Jan 2027 (tests/integration/test_lcspr.py works it)


def _events(feed: bytes | None) -> dict[str, tuple[date, str, str]]:
    assert feed is not None
    return {str(e["UID"]): (e.decoded("DTSTART"), str(e["STATUS"]), str(e["SUMMARY"]))
            for e in Calendar.from_ical(feed).walk("VEVENT")}


def test_the_lcspr_steps_in_digests_and_feeds(session: Session, make_account: MakeAccount) -> None:
    officer, manager, chair = make_account("officer"), make_account("manager"), make_account("chair")
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 27),
                         csc_aware_date=date(2026, 11, 27), notification_received_date=RECEIVED,
                         children=[ChildEntry("QZ", 6)], as_of=RECEIVED)
    record_lcspr_decision(session, officer, review_id=review.id, expected_version=None, decision=True,
                          reason="The criteria are met.")
    start_lcspr(session, manager, review_id=review.id, decided_on=DECIDED, as_of=DECIDED)

    # Digest of Thu 31 Dec 2026: its next working day is Mon 4 Jan 2027 (Fri 1 Jan a holiday): the reviewer is due.
    lines = [line for line in _digest_lines(session, officer, date(2026, 12, 31), date(2027, 1, 4))
             if line.what.startswith("LCSPR")]
    assert [(line.due, line.what, line.review_id) for line in lines] == \
        [(date(2027, 1, 4), "LCSPR: Reviewer commissioned", review.id)]
    assert [line.what for line in _digest_lines(session, chair, date(2026, 12, 31), date(2027, 1, 4))
            if line.what.startswith("LCSPR")] == []

    uid = f"lcspr-{review.id}-reviewer_commissioned@rapid-review-tracker"
    token = turn_on_calendar_feed(session, manager)
    event = _events(calendar_feed_for_token(session, token=token, as_of=DECIDED))[uid]
    ref = outside_reference(review.case_reference, review.id)
    assert event == (date(2027, 1, 4), "CONFIRMED", f"LCSPR {ref}: Reviewer commissioned")
    assert "QZ" not in event[2]
    chair_feed = _events(calendar_feed_for_token(session, token=turn_on_calendar_feed(session, chair), as_of=DECIDED))
    assert uid not in chair_feed

    record_lcspr_step(session, officer, review_id=review.id, step="reviewer_commissioned", done_on=date(2026, 12, 14),
                      expected_version=None, as_of=date(2026, 12, 14), reviewer_name="A Reviewer")
    assert _events(calendar_feed_for_token(session, token=token, as_of=date(2026, 12, 14)))[uid][1] == "CANCELLED"
    assert uid in _events(review_calendar_file(session, officer, review_id=review.id))
