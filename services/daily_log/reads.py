"""The daily log as pages read it: the frozen rows, a page of a search, the case folder register, and the queries
that make them. Every read names its columns (the author's name by a join), so no query depends on how a model
loads its relationships."""
from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from db.enums import ReviewState
from db.models import Account, LogEntry, Review, ReviewMilestone
from services.clock import LONDON
from services.daily_log.rules import (
    DEFAULT_PAGE_SIZE,
    FOLDER_SECTION_TITLES,
    NO_SUCH_REVIEW,
    LogFilters,
    check_page_size,
    checked_filters,
    escape_like,
    london_midnight,
    search_words,
)
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires


@dataclass(frozen=True)
class LogRow:
    """One log entry as the page and the exports show it."""

    id: int
    review_id: int | None
    case_reference: str | None
    logged_at: datetime
    author_id: int
    author_name: str
    category: str
    text: str
    folder_section: str | None
    file_path: str | None
    milestone_id: int | None
    milestone_title: str | None
    corrects_id: int | None
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
class LogPage:
    """One page of entries and how many match. A word search counts at most SEARCH_COUNT_CAP entries past the page:
    `capped` then says that more than `total` entries match (`pages` is the pages counted so far)."""

    rows: tuple[LogRow, ...]
    total: int
    page: int
    page_size: int
    capped: bool = False

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


@dataclass(frozen=True)
class FolderRegisterSection:
    """One section of the case folder register (not db.enums.FolderSection, the section's code)."""

    code: str
    title: str
    documents: tuple[FiledDocument, ...] = ()


@dataclass(frozen=True)
class CaseFolderRegister:
    review_id: int
    folder_name: str
    sections: tuple[FolderRegisterSection, ...]


Corrections = dict[int, tuple[int, ...]]
# A word search counts its matches this far past the page's start, no further: a common word's exact count over every
# live review reads a quarter of a million entries (0.25-0.6 s at 5x), to print one figure nobody pages through.
SEARCH_COUNT_CAP = 1000
SEARCH_WORK_MEM = text("SET LOCAL work_mem = '32MB'")


# Queries and rows of any columns (SQLAlchemy 2.1 types them by their column types).
AnySelect = Select[*tuple[Any, ...]]


AnyRow = Row[*tuple[Any, ...]]


def _checked_filters(session: Session, filters: LogFilters) -> LogFilters:
    """The filters cleaned and checked (services.daily_log.rules.checked_filters), their review known."""
    filters = checked_filters(filters)
    if filters.review_id is not None and session.get(Review, filters.review_id) is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    return filters


def _filtered(query: AnySelect, filters: LogFilters) -> AnySelect:
    """Apply the filters; the scope is one review, or every review not yet closed."""
    words = search_words(filters.words)
    if filters.review_id is not None:
        query = query.where(LogEntry.review_id == filters.review_id)
    elif words:
        # The live reviews' ids as one array (an InitPlan of the same statement): the planner can then AND the
        # bitmap of the review index with the words' index, and read only the entries in both.
        query = query.where(LogEntry.review_id == func.any(func.array(_live_review_ids().scalar_subquery())))
    else:
        query = query.where(LogEntry.review_id.in_(_live_review_ids()))
    if filters.categories:
        query = query.where(LogEntry.category.in_(filters.categories))
    if filters.author_id is not None:
        query = query.where(LogEntry.author_id == filters.author_id)
    # Dates are days in Europe/London, both ends included.
    if filters.date_from:
        query = query.where(LogEntry.logged_at >= london_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(LogEntry.logged_at < london_midnight(filters.date_to + timedelta(days=1)))
    # Every word begins a word of the entry: one query of the GIN index of the entries' words (migration 0027).
    # A word typed with punctuation must also appear as typed (ILIKE, only on the entries the index found).
    tsquery = " & ".join(word.tsquery for word in words if word.prefixes)
    if tsquery:
        # One review's entries (hundreds, a few thousand) are read by the review's index and filtered: the words'
        # index would find the word's entries in every review first ("|| ''" keeps the planner from it).
        searched = (LogEntry.text_words if filters.review_id is None
                    else LogEntry.text_words.op("||")(literal_column("''::tsvector")))
        query = query.where(searched.bool_op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)))
    for word in words:
        if word.literal is not None:
            query = query.where(LogEntry.text.ilike(f"%{escape_like(word.literal)}%", escape="\\"))
    return query


def _live_review_ids() -> AnySelect:
    # By the reviews' ids, not a join on their state: the log's indexes then serve each live review.
    return select(Review.id).where(Review.state.in_((ReviewState.OPEN, ReviewState.SUBMITTED)))


def _row_query() -> AnySelect:
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


def _newest_first(query: AnySelect) -> AnySelect:
    # Entries of one transaction share now(); the id breaks the tie in the order they were written.
    return query.order_by(LogEntry.logged_at.desc(), LogEntry.id.desc())


def _page_query(filters: LogFilters, *, limit: int, offset: int) -> AnySelect:
    """One page's rows: the page's entries found first on the log alone (newest first, limit and offset), then their
    review, author and milestone joined to those rows only. Joined before the limit, the planner may join every
    matching entry (tens of thousands for a word in many entries, each against a scan of the milestones) before it
    keeps fifty."""
    page_ids = (
        _newest_first(_filtered(select(LogEntry.id, LogEntry.logged_at), filters))
        .limit(limit).offset(offset).subquery("page_entries")
    )
    return (
        _row_query().join(page_ids, page_ids.c.id == LogEntry.id)
        .order_by(page_ids.c.logged_at.desc(), page_ids.c.id.desc())
    )


def _corrections_of(session: Session, rows: Sequence[AnyRow]) -> Corrections:
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
        if corrects_id is not None:
            found.setdefault(corrects_id, []).append(entry_id)
    return {k: tuple(v) for k, v in found.items()}


