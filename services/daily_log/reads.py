"""The daily log as pages read it: the frozen rows, a page of a search, the case folder register, and the queries
that make them. Every read names its columns (the author's name by a join), so no query depends on how a model
loads its relationships."""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    CTE,
    ColumnElement,
    Integer,
    Row,
    Select,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

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
# A word search over every live review first reads the newest live entries on the time index, checking each entry's
# words, until it has found the entries it must count: this many entries read for each one it must find, at most,
# before it reads the word's index instead (a word in fewer than one live entry in 20).
NEWEST_FIRST_READ = 20
_IDS = ARRAY(Integer)
SEARCH_WORK_MEM_SIZE = "32MB"
SEARCH_WORK_MEM = text(f"SET LOCAL work_mem = '{SEARCH_WORK_MEM_SIZE}'")


# Queries and rows of any columns (SQLAlchemy 2.1 types them by their column types).
AnySelect = Select[*tuple[Any, ...]]


AnyRow = Row[*tuple[Any, ...]]


def _checked_filters(session: Session, filters: LogFilters) -> LogFilters:
    """The filters cleaned and checked (services.daily_log.rules.checked_filters), their review known."""
    filters = checked_filters(filters)
    if filters.review_id is not None and session.get(Review, filters.review_id) is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    return filters


def _filtered(query: AnySelect, filters: LogFilters, live_ids: Sequence[int] | None = None) -> AnySelect:
    """Apply the filters; the scope is one review, or every review not yet closed (`live_ids` when read already)."""
    return query.where(*_scope_conditions(filters, live_ids), *_entry_conditions(filters, LogEntry))


def _scope_conditions(filters: LogFilters, live_ids: Sequence[int] | None = None) -> list[ColumnElement[bool]]:
    """The review scope and the dates: what the log's review and time indexes hold."""
    conditions: list[ColumnElement[bool]] = []
    if filters.review_id is not None:
        conditions.append(LogEntry.review_id == filters.review_id)
    elif live_ids is not None:
        # Bound as one integer array: the planner knows how many entries the live reviews hold (an array built by a
        # subquery is guessed at a hundredth of them), and checks an entry's review in a hash of the ids.
        conditions.append(LogEntry.review_id == any_(cast(bindparam("live_ids", list(live_ids), type_=_IDS), _IDS)))
    elif search_words(filters.words):
        # The live reviews' ids as one array (an InitPlan of the same statement): the planner can then AND the
        # bitmap of the review index with the words' index, and read only the entries in both.
        conditions.append(LogEntry.review_id == func.any(func.array(_live_review_ids().scalar_subquery())))
    else:
        conditions.append(LogEntry.review_id.in_(_live_review_ids()))
    # Dates are days in Europe/London, both ends included.
    if filters.date_from:
        conditions.append(LogEntry.logged_at >= london_midnight(filters.date_from))
    if filters.date_to:
        conditions.append(LogEntry.logged_at < london_midnight(filters.date_to + timedelta(days=1)))
    return conditions


