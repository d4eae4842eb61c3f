"""The seven-minute briefing's text (services.briefing.rules) from hand-built read objects: every heading's words,
the caps that keep it to one page, overdue actions, the LCSPR's stages, and nothing of the child."""
from __future__ import annotations

import io
import math
from datetime import UTC, date, datetime

from docx import Document

from services.briefing.rules import (
    GENERAL_QUESTION,
    HEADINGS,
    MAX_WORDS,
    NO_ACTIONS,
    NO_RECOMMENDATIONS,
    NO_THEMES,
    ActionFacts,
    Briefing,
    BriefingFacts,
    RecommendationFacts,
    ThemeLearning,
    assemble,
    body_lines,
    briefing_file_name,
    question_for,
    shorten,
    status_words,
    word_count,
)
from services.briefing.word import ACTION_WIDTHS_MM, briefing_docx

AS_OF = date(2027, 3, 1)  # Mon 1 Mar 2027
SHARING = ThemeLearning("Multi-agency information sharing",
                        "Police call-outs to the home were not shared with health visiting.")
FATHERS = ThemeLearning("Involving fathers and male carers", "The mother's partner was never seen by any agency.")
POLICE_ACTION = ActionFacts("Share every domestic call-out with the health visiting team within one working day.",
                            "Demoshire Police", date(2027, 2, 26), "in_progress")
HEALTH_ACTION = ActionFacts("Ask about every adult in the household at each visit.", "Health visiting",
                            date(2027, 3, 1), "not_started")
AUDIT_ACTION = ActionFacts("Audit twenty cases for the new question.", "Health visiting", date(2027, 1, 29),
                           "impact_checked")


def _facts(**changes: object) -> BriefingFacts:
    values: dict[str, object] = dict(
        partnership="Demoshire Safeguarding Children Partnership", case_reference="181226AB",
        notification_type="serious_harm", lcspr_decision=False, lcspr_started=False, published_address=None,
        not_published=False, themes=(SHARING, FATHERS),
        recommendations=(RecommendationFacts("rapid_review", "Agencies share domestic abuse call-outs promptly.",
                                             (POLICE_ACTION, AUDIT_ACTION)),
                         RecommendationFacts("panel_response", "Every adult in the household is known.",
                                             (HEALTH_ACTION,))),
        as_of=AS_OF)
    values.update(changes)
    return BriefingFacts(**values)  # type: ignore[arg-type]


def test_every_heading_in_order_with_its_words() -> None:
    briefing = assemble(_facts())
    assert [s.heading for s in briefing.sections] == list(HEADINGS)
    background, why, found, doing, questions, more = briefing.sections
    assert background.paragraphs == (
        "Demoshire Safeguarding Children Partnership held a Rapid Review (case reference 181226AB) after a "
        "notification that a child was seriously harmed. The Rapid Review decided that a Local Child Safeguarding "
        "Practice Review was not needed. To protect the family, this briefing gives no names, ages or dates of the "
        "case.",)
    assert why.paragraphs[1] == ("This review found learning for practice in 2 practice themes; the main learning "
                                 "follows.")
    assert found.bullets == (
        "Multi-agency information sharing: Police call-outs to the home were not shared with health visiting.",
        "Involving fathers and male carers: The mother's partner was never seen by any agency.")
    assert doing.paragraphs == ("R1. Agencies share domestic abuse call-outs promptly. (Rapid Review)",
                                "R2. Every adult in the household is known. (National Panel's response)")
    # Each recommendation's actions by due date. Due Fri 26 Feb, before Mon 1 Mar and in progress: overdue; due
    # today: not overdue (red starts the day after, services/rag.py); impact checked: done whatever the date.
    assert doing.table == (
        ("R1", "Audit twenty cases for the new question.", "Health visiting", "Fri 29 Jan 2027",
         "Done; impact checked"),
        ("R1", "Share every domestic call-out with the health visiting team within one working day.",
         "Demoshire Police", "Fri 26 Feb 2027", "In progress; overdue"),
        ("R2", "Ask about every adult in the household at each visit.", "Health visiting", "Mon 01 Mar 2027",
         "Not started"))
    assert doing.notes == () and doing.marker is None
    assert questions.bullets == (
        "Multi-agency information sharing: What do you share, with whom and how quickly, when you are worried about "
        "a child? What stops you?",
        "Involving fathers and male carers: Who are the men in the children's lives you work with, and what do you "
        "know of them?")
    assert more.bullets[0] == ("The review's report is not published: ask Demoshire Safeguarding Children "
                               "Partnership for more.")


