"""The daily log: an append-only record of every action on a review, its search, export and the case folder register.

The database refuses UPDATE, DELETE and TRUNCATE on `daily_log` (migration 0001). A mistake is put right
by a new entry whose `corrects_id` names the entry it corrects; both stay visible.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable, Iterator, Optional, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db.models import FOLDER_SECTIONS, LOG_CATEGORIES, Account, LogEntry, Review, ReviewMilestone
from services.clock import LONDON
from services.exports import csv_text, is_formula_like
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires

FOLDER_SECTION_TITLES = {
    "I": "I. Notification and scoping",
    "II": "II. Rapid Review meeting",
    "III": "III. Statutory Correspondence",
    "IV": "IV. General Correspondence",
}
# "system" entries are written by the services for their own actions; people choose from the rest.
PERSON_CATEGORIES = tuple(c for c in LOG_CATEGORIES if c != "system")
MAX_TEXT_LENGTH = 4000
MAX_PATH_LENGTH = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_SEARCH_WORDS = 10
EXPORT_COLUMNS = (
    "Entry", "Case reference", "Time (UK)", "Author", "Category", "Text", "Folder section", "File path",
    "Milestone", "Corrects entry", "Corrected by", "Written by the system",
)
# A spreadsheet would run a cell starting with one of these as a formula (CSV injection).


@dataclass(frozen=True)
class LogRow:
    """One log entry as the page and the exports show it."""

    id: int
    review_id: Optional[int]
    case_reference: Optional[str]
    logged_at: datetime
    author_id: int
    author_name: str
    category: str
    text: str
    folder_section: Optional[str]
    file_path: Optional[str]
    milestone_id: Optional[int]
    milestone_title: Optional[str]
    corrects_id: Optional[int]
    by_system: bool
    corrected_by: tuple[int, ...] = ()

    @property
    def is_corrected(self) -> bool:
        return bool(self.corrected_by)

    @property
    def local_time(self) -> datetime:
        return self.logged_at.astimezone(LONDON)

    @property
    def file_location(self) -> str:
        if not self.folder_section:
            return ""
        title = FOLDER_SECTION_TITLES[self.folder_section]
        return f"{title}: {self.file_path}" if self.file_path else title


@dataclass(frozen=True)
class LogFilters:
    """What the page asks for; None / empty means no filter. review_id None = all live reviews."""

    review_id: Optional[int] = None
    categories: tuple[str, ...] = ()
    author_id: Optional[int] = None
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    words: str = ""


@dataclass
class LogPage:
    rows: list[LogRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def first_number(self) -> int:
        """1-based position of the first row shown (0 when there is none)."""
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)


@dataclass(frozen=True)
class FiledDocument:
    entry_id: int
    file_path: str
    logged_at: datetime
    author_name: str
    corrected_by: tuple[int, ...] = ()


@dataclass
class FolderSection:
    code: str
    title: str
    documents: list[FiledDocument] = field(default_factory=list)


@dataclass
class CaseFolderRegister:
    review_id: int
    folder_name: str
    sections: list[FolderSection]


# ---------------------------------------------------------------- writing


def append_system_entry(
    session: Session,
    actor: Account,
    *,
    review_id: Optional[int],
    category: str,
    text: str,
    milestone_id: Optional[int] = None,
    folder_section: Optional[str] = None,
    file_path: Optional[str] = None,
    agency_return_id: Optional[int] = None,
) -> LogEntry:
    """The entry a service writes for its own action, in the caller's transaction, naming the actor."""
    if category not in LOG_CATEGORIES:
        raise InvalidInput(f"'{category}' is not a log category.")
    entry = LogEntry(
        review_id=review_id,
        author_id=actor.id,
        category=category,
        text=text,
        milestone_id=milestone_id,
        folder_section=folder_section,
        file_path=file_path,
        by_system=True,
        agency_return_id=agency_return_id,
    )
    session.add(entry)
    session.flush()
    return entry