def _entry_conditions(filters: LogFilters, entry: type[LogEntry]) -> list[ColumnElement[bool]]:
    """The categories, the author and the words: checked on the entry itself (`entry`: the log or an alias of it)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.categories:
        conditions.append(entry.category.in_(filters.categories))
    if filters.author_id is not None:
        conditions.append(entry.author_id == filters.author_id)
    words = search_words(filters.words)
    # Every word begins a word of the entry: one query of the GIN index of the entries' words (migration 0027).
    # A word typed with punctuation must also appear as typed (ILIKE, only on the entries the index found).
    tsquery = " & ".join(word.tsquery for word in words if word.prefixes)
    if tsquery:
        # One review's entries (hundreds, a few thousand) are read by the review's index and filtered: the words'
        # index would find the word's entries in every review first ("|| ''" keeps the planner from it).
        searched = (entry.text_words if filters.review_id is None
                    else entry.text_words.op("||")(literal_column("''::tsvector")))
        conditions.append(
            searched.bool_op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)))
    for word in words:
        if word.literal is not None:
            conditions.append(entry.text.ilike(f"%{escape_like(word.literal)}%", escape="\\"))
    return conditions


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
    # The count and the page are both done in SQL: a review may hold thousands of entries.
    page = max(1, int(page))
    if not search_words(filters.words) or filters.review_id is not None:
        session.execute(SEARCH_WORK_MEM)
        return _counted_page(session, filters, page=page, page_size=page_size, count_cap=count_cap)
    # Every live review: the memory set and the live reviews' ids read in one statement (a search takes as many
    # statements as the page without words).
    live_ids: list[int] = session.execute(select(
        func.set_config("work_mem", SEARCH_WORK_MEM_SIZE, true()), func.array(_live_review_ids().scalar_subquery()),
    )).one()[1] or []
    offset = (page - 1) * page_size
    most = offset + count_cap  # counted up to the cap past the page asked for: one more says there are more
    newest = _newest_matches(session, filters, live_ids, most + 1)
    if newest is not None:  # more than `most`: the page is among them
        return LogPage(rows=tuple(_rows_of(session, newest[offset:offset + page_size])), total=most, page=page,
                       page_size=page_size, capped=True)
    # A word in few of the newest live entries: every match found on the words' index first (a bitmap of the words
    # and the live reviews), counted and sorted. Newest first on the time index would read back to the oldest match.
    found = (_filtered(select(LogEntry.id, LogEntry.logged_at), filters, live_ids)
             .cte("found").prefix_with("MATERIALIZED"))
    raw = session.execute(_found_page(found, limit=page_size, offset=offset)).all()
    total = raw[0][-1] if raw else session.scalar(select(func.count()).select_from(found)) or 0
    if not raw and total:  # past the end: the last page
        page = max(1, math.ceil(min(total, most) / page_size))
        raw = session.execute(_found_page(found, limit=page_size, offset=(page - 1) * page_size)).all()
    return LogPage(rows=tuple(_to_rows(session, raw)), total=min(total, most), page=page,
                   page_size=page_size, capped=total > most)


@requires(*CASE_READERS, action="read the daily log")
def search_review_log(session: Session, actor: Account, *, review_id: int, filters: LogFilters, page: int = 1,
                      page_size: int = DEFAULT_PAGE_SIZE) -> LogPage:
    """`search_log` of one review's log (the filters' review is this one): what it finds depends only on that review's
    rows (its entries, milestones and case reference) and the partnership's (the authors' names), so the Daily log
    page scoped to one review keeps it by their versions (ui.state.read_for_review)."""
    return search_log(session, actor, filters=dataclasses.replace(filters, review_id=review_id), page=page,
                      page_size=page_size)


def _found_page(found: CTE, *, limit: int, offset: int) -> AnySelect:
    """One page of the entries found, joined to their review, author and milestone, each row ending with how many
    were found."""
    page_ids = (
        select(found.c.id, found.c.logged_at).order_by(found.c.logged_at.desc(), found.c.id.desc())
        .limit(limit).offset(offset).subquery("page_entries")
    )
    return (
        _row_query().add_columns(select(func.count()).select_from(found).scalar_subquery())
        .join(page_ids, page_ids.c.id == LogEntry.id)
        .order_by(page_ids.c.logged_at.desc(), page_ids.c.id.desc())
    )


def _counted_page(session: Session, filters: LogFilters, *, page: int, page_size: int, count_cap: int) -> LogPage:
    """The page asked for (the last one when past the end): a word search's count capped, any other exact."""
    if search_words(filters.words):
        most = (page - 1) * page_size + count_cap
        found = _filtered(select(LogEntry.id), filters).limit(most + 1).subquery("counted")
        counted = session.scalar(select(func.count()).select_from(found)) or 0
        total, capped = min(counted, most), counted > most
    else:
        total = session.scalar(_filtered(select(func.count()).select_from(LogEntry), filters)) or 0
        capped = False
    page = min(page, max(1, math.ceil(total / page_size)))
    raw = session.execute(_page_query(filters, limit=page_size, offset=(page - 1) * page_size)).all()
    return LogPage(rows=tuple(_to_rows(session, raw)), total=total, page=page, page_size=page_size, capped=capped)


def _newest_matches(session: Session, filters: LogFilters, live_ids: Sequence[int], wanted: int) -> list[int] | None:
    """The ids of the `wanted` newest entries matching the filters over every live review, newest first: the newest
    live entries read on the time index (its review column says which are live without reading the entry), each
    checked for the words on its own row. None when fewer are among the newest NEWEST_FIRST_READ * wanted live
    entries: a rarer word, read on its index instead."""
    newest = (
        _newest_first(select(LogEntry.id, LogEntry.logged_at).where(*_scope_conditions(filters, live_ids)))
        .limit(NEWEST_FIRST_READ * wanted).subquery("newest")
    )
    entry = aliased(LogEntry, name="entry")
    # One entry checked at a time, in the order read (OFFSET 0 keeps the planner from joining all of them at once).
    matching = (
        select(literal_column("1")).where(entry.id == newest.c.id, *_entry_conditions(filters, entry))
        .offset(0).lateral("matching")
    )
    ids = session.scalars(
        select(newest.c.id).join(matching, true()).order_by(newest.c.logged_at.desc(), newest.c.id.desc())
        .limit(wanted)
    ).all()
    return list(ids) if len(ids) == wanted else None


def _rows_of(session: Session, ids: Sequence[int]) -> list[LogRow]:
    """These entries' rows, newest first."""
    if not ids:
        return []
    raw = session.execute(_newest_first(_row_query().where(LogEntry.id.in_(ids)))).all()
    return _to_rows(session, raw)


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
