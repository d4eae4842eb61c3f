"""What every Word file (.docx, A4) the product makes shares: the A4 page with its marking in the header and page
numbers in the footer, the styles, tables, the officer's text as paragraphs, text made printable, and the zip
entries dated so that the same content gives the same bytes. Pure: no database, no roles. Used by the report
(services.report.word) and the Day 6 pack of the agencies' returns (services.agency_exchange.collation).
"""
from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import UTC, datetime
from typing import Any, TypeVar

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

from services.report.content import paragraphs_of
from services.text import printable

T = TypeVar("T")

A4_WIDTH_MM, A4_HEIGHT_MM = 210, 297
MARGIN_MM = 22
FONT = "Arial"
HEADING_COLOUR = RGBColor(0x1F, 0x3A, 0x5F)
HEADER_FILL = "D9E2F3"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---------------------------------------------------------------- the page


def set_up_a4(document: DocxDocument, *, marking: str, header_line: str, footer_reference: str) -> None:
    """A4 portrait with the product's margins and styles (Arial, British English); the header gives the marking and
    `header_line`, the footer the marking, `footer_reference` and 'Page n of m'."""
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
    header.add_run(marking).bold = True
    section.header.add_paragraph(header_line).alignment = WD_ALIGN_PARAGRAPH.CENTER

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{marking} · {footer_reference} · Page ")
    add_field(footer, "PAGE")
    footer.add_run(" of ")
    add_field(footer, "NUMPAGES")


def set_core_properties(document: DocxDocument, *, title: str, subject: str, author: str, marking: str,
                        comments: str, revision: int, made_at: datetime) -> None:
    """The file's own properties; every time in them is `made_at` (python-docx would write "now")."""
    core = document.core_properties
    made = made_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    core.title = title
    core.subject = subject
    core.author = author
    core.last_modified_by = author
    core.keywords = marking
    core.category = marking
    core.comments = comments
    core.language = "en-GB"
    core.revision = revision
    core.created = made
    core.modified = made
    core.last_printed = made


# ---------------------------------------------------------------- small helpers


def add_field(paragraph: Paragraph, instruction: str, placeholder: str = "1") -> None:
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


def shade(cell: _Cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def repeat_header_row(row: _Row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def table(document: DocxDocument, columns: tuple[str, ...], rows: list[tuple[str, ...]],
          widths_mm: tuple[float, ...]) -> Table:
    """A table with a shaded header row repeated on every page, fixed column widths and compact rows."""
    made: Table = document.add_table(rows=1, cols=len(columns))
    made.style = "Table Grid"
    made.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = made.rows[0]
    repeat_header_row(header)
    for cell, title in zip(header.cells, columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(title)
        run.bold = True
        shade(cell, HEADER_FILL)
    for values in rows:
        cells = made.add_row().cells  # type: ignore[no-untyped-call]  # python-docx leaves Table.add_row unannotated
        for cell, value in zip(cells, values, strict=False):
            cell.text = value
    fix_widths(made, widths_mm)
    compact_rows(made)
    return made


def fix_widths(made: Table, widths_mm: tuple[float, ...]) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both, and keep them fixed."""
    made.autofit = False
    for column, width in zip(made.columns, widths_mm, strict=False):
        column.width = Mm(width)
    for row in made.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)


def compact_rows(made: Table) -> None:
    """Small type, no space after paragraphs, and a row never breaks across pages."""
    for row in made.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(9.5)


def marker(document: DocxDocument, text: str) -> None:
    """A bracketed note of what is missing, in red italics."""
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.italic = True
    run.font.color.rgb = RGBColor(0xA0, 0x1C, 0x1C)


def write_text(document: DocxDocument, text: str | None, *, empty: str) -> None:
    """Text as typed: a paragraph per line; lines starting '- ' or '* ' become bullets; `empty` (a marker) when
    there is none."""
    paragraphs = paragraphs_of(text)
    if not paragraphs:
        marker(document, empty)
        return
    for line in paragraphs:
        if line.startswith(("- ", "* ")):
            document.add_paragraph(line[2:].strip(), style="List Bullet")
        else:
            document.add_paragraph(line)


def label_value(document: DocxDocument, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value)


# ---------------------------------------------------------------- text a file can hold, and the same bytes


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
    """A copy of a file's content (frozen dataclasses, tuples, dicts of text) that python-docx will accept, whatever
    text is stored (services.text.printable)."""
    result: T = _printable(value)
    return result


def docx_bytes(document: DocxDocument, when: datetime) -> bytes:
    """The document saved, its zip entries dated `when`."""
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip_times(buffer.getvalue(), when)


def fixed_zip_times(data: bytes, when: datetime) -> bytes:
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