def test_a_published_lcspr_gives_its_address() -> None:
    briefing = assemble(_facts(lcspr_decision=True, lcspr_started=True,
                               published_address="https://demoshire.example/lcspr/child-t"))
    assert "whose report is published." in briefing.sections[0].paragraphs[0]
    assert briefing.sections[5].bullets[0] == "The LCSPR's published report: https://demoshire.example/lcspr/child-t"


def test_each_stage_of_the_lcspr_says_where_it_stands() -> None:
    def stage(**changes: object) -> str:
        return assemble(_facts(**changes)).sections[0].paragraphs[0]

    assert "The decision on a Local Child Safeguarding Practice Review is not made yet." in stage(lcspr_decision=None)
    assert "is continuing as a Local Child Safeguarding Practice Review (LCSPR)" in stage(lcspr_decision=True)
    assert "is continuing as" in stage(lcspr_decision=True, lcspr_started=True)
    assert "its report is not published." in stage(lcspr_decision=True, lcspr_started=True, not_published=True)
    assert "after a notification that a child died." in stage(notification_type="death")
    assert "after a notification of a serious incident involving a child." in stage(notification_type="other")


def test_nothing_coded_yet_says_what_is_missing() -> None:
    briefing = assemble(_facts(themes=(), recommendations=()))
    assert briefing.sections[2].marker == NO_THEMES
    assert briefing.sections[3].marker == NO_RECOMMENDATIONS
    assert briefing.sections[4].bullets == (GENERAL_QUESTION,)
    assert len(briefing.sections[1].paragraphs) == 1
    no_actions = assemble(_facts(recommendations=(RecommendationFacts("lcspr", "Train the staff."),)))
    assert no_actions.sections[3].marker == NO_ACTIONS and no_actions.sections[3].table == ()


def test_a_theme_the_partnership_added_gets_the_general_question() -> None:
    assert question_for("Private fostering") == f"Private fostering: {GENERAL_QUESTION}"
    assert question_for("  NEGLECT ").endswith("How do you notice neglect that builds up slowly, and when do you act "
                                               "on it?")


def test_shorten_cuts_at_a_word_with_an_ellipsis() -> None:
    assert shorten("one two three", 3) == "one two three"
    assert shorten("one  two\nthree", 5) == "one two three"
    assert shorten("one two, three four", 2) == "one two…"


def test_overdue_only_when_open_and_due_before_today() -> None:
    due = date(2027, 2, 26)
    assert status_words(ActionFacts("x", "A", due, "not_started"), date(2027, 2, 26)) == "Not started"
    assert status_words(ActionFacts("x", "A", due, "not_started"), date(2027, 2, 27)) == "Not started; overdue"
    assert status_words(ActionFacts("x", "A", due, "done"), date(2027, 3, 27)) == "Done; evidence being checked"
    assert status_words(ActionFacts("x", "A", due, "evidence_accepted"), date(2027, 3, 27)) == \
        "Done; evidence accepted"


