"""Pure rules of meetings and the report: minutes on time, the sections as data, what is missing, the Markdown
preview, and the Word file itself (A4, header, page numbers, headings, tables, deterministic bytes)."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.text.paragraph import Paragraph

from db.models_returns import AgencyReturn
from services.meetings.rules import minutes_due_date, minutes_late, minutes_status
from services.report.content import (
    AGENCY_TABLE_COLUMNS,
    APPENDIX,
    EMPTY_AGENCY_SUMMARY,
    EMPTY_SECTION,
    MILESTONE_TABLE_COLUMNS,
    SECTIONS,
    WRITABLE_KEYS,
    AgencyPart,
    MilestoneLine,
    ReportContent,
    fingerprint,
    missing_parts,
    report_markdown,
)
from services.report.word import VersionStamp, build_report_docx
from services.working_days import WorkingCalendar

D = date
CAL = WorkingCalendar()
STAMP = VersionStamp(3, "draft", datetime(2027, 1, 8, 14, 2, 9, tzinfo=UTC), "Olly Officer")


def _style(paragraph: Paragraph) -> str | None:
    """The name of a paragraph's style (None when it has none)."""
    return paragraph.style.name if paragraph.style is not None else None


def _content(**overrides: Any) -> ReportContent:
    values: dict[str, Any] = dict(
        partnership="Demoshire Safeguarding Children Partnership",
        case_reference="181226AB",
        case_details=(("Case reference", "181226AB"), ("Children (initials, age at the incident)", "AB, aged 4")),
        agencies=(
            AgencyPart("Demoshire Police", D(2026, 12, 18), D(2026, 12, 29), D(2026, 12, 21), None,
                       "accepted 22 Dec 2026", "Known to the police through two call-outs."),
            AgencyPart("GP practices", D(2026, 12, 18), D(2026, 12, 29), None, None, "", None),
        ),
        texts={key: "" for key in WRITABLE_KEYS},
        milestones=(
            MilestoneLine("Rapid Review meeting held", "Day 7-8", D(2026, 12, 31), False, D(2026, 12, 31), "done"),
            MilestoneLine("Signed final report returned by the JCR Chair", "Day 13-15", D(2027, 1, 12), True, None,
                          "open"),
        ),
    )
    values.update(overrides)
    return ReportContent(**values)


def _full() -> ReportContent:
    return _content(
        agencies=(AgencyPart("Demoshire Police", D(2026, 12, 18), D(2026, 12, 29), D(2026, 12, 21), None,
                             "accepted 22 Dec 2026", "Known to the police."),),
        texts={key: f"Text of {key}." for key in WRITABLE_KEYS},
        lcspr_decision=False, lcspr_reason="The learning is captured here.",
    )


# ---------------------------------------------------------------- minutes


def test_minutes_are_due_the_next_working_day_after_the_meeting() -> None:
    # domain.md: a meeting on Thu 31 Dec 2026 has its minutes due Mon 4 Jan 2027.
    assert minutes_due_date(CAL, D(2026, 12, 31)) == D(2027, 1, 4)
    assert minutes_status(CAL, D(2026, 12, 31), D(2027, 1, 4), D(2027, 1, 8)) == "on time"
    assert minutes_status(CAL, D(2026, 12, 31), D(2026, 12, 31), D(2027, 1, 8)) == "on time"
    assert minutes_status(CAL, D(2026, 12, 31), D(2027, 1, 5), D(2027, 1, 8)) == "late (1 working day)"
    assert minutes_status(CAL, D(2026, 12, 31), D(2027, 1, 7), D(2027, 1, 8)) == "late (3 working days)"
    assert minutes_status(CAL, D(2026, 12, 31), None, D(2027, 1, 4)) == "due Mon 04 Jan"
    assert minutes_status(CAL, D(2026, 12, 31), None, D(2027, 1, 5)) == "late: not circulated yet"
    assert minutes_late(CAL, D(2026, 12, 31), D(2027, 1, 5), D(2027, 1, 8))
    assert not minutes_late(CAL, D(2026, 12, 31), None, D(2027, 1, 4))


# ---------------------------------------------------------------- the sections as data


def test_the_nine_sections_and_the_appendix_follow_the_domain_in_order() -> None:
    assert [s.number for s in SECTIONS] == list(range(1, 10))
    assert [s.key for s in SECTIONS] == [
        "case_details", "incident_summary", "agency_involvement", "practice_episodes", "lived_experience",
        "immediate_actions", "learning", "lcspr_decision", "sign_off",
    ]
    assert len({s.key for s in SECTIONS}) == 9
    # Sections 1 and 3 and the appendix come from the data; the rest are written (8 and 9 partly).
    assert [s.number for s in SECTIONS if not s.writable] == [1, 3]
    assert APPENDIX.number is None and not APPENDIX.writable
    assert SECTIONS[7].heading == "8. Decision on a Local Child Safeguarding Practice Review (LCSPR)"


