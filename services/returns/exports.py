"""A review's agency returns checklist as a table, and as .xlsx or .csv with the same rows and columns."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Review
from services.errors import InvalidInput
from services.exports import csv_text, is_formula_like
from services.permissions import CASE_READERS, requires
from services.rag import RAG_COLOURS
from services.returns.reads import ReturnRead, ReturnStatus, list_returns
from services.returns.rules import check_result_label
from services.text import printable

CHECKLIST_COLUMNS = [
    "Agency",
    "RAG",
    "Stage",
    "Next step",
    "Requested",
    "Due",
    "Agreed due date",
    "Agreed (reason)",
    "Received",
    "Signed by a senior manager",
    "Initial check",
    "Check result",
    "Shared with JCR Chair",
    "Shared on time",
    "Final QA",
    "Final QA date",
    "Sent back (reason)",
    "New due date",
    "Resubmission received",
    "Chased",
    "File location",
    "Summary of involvement and learning",
]
DATE_COLUMNS = ["Requested", "Due", "Agreed due date", "Received", "Initial check", "Shared with JCR Chair",
                "Final QA date", "New due date", "Resubmission received"]


def send_back_rounds_text(r: ReturnRead) -> str:
    """Every send-back round of a return, first first: 'twice: 1) 23 Dec 2026: Add the dates. (new due date
    04 Jan 2027); 2) ...'. A return whose rounds were not kept (none on record) gives its last reason."""
    if not r.sent_back_count:
        return ""
    times = {1: "once", 2: "twice"}.get(r.sent_back_count, f"{r.sent_back_count} times")
    if not r.send_backs:
        return f"{times}: {r.sent_back_reason}"
    rounds = [f"{b.round}) {b.sent_back_on:%d %b %Y}: {b.reason}"
              + (f" (new due date {b.resubmission_due_date:%d %b %Y})" if b.resubmission_due_date else "")
              for b in r.send_backs]
    return f"{times}: " + "; ".join(rounds)


def checklist_row(status: ReturnStatus) -> dict[str, Any]:
    """One return as one row of the checklist: the page and the exports both use this."""
    r = status.ret
    signed = ""
    if r.received_date is not None:
        signed = f"yes ({r.signatory_role})" if r.signed_by_senior_manager else "no"
    sent_back = send_back_rounds_text(r)
    chased = ""
    if r.chases:
        last = max(c.chased_on for c in r.chases)
        chased = f"{len(r.chases)}, last {last:%a %d %b %Y}"
    return {
        "Agency": r.agency_name,
        "RAG": status.rag.value.upper(),
        "Stage": status.stage.value,
        "Next step": status.next_step,
        "Requested": r.requested_date,
        "Due": status.due_date,
        "Agreed due date": r.agreed_due_date,
        "Agreed (reason)": r.agreed_reason or "",
        "Received": r.received_date,
        "Signed by a senior manager": signed,
        "Initial check": r.initial_check_date,
        "Check result": check_result_label(r),
        "Shared with JCR Chair": r.shared_with_chair_date,
        "Shared on time": status.shared,
        "Final QA": r.final_qa_outcome or "",
        "Final QA date": r.final_qa_date,
        "Sent back (reason)": sent_back,
        "New due date": r.resubmission_due_date,
        "Resubmission received": r.resubmission_received_date,
        "Chased": chased,
        "File location": f"{r.file_section}: {r.file_path}" if r.file_path else "",
        "Summary of involvement and learning": r.summary or "",
    }


def checklist_table(statuses: Sequence[ReturnStatus]) -> list[dict[str, Any]]:
    """The checklist's rows, in the order given."""
    return [checklist_row(s) for s in statuses]


def _cell(value: Any) -> Any:
    """A cell as a file may hold it: text made printable (whatever is already stored), other values as they are."""
    return printable(value) if isinstance(value, str) else value


def checklist_csv(rows: Sequence[dict[str, Any]]) -> bytes:
    """CSV (UTF-8 with BOM so Excel reads it right); dates as YYYY-MM-DD."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CHECKLIST_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (v.isoformat() if isinstance(v, date) else csv_text(_cell(v))) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8-sig")


def checklist_xlsx(rows: Sequence[dict[str, Any]], *, title: str, as_of: date) -> bytes:
    """An .xlsx workbook: a title line, the table with real dates, RAG cells coloured, frozen header."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook opens on one worksheet
    ws.title = "Returns checklist"
    ws.append([printable(title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"As of {as_of:%a %d %b %Y}"])
    ws.append(CHECKLIST_COLUMNS)
    header_row = 3
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    fills = {rag.value.upper(): PatternFill("solid", fgColor=colour.lstrip("#")) for rag, colour in RAG_COLOURS.items()}
    rag_col = CHECKLIST_COLUMNS.index("RAG") + 1
    for row in rows:
        cells = [_cell(row[c]) for c in CHECKLIST_COLUMNS]
        ws.append(cells)
        excel_row = ws.max_row
        for i, value in enumerate(cells, start=1):
            if is_formula_like(value):
                ws.cell(excel_row, i).data_type = "s"  # what was typed, never a formula
        for name in DATE_COLUMNS:
            ws.cell(excel_row, CHECKLIST_COLUMNS.index(name) + 1).number_format = "ddd d mmm yyyy"
        rag_cell = ws.cell(excel_row, rag_col)
        if isinstance(rag_cell.value, str) and rag_cell.value in fills:
            rag_cell.fill = fills[rag_cell.value]
            rag_cell.font = Font(bold=True, color="FFFFFF")
    widths = {"Agency": 30, "Agreed (reason)": 36, "Stage": 26, "Next step": 44, "Check result": 40,
              "Sent back (reason)": 36, "File location": 36, "Summary of involvement and learning": 60}
    for i, name in enumerate(CHECKLIST_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
    ws.freeze_panes = f"B{header_row + 1}"  # the header row and the agency column stay in view
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Export:
    """A file ready to download."""

    file_name: str
    mime: str
    data: bytes


@requires(*CASE_READERS, action="export agency returns")
def export_checklist(
    session: Session, actor: Account, *, review_id: int, as_of: date, file_format: str
) -> Export:
    """A review's returns checklist as .xlsx or .csv, with the same rows and columns as the page."""
    reference = session.scalar(select(Review.case_reference).where(Review.id == review_id))
    if reference is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    rows = checklist_table(list_returns(session, actor, review_id=review_id, as_of=as_of))
    stem = f"{reference}-agency-returns-{as_of:%Y-%m-%d}"
    if file_format == "xlsx":
        title = f"Rapid Review {reference}: agency returns checklist"
        data = checklist_xlsx(rows, title=title, as_of=as_of)
        return Export(f"{stem}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
    if file_format == "csv":
        return Export(f"{stem}.csv", "text/csv", checklist_csv(rows))
    raise InvalidInput("Choose the export format: Excel (.xlsx) or CSV.")