def _fullest() -> BriefingFacts:
    """Everything at its longest: 8 themes of 300 characters, 5 recommendations of 2,000, 4 actions each of 2,000
    characters at agencies with long names."""
    long_words = ("Practitioners did not share what they knew about the risk in the household with one another "
                  "quickly enough to protect")
    learning = (long_words * 3)[:300]
    themes = tuple(ThemeLearning(f"Child criminal exploitation and serious youth violence {i}", learning)
                   for i in range(8))
    text = ("Every agency reviews how it records and shares information about risk in the household and reports "
            "back to the partnership ") * 20
    action = ActionFacts(text[:2000], "Demoshire and Westshire Integrated Care Board",
                         date(2027, 2, 1), "in_progress")
    recommendations = tuple(RecommendationFacts("lcspr", text[:2000], (action,) * 4) for _ in range(5))
    return _facts(themes=themes, recommendations=recommendations, lcspr_decision=True, lcspr_started=True,
                  published_address="https://demoshire.example/" + "a" * 100)


def test_the_fullest_briefing_is_capped_to_one_page_of_words() -> None:
    briefing = assemble(_fullest())
    words = word_count(briefing)
    assert words <= MAX_WORDS, words
    found, doing = briefing.sections[2], briefing.sections[3]
    assert len(found.bullets) == 3 and found.notes == ("5 more themes are coded for this review, in the tracker.",)
    assert len(doing.paragraphs) == 3 and len(doing.table) == 4
    # 5 recommendations, 3 shown; 20 actions, 4 shown.
    assert doing.notes == ("And 2 more recommendations and 16 more actions in the partnership's register of review "
                           "actions.",)
    assert all(p.endswith("… (LCSPR)") for p in doing.paragraphs)
    assert len(doing.table[0][1].split()) == 13


def test_the_word_file_holds_the_same_lines_and_one_section() -> None:
    briefing = assemble(_facts())
    data = briefing_docx(briefing, built_at=datetime(2027, 3, 1, 9, 30, tzinfo=UTC), built_by="Olly Officer")
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [" ".join(c.text for c in row.cells) for t in document.tables for row in t.rows]
    assert len(document.sections) == 1
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert paragraphs[0] == "Seven-minute briefing"
    assert [p for p in paragraphs if p in HEADINGS] == list(HEADINGS)
    expected = body_lines(briefing)
    shown = [*paragraphs, *cells]
    assert [line for line in expected[3:] if line not in shown] == []
    header = " ".join(p.text for p in section.header.paragraphs)
    assert header == ("OFFICIAL-SENSITIVE Demoshire Safeguarding Children Partnership · seven-minute briefing · case "
                      "reference 181226AB")
    # The same content gives the same bytes.
    assert data == briefing_docx(briefing, built_at=datetime(2027, 3, 1, 9, 30, tzinfo=UTC), built_by="Olly Officer")


def test_the_file_is_named_for_the_review_and_the_day() -> None:
    assert briefing_file_name("181226AB", AS_OF) == "181226AB seven-minute briefing 2027-03-01.docx"


def _estimated_lines(briefing: Briefing) -> float:
    """A rough height of the page in lines of 10 pt Arial: about 100 characters a line across 180 mm; a heading
    1.6 lines with its spacing; a paragraph 0.3 line of spacing; a table row as tall as its tallest cell (about
    1.7 mm a character), its header one line. A4 less 15 mm margins holds about 64 such lines (267 mm / 4.1 mm)."""
    lines = 3.8  # the title and the subtitle
    for section in briefing.sections:
        lines += 1.6
        lines += sum(math.ceil(len(text) / 100) + 0.3 for text in (*section.paragraphs, *section.bullets,
                                                                   *section.notes, section.marker or ""))
        lines += sum(max(math.ceil(len(cell) / (width / 1.7)) for cell, width in zip(row, ACTION_WIDTHS_MM,
                                                                                    strict=True)) * 0.95 + 0.1
                     for row in section.table)
        lines += 1.1 if section.table else 0
    return lines


def test_the_fullest_briefing_is_estimated_to_fit_one_page() -> None:
    assert _estimated_lines(assemble(_fullest())) <= 64
    assert _estimated_lines(assemble(_facts())) <= 48
