"""A word search counts its matches at most 1,000 entries past the page's start (issue 31): a common word's exact
count over every live review is what made it slow. Exactly the cap is an exact count; one more is "more than"."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from db.models import Account, Review
from services.daily_log.reads import SEARCH_COUNT_CAP, search_log
from services.daily_log.rules import LogFilters
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

TODAY = date(2026, 11, 26)
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
# n entries "Kestrel note <g>" a minute apart; the review's own entries (its opening) never say "kestrel".
KESTRELS = """
INSERT INTO daily_log (review_id, logged_at, author_id, category, text, by_system)
SELECT :review_id, :start + g * interval '1 minute', :author_id, 'other', 'Kestrel note ' || g, false
FROM generate_series(1, :n) AS g
"""


def _review_with_kestrels(session: Session, officer: Account, n: int) -> Review:
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                         csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                         children=[ChildEntry("QK", 7)], as_of=TODAY)
    session.execute(text(KESTRELS), dict(review_id=review.id, start=START, author_id=officer.id, n=n))
    return review


def test_the_cap_is_a_thousand() -> None:
    assert SEARCH_COUNT_CAP == 1000


# Worked by hand, 50 a page: (matching entries, page asked) -> (total shown, capped, pages, page shown).
# Page 1 counts at most 0 + 1,000; page 3 at most 100 + 1,000 = 1,100; page 20 at most 950 + 1,000 = 1,950.
@pytest.mark.parametrize("scope_one_review", [True, False])
@pytest.mark.parametrize(
    ("matching", "page", "expected"),
    [
        (1000, 1, (1000, False, 20, 1)),    # exactly the cap: counted exactly
        (1001, 1, (1000, True, 20, 1)),     # one more: "more than 1,000", twenty pages offered
        (1001, 3, (1001, False, 21, 3)),    # from page 3 the count reaches 1,100: 1,001 exactly, 21 pages
        (1001, 20, (1001, False, 21, 20)),
        (1001, 40, (1001, False, 21, 21)),  # past the end: the last page, counted exactly
    ],
)
def test_a_word_search_counts_up_to_the_cap_past_the_page(session: Session, officer: Account, scope_one_review: bool,
                                                          matching: int, page: int,
                                                          expected: tuple[int, bool, int, int]) -> None:
    review = _review_with_kestrels(session, officer, matching)
    result = search_log(session, officer, page=page, page_size=50,
                        filters=LogFilters(review_id=review.id if scope_one_review else None, words="kestrel"))
    assert (result.total, result.capped, result.pages, result.page) == expected


def test_a_capped_page_still_shows_the_newest_entries(session: Session, officer: Account) -> None:
    review = _review_with_kestrels(session, officer, 1001)
    result = search_log(session, officer, filters=LogFilters(review_id=review.id, words="kestrel"), page_size=3)
    # Newest first: the last written, a minute apart.
    assert [row.text for row in result.rows] == ["Kestrel note 1001", "Kestrel note 1000", "Kestrel note 999"]
    assert (result.total, result.capped, result.first_number, result.last_number) == (1000, True, 1, 3)


@pytest.mark.parametrize(
    ("cap", "page", "expected"),
    [
        (4, 1, (4, False, 2)),  # 4 matches, cap 4: exact
        (3, 1, (3, True, 2)),   # cap 3: three counted, more than three
        (3, 2, (4, False, 2)),  # page 2 (2 a page) counts up to 2 + 3 = 5: four exactly
        (1, 2, (3, True, 2)),   # page 2 counts up to 2 + 1 = 3: more than three
    ],
)
def test_the_cap_is_counted_from_the_page_asked_for(session: Session, officer: Account, cap: int, page: int,
                                                     expected: tuple[int, bool, int]) -> None:
    review = _review_with_kestrels(session, officer, 4)
    result = search_log(session, officer, filters=LogFilters(review_id=review.id, words="kestrel"), page=page,
                        page_size=2, count_cap=cap)
    assert (result.total, result.capped, result.pages) == expected


def test_a_search_without_words_is_counted_exactly(session: Session, officer: Account) -> None:
    review = _review_with_kestrels(session, officer, 1001)
    opening = session.execute(text("SELECT count(*) FROM daily_log WHERE review_id = :r AND text NOT LIKE 'Kestrel%'"),
                              {"r": review.id}).scalar_one()
    assert opening >= 1  # the review's opening is logged too
    result = search_log(session, officer, filters=LogFilters(review_id=review.id), count_cap=10)
    assert (result.total, result.capped) == (1001 + opening, False)
