"""The free-text gate: pasted line breaks, hidden control characters, lengths, and export safety."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from db.models import Agency, LogEntry
from services.errors import InvalidInput
from services.text import clean_optional_text, clean_text, max_length_of, printable

# (typed, multiline, stored): worked by hand from the rules in services/text.py.
CLEANED = [
    ("Seen at A&E", True, "Seen at A&E"),
    ("  padded  ", True, "padded"),
    ("line one\vline two", True, "line one\nline two"),  # Word's Shift+Enter
    ("one\r\ntwo\rthree", True, "one\ntwo\nthree"),
    ("page\fbreak", True, "page\nbreak"),
    ("para\u2029graph\u2028line", True, "para\ngraph\nline"),
    ("trailing   \nspaces\t\t", True, "trailing\nspaces"),
    ("tab\tinside", True, "tab\tinside"),
    ("e\u0301", True, "\u00e9"),  # composed form
    ("<script>alert(1)</script>", True, "<script>alert(1)</script>"),  # stored as typed; escaped when shown
    ("North   Trust\n", False, "North Trust"),
    ("tab\tand\nnew line", False, "tab and new line"),
    ("", True, ""),
    (None, True, ""),
]


@pytest.mark.parametrize(("typed", "multiline", "stored"), CLEANED)
def test_clean_text_stores_what_a_person_meant(typed: str | None, multiline: bool, stored: str) -> None:
    assert clean_text(typed, label="note", max_length=100, multiline=multiline) == stored


@pytest.mark.parametrize(
    ("typed", "code", "position"),
    [
        ("nul\x00byte", "U+0000", 4),
        ("\x01start", "U+0001", 1),
        ("bell\x07", "U+0007", 5),
        ("esc\x1b[31m", "U+001B", 4),
        ("del\x7f", "U+007F", 4),
        ("c1\x9bcontrol", "U+009B", 3),
        ("abc\u202eevil", "U+202E right-to-left override", 4),
        ("iso\u2066late", "U+2066 left-to-right isolate", 4),
        ("lone \ud800 surrogate", "U+D800", 6),
    ],
)
def test_hidden_control_characters_are_refused_with_where_they_are(typed: str, code: str, position: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_text(typed, label="summary", max_length=100)
    message = str(refused.value)
    assert message.startswith("The summary contains a hidden control character")
    assert f"({code}) at character {position}," in message


def test_length_is_counted_after_cleaning_and_named() -> None:
    assert clean_text("x" * 10 + "   ", label="reason", max_length=10) == "x" * 10
    with pytest.raises(InvalidInput, match=r"The reason is 10,000 characters long; it can be at most 4,000\."):
        clean_text("y" * 10_000, label="reason", max_length=4000)


def test_required_text_must_not_be_blank() -> None:
    with pytest.raises(InvalidInput, match=r"^Give the agency's name\.$"):
        clean_text(" \n\t ", label="agency's name", max_length=200, required=True)


def test_blank_optional_text_is_stored_as_none() -> None:
    assert clean_optional_text("   ", label="note", max_length=10) is None
    assert clean_optional_text(" a ", label="note", max_length=10) == "a"


def test_the_column_limits_come_from_the_models() -> None:
    assert max_length_of(Agency.name) == 200
    assert max_length_of(LogEntry.text) is None


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("plain", "plain"),
        ("a\vb", "a\nb"),
        ("nul\x00", "nul\ufffd"),
        ("\x01\x02\x08", "\ufffd\ufffd\ufffd"),
        ("tab\tnew\nline", "tab\tnew\nline"),
        (None, ""),
    ],
)
def test_printable_keeps_exports_buildable_for_text_already_stored(stored: str | None, exported: str) -> None:
    assert printable(stored) == exported


@given(st.text(max_size=300), st.booleans())
def test_any_text_is_either_cleaned_or_refused_with_a_sentence(typed: str, multiline: bool) -> None:
    try:
        stored = clean_text(typed, label="note", max_length=200, multiline=multiline)
    except InvalidInput as refused:
        assert str(refused).startswith("The note ")
        return
    assert len(stored) <= 200
    assert stored == stored.strip()
    for char in stored:
        assert unicodedata.category(char) not in ("Cc", "Cs") or char in ("\t", "\n")
    if not multiline:
        assert "\n" not in stored and "\t" not in stored
    # Cleaning is stable: what was stored passes the gate unchanged.
    assert clean_text(stored, label="note", max_length=200, multiline=multiline) == stored


@given(st.text(max_size=300))
def test_printable_never_leaves_a_character_xml_cannot_hold(stored: str) -> None:
    exported = printable(stored)
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in exported)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in exported)
