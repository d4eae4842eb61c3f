"""The pure rules of calendar events and emails: outside references, SEQUENCE, the .ics text, the digest."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from services.calendar_feed import CalendarItem, EventState, calendar_bytes, next_state
from services.due_mail import DigestLine, digest_mail
from services.outside import check_no_case_reference, outside_reference

STAMP = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("reference, review_id, expected", [
    ("180626AB", 12, "180626 no. 12"),
    ("180626AB-2", 13, "180626 no. 13"),
    ("010127ABCD", 7, "010127 no. 7"),
])
def test_the_outside_reference_drops_the_initials(reference: str, review_id: int, expected: str) -> None:
    assert outside_reference(reference, review_id) == expected


@pytest.mark.parametrize("text", ["Rapid Review 180626AB: report", "Chase 180626A due", "re 010127ABCD-2"])
def test_a_text_carrying_a_case_reference_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="initials"):
        check_no_case_reference(text, what="A subject")


def test_a_text_with_an_outside_reference_passes() -> None:
    assert check_no_case_reference("Rapid Review 180626 no. 12: Day 15", what="A subject") == \
        "Rapid Review 180626 no. 12: Day 15"


ITEM = CalendarItem("review-1-day15@x", date(2027, 1, 12), "Day 15")


def test_a_new_event_starts_at_sequence_0_and_keeps_it_while_nothing_changes() -> None:
    first = next_state(None, ITEM)
    assert first == EventState(date(2027, 1, 12), False, 0)
    assert next_state(first, ITEM) == first


def test_the_sequence_goes_up_when_the_date_moves_and_again_when_cancelled() -> None:
    moved = next_state(EventState(date(2027, 1, 12), False, 0),
                       CalendarItem(ITEM.uid, date(2027, 1, 15), ITEM.summary))
    assert moved == EventState(date(2027, 1, 15), False, 1)
    cancelled = next_state(moved, CalendarItem(ITEM.uid, date(2027, 1, 15), ITEM.summary, cancelled=True))
    assert cancelled == EventState(date(2027, 1, 15), True, 2)


def test_the_ics_parses_with_each_events_date_sequence_and_status() -> None:
    items = [ITEM, CalendarItem("milestone-5@x", date(2026, 12, 29), "Rapid Review 181226 no. 1: Minutes",
                                cancelled=True)]
    text = calendar_bytes(items, {"milestone-5@x": EventState(date(2026, 12, 29), True, 3)}, stamp=STAMP)
    parsed = Calendar.from_ical(text)
    events = {str(e["UID"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {"review-1-day15@x", "milestone-5@x"}
    day15 = events["review-1-day15@x"]
    assert day15.decoded("DTSTART") == date(2027, 1, 12)
    assert day15.decoded("DTEND") == date(2027, 1, 13)  # an all-day event
    assert (day15.decoded("SEQUENCE"), str(day15["STATUS"])) == (0, "CONFIRMED")
    minutes = events["milestone-5@x"]
    assert (minutes.decoded("SEQUENCE"), str(minutes["STATUS"])) == (3, "CANCELLED")
    assert str(parsed["VERSION"]) == "2.0"


def test_a_feed_with_no_deadlines_is_still_a_valid_calendar() -> None:
    parsed = Calendar.from_ical(calendar_bytes([], {}, stamp=STAMP))
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE"]


def test_an_event_summary_with_a_case_reference_is_never_written() -> None:
    with pytest.raises(ValueError):
        calendar_bytes([CalendarItem("u@x", date(2027, 1, 12), "Day 15 of 180626AB")], {}, stamp=STAMP)


# Thu 26 Nov 2026: the next working day is Fri 27 Nov.
TODAY, NEXT = date(2026, 11, 26), date(2026, 11, 27)


def test_the_digest_sorts_overdue_from_due_and_leaves_out_what_is_later() -> None:
    lines = [DigestLine(date(2026, 11, 25), "201126AB", "Case folder created"),
             DigestLine(date(2026, 11, 26), "191126CD", "Police return not received"),
             DigestLine(date(2026, 11, 27), "201126AB", "Returns collated"),
             DigestLine(date(2026, 11, 30), "201126AB", "Rapid Review meeting held")]
    mail = digest_mail(name="Morgan", today=TODAY, next_day=NEXT, lines=lines,
                       delegated=[DigestLine(date(2026, 12, 1), "191126CD", "Minutes saved")],
                       partnership="Test Partnership")
    assert mail is not None
    subject, body = mail
    assert subject == "Rapid Review deadlines, Thu 26 Nov 2026: 1 overdue, 2 due by Fri 27 Nov"
    summary, overdue, due, delegated = body.split("\n\n")[1:5]
    assert summary == "1 overdue, 1 due today, 1 due tomorrow, 1 delegated to you."
    assert overdue == "Overdue:\n  Wed 25 Nov  201126AB: Case folder created"
    assert due == ("Due today or on the next working day (Fri 27 Nov):\n  Thu 26 Nov  191126CD: Police return not "
                   "received\n  Fri 27 Nov  201126AB: Returns collated")
    assert delegated == "Delegated to you (open):\n  Tue 01 Dec  191126CD: Minutes saved"
    assert "Rapid Review meeting held" not in body


def test_no_digest_when_nothing_is_overdue_due_or_delegated() -> None:
    assert digest_mail(name="Morgan", today=TODAY, next_day=NEXT, partnership="P", delegated=[],
                       lines=[DigestLine(date(2026, 11, 30), "201126AB", "Later")]) is None
