"""The scoping form's rules as the Administration page saves a new version (services/agency_exchange/rules.py), against
hand-worked answers: at least one section to answer and at most 20, the senior manager's confirmation once and last,
headings given, on one line, at most 200 characters and never two the same whatever their case, guidance at most
1,000 characters, the text gate's rules, keys carried over or made from the heading, the note of what changed, the
sentence the log gets, and the link expiry setting (1 to 60 working days)."""
from __future__ import annotations

import pytest

from services.agency_exchange.rules import (
    FormSectionDraft,
    FormSectionSpec,
    clean_form_note,
    clean_form_sections,
    clean_link_expiry_days,
    describe_form_change,
    section_key,
)
from services.errors import InvalidInput

# The guide's form as migration 0021 seeds it (keys, kinds, headings; guidance shortened here).
GUIDE = (
    FormSectionSpec("involvement", "text", "The agency's involvement with the child and family", "Who, when, what.",
                    True),
    FormSectionSpec("key_dates", "dates", "Key dates and episodes", "In date order.", True),
    FormSectionSpec("analysis", "text", "Analysis of practice", "Not only a chronology.", True),
    FormSectionSpec("learning", "text", "Learning and immediate actions taken", "So far.", True),
    FormSectionSpec("confirmation", "confirmation", "Senior manager's quality confirmation", "Name, role, date.", True),
)


def _draft(spec: FormSectionSpec) -> FormSectionDraft:
    return FormSectionDraft(spec.key, spec.kind, spec.heading, spec.guidance, spec.required)


def _new(heading: str | None, kind: str = "text", guidance: str | None = "", required: bool = True) -> FormSectionDraft:
    return FormSectionDraft(None, kind, heading, guidance, required)


CONFIRM = _draft(GUIDE[-1])


def _refusal(drafts: list[FormSectionDraft]) -> str:
    with pytest.raises(InvalidInput) as refused:
        clean_form_sections(drafts)
    return str(refused.value)


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize(("heading", "taken", "key"), [
    ("Key dates and episodes", set(), "key_dates_and_episodes"),
    ("The child's lived experience", set(), "the_child_s_lived_experience"),
    ("  Analysis -- of   practice!  ", set(), "analysis_of_practice"),
    ("2. Analysis", set(), "section_2_analysis"),  # a key starts with a letter
    ("Ümlaut Über café", set(), "umlaut_uber_cafe"),  # accents folded to ASCII
    ("北京", set(), "section"),  # nothing left of the heading in ASCII
    ("Analysis", {"analysis"}, "analysis_2"),
    ("Analysis", {"analysis", "analysis_2"}, "analysis_3"),
    ("a" * 50, set(), "a" * 40),  # at most 40 characters
    ("a" * 50, {"a" * 40}, "a" * 38 + "_2"),  # the number fits inside the 40
    ("word_" * 8 + "x", set(), "word_word_word_word_word_word_word_word"),  # cut at 40, no trailing underscore
])
def test_a_new_sections_key_is_made_from_its_heading(heading: str, taken: set[str], key: str) -> None:
    assert section_key(heading, taken) == key


# ---------------------------------------------------------------- a form that passes


def test_the_guides_form_cleans_to_itself() -> None:
    assert clean_form_sections([_draft(s) for s in GUIDE]) == GUIDE


def test_carried_keys_stay_and_new_sections_get_keys_that_clash_with_none() -> None:
    cleaned = clean_form_sections([
        _new("Analysis"),  # its own key would be "analysis", which the carried section below keeps
        FormSectionDraft("analysis", "text", "Analysis of practice", "", True),
        FormSectionDraft("analysis", "text", "Practice again, carried twice by mistake", "", False),
        _new("The child's voice", kind="dates", guidance="What the child said.", required=False),
        CONFIRM,
    ])
    assert [(s.key, s.kind, s.required) for s in cleaned] == [
        ("analysis_2", "text", True), ("analysis", "text", True),
        ("practice_again_carried_twice_by_mistake", "text", False), ("the_child_s_voice", "dates", False),
        ("confirmation", "confirmation", True)]


def test_text_is_cleaned_as_everywhere_and_kept_literally() -> None:
    cleaned = clean_form_sections([
        _new("  Analysis\nof   practice ", guidance="Line one\r\nline two\u2028three "),
        _new("<script>alert(1)</script>"),  # stored as typed; every page shows it as text (escaped where drawn)
        FormSectionDraft("confirmation", "confirmation", "Sign-off", "", False),  # the confirmation is always required
    ])
    assert [(s.heading, s.guidance, s.required) for s in cleaned] == [
        ("Analysis of practice", "Line one line two three", True), ("<script>alert(1)</script>", "", True),
        ("Sign-off", "", True)]
    assert cleaned[2].key == "confirmation"


def test_twenty_sections_are_the_most() -> None:
    drafts = [_new(f"Question {n}") for n in range(1, 20)] + [CONFIRM]
    assert len(clean_form_sections(drafts)) == 20
    assert _refusal([_new("Question 0"), *drafts]) == (
        "The form has 21 sections; it can have at most 20. Remove some, or merge them.")


# ---------------------------------------------------------------- refusals, one sentence each


def test_a_form_with_no_sections_is_refused() -> None:
    assert _refusal([]) == ("The form has no sections: add at least one for the agency to answer, and keep the senior "
                            "manager's confirmation last.")


def test_the_confirmation_alone_is_refused() -> None:
    assert _refusal([CONFIRM]) == ("The form needs at least one section for the agency to answer, besides the senior "
                                   "manager's confirmation.")


def test_the_confirmation_must_stay() -> None:
    assert _refusal([_new("Involvement"), _new("Analysis")]) == (
        "The senior manager's confirmation must stay on the form: an agency cannot send its return without it.")


