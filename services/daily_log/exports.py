"""The daily log's exports: every entry the filters match (all pages, newest first) as CSV or Excel."""
from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from db.models import Account
from services.daily_log.reads import LogRow, matching_rows
from services.daily_log.rules import FOLDER_SECTION_TITLES, LogFilters
from services.exports import csv_text, is_formula_like
from services.permissions import CASE_READERS, requires
from services.text import printable

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN_WIDTHS = (8, 14, 19, 24, 15, 80, 30, 40, 40, 10, 12, 10)
EXPORT_COLUMNS = (
    "Entry", "Case reference", "Time (UK)", "Author", "Category", "Text", "Folder section", "File path",
    "Milestone", "Corrects entry", "Corrected by", "Written by the system",
)


def export_values(row: LogRow) -> list[Any]:
    """One export row; CSV and Excel share it. The time is UK local time, without zone (Excel has none). Every text
    goes through services.text.printable: text stored before the free-text gate (a control character Excel's XML
    cannot hold) still exports."""
    values: list[Any] = [
        row.id,
        row.case_reference or "",
        row.local_time.replace(tzinfo=None, microsecond=0),
        row.author_name,
        row.category,
        row.text,
        FOLDER_SECTION_TITLES.get(row.folder_section or "", ""),
        row.file_path or "",
        row.milestone_title or "",
        row.corrects_id if row.corrects_id is not None else "",
        ", ".join(str(i) for i in row.corrected_by),
        "yes" if row.by_system else "no",
    ]
    return [printable(v) if isinstance(v, str) else v for v in values]


@requires(*CASE_READERS, action="export the daily log")
def export_log_csv(session: Session, actor: Account, *, filters: LogFilters) -> bytes:
    """The log entries the filters match, all pages, newest first, as CSV (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in matching_rows(session, filters):
        writer.writerow([csv_text(v) for v in export_values(row)])
    return buffer.getvalue().encode("utf-8-sig")


@requires(*CASE_READERS, action="export the daily log")
def export_log_xlsx(session: Session, actor: Account, *, filters: LogFilters) -> bytes:
    """The same rows as export_log_csv, as an Excel workbook (text cells are never formulas)."""
    rows = matching_rows(session, filters)  # bad filters are refused before the workbook is begun
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Daily log")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", COLUMN_WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for title in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        values: list[Any] = export_values(row)
        for i, value in enumerate(values):
            if is_formula_like(value):
                # openpyxl would store "=..." as a formula: keep it as the text that was written.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                values[i] = cell
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
