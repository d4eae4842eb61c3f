"""The seven-minute briefing as a Word file (.docx, A4, one page): the product's page (services.word_document) with
smaller type, the six headings of services.briefing.rules, and the actions as one table. Pure: no database."""
from __future__ import annotations

from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Mm, Pt

from services.briefing.rules import ACTION_COLUMNS, Briefing
from services.clock import LONDON
from services.formatting import long_date
from services.report.content import PROTECTIVE_MARKING
from services.word_document import (
    docx_bytes,
    marker,
    printable_copy,
    set_core_properties,
    set_up_a4,
    table,
)

MARGIN_MM = 15  # narrower than the report's 22 mm: one page
# Rec., Action, Agency, Due, Status: 180 mm, the A4 page less its margins.
ACTION_WIDTHS_MM = (9.0, 70.0, 45.0, 26.0, 30.0)


def _compact(document: DocxDocument) -> None:
    """Narrower margins, type a little smaller than the report's and tight spacing: the briefing stays on one page."""
    section = document.sections[0]
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    section.header_distance = section.footer_distance = Mm(6)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 18), ("Heading 1", 11.5)):
        style = document.styles[name]
        style.font.size = Pt(size)
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(2)
    document.styles["List Bullet"].paragraph_format.space_after = Pt(1)


def briefing_docx(briefing: Briefing, *, built_at: datetime, built_by: str) -> bytes:
    """The briefing as .docx bytes: A4, marked OFFICIAL-SENSITIVE with the case reference, every text made printable
    first (services.text.printable) and written as text, never read as markup."""
    briefing = printable_copy(briefing)
    document = Document()
    set_up_a4(document, marking=PROTECTIVE_MARKING,
              header_line=f"{briefing.partnership} · seven-minute briefing · case reference {briefing.case_reference}",
              footer_reference=briefing.case_reference)
    _compact(document)
    built = f"{built_at.astimezone(LONDON):%a %d %b %Y %H:%M} by {built_by}"
    set_core_properties(document, title=f"{briefing.title} {briefing.case_reference}", subject=briefing.partnership,
                        author=built_by, marking=PROTECTIVE_MARKING, comments=f"Built {built}", revision=1,
                        made_at=built_at)
    document.add_paragraph(briefing.title, style="Title")
    subtitle = document.add_paragraph()
    subtitle.add_run(briefing.subtitle).bold = True
    subtitle.add_run(f" · status at {long_date(briefing.as_of)}")
    for section in briefing.sections:
        document.add_heading(section.heading, level=1)
        for text in section.paragraphs:
            document.add_paragraph(text)
        for text in section.bullets:
            document.add_paragraph(text, style="List Bullet")
        if section.table:
            table(document, ACTION_COLUMNS, list(section.table), ACTION_WIDTHS_MM)
        for text in section.notes:
            document.add_paragraph().add_run(text).italic = True
        if section.marker:
            marker(document, section.marker)
    return docx_bytes(document, built_at.astimezone(UTC))
