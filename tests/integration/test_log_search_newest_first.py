"""A word search over every live review (issue 31) finds a word in many entries newest first on the time index, and a
rarer word on the words' index: both give the same entries in the same order, newest first and then by number."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review
from services.daily_log.reads import NEWEST_FIRST_READ, search_log
from services.daily_log.rules import LogFilters
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # replaced by the server's time on insert


def _review(session: Session, officer: Account, initials: str) -> Review:
    return open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                       csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                       children=[ChildEntry(initials, 7)], as_of=TODAY)


def _add(session: Session, officer: Account, review: Review, at: datetime, words: str,
         category: str = "other") -> LogEntry:
    entry = LogEntry(review_id=review.id, author_id=officer.id, category=category, text=words, logged_at=at,
                     by_system=False)
    session.add(entry)
    session.flush()
    return entry


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def kestrels(session: Session, officer: Account) -> dict[str, LogEntry]:
    """Two live reviews; written in this order (ids rising): a1, b1, a2 (another word), a3, b2. The database gives
    them one time (the transaction's: the log's time is the server's), so newest first is by number."""
    first, second = _review(session, officer, "QD"), _review(session, officer, "QE")
    return {
        "a1": _add(session, officer, first, NOW, "Kestrel seen one", "decision"),
        "b1": _add(session, officer, second, NOW, "Kestrel seen two"),
        "a2": _add(session, officer, first, NOW, "Other note"),
        "a3": _add(session, officer, first, NOW, "Kestrel seen three", "decision"),
        "b2": _add(session, officer, second, NOW, "Kestrel seen four"),
    }


# Worked by hand, two a page: newest first at one time is by number, highest first: b2, a3, then b1, a1.
# With a cap of 2, page 1 needs 3 matches to say "more than 2": found newest first (b2, a3, b1), total 2, capped.
# Page 2 counts up to 2 + 2 = 4 and needs 5: there are 4, so the words' index counts them, 4 exactly.
@pytest.mark.parametrize(
    ("cap", "page", "expected", "total", "capped", "newest_first"),
    [
        (2, 1, ["b2", "a3"], 2, True, True),
        (2, 2, ["b1", "a1"], 4, False, False),
        (10, 1, ["b2", "a3"], 4, False, False),
        (10, 2, ["b1", "a1"], 4, False, False),
    ],
)
def test_newest_first_and_on_the_words_index_give_the_same_entries(
        session: Session, officer: Account, kestrels: dict[str, LogEntry], cap: int, page: int, expected: list[str],
        total: int, capped: bool, newest_first: bool) -> None:
    with _statements(session) as seen:
        result = search_log(session, officer, filters=LogFilters(words="kestrel seen"), page=page, page_size=2,
                            count_cap=cap)
    assert [row.id for row in result.rows] == [kestrels[name].id for name in expected]
    assert (result.total, result.capped, result.page) == (total, capped, page)
    # Each row still carries its review's reference and its author's name.
    assert all(row.case_reference and row.author_name == officer.display_name for row in result.rows)
    # Newest first reads each entry's words on its own row (a LATERAL check); the words' index path has none.
    assert any("LATERAL" in statement for statement in seen) is True  # tried first over every live review
    assert any("MATERIALIZED" in statement for statement in seen) is (not newest_first)


def test_a_word_beyond_the_newest_entries_read_is_found_on_its_index(session: Session, officer: Account,
                                                                     kestrels: dict[str, LogEntry]) -> None:
    # A cap of 1 wants 2 matches among the newest 2 x NEWEST_FIRST_READ live entries: newer entries without the word
    # push every kestrel past them, so the words' index finds them, newest first as ever.
    review = _review(session, officer, "QF")
    for n in range(2 * NEWEST_FIRST_READ):
        _add(session, officer, review, NOW, f"Filler {n}")  # written after: higher numbers
    result = search_log(session, officer, filters=LogFilters(words="kestrel"), page_size=2, count_cap=1)
    assert [row.id for row in result.rows] == [kestrels["b2"].id, kestrels["a3"].id]
    assert (result.total, result.capped) == (1, True)  # counted on the index: 4 found, more than 0 + 1


def test_the_other_filters_apply_newest_first_too(session: Session, officer: Account,
                                                  kestrels: dict[str, LogEntry]) -> None:
    # "decision" entries saying kestrel: a3 (ten), a1 (nine). A cap of 1 wants 2: both, found newest first.
    result = search_log(session, officer, filters=LogFilters(words="kestrel", categories=("decision",)),
                        page_size=1, count_cap=1)
    assert ([row.id for row in result.rows], result.total, result.capped) == ([kestrels["a3"].id], 1, True)
    # The dates apply too: every entry was written today (the server's time), none before 2001.
    result = search_log(session, officer, filters=LogFilters(words="kestrel", date_to=date(2000, 12, 31)),
                        count_cap=1)
    assert (result.rows, result.total, result.capped) == ((), 0, False)
    result = search_log(session, officer, filters=LogFilters(words="kestrel", date_from=date(2001, 1, 1)),
                        page_size=1, count_cap=1)
    assert ([row.id for row in result.rows], result.total, result.capped) == ([kestrels["b2"].id], 1, True)
