"""'Words in the text' on the entries' words (issue 31, migration 0027): each word typed begins a word of the entry,
in any case; punctuation splits words, and a word typed with punctuation must also appear as typed."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review
from services.daily_log.reads import search_log
from services.daily_log.rules import LogFilters, search_words
from services.errors import InvalidInput
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

TODAY = date(2026, 11, 26)
BASE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TEXTS = (
    "Phoned the GP surgery about the chronology",      # 0
    "SW visited; initials J.S. confirmed",              # 1
    "Police safeguarding lead emailed",                 # 2
    "Routine update on the review",                     # 3
    "Filed Scoping/form 100.docx in section I",         # 4
    "Spoke to the café owner; ÉCOLE closed",            # 5
    "Pasted <script>alert(1)</script> by mistake",      # 6
    "Progress 100% done, code A_B",                     # 7
    "Other agencies thereafter",                        # 8
)


@pytest.fixture
def entries(session: Session, officer: Account) -> tuple[Review, list[LogEntry]]:
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                         csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                         children=[ChildEntry("AB", 7)], as_of=TODAY)
    made = []
    for n, words in enumerate(TEXTS):
        entry = LogEntry(review_id=review.id, author_id=officer.id, category="other", text=words,
                         logged_at=BASE + timedelta(minutes=n), by_system=False)
        session.add(entry)
        session.flush()
        made.append(entry)
    return review, made


def _found(session: Session, officer: Account, review: Review | None, words: str) -> set[str]:
    page = search_log(session, officer, filters=LogFilters(review_id=review.id if review else None, words=words),
                      page_size=500)
    return {row.text for row in page.rows if row.text in TEXTS}


@pytest.mark.parametrize("scope_one_review", [True, False])
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("GP", {0}), ("gp", {0}), ("SW", {1}),                     # two letters, any case
        ("J.S.", {1}), ("js", set()),                              # initials as typed; "js" is not a word
        ("the", {0, 3, 5, 8}),                                     # a common word; "thereafter" begins with it
        ("chron", {0}), ("POLIC", {2}), ("safeguard", {2}),        # a word typed in part, from its start
        ("view", set()), ("ology", set()), ("agencies", {8}),      # not inside a longer word
        ("form", {4}), ("Scoping/form", {4}), ("docx", {4}),       # punctuation splits words
        ("café", {5}), ("CAFÉ", {5}), ("école", {5}), ("cafe", set()),  # accents kept, any case
        ("<script>", {6}), ("script", {6}), ("alert(1)", {6}),
        ("100%", {7}), ("100", {4, 7}), ("a_b", {7}), ("1%e", set()),
        ("police lead", {2}), ("police routine", set()), ("GP the", {0}),
        ("%", {7}), ("zebra", set()),
    ],
)
def test_words_found_as_worked_by_hand(session: Session, officer: Account, entries: tuple[Review, list[LogEntry]],
                                       scope_one_review: bool, words: str, expected: set[int]) -> None:
    review, _ = entries
    assert _found(session, officer, review if scope_one_review else None, words) == {TEXTS[i] for i in expected}


def test_ten_words_of_twenty_letters_are_searched(session: Session, officer: Account,
                                                  entries: tuple[Review, list[LogEntry]]) -> None:
    review, _ = entries
    # 10 words (the most the box takes), 199 characters in all.
    words = " ".join(["phoned", "the", "gp", "surgery", "about", "chronology", "pho", "th", "surg", "a" * 145])
    assert len(words) <= 200
    assert _found(session, officer, review, words) == set()
    assert _found(session, officer, review, " ".join(words.split()[:9])) == {TEXTS[0]}


@pytest.mark.parametrize(("words", "message"), [
    ("police\x00", "hidden control character"),
    (" ".join(["w"] * 100), "at most 10 words"),  # 100 words, 199 characters: refused for its words
    (" ".join(["w"] * 200), "399 characters long"),  # 200 words: refused for its length first
    ("w" * 10_000, "at most 200"),
])
def test_bad_search_refused_with_a_sentence(session: Session, officer: Account,
                                            entries: tuple[Review, list[LogEntry]], words: str, message: str) -> None:
    review, _ = entries
    with pytest.raises(InvalidInput, match=message):
        search_log(session, officer, filters=LogFilters(review_id=review.id, words=words))


def test_newest_first_and_paged(session: Session, officer: Account, entries: tuple[Review, list[LogEntry]]) -> None:
    review, made = entries
    page = search_log(session, officer, filters=LogFilters(review_id=review.id, categories=("other",), words="the"),
                      page_size=2)
    assert page.total == 4 and [r.id for r in page.rows] == [made[8].id, made[5].id]
    page = search_log(session, officer, filters=LogFilters(review_id=review.id, categories=("other",), words="the"),
                      page=2, page_size=2)
    assert [r.id for r in page.rows] == [made[3].id, made[0].id]


@pytest.mark.parametrize("scope_one_review", [True, False])
def test_a_search_takes_as_many_statements_as_no_search(session: Session, officer: Account,
                                                        entries: tuple[Review, list[LogEntry]],
                                                        scope_one_review: bool) -> None:
    review, _ = entries
    review_id = review.id if scope_one_review else None
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        search_log(session, officer, filters=LogFilters(review_id=review_id))
        plain = len(statements)
        statements.clear()
        search_log(session, officer, filters=LogFilters(review_id=review_id, words="the GP chron"))
        assert len(statements) == plain
    finally:
        event.remove(connection, "before_cursor_execute", count)


def test_search_words_rule() -> None:
    assert [(w.prefixes, w.literal) for w in search_words("GP J.S. 100% Café")] == [
        (("gp",), None), (("j", "s"), "J.S."), (("100",), "100%"), (("café",), None)]
    assert search_words("<script>")[0].tsquery == "'script':*"
    assert search_words("%")[0].prefixes == ()
