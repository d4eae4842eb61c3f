"""The pure rules of the Day 6 work: the report's summary started from an agency's answers (which sections, in what
order, trimmed to the limit at a word) and a document's size in words. Expected values worked by hand."""
from __future__ import annotations

import pytest

from services.agency_exchange import summary_draft
from services.agency_exchange.rules import size_words

ANSWERS = [("involvement", "Involvement", "Known since 2024."), ("key_dates", "Key dates", "12/03/2026: visit."),
           ("analysis", "Analysis", "Timely, but the father was not asked about."), ("learning", "Learning", "Ask.")]


def test_the_draft_takes_the_involvement_and_the_analysis_under_their_headings() -> None:
    assert summary_draft(ANSWERS, max_chars=4000) == (
        "Involvement:\nKnown since 2024.\n\nAnalysis:\nTimely, but the father was not asked about.")


def test_blank_answers_are_left_out_and_none_gives_nothing() -> None:
    assert summary_draft([("involvement", "Involvement", None), ("analysis", "Analysis", "  Thin.  ")],
                         max_chars=4000) == "Analysis:\nThin."
    assert summary_draft([("involvement", "Involvement", "   "), ("learning", "Learning", "Ask.")],
                         max_chars=4000) == ""


def test_a_long_draft_is_trimmed_to_the_limit_at_a_word() -> None:
    # "Inv:\n" is 5 characters, then "word " repeated: the 3,999th character (index 3,999) is a space, so the draft
    # keeps 798 words and a 799th, then the ellipsis: 5 + 3,994 + 1 = 4,000 characters.
    draft = summary_draft([("involvement", "Inv", "word " * 1000)], max_chars=4000)
    assert draft == "Inv:\n" + ("word " * 799).rstrip() + "\u2026"
    assert len(draft) == 4000


@pytest.mark.parametrize("text, limit, expected", [
    ("abcd efgh", 13, "Inv:\nabcd\u2026"),  # the cut falls inside "efgh": back to the word before
    ("abcd efgh", 14, "Inv:\nabcd efgh"),  # fits exactly
    ("x" * 100, 60, "Inv:\n" + "x" * 54 + "\u2026"),  # no word ends within 40 characters: cut where the limit is
])
def test_the_cut(text: str, limit: int, expected: str) -> None:
    assert summary_draft([("involvement", "Inv", text)], max_chars=limit) == expected


@pytest.mark.parametrize("size, words", [(1, "1 byte"), (50, "50 bytes"), (1023, "1,023 bytes"), (1024, "1 KB"),
                                         (1_572_864, "1.5 MB"), (10 * 1024 * 1024, "10.0 MB")])
def test_size_words(size: int, words: str) -> None:
    assert size_words(size) == words