def test_missing_parts_names_every_empty_section_and_nothing_once_written() -> None:
    missing = missing_parts(_content())
    assert [(s.number, why) for s, why in missing] == [
        (2, "not written yet"),
        (3, "no summary yet for GP practices"),
        (4, "not written yet"), (5, "not written yet"), (6, "not written yet"), (7, "not written yet"),
        (8, "the LCSPR decision and its reasons are not recorded"),
        (8, "issues of national importance not written (write 'None identified' if so)"),
        (9, "not written yet"),
    ]
    assert missing_parts(_full()) == []
    # Blank lines and spaces are not writing.
    assert missing_parts(_content(texts={**_full().texts, "learning": "  \n\n "}, agencies=_full().agencies,
                                  lcspr_decision=True, lcspr_reason="x"))[0][0].number == 7


def test_the_fingerprint_follows_what_the_report_says() -> None:
    assert fingerprint(_full()) == fingerprint(_full())
    changed = _content(**{**_full().__dict__, "texts": {**_full().texts, "learning": "Other text."}})
    assert fingerprint(changed) != fingerprint(_full())


def test_the_preview_shows_every_heading_and_escapes_the_officers_markdown() -> None:
    text = report_markdown(_content(texts={**_content().texts, "incident_summary": "# not a heading [link](x)"}))
    headings = [line[5:] for line in text.splitlines() if line.startswith("#### ")]
    assert headings == [s.heading for s in SECTIONS] + [APPENDIX.heading]
    assert "\\# not a heading \\[link\\]\\(x\\)" in text
    def escaped(marker: str) -> str:
        return marker.replace("[", "\\[").replace("]", "\\]").replace("(", "\\(").replace(")", "\\)")

    assert f"*{escaped(EMPTY_SECTION)}*" in text and f"*{escaped(EMPTY_AGENCY_SUMMARY)}*" in text
    assert "| Demoshire Police | 18 Dec 2026 | 29 Dec 2026 | 21 Dec 2026 | — | accepted 22 Dec 2026 |" in text


# ---------------------------------------------------------------- the Word file


