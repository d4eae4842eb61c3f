"""The log search's page at scale (issue 31): the page's entries are chosen on the log before the joins, so entries
that share a time are still paged newest first by their number, over one review and over every live review; and the
search's transaction keeps its bitmaps exact (work_mem 32 MB, for that transaction only)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review
from services.daily_log.reads import search_log
from services.daily_log.rules import LogFilters
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

TODAY = date(2026, 11, 26)
SAME_TIME = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _review(session: Session, officer: Account, initials: str) -> Review:
    return open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                       csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                       children=[ChildEntry(initials, 7)], as_of=TODAY)


@pytest.mark.parametrize("scope_one_review", [True, False])
def test_entries_of_one_time_are_paged_by_number_newest_first(session: Session, officer: Account,
                                                              scope_one_review: bool) -> None:
    first, second = _review(session, officer, "QB"), _review(session, officer, "QC")
    # Written in this order (ids rising): a, b (second review), c at one time; d an hour later; e does not match.
    written = []
    for review, at, words in ((first, SAME_TIME, "Zanzibar call a"), (second, SAME_TIME, "Zanzibar call b"),
                              (first, SAME_TIME, "Zanzibar call c"), (first, LATER, "Zanzibar call d"),
                              (first, LATER, "Other call e")):
        entry = LogEntry(review_id=review.id, author_id=officer.id, category="other", text=words, logged_at=at,
                         by_system=False)
        session.add(entry)
        session.flush()
        written.append(entry)
    a, b, c, d, _e = written
    # Worked by hand: newest first is d (later), then the three of one time by number, highest first: c, b, a.
    expected = [d, c, a] if scope_one_review else [d, c, b, a]
    filters = LogFilters(review_id=first.id if scope_one_review else None, words="zanzibar")
    pages = [search_log(session, officer, filters=filters, page=n, page_size=2) for n in (1, 2)]
    assert [row.id for page in pages for row in page.rows] == [entry.id for entry in expected]
    assert pages[0].total == len(expected)
    # Each row still carries its review's reference and its author's name (joined after the page is chosen).
    assert {row.case_reference for page in pages for row in page.rows} == (
        {first.case_reference} if scope_one_review else {first.case_reference, second.case_reference})
    assert {row.author_name for page in pages for row in page.rows} == {officer.display_name}


def test_the_search_has_memory_for_exact_bitmaps_in_its_transaction_only(session: Session, officer: Account) -> None:
    before = session.execute(text("SHOW work_mem")).scalar_one()
    assert before != "32MB"
    search_log(session, officer, filters=LogFilters(words="GP"))
    assert session.execute(text("SHOW work_mem")).scalar_one() == "32MB"
    session.rollback()
    assert session.execute(text("SHOW work_mem")).scalar_one() == before
