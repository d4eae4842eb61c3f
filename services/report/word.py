"""The Rapid Review report as a Word file (.docx, A4), built with python-docx from an assembled ReportContent.

Pure: no database, no roles. Every text goes through services.text.printable first, so text stored before the
free-text gate existed (a control character XML cannot hold) still builds a file. The same content and the same
stamp give the same bytes: the core properties'
times come from the stamp (python-docx would write "now"), and the zip entries get the stamp's time too
(zipfile would write the current time). Every version's bytes are stored anyway (services.report.service).
"""
from __future__ import annotations

import dataclasses
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

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
    paragraphs_of,
    sign_off_sentence,
)
from services.text import printable

T = TypeVar("T")

A4_WIDTH_MM, A4_HEIGHT_MM = 210, 297
MARGIN_MM = 22
FONT = "Arial"
HEADING_COLOUR = RGBColor(0x1F, 0x3A, 0x5F)
HEADER_FILL = "D9E2F3"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


# ---------------------------------------------------------------- small helpers


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) as begin / instruction / separate / cached result / end runs."""
    def run_with(element: BaseOxmlElement) -> Run:
        run = paragraph.add_run()
        run._r.append(element)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _repeat_header_row(row: _Row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document: DocxDocument, columns: tuple[str, ...], rows: list[tuple[str, ...]],
           widths_mm: tuple[float, ...]) -> Table:
    table: Table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    _repeat_header_row(header)
    for cell, title in zip(header.cells, columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        _shade(cell, HEADER_FILL)
    for values in rows:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]  # python-docx leaves Table.add_row unannotated
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
    _fix_widths(table, widths_mm)
    _compact_rows(table)
    return table


def _fix_widths(table: Table, widths_mm: tuple[float, ...]) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both, and keep them fixed."""
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def _compact_rows(table: Table) -> None:
    """Small type, no space after paragraphs, and a row never breaks across pages."""
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(9.5)