def _clean_file_location(folder_section: Optional[str], file_path: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    section = (folder_section or "").strip().upper() or None
    path = (file_path or "").strip() or None
    if section is not None and section not in FOLDER_SECTIONS:
        raise InvalidInput("Choose the case folder section: I, II, III or IV.")
    if path is not None and section is None:
        raise InvalidInput(
            "A file location needs its case folder section: choose section I, II, III or IV for the path, "
            "or clear the path."
        )
    if section is not None and path is None:
        raise InvalidInput(
            f"Give the file's path in section {FOLDER_SECTION_TITLES[section]}, or choose no section."
        )
    if path is not None and len(path) > MAX_PATH_LENGTH:
        raise InvalidInput(f"The file path is too long: keep it under {MAX_PATH_LENGTH} characters.")
    return section, path


@requires(*CASE_READERS, action="add to the daily log")
def add_log_entry(
    session: Session,
    actor: Account,
    *,
    review_id: Optional[int],
    category: str,
    text: str,
    folder_section: Optional[str] = None,
    file_path: Optional[str] = None,
    corrects_id: Optional[int] = None,
    milestone_id: Optional[int] = None,
) -> LogEntry:
    """Add a person's entry to a review's log; with corrects_id it puts right an earlier entry of that review."""
    if review_id is None:
        raise InvalidInput("Choose the review this entry belongs to.")
    if session.get(Review, review_id) is None:
        raise InvalidInput("That review does not exist. Reload the page and choose it again.")
    if category not in PERSON_CATEGORIES:
        raise InvalidInput("Choose a category for the entry (for example communication or decision).")
    cleaned_text = (text or "").strip()
    if not cleaned_text:
        raise InvalidInput("Write what happened: an empty entry cannot be added to the log.")
    if len(cleaned_text) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"The entry is {len(cleaned_text)} characters long; keep it under {MAX_TEXT_LENGTH} "
            "(file the full note in the case folder and record its location)."
        )
    section, path = _clean_file_location(folder_section, file_path)
    if corrects_id is not None:
        corrected = session.get(LogEntry, corrects_id)
        if corrected is None:
            raise InvalidInput(f"There is no log entry number {corrects_id} to correct.")
        if corrected.review_id != review_id:
            raise InvalidInput(
                f"Entry {corrects_id} belongs to another review: a correction must name an entry of the same review."
            )
    if milestone_id is not None:
        milestone_review = session.scalar(select(ReviewMilestone.review_id).where(ReviewMilestone.id == milestone_id))
        if milestone_review != review_id:
            raise InvalidInput("That milestone is not one of this review's milestones. Reload the page.")
    entry = LogEntry(
        review_id=review_id,
        author_id=actor.id,
        category=category,
        text=cleaned_text,
        folder_section=section,
        file_path=path,
        milestone_id=milestone_id,
        corrects_id=corrects_id,
        by_system=False,
    )
    session.add(entry)
    session.flush()
    session.refresh(entry, ["logged_at"])
    return entry


# ---------------------------------------------------------------- reading


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _validate_filters(session: Session, filters: LogFilters) -> None:
    unknown = [c for c in filters.categories if c not in LOG_CATEGORIES]
    if unknown:
        raise InvalidInput(f"Unknown log category {', '.join(unknown)}: choose from {', '.join(LOG_CATEGORIES)}.")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(
            f"The 'from' date ({filters.date_from:%d %b %Y}) is after the 'to' date ({filters.date_to:%d %b %Y}): "
            "swap them or change one."
        )
    if len(filters.words.split()) > MAX_SEARCH_WORDS:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_WORDS} words at a time.")
    if filters.review_id is not None and session.get(Review, filters.review_id) is None:
        raise InvalidInput("That review does not exist. Reload the page and choose it again.")


