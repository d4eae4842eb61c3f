"""The practice themes' rules: the learning is one sentence about practice with nothing that looks like the child's
details (each refusal says why), names are unique whatever their case, and a review counts in the financial year
(April to March) of its notification. Expected values are written by hand."""
from __future__ import annotations

from datetime import date

import pytest

from services.board.after_rules import year_of
from services.errors import InvalidInput
from services.themes.rules import (
    child_detail,
    clean_description,
    clean_learning,
    clean_name,
    same_name,
)

GOOD = [
    "Health visitors did not share the father's history with the GP.",
    "Professionals accepted the mother's account without checking it with the school.",
    "Agencies did not see the baby's home, e.g. the sleeping arrangements, before discharge.",
    "Dr. Patel's referral was not followed up by children's social care",  # no final stop: still one sentence
    "Since April 2024 the MASH has invited the school to every strategy discussion.",  # a month and year only
    "Two of the 12 agencies contacted had no record of the family.",
    "The <script>alert(1)</script> was only text; learning stored as typed.",
]


@pytest.mark.parametrize("text", GOOD)
def test_one_sentence_about_practice_is_kept(text: str) -> None:
    assert clean_learning(text) == text


def test_the_learning_is_trimmed_and_folded_onto_one_line() -> None:
    assert clean_learning("  Information   was shared\nlate.  ") == "Information was shared late."


@pytest.mark.parametrize("text", [
    "The GP knew. Nobody asked the GP.",
    "Was the referral read? It was not.",
    "Risk was missed! The plan ended early.",
    "The school raised concerns. 3 agencies did not respond.",
])
def test_more_than_one_sentence_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="one sentence"):
        clean_learning(text)


@pytest.mark.parametrize("text", [
    "The child, born 03/04/2019, was not seen.",
    "The child (DOB 3-4-19) was not seen by the health visitor.",
    "The date of birth was recorded wrongly by the hospital.",
    "Seen on 2019-04-03 by the GP without follow-up.",
    "Seen on 3 April 2019 by the GP without follow-up.",
    "Seen on 3rd of Apr 2019 by the GP without follow-up.",
    "Seen on April 3, 2019 by the GP without follow-up.",
    "Seen on 03.04.2019 by the GP without follow-up.",
])
def test_dates_that_could_be_a_date_of_birth_are_refused_with_why(text: str) -> None:
    with pytest.raises(InvalidInput, match="date of birth"):
        clean_learning(text)


@pytest.mark.parametrize("text", [
    "NHS number 9434765919 was not checked across the systems.",
    "NHS number 943 476 5919 was not checked across the systems.",
    "NHS number 943-476-5919 was not checked across the systems.",
])
def test_nhs_number_like_numbers_are_refused_with_why(text: str) -> None:
    with pytest.raises(InvalidInput, match="NHS number"):
        clean_learning(text)


def test_longer_or_shorter_numbers_are_not_nhs_numbers() -> None:
    assert child_detail("A case reference 12345678901 and 123456789 are not ten digits.") is None


@pytest.mark.parametrize("text", [
    "The family moved to DE1 3AB without a transfer of the plan.",
    "The family moved to sw1a1aa without a transfer of the plan.",
    "The family moved to m1 1ae without a transfer of the plan.",
])
def test_postcodes_are_refused_with_why(text: str) -> None:
    with pytest.raises(InvalidInput, match="postcode"):
        clean_learning(text)


def test_street_addresses_are_refused_with_why() -> None:
    with pytest.raises(InvalidInput, match="street address"):
        clean_learning("The family moved to 14 Acacia Road without a transfer of the plan.")


@pytest.mark.parametrize("text, problem", [
    ("", "Give the learning"),
    ("   \n ", "Give the learning"),
    (None, "Give the learning"),
])
def test_blank_learning_is_refused(text: str | None, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        clean_learning(text)


def test_the_learning_is_at_most_300_characters() -> None:
    assert clean_learning("a" * 299 + ".") == "a" * 299 + "."
    with pytest.raises(InvalidInput, match="301 characters long; it can be at most 300"):
        clean_learning("a" * 300 + ".")
    with pytest.raises(InvalidInput, match="10,000 characters long"):
        clean_learning("a" * 10_000)


@pytest.mark.parametrize("hidden", ["\x00", "\x1b", "\u202e"])
def test_hidden_characters_are_refused(hidden: str) -> None:
    with pytest.raises(InvalidInput, match="hidden control character"):
        clean_learning(f"Information was{hidden} shared late.")


def test_a_name_is_required_on_one_line_and_at_most_120_characters() -> None:
    assert clean_name("  Young   carers ") == "Young carers"
    with pytest.raises(InvalidInput, match="Give the theme's name"):
        clean_name(" ")
    with pytest.raises(InvalidInput, match="at most 120"):
        clean_name("x" * 121)
    with pytest.raises(InvalidInput, match="hidden control character"):
        clean_name("Young\x00carers")


def test_a_description_is_optional() -> None:
    assert clean_description("  ") is None
    assert clean_description("Children caring for a parent.") == "Children caring for a parent."
    with pytest.raises(InvalidInput, match="at most 1,000"):
        clean_description("x" * 1001)


def test_names_are_the_same_whatever_their_case() -> None:
    assert same_name("Domestic abuse", "DOMESTIC ABUSE")
    assert not same_name("Domestic abuse", "Domestic abuse and coercion")


@pytest.mark.parametrize("day, year", [
    (date(2026, 3, 31), 2025),  # Tue 31 Mar 2026: the last day of 2025 to 2026
    (date(2026, 4, 1), 2026),  # Wed 1 Apr 2026: the first day of 2026 to 2027
    (date(2025, 12, 25), 2025),  # Christmas Day counts in the year it falls (2025 to 2026)
    (date(2024, 2, 29), 2023),  # a leap day in 2023 to 2024
    (date(2027, 1, 1), 2026),
])
def test_the_financial_year_runs_april_to_march(day: date, year: int) -> None:
    assert year_of(day) == year