def _marker(document: DocxDocument, text: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.italic = True
    run.font.color.rgb = RGBColor(0xA0, 0x1C, 0x1C)


def _write_text(document: DocxDocument, text: str | None, *, empty: str = EMPTY_SECTION) -> None:
    """The officer's text: a paragraph per line; lines starting '- ' or '* ' become bullets."""
    paragraphs = paragraphs_of(text)
    if not paragraphs:
        _marker(document, empty)
        return
    for line in paragraphs:
        if line.startswith(("- ", "* ")):
            document.add_paragraph(line[2:].strip(), style="List Bullet")
        else:
            document.add_paragraph(line)


def _label_value(document: DocxDocument, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


# ---------------------------------------------------------------- the sections


def _case_details(document: DocxDocument, content: ReportContent) -> None:
    table = _table(document, ("Item", "Detail"), list(content.case_details), (62, 104))
    for row in table.rows[1:]:
        for run in row.cells[0].paragraphs[0].runs:
            run.bold = True


def _agency_involvement(document: DocxDocument, content: ReportContent, section: Section) -> None:
    if not content.agencies:
        _marker(document, EMPTY_SECTION)
        return
    for i, part in enumerate(content.agencies, start=1):
        document.add_heading(f"{section.number}.{i} {part.agency}", level=2)
        dates = document.add_paragraph()
        dates.add_run(part.dates_sentence).italic = True
        if part.ending:
            document.add_paragraph().add_run(part.ending).bold = True
        if part.summary or not part.ending:
            _write_text(document, part.summary, empty=EMPTY_AGENCY_SUMMARY)


def _lcspr(document: DocxDocument, content: ReportContent) -> None:
    sentence = lcspr_sentence(content)
    if content.lcspr_decision is None:
        _marker(document, sentence)
    else:
        _label_value(document, "Decision", sentence)
        _label_value(document, "Reasons", content.lcspr_reason or "")
    document.add_heading("Issues of national importance", level=2)
    _write_text(document, content.texts.get("lcspr_decision"))


def _sign_off(document: DocxDocument, content: ReportContent) -> None:
    document.add_heading("Quality assurance by the statutory partners", level=2)
    _write_text(document, content.texts.get("sign_off"))
    document.add_heading("JCR Chair", level=2)
    if content.sent_to_chair_on:
        _label_value(document, "Sent to the JCR Chair", long_date(content.sent_to_chair_on))
    sentence = sign_off_sentence(content)
    if content.signed_on is None:
        _marker(document, sentence)
    else:
        _label_value(document, "Signed off", sentence)


def _appendix(document: DocxDocument, content: ReportContent) -> None:
    document.add_heading("A. Agencies contacted and their return dates", level=2)
    if content.agencies:
        _table(document, AGENCY_TABLE_COLUMNS, agency_table_rows(content), (42, 23, 23, 23, 25, 30))
    else:
        _marker(document, "[No agency has been sent a scoping form yet]")
    document.add_heading("B. The review's milestones", level=2)
    _table(document, MILESTONE_TABLE_COLUMNS, milestone_table_rows(content), (76, 30, 30, 30))


# ---------------------------------------------------------------- the document


def _set_up(document: DocxDocument, content: ReportContent, stamp: VersionStamp) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(A4_WIDTH_MM), Mm(A4_HEIGHT_MM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    section.header_distance = section.footer_distance = Mm(10)

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    properties = normal.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    fonts.set(qn("w:eastAsia"), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "en-GB")
    properties.append(language)
    for name, size in (("Title", 24), ("Heading 1", 15), ("Heading 2", 12)):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.color.rgb = HEADING_COLOUR

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    marking = header.add_run(PROTECTIVE_MARKING)
    marking.bold = True
    reference = section.header.add_paragraph(f"Rapid Review report · case reference {content.case_reference}")
    reference.alignment = WD_ALIGN_PARAGRAPH.CENTER

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{PROTECTIVE_MARKING} · {content.case_reference} · Page ")
    _add_field(footer, "PAGE")
    footer.add_run(" of ")
    _add_field(footer, "NUMPAGES")

    core = document.core_properties
    made = stamp.created_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    core.title = f"Rapid Review report {content.case_reference}"
    core.subject = content.partnership
    core.author = stamp.created_by_name
    core.last_modified_by = stamp.created_by_name
    core.keywords = PROTECTIVE_MARKING
    core.category = PROTECTIVE_MARKING
    core.comments = stamp.line
    core.language = "en-GB"
    core.revision = stamp.number or 1
    core.created = made
    core.modified = made
    core.last_printed = made


def _front(document: DocxDocument, content: ReportContent, stamp: VersionStamp) -> None:
    document.add_paragraph("Rapid Review report", style="Title")
    _label_value(document, "Partnership", content.partnership)
    _label_value(document, "Case reference", content.case_reference)
    _label_value(document, "Version", stamp.line)
    note = document.add_paragraph()
    note.add_run("Initials and ages only: this report holds no names, dates of birth, addresses or NHS "
                 "numbers.").italic = True


def _printable(value: Any) -> Any:
    """`value` with every string in it (through tuples, dicts and frozen dataclasses) made printable."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, tuple):
        return tuple(_printable(v) for v in value)
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _printable(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def printable_copy(value: T) -> T:
    """A copy of a ReportContent or VersionStamp that python-docx will accept, whatever text is stored."""
    result: T = _printable(value)
    return result


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
            _write_text(document, content.texts.get(section.key))
    document.add_heading(APPENDIX.heading, level=1)
    _appendix(document, content)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip_times(buffer.getvalue(), stamp.created_at)


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
    table = document.tables[0]  # section 1, case details
    for label, value in details:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]  # python-docx leaves Table.add_row unannotated
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
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip_times(buffer.getvalue(), stamp.created_at)


def _fixed_zip_times(data: bytes, when: datetime) -> bytes:
    """Rewrite the zip with every entry dated `when` (UTC), so equal documents are equal bytes."""
    moment = when.astimezone(UTC)
    date_time = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