def _document(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def test_the_word_file_is_a4_marked_and_numbered() -> None:
    document = _document(build_report_docx(_content(), STAMP))
    section = document.sections[0]
    # Word stores A4 as 11906 x 16838 twentieths of a point (210 x 297 mm).
    size = section._sectPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pgSz")
    assert [size.get(f"{{{size.nsmap['w']}}}{a}") for a in ("w", "h")] == ["11906", "16838"]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "OFFICIAL-SENSITIVE" in header and "181226AB" in header
    footer = section.footer.paragraphs[0]
    instructions = [el.text.strip() for el in footer._p.iter() if el.tag.endswith("}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert "OFFICIAL-SENSITIVE" in footer.text and "Page" in footer.text


def test_the_word_file_has_every_heading_in_order_and_marks_empty_sections() -> None:
    document = _document(build_report_docx(_content(), STAMP))
    level_one = [p.text for p in document.paragraphs if _style(p) == "Heading 1"]
    assert level_one == [s.heading for s in SECTIONS] + [APPENDIX.heading]
    body = [p.text for p in document.paragraphs]
    # Sections 2, 4, 5, 6, 7, the national importance text and the statutory partners' text are empty.
    assert body.count(EMPTY_SECTION) == 7
    assert EMPTY_AGENCY_SUMMARY in body
    assert "[The LCSPR decision has not been recorded yet]" in body
    assert "[Not yet signed off by the JCR Chair]" in body
    assert "Version 3: draft, made Fri 08 Jan 2027 14:02 by Olly Officer" in "\n".join(body)


def test_the_word_file_tables_are_the_case_details_the_agencies_and_the_milestones() -> None:
    content = _content()
    document = _document(build_report_docx(content, STAMP))
    details, agencies, milestones = document.tables
    assert [[c.text for c in r.cells] for r in details.rows][1:] == [list(row) for row in content.case_details]
    rows = [[c.text for c in r.cells] for r in agencies.rows]
    assert rows[0] == list(AGENCY_TABLE_COLUMNS)
    assert rows[1:] == [
        ["Demoshire Police", "18 Dec 2026", "29 Dec 2026", "21 Dec 2026", "—", "accepted 22 Dec 2026"],
        ["GP practices", "18 Dec 2026", "29 Dec 2026", "—", "—", "—"],
    ]
    rows = [[c.text for c in r.cells] for r in milestones.rows]
    assert rows == [list(MILESTONE_TABLE_COLUMNS),
                    ["Rapid Review meeting held", "Day 7-8", "31 Dec 2026", "31 Dec 2026"],
                    ["Signed final report returned by the JCR Chair", "Day 13-15", "12 Jan 2027 (agreed)", "not done"]]


def test_the_word_file_writes_the_officers_lines_and_bullets_and_the_sign_off() -> None:
    texts = {**_full().texts, "learning": "Learning found:\n- first point\n* second point\n\nGood practice too."}
    content = _content(**{**_full().__dict__, "texts": texts, "signed_by": "Charlie Chair",
                          "signed_on": D(2027, 1, 11), "sent_to_chair_on": D(2027, 1, 7)})
    document = _document(build_report_docx(content, STAMP))
    paragraphs = [(_style(p), p.text) for p in document.paragraphs]
    start = paragraphs.index(("Heading 1", "7. Learning identified, good practice included"))
    assert paragraphs[start + 1:start + 5] == [
        ("Normal", "Learning found:"), ("List Bullet", "first point"), ("List Bullet", "second point"),
        ("Normal", "Good practice too."),
    ]
    text = "\n".join(t for _, t in paragraphs)
    assert "Signed off: Charlie Chair, JCR Chair, on Mon 11 Jan 2027" in text
    assert "Decision: A Local Child Safeguarding Practice Review is not to be carried out." in text
    assert EMPTY_SECTION not in text


def test_the_same_content_and_stamp_give_the_same_bytes_and_the_stamp_sets_the_properties() -> None:
    first = build_report_docx(_content(), STAMP)
    assert build_report_docx(_content(), STAMP) == first
    later = VersionStamp(3, "draft", datetime(2027, 1, 8, 14, 3, tzinfo=UTC), "Olly Officer")
    assert build_report_docx(_content(), later) != first
    core = _document(first).core_properties
    assert core.created == core.modified == datetime(2027, 1, 8, 14, 2, 9, tzinfo=UTC)
    assert (core.author, core.title, core.revision) == ("Olly Officer", "Rapid Review report 181226AB", 3)


@pytest.mark.parametrize("line", ["- point", "* point"])
def test_a_bullet_line_loses_its_marker_in_the_file(line: str) -> None:
    texts = {**_full().texts, "incident_summary": line}
    document = _document(build_report_docx(_content(**{**_full().__dict__, "texts": texts}), STAMP))
    assert ("List Bullet", "point") in [(_style(p), p.text) for p in document.paragraphs]


def test_a_paragraph_after_bullets_stays_a_paragraph_in_the_preview() -> None:
    texts = {**_full().texts, "learning": "- first\n- second\nAfter the list."}
    text = report_markdown(_content(**{**_full().__dict__, "texts": texts}))
    assert "- first\n- second\n\nAfter the list.\n" in text


# ------------------------------------------------------------------ the report's final QA words, every round named

def _return_with_rounds(**fields: Any) -> AgencyReturn:
    from db.models_returns import AgencyReturn, AgencyReturnSendBack

    rounds = fields.pop("rounds", ())
    ret = AgencyReturn(**fields)
    ret.send_backs = [AgencyReturnSendBack(round=i, sent_back_on=on, reason="Dates missing.")
                      for i, on in enumerate(rounds, start=1)]
    return ret


@pytest.mark.parametrize(("fields", "words"), [
    (dict(received_date=date(2026, 12, 21)), "awaiting QA"),
    (dict(final_qa_outcome="accepted", final_qa_date=date(2026, 12, 22)), "accepted 22 Dec 2026"),
    (dict(final_qa_outcome="accepted", final_qa_date=date(2027, 1, 5), sent_back_date=date(2026, 12, 31),
          rounds=(date(2026, 12, 23), date(2026, 12, 31))),
     "accepted 05 Jan 2027 after being sent back 23 Dec 2026, 31 Dec 2026"),
    (dict(final_qa_outcome="sent back", sent_back_date=date(2026, 12, 31),
          rounds=(date(2026, 12, 23), date(2026, 12, 31))),
     "sent back 31 Dec 2026 (also sent back 23 Dec 2026)"),
    (dict(sent_back_date=date(2026, 12, 23), resubmission_received_date=date(2026, 12, 29),
          rounds=(date(2026, 12, 23),)),
     "sent back 23 Dec 2026; resubmission awaiting QA"),
    (dict(ended_as="no return", ended_on=date(2027, 1, 4), sent_back_date=date(2026, 12, 23),
          rounds=(date(2026, 12, 23),)),
     "no return 04 Jan 2027 after being sent back 23 Dec 2026"),
])
def test_the_reports_final_qa_words_name_every_send_back_round(fields: dict[str, Any], words: str) -> None:
    from services.report.rules import final_qa_words

    assert final_qa_words(_return_with_rounds(**fields)) == words