def _corrections_in_scope(session: Session, filters: LogFilters) -> Corrections:
    """Every correction in the filters' review scope, read once for an export (not once per chunk)."""
    query = select(LogEntry.corrects_id, LogEntry.id).where(LogEntry.corrects_id.is_not(None)).order_by(LogEntry.id)
    if filters.review_id is not None:
        query = query.where(LogEntry.review_id == filters.review_id)
    else:
        query = query.where(LogEntry.review_id.in_(_live_review_ids()))
    found: dict[int, list[int]] = {}
    for corrects_id, entry_id in session.execute(query):
        if corrects_id is not None:  # the query's own condition; says so to the type checker
            found.setdefault(corrects_id, []).append(entry_id)
    return {k: tuple(v) for k, v in found.items()}


def _to_row(r: AnyRow, corrected_by: tuple[int, ...]) -> LogRow:
    return LogRow(
        id=r[0], review_id=r[1], case_reference=r[2], logged_at=r[3], author_id=r[4], author_name=r[5],
        category=r[6], text=r[7], folder_section=r[8], file_path=r[9], milestone_id=r[10],
        milestone_title=r[11], corrects_id=r[12], by_system=r[13], corrected_by=corrected_by,
    )


def _to_rows(session: Session, raw: Sequence[AnyRow], corrections: Corrections | None = None) -> list[LogRow]:
    if corrections is None:
        corrections = _corrections_of(session, raw)
    return [_to_row(r, corrections.get(r[0], ())) for r in raw]


@requires(*CASE_READERS, action="read the daily log")
def search_log(
    session: Session,
    actor: Account,
    *,
    filters: LogFilters,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    count_cap: int = SEARCH_COUNT_CAP,
) -> LogPage:
    """One page of the log, newest first, with the number of entries matching the filters (a word search's counted
    up to `count_cap` entries past the page's start: LogPage.capped). A filter on no review reads every live review.
    A page past the end gives the last page."""
    filters = _checked_filters(session, filters)
    check_page_size(page_size)
    # Memory enough for the bitmaps of a word in hundreds of thousands of entries: with the server's default (4 MB)
    # they turn lossy and every live entry's words are checked again (seconds at 5 M entries). For this transaction.
    session.execute(SEARCH_WORK_MEM)
    # The count and the page are both done in SQL: a review may hold thousands of entries.
    page = max(1, int(page))
    if search_words(filters.words):
        # Counted up to the cap past the page asked for: one more than that says there are more.
        most = (page - 1) * page_size + count_cap
        found = _filtered(select(LogEntry.id), filters).limit(most + 1).subquery("counted")
        total = session.scalar(select(func.count()).select_from(found)) or 0
        capped = total > most
        total = min(total, most)
    else:
        total, capped = session.scalar(_filtered(select(func.count()).select_from(LogEntry), filters)) or 0, False
    pages = max(1, math.ceil(total / page_size))
    page = min(page, pages)
    raw = session.execute(_page_query(filters, limit=page_size, offset=(page - 1) * page_size)).all()
    return LogPage(rows=tuple(_to_rows(session, raw)), total=total, page=page, page_size=page_size, capped=capped)


@requires(*CASE_READERS, action="read the daily log")
def list_log_authors(session: Session, actor: Account, *, review_id: int | None = None) -> list[tuple[int, str]]:
    """Who has written in this review's log (or in any live review's), for the author filter."""
    scope = _filtered(
        select(LogEntry.author_id).distinct(),
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


def matching_rows(session: Session, filters: LogFilters, chunk: int = 1000) -> Iterator[LogRow]:
    """Every entry the filters match, newest first, read in chunks (the page's order, all pages); for the
    exports, which check the actor's role themselves. Bad filters are refused here, before any row is read and
    before an export has begun its file."""
    filters = _checked_filters(session, filters)
    corrections = _corrections_in_scope(session, filters)
    result = session.execute(_newest_first(_filtered(_row_query(), filters)).execution_options(yield_per=chunk))
    return (row for part in result.partitions() for row in _to_rows(session, part, corrections))


@requires(*CASE_READERS, action="see the case folder register")
def case_folder_register(session: Session, actor: Account, *, review_id: int) -> CaseFolderRegister:
    """The case folder (named by the case reference) and, per section, the file locations the log recorded."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    raw = session.execute(
        select(LogEntry.id, LogEntry.folder_section, LogEntry.file_path, LogEntry.logged_at, Account.display_name,
               LogEntry.review_id)
        .join(Account, Account.id == LogEntry.author_id)
        .where(LogEntry.review_id == review_id, LogEntry.file_path.is_not(None))
        .order_by(LogEntry.logged_at, LogEntry.id)
    ).all()
    corrections = _corrections_of(session, raw)
    documents: dict[str, list[FiledDocument]] = {code: [] for code in FOLDER_SECTION_TITLES}
    for entry_id, section, path, logged_at, author_name, _review in raw:
        if section is None or path is None:  # the query asks for a path; a path has its section (a CHECK)
            continue
        documents[section].append(FiledDocument(entry_id, path, logged_at, author_name, corrections.get(entry_id, ())))
    sections = tuple(FolderRegisterSection(code, FOLDER_SECTION_TITLES[code], tuple(documents[code]))
                     for code in FOLDER_SECTION_TITLES)
    return CaseFolderRegister(review_id=review.id, folder_name=review.case_reference, sections=sections)


def read_entry(session: Session, entry_id: int) -> LogRow:
    """One entry as a frozen row (the entry just written: no correction of it exists yet)."""
    return _to_row(session.execute(_row_query().where(LogEntry.id == entry_id)).one(), ())