def _filtered(query: Select, filters: LogFilters) -> Select:
    """Apply the filters; the scope is one review, or every review not yet closed."""
    if filters.review_id is not None:
        query = query.where(LogEntry.review_id == filters.review_id)
    else:
        query = query.where(Review.state != "closed")
    if filters.categories:
        query = query.where(LogEntry.category.in_(filters.categories))
    if filters.author_id is not None:
        query = query.where(LogEntry.author_id == filters.author_id)
    # Dates are days in Europe/London, both ends included.
    if filters.date_from:
        query = query.where(LogEntry.logged_at >= _london_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(LogEntry.logged_at < _london_midnight(filters.date_to + timedelta(days=1)))
    for word in filters.words.split():
        query = query.where(LogEntry.text.ilike(f"%{_escape_like(word)}%", escape="\\"))
    return query


def _row_query() -> Select:
    return (
        select(
            LogEntry.id, LogEntry.review_id, Review.case_reference, LogEntry.logged_at, LogEntry.author_id,
            Account.display_name, LogEntry.category, LogEntry.text, LogEntry.folder_section, LogEntry.file_path,
            LogEntry.milestone_id, ReviewMilestone.title, LogEntry.corrects_id, LogEntry.by_system,
        )
        .join(Review, Review.id == LogEntry.review_id)
        .join(Account, Account.id == LogEntry.author_id)
        .outerjoin(ReviewMilestone, ReviewMilestone.id == LogEntry.milestone_id)
    )


def _newest_first(query: Select) -> Select:
    # Entries of one transaction share now(); the id breaks the tie in the order they were written.
    return query.order_by(LogEntry.logged_at.desc(), LogEntry.id.desc())


def _corrections_of(session: Session, rows: Sequence) -> dict[int, tuple[int, ...]]:
    """Which later entries correct each of these rows (corrections always belong to the same review)."""
    if not rows:
        return {}
    ids = [r.id for r in rows]
    review_ids = sorted({r.review_id for r in rows})
    found: dict[int, list[int]] = {}
    for corrects_id, entry_id in session.execute(
        select(LogEntry.corrects_id, LogEntry.id)
        .where(LogEntry.review_id.in_(review_ids), LogEntry.corrects_id.in_(ids))
        .order_by(LogEntry.id)
    ):
        found.setdefault(corrects_id, []).append(entry_id)
    return {k: tuple(v) for k, v in found.items()}


def _corrections_in_scope(session: Session, filters: LogFilters) -> dict[int, tuple[int, ...]]:
    """Every correction in the filters' review scope, read once for an export (not once per chunk)."""
    query = select(LogEntry.corrects_id, LogEntry.id).where(LogEntry.corrects_id.is_not(None)).order_by(LogEntry.id)
    if filters.review_id is not None:
        query = query.where(LogEntry.review_id == filters.review_id)
    else:
        query = query.join(Review, Review.id == LogEntry.review_id).where(Review.state != "closed")
    found: dict[int, list[int]] = {}
    for corrects_id, entry_id in session.execute(query):
        found.setdefault(corrects_id, []).append(entry_id)
    return {k: tuple(v) for k, v in found.items()}


def _to_rows(session: Session, raw: Sequence, corrections: Optional[dict[int, tuple[int, ...]]] = None) -> list[LogRow]:
    if corrections is None:
        corrections = _corrections_of(session, raw)
    return [
        LogRow(
            id=r[0], review_id=r[1], case_reference=r[2], logged_at=r[3], author_id=r[4], author_name=r[5],
            category=r[6], text=r[7], folder_section=r[8], file_path=r[9], milestone_id=r[10],
            milestone_title=r[11], corrects_id=r[12], by_system=r[13], corrected_by=corrections.get(r[0], ()),
        )
        for r in raw
    ]


def _filters(review_id, categories, author_id, date_from, date_to, words) -> LogFilters:
    return LogFilters(
        review_id=review_id,
        categories=tuple(categories or ()),
        author_id=author_id,
        date_from=date_from,
        date_to=date_to,
        words=(words or "").strip(),
    )


@requires(*CASE_READERS, action="read the daily log")
def search_log(
    session: Session,
    actor: Account,
    *,
    review_id: Optional[int] = None,
    categories: Iterable[str] = (),
    author_id: Optional[int] = None,
    date_from: Optional[date] = None,
    date_to: Optional[date] = None,
    words: str = "",
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> LogPage:
    """One page of the log, newest first, with the number of entries matching the filters.
    review_id None reads every live review. A page past the end gives the last page."""
    filters = _filters(review_id, categories, author_id, date_from, date_to, words)
    _validate_filters(session, filters)
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"Show between 1 and {MAX_PAGE_SIZE} entries a page.")
    # The count and the page are both done in SQL: a review may hold thousands of entries.
    counted = _filtered(select(func.count()).select_from(LogEntry).join(Review, Review.id == LogEntry.review_id),
                        filters)
    total = session.scalar(counted)
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, int(page)), pages)
    raw = session.execute(
        _newest_first(_filtered(_row_query(), filters)).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return LogPage(rows=_to_rows(session, raw), total=total, page=page, page_size=page_size)


@requires(*CASE_READERS, action="read the daily log")
def list_log_authors(session: Session, actor: Account, *, review_id: Optional[int] = None) -> list[tuple[int, str]]:
    """Who has written in this review's log (or in any live review's), for the author filter."""
    scope = _filtered(
        select(LogEntry.author_id).join(Review, Review.id == LogEntry.review_id).distinct(),
        LogFilters(review_id=review_id),
    ).subquery()
    return [
        (account_id, name)
        for account_id, name in session.execute(
            select(Account.id, Account.display_name).where(Account.id.in_(select(scope.c.author_id)))
            .order_by(Account.display_name)
        )
    ]


@requires(*CASE_READERS, action="read the daily log")
def list_milestone_choices(session: Session, actor: Account, *, review_id: int) -> list[tuple[int, str]]:
    """A review's milestones (id, title), in plan order, for linking an entry to one."""
    return [
        (milestone_id, title)
        for milestone_id, title in session.execute(
            select(ReviewMilestone.id, ReviewMilestone.title)
            .where(ReviewMilestone.review_id == review_id)
            .order_by(ReviewMilestone.sort_order)
        )
    ]


def _all_matching(session: Session, filters: LogFilters, chunk: int = 1000) -> Iterator[LogRow]:
    """Every entry the filters match, newest first, read in chunks (the page's order, all pages)."""
    _validate_filters(session, filters)
    corrections = _corrections_in_scope(session, filters)
    result = session.execute(_newest_first(_filtered(_row_query(), filters)).execution_options(yield_per=chunk))
    for part in result.partitions():
        yield from _to_rows(session, part, corrections)


def export_values(row: LogRow) -> list:
    """One export row; CSV and Excel share it. The time is UK local time, without zone (Excel has none)."""
    return [
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


@requires(*CASE_READERS, action="export the daily log")
def export_log_csv(
    session: Session,
    actor: Account,
    *,
    review_id: Optional[int] = None,
    categories: Iterable[str] = (),
    author_id: Optional[int] = None,
    date_from: Optional[date] = None,
    date_to: Optional[date] = None,
    words: str = "",
) -> bytes:
    """The log entries the filters match, all pages, newest first, as CSV (UTF-8 with BOM for Excel)."""
    filters = _filters(review_id, categories, author_id, date_from, date_to, words)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in _all_matching(session, filters):
        writer.writerow([csv_text(v) for v in export_values(row)])
    return buffer.getvalue().encode("utf-8-sig")


@requires(*CASE_READERS, action="export the daily log")
def export_log_xlsx(
    session: Session,
    actor: Account,
    *,
    review_id: Optional[int] = None,
    categories: Iterable[str] = (),
    author_id: Optional[int] = None,
    date_from: Optional[date] = None,
    date_to: Optional[date] = None,
    words: str = "",
) -> bytes:
    """The same rows as export_log_csv, as an Excel workbook (text cells are never formulas)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    filters = _filters(review_id, categories, author_id, date_from, date_to, words)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Daily log")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKL", (8, 14, 19, 24, 15, 80, 30, 40, 40, 10, 12, 10)):
        sheet.column_dimensions[letter].width = width
    header = []
    for title in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _all_matching(session, filters):
        values = export_values(row)
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


@requires(*CASE_READERS, action="see the case folder register")
def case_folder_register(session: Session, actor: Account, *, review_id: int) -> CaseFolderRegister:
    """The case folder (named by the case reference) and, per section, the file locations the log recorded."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Reload the page and choose it again.")
    raw = session.execute(
        select(LogEntry.id, LogEntry.folder_section, LogEntry.file_path, LogEntry.logged_at, Account.display_name,
               LogEntry.review_id)
        .join(Account, Account.id == LogEntry.author_id)
        .where(LogEntry.review_id == review_id, LogEntry.file_path.is_not(None))
        .order_by(LogEntry.logged_at, LogEntry.id)
    ).all()
    corrections = _corrections_of(session, raw)
    sections = {code: FolderSection(code, FOLDER_SECTION_TITLES[code]) for code in FOLDER_SECTIONS}
    for entry_id, section, path, logged_at, author_name, _review in raw:
        sections[section].documents.append(
            FiledDocument(entry_id, path, logged_at, author_name, corrections.get(entry_id, ()))
        )
    return CaseFolderRegister(review_id=review.id, folder_name=review.case_reference, sections=list(sections.values()))