def test_only_one_confirmation() -> None:
    assert _refusal([_new("Involvement"), CONFIRM, FormSectionDraft(None, "confirmation", "Again", "", True)]) == (
        "Sections 2 and 3 are each a senior manager's confirmation; the form can have only one.")


def test_the_confirmation_must_be_last() -> None:
    assert _refusal([CONFIRM, _new("Involvement")]) == (
        "The senior manager's confirmation must be the last section (it is section 1 of 2): the agency confirms its "
        "return once it is complete. Move it down.")


def test_an_unknown_kind_is_refused() -> None:
    assert _refusal([_new("Involvement", kind="essay"), CONFIRM]) == (
        "Section 1 asks for an unknown kind of answer: choose free text or dates and episodes.")


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t"])
def test_every_heading_is_given(blank: str | None) -> None:
    assert _refusal([_new("Involvement"), _new(blank), CONFIRM]) == "Give the heading of section 2."


def test_a_heading_is_at_most_200_characters() -> None:
    assert len(clean_form_sections([_new("h" * 200), CONFIRM])[0].heading) == 200
    assert _refusal([_new("h" * 201), CONFIRM]) == (
        "The heading of section 1 is 201 characters long; it can be at most 200. Shorten it and save again: what you "
        "typed is still in the form.")


def test_guidance_is_at_most_1000_characters() -> None:
    assert _refusal([_new("Involvement", guidance="g" * 1001), CONFIRM]) == (
        "The guidance of section 1 is 1,001 characters long; it can be at most 1,000. Shorten it and save again: what "
        "you typed is still in the form.")


def test_a_hidden_control_character_is_refused_naming_the_box() -> None:
    assert _refusal([_new("Involvement"), _new("Ana\x00lysis"), CONFIRM]).startswith(
        "The heading of section 2 contains a hidden control character (U+0000) at character 4")


def test_two_headings_the_same_whatever_their_case_are_refused() -> None:
    assert _refusal([_new("Analysis"), _new("Learning"), _new("  ANALYSIS "), CONFIRM]) == (
        "Sections 1 and 3 are both headed \"Analysis\": give each its own heading.")
    assert _refusal([_new("Analysis"), _new("analysis"), _new("Analysis"), CONFIRM]) == (
        "Sections 1, 2 and 3 are all headed \"Analysis\": give each its own heading.")
    # The confirmation's heading counts too.
    assert _refusal([_new("Senior manager's QUALITY confirmation"), CONFIRM]) == (
        "Sections 1 and 2 are both headed \"Senior manager's QUALITY confirmation\": give each its own heading.")


# ---------------------------------------------------------------- the note and the log's sentence


def test_the_note_of_what_changed_is_required_and_at_most_500_characters() -> None:
    assert clean_form_note("  Added the child's voice.\n ") == "Added the child's voice."
    for blank in (None, "", "  "):
        with pytest.raises(InvalidInput, match=r"^Say what changed in this version and why \(for example"):
            clean_form_note(blank)
    assert len(clean_form_note("n" * 500)) == 500
    with pytest.raises(InvalidInput, match=r"^The note of what changed is 501 characters long; it can be at most 500"):
        clean_form_note("n" * 501)


def test_the_change_is_described_section_by_section() -> None:
    involvement, key_dates, analysis, _learning, confirmation = GUIDE
    after = (
        key_dates,
        FormSectionSpec("involvement", "text", "Involvement with the child and family", involvement.guidance, True),
        FormSectionSpec("analysis", "text", analysis.heading, analysis.guidance, False),
        FormSectionSpec("the_child_s_lived_experience", "text", "The child's lived experience", "", True),
        FormSectionSpec("confirmation", "confirmation", confirmation.heading, "Name, role and date.", True),
    )
    assert describe_form_change(GUIDE, after) == (
        "added \"The child's lived experience\"; removed \"Learning and immediate actions taken\"; renamed "
        "\"The agency's involvement with the child and family\" to \"Involvement with the child and family\"; "
        "guidance changed in \"Senior manager's quality confirmation\"; now optional: \"Analysis of practice\"; "
        "sections moved")


def test_a_kind_a_required_section_and_nothing_at_all() -> None:
    involvement, key_dates, analysis, learning, confirmation = GUIDE
    after = (FormSectionSpec("involvement", "dates", involvement.heading, involvement.guidance, True), key_dates,
             analysis, learning, confirmation)
    assert describe_form_change(GUIDE, after) == (
        "\"The agency's involvement with the child and family\" now asks for dates and episodes")
    optional = (*GUIDE[:3], FormSectionSpec("learning", "text", learning.heading, learning.guidance, False),
                confirmation)
    assert describe_form_change(optional, GUIDE) == "now required: \"Learning and immediate actions taken\""
    # Removing or adding a section moves nothing; the same form changes nothing.
    assert describe_form_change(GUIDE, (involvement, analysis, learning, confirmation)) == (
        "removed \"Key dates and episodes\"")
    assert describe_form_change(GUIDE, GUIDE) == ""


# ---------------------------------------------------------------- the link expiry setting


@pytest.mark.parametrize("days", [1, 10, 60])
def test_a_link_works_1_to_60_working_days_after_the_due_date(days: int) -> None:
    assert clean_link_expiry_days(days) == days


@pytest.mark.parametrize("days", [None, 0, -1, 61, 1000, True])
def test_a_link_expiry_outside_1_to_60_is_refused(days: int | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_link_expiry_days(days)
    assert str(refused.value) == ("A link must work between 1 and 60 working days after the return's due date: give a "
                                  "whole number in that range.")
