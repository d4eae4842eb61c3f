"""The Rapid Review report as a Word file (.docx, A4), built with python-docx from an assembled ReportContent.

Pure: no database, no roles. Every text goes through services.text.printable first, so text stored before the
free-text gate existed (a control character XML cannot hold) still builds a file. The same content and the same
stamp give the same bytes: the core properties'
times come from the stamp (python-docx would write "now"), and the zip entries get the stamp's time too
(zipfile would write the current time). Every version's bytes are stored anyway (services.report.service). The page,
styles, tables and text helpers are shared with the product's other Word files (services.word_document).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.shared import Mm, Pt

from services.clock import LONDON
from services.formatting import long_date
from services.report.content import (
    AGENCY_TABLE_COLUMNS,
    APPENDIX,
    EMPTY_AGENCY_SUMMARY,
    EMPTY_SECTION,
    MILESTONE_TABLE_COLUMNS,
    PROTECTIVE_MARKING,
    SECTIONS,
    ReportContent,
    Section,
    agency_table_rows,
    lcspr_sentence,
    milestone_table_rows,
    sign_off_sentence,
)
from services.text import printable
from services.word_document import (
    docx_bytes,
    label_value,
    marker,
    printable_copy,
    set_core_properties,
    set_up_a4,
    table,
    write_text,
)


@dataclass(frozen=True)
class VersionStamp:
    """What the file says about itself: its number, state, who made it and when (UTC)."""

    number: int | None
    state_label: str
    created_at: datetime
    created_by_name: str

    @property
    def line(self) -> str:
        local = self.created_at.astimezone(LONDON)
        number = f"Version {self.number}" if self.number else "Preview"
        return f"{number}: {self.state_label}, made {local:%a %d %b %Y %H:%M} by {self.created_by_name}"


# ---------------------------------------------------------------- the sections


def _case_details(document: DocxDocument, content: ReportContent) -> None:
    details = table(document, ("Item", "Detail"), list(content.case_details), (62, 104))
    for row in details.rows[1:]:
        for run in row.cells[0].paragraphs[0].runs:
            run.bold = True


def _agency_involvement(document: DocxDocument, content: ReportContent, section: Section) -> None:
    if not content.agencies:
        marker(document, EMPTY_SECTION)
        return
    for i, part in enumerate(content.agencies, start=1):
        document.add_heading(f"{section.number}.{i} {part.agency}", level=2)
        dates = document.add_paragraph()
        dates.add_run(part.dates_sentence).italic = True
        if part.ending:
            document.add_paragraph().add_run(part.ending).bold = True
        if part.summary or not part.ending:
            write_text(document, part.summary, empty=EMPTY_AGENCY_SUMMARY)


def _lcspr(document: DocxDocument, content: ReportContent) -> None:
    sentence = lcspr_sentence(content)
    if content.lcspr_decision is None:
        marker(document, sentence)
    else:
        label_value(document, "Decision", sentence)
        label_value(document, "Reasons", content.lcspr_reason or "")
    document.add_heading("Issues of national importance", level=2)
    write_text(document, content.texts.get("lcspr_decision"), empty=EMPTY_SECTION)


def _sign_off(document: DocxDocument, content: ReportContent) -> None:
    document.add_heading("Quality assurance by the statutory partners", level=2)
    write_text(document, content.texts.get("sign_off"), empty=EMPTY_SECTION)
    document.add_heading("JCR Chair", level=2)
    if content.sent_to_chair_on:
        label_value(document, "Sent to the JCR Chair", long_date(content.sent_to_chair_on))
    sentence = sign_off_sentence(content)
    if content.signed_on is None:
        marker(document, sentence)
    else:
        label_value(document, "Signed off", sentence)


def _appendix(document: DocxDocument, content: ReportContent) -> None:
    document.add_heading("A. Agencies contacted and their return dates", level=2)
    if content.agencies:
        table(document, AGENCY_TABLE_COLUMNS, agency_table_rows(content), (42, 23, 23, 23, 25, 30))
    else:
        marker(document, "[No agency has been sent a scoping form yet]")
    document.add_heading("B. The review's milestones", level=2)
    table(document, MILESTONE_TABLE_COLUMNS, milestone_table_rows(content), (76, 30, 30, 30))


# ---------------------------------------------------------------- the document


def _set_up(document: DocxDocument, content: ReportContent, stamp: VersionStamp) -> None:
    set_up_a4(document, marking=PROTECTIVE_MARKING,
              header_line=f"Rapid Review report · case reference {content.case_reference}",
              footer_reference=content.case_reference)
    set_core_properties(document, title=f"Rapid Review report {content.case_reference}", subject=content.partnership,
                        author=stamp.created_by_name, marking=PROTECTIVE_MARKING, comments=stamp.line,
                        revision=stamp.number or 1, made_at=stamp.created_at)


def _front(document: DocxDocument, content: ReportContent, stamp: VersionStamp) -> None:
    document.add_paragraph("Rapid Review report", style="Title")
    label_value(document, "Partnership", content.partnership)
    label_value(document, "Case reference", content.case_reference)
    label_value(document, "Version", stamp.line)
    note = document.add_paragraph()
    note.add_run("Initials and ages only: this report holds no names, dates of birth, addresses or NHS "
                 "numbers.").italic = True


def build_report_docx(content: ReportContent, stamp: VersionStamp) -> bytes:
    """The report as .docx bytes: A4, marked OFFICIAL-SENSITIVE with the case reference, page numbers, a
    heading per section, the agency table and the milestones table."""
    content, stamp = printable_copy(content), printable_copy(stamp)
    document = Document()
    _set_up(document, content, stamp)
    _front(document, content, stamp)
    for section in SECTIONS:
        document.add_heading(section.heading, level=1)
        if section.key == "case_details":
            _case_details(document, content)
        elif section.key == "agency_involvement":
            _agency_involvement(document, content, section)
        elif section.key == "lcspr_decision":
            _lcspr(document, content)
        elif section.key == "sign_off":
            _sign_off(document, content)
        else:
            write_text(document, content.texts.get(section.key), empty=EMPTY_SECTION)
    document.add_heading(APPENDIX.heading, level=1)
    _appendix(document, content)
    return docx_bytes(document, stamp.created_at)


def submitted_docx(signed: bytes, stamp: VersionStamp, *, submission: str,
                   details: tuple[tuple[str, str], ...]) -> bytes:
    """The submitted version: the signed final version's document with its own version line (`stamp`), the
    submission recorded under it (`submission`: when, to whom) and the submission's rows (`details`) added to the
    case details. Every other word is the signed text, as the Chair signed it."""
    stamp = printable_copy(stamp)
    submission, details = printable(submission), printable_copy(details)
    document = Document(io.BytesIO(signed))
    version_line = next(p for p in document.paragraphs if p.text.startswith("Version: "))
    runs = version_line.runs  # "Version: " (bold), then the signed version's line
    for run in runs[1:]:
        run.text = ""
    runs[1 if len(runs) > 1 else 0].text = stamp.line if len(runs) > 1 else f"Version: {stamp.line}"
    recorded = document.add_paragraph()
    recorded.add_run("Submission: ").bold = True
    recorded.add_run(submission)
    version_line._p.addnext(recorded._p)
    case_details = document.tables[0]  # section 1, case details
    for label, value in details:
        cells = case_details.add_row().cells  # type: ignore[no-untyped-call]  # python-docx leaves Table.add_row unannotated
        for cell, text, width in ((cells[0], label, 62), (cells[1], value, 104)):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold = cell is cells[0]
            run.font.size = Pt(9.5)
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
            cell.width = Mm(width)
    core = document.core_properties
    made = stamp.created_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    core.comments = stamp.line
    core.last_modified_by = stamp.created_by_name
    core.revision = stamp.number or 1
    core.modified = made
    return docx_bytes(document, stamp.created_at)
