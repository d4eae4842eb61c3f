"""The daily log on PostgreSQL: append-only triggers, the entry each service write leaves, search, paging,
exports, corrections, the case folder register and who may do what (issue 4)."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TypedDict, Unpack

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account, LogEntry, Review, ReviewMilestone
from services.daily_log.exports import EXPORT_COLUMNS, export_log_csv, export_log_xlsx, export_values
from services.daily_log.reads import LogPage, LogRow, case_folder_register, list_log_authors, search_log
from services.daily_log.rules import LogFilters
from services.daily_log.service import add_log_entry
from services.errors import InvalidInput, NotAllowed
from services.milestones import complete_milestone
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, record_milestone_done, set_agreed_date, update_review_dates
from tests.types import LogEntryFields, MakeAccount

TODAY = date(2026, 11, 26)
UTC = UTC


def _open(session: Session, actor: Account, *, initials: str = "AB", received: date = date(2026, 11, 23)) -> Review:
    return open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                       csc_aware_date=date(2026, 11, 20), notification_received_date=received,
                       children=[ChildEntry(initials, 7)], as_of=TODAY)


def _milestone(review: Review, key: str) -> ReviewMilestone:
    return next(m for m in review.milestones if m.key == key)


def _entries(session: Session, review_id: int | None = None) -> list[LogEntry]:
    query = select(LogEntry).order_by(LogEntry.id)
    if review_id is not None:
        query = query.where(LogEntry.review_id == review_id)
    return list(session.scalars(query))


def _log_count(session: Session) -> int:
    return session.scalars(select(func.count()).select_from(LogEntry)).one()


def _put(session: Session, review: Review, author: Account, at: datetime, category: str = "communication",
         words: str = "note", *, folder_section: str | None = None, file_path: str | None = None) -> LogEntry:
    """An entry with a chosen time (INSERT is allowed; only changes are refused)."""
    entry = LogEntry(review_id=review.id, author_id=author.id, category=category, text=words, logged_at=at,
                     by_system=False, folder_section=folder_section, file_path=file_path)
    session.add(entry)
    session.flush()
    return entry


# ---------------------------------------------------------------- append-only in the database


@pytest.fixture
def logged(session: Session, officer: Account) -> tuple[Review, LogEntry]:
    review = _open(session, officer)
    return review, _entries(session, review.id)[0]


# The services run as the app's role, which has no UPDATE, DELETE or TRUNCATE on the log (issue 12): PostgreSQL
# refuses before the append-only trigger runs; tests/integration/test_database_roles.py shows the trigger still
# refuses the owner.
REFUSED = "append-only|permission denied"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE daily_log SET text = 'rewritten' WHERE id = :id",
        "UPDATE daily_log SET logged_at = logged_at - interval '1 day' WHERE id = :id",
        "DELETE FROM daily_log WHERE id = :id",
        "DELETE FROM daily_log",
        "TRUNCATE daily_log",
        "TRUNCATE daily_log CASCADE",
    ],
)
def test_the_database_refuses_to_change_the_log(session: Session, logged: tuple[Review, LogEntry],
                                                statement: str) -> None:
    _review, entry = logged
    with pytest.raises(DBAPIError, match=REFUSED), session.begin_nested():
        session.execute(text(statement), {"id": entry.id} if ":id" in statement else {})
    row = session.execute(text("SELECT text, logged_at FROM daily_log WHERE id = :id"), {"id": entry.id}).one()
    assert row.text == entry.text
    assert row.logged_at == entry.logged_at


def test_the_orm_cannot_change_an_entry_either(session: Session, logged: tuple[Review, LogEntry]) -> None:
    _review, entry = logged
    with pytest.raises(DBAPIError, match=REFUSED), session.begin_nested():
        session.get_one(LogEntry, entry.id).text = "rewritten"
        session.flush()


# ---------------------------------------------------------------- each service write leaves one entry


def test_open_review_leaves_one_system_entry_by_its_author(session: Session, officer: Account) -> None:
    before = _log_count(session)
    review = _open(session, officer)
    entries = _entries(session, review.id)
    assert _log_count(session) == before + 1
    assert len(entries) == 1
    assert (entries[0].author_id, entries[0].category, entries[0].by_system) == (officer.id, "system", True)
    assert review.case_reference in entries[0].text


def test_record_milestone_done_leaves_one_entry(session: Session, officer: Account, chair: Account) -> None:
    review = _open(session, officer)
    before = len(_entries(session, review.id))
    record_milestone_done(session, officer, milestone_id=_milestone(review, "case_folder").id, done_on=TODAY,
                          as_of=TODAY)
    new = _entries(session, review.id)[before:]
    assert [(e.author_id, e.category, e.milestone_id) for e in new] == [
        (officer.id, "system", _milestone(review, "case_folder").id)]

    record_milestone_done(session, chair, milestone_id=_milestone(review, "exec_decision").id, done_on=TODAY,
                          as_of=TODAY, exec_meeting_required=False)
    newest = _entries(session, review.id)[before + 1:]
    assert [(e.author_id, e.category) for e in newest] == [(chair.id, "decision")]


def test_update_review_dates_leaves_one_entry(session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    before = len(_entries(session, review.id))
    update_review_dates(session, manager, review_id=review.id, expected_version=review.version,
                        incident_date=date(2026, 11, 18), csc_aware_date=review.csc_aware_date,
                        sin_submitted_date=None, notification_received_date=review.notification_received_date,
                        as_of=TODAY)
    new = _entries(session, review.id)[before:]
    assert [(e.author_id, e.category) for e in new] == [(manager.id, "system")]
    assert "incident date" in new[0].text


def test_set_agreed_date_leaves_one_entry(session: Session, officer: Account, manager: Account) -> None:
    review = _open(session, officer)
    before = len(_entries(session, review.id))
    meeting = _milestone(review, "rr_meeting")
    set_agreed_date(session, manager, milestone_id=meeting.id, expected_version=meeting.version,
                    agreed_on=date(2026, 12, 4), reason="Chair's diary")
    new = _entries(session, review.id)[before:]
    assert [(e.author_id, e.category, e.milestone_id) for e in new] == [(manager.id, "date agreed", meeting.id)]


def test_a_failed_write_leaves_no_entry(session: Session, officer: Account, manager: Account) -> None:
    before = _log_count(session)
    with pytest.raises(InvalidInput, match="future"):
        _open(session, officer, received=TODAY + timedelta(days=3))
    assert _log_count(session) == before

    review = _open(session, officer)
    before = _log_count(session)
    with pytest.raises(InvalidInput, match=r"reason|why"), session.begin_nested():
        meeting = _milestone(review, "rr_meeting")
        set_agreed_date(session, manager, milestone_id=meeting.id, expected_version=meeting.version,
                        agreed_on=date(2026, 12, 4), reason="  ")
    with pytest.raises(InvalidInput, match="future"), session.begin_nested():
        record_milestone_done(session, officer, milestone_id=_milestone(review, "case_folder").id,
                              done_on=TODAY + timedelta(days=1), as_of=TODAY)
    assert _log_count(session) == before


# ---------------------------------------------------------------- adding entries


def test_add_log_entry_is_a_persons_entry(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    entry = add_log_entry(session, officer, review_id=review.id, category="communication",
                          text="  Phoned CSC team manager (initials JS).  ", folder_section="IV",
                          file_path="IV/Emails/2026-11-26 CSC.msg")
    assert (entry.text, entry.by_system, entry.author_id) == ("Phoned CSC team manager (initials JS).", False,
                                                              officer.id)
    assert (entry.folder_section, entry.file_path) == ("IV", "IV/Emails/2026-11-26 CSC.msg")
    assert entry.logged_at is not None


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(text=""), "empty entry"),
        (dict(text="   \n "), "empty entry"),
        (dict(file_path="I/Scoping/form.docx"), "needs its case folder section"),
        (dict(folder_section="II"), "Give the file's path"),
        (dict(folder_section="V", file_path="x"), "section: I, II, III or IV"),
        (dict(category="system"), "Choose a category"),
        (dict(category="gossip"), "Choose a category"),
        (dict(review_id=None), "Choose the review"),
        (dict(review_id=987654), "does not exist"),
        (dict(text="x" * 4001), "4,001 characters long; it can be at most 4,000"),
    ],
)
def test_add_log_entry_refuses_bad_input(session: Session, officer: Account, changes: LogEntryFields,
                                         message: str) -> None:
    review = _open(session, officer)
    before = _log_count(session)
    values: LogEntryFields = {"review_id": review.id, "category": "other", "text": "Something happened."}
    values.update(changes)
    with pytest.raises(InvalidInput, match=message):
        add_log_entry(session, officer, **values)
    assert _log_count(session) == before


def test_a_linked_milestone_must_belong_to_the_review(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    other = _open(session, officer, initials="CD")
    entry = add_log_entry(session, officer, review_id=review.id, category="document filed", text="Folder made.",
                          milestone_id=_milestone(review, "case_folder").id)
    assert entry.milestone_id == _milestone(review, "case_folder").id
    with pytest.raises(InvalidInput, match="not one of this review's milestones"):
        add_log_entry(session, officer, review_id=review.id, category="other", text="x",
                      milestone_id=_milestone(other, "case_folder").id)


# ---------------------------------------------------------------- corrections


def test_a_correction_names_the_entry_and_both_are_shown(session: Session, officer: Account, chair: Account) -> None:
    review = _open(session, officer)
    wrong = add_log_entry(session, officer, review_id=review.id, category="meeting",
                          text="Rapid Review meeting booked for 3 Dec.")
    right = add_log_entry(session, chair, review_id=review.id, category="meeting", corrects_id=wrong.id,
                          text="Correction: the meeting is booked for 4 Dec, not 3 Dec.")
    rows = {r.id: r for r in search_log(session, officer, filters=LogFilters(review_id=review.id)).rows}
    assert rows[wrong.id].text == "Rapid Review meeting booked for 3 Dec."  # the original stays as written
    assert rows[wrong.id].corrected_by == (right.id,)
    assert rows[wrong.id].is_corrected
    assert rows[right.id].corrects_id == wrong.id
    assert not rows[right.id].is_corrected

    again = add_log_entry(session, officer, review_id=review.id, category="meeting", corrects_id=wrong.id,
                          text="Second correction: 4 Dec at 10:00.")
    rows = {r.id: r for r in search_log(session, officer, filters=LogFilters(review_id=review.id)).rows}
    assert rows[wrong.id].corrected_by == (right.id, again.id)


def test_a_correction_must_name_an_entry_of_the_same_review(session: Session, officer: Account) -> None:
    review = _open(session, officer)
    other = _open(session, officer, initials="CD")
    foreign = add_log_entry(session, officer, review_id=other.id, category="other", text="Other review.")
    before = _log_count(session)
    with pytest.raises(InvalidInput, match="same review"):
        add_log_entry(session, officer, review_id=review.id, category="other", text="Fix.", corrects_id=foreign.id)
    with pytest.raises(InvalidInput, match="no log entry number 99999999"):
        add_log_entry(session, officer, review_id=review.id, category="other", text="Fix.", corrects_id=99999999)
    assert _log_count(session) == before


# ---------------------------------------------------------------- search and paging on a known log

BASE = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # summer: London is UTC+1
CATEGORIES = ["communication", "decision", "meeting", "quality check"]


class KnownLog(TypedDict):
    """The known_log fixture: review A, its entries (oldest first) and its opening entry; review B."""

    review: Review
    other: Review
    entries: list[LogEntry]
    opening: LogEntry


class FilterFields(TypedDict, total=False):
    """LogFilters' fields a test sets besides the review."""

    categories: tuple[str, ...]
    author_id: int | None
    date_from: date | None
    date_to: date | None
    words: str


@pytest.fixture
def known_log(session: Session, officer: Account, manager: Account) -> KnownLog:
    """Review A: its opening entry + 130 entries an hour apart from 1 Jun 2026 09:00 UTC; review B: 5 entries."""
    review = _open(session, officer)
    other = _open(session, officer, initials="CD")
    entries: list[LogEntry] = []
    for i in range(130):
        author = officer if i % 2 == 0 else manager
        words = f"Entry {i:03d}" + (" phoned the Police safeguarding lead" if i % 10 == 0 else " routine")
        entries.append(_put(session, review, author, BASE + timedelta(hours=i), CATEGORIES[i % 4], words))
    for i in range(5):
        _put(session, other, officer, BASE + timedelta(hours=i, minutes=30), "other", f"Other review {i}")
    opening = _entries(session, review.id)[0]
    return dict(review=review, other=other, entries=entries, opening=opening)


def _all_pages(session: Session, actor: Account, page_size: int, *, review_id: int,
               **filters: Unpack[FilterFields]) -> tuple[LogPage, list[LogRow]]:
    first = search_log(session, actor, page=1, page_size=page_size, filters=LogFilters(review_id=review_id, **filters))
    rows = list(first.rows)
    for page in range(2, first.pages + 1):
        rows += search_log(session, actor, page=page, page_size=page_size,
                           filters=LogFilters(review_id=review_id, **filters)).rows
    return first, rows


def test_filters_by_category_author_and_words(session: Session, officer: Account, manager: Account,
                                              known_log: KnownLog) -> None:
    review = known_log["review"]
    entries = known_log["entries"]
    page = search_log(session, officer, filters=LogFilters(review_id=review.id, categories=("decision", "meeting")),
                      page_size=500)
    assert page.total == len(page.rows) == 65
    assert {r.category for r in page.rows} == {"decision", "meeting"}

    page = search_log(session, officer, filters=LogFilters(review_id=review.id, author_id=manager.id), page_size=500)
    assert page.total == 65 and {r.author_id for r in page.rows} == {manager.id}

    page = search_log(session, officer, filters=LogFilters(review_id=review.id, words="police  PHONED"), page_size=500)
    assert [r.id for r in page.rows] == [entries[i].id for i in range(120, -1, -10)]

    page = search_log(session, officer, filters=LogFilters(review_id=review.id, words="police routine"))
    assert page.total == 0 and page.rows == () and page.first_number == 0

    _put(session, review, officer, BASE, "other", "Progress 100% done")
    _put(session, review, officer, BASE, "other", "Code A_B given")
    _put(session, review, officer, BASE, "other", "Code AxB given")
    assert search_log(session, officer, filters=LogFilters(review_id=review.id, words="100%")).total == 1
    # % and _ are searched for as themselves, not as wildcards.
    page = search_log(session, officer, filters=LogFilters(review_id=review.id, words="a_b"))
    assert [r.text for r in page.rows] == ["Code A_B given"]
    assert search_log(session, officer, filters=LogFilters(review_id=review.id, words="1%e")).total == 0


def test_all_live_reviews_leaves_out_closed_reviews_and_non_case_entries(session: Session, officer: Account,
                                                                         manager: Account, known_log: KnownLog) -> None:
    other = known_log["other"]
    page = search_log(session, officer, filters=LogFilters(review_id=None, categories=("other",)), page_size=500)
    assert {r.case_reference for r in page.rows} == {other.case_reference}
    assert page.total == 5
    assert all(r.review_id is not None for r in search_log(session, officer, filters=LogFilters(), page_size=500).rows)

    # The report's steps, completed directly (as services.report does after its own checks), after the Rapid Review
    # meeting (issue 26: here recorded as held outside the product).
    complete_milestone(session, manager, milestone_id=_milestone(other, "rr_meeting").id, done_on=TODAY, as_of=TODAY,
                       done_outside_reason="Held before the tracker was in use.")
    complete_milestone(session, manager, milestone_id=_milestone(other, "panel_submission").id,
                       done_on=TODAY, as_of=TODAY)
    complete_milestone(session, manager, milestone_id=_milestone(other, "panel_response").id,
                       done_on=TODAY, as_of=TODAY)
    assert search_log(session, officer, filters=LogFilters(review_id=None, categories=("other",))).total == 0
    # A closed review's own log can still be read when it is picked.
    assert search_log(session, officer, filters=LogFilters(review_id=other.id, categories=("other",))).total == 5


def test_authors_for_the_filter(session: Session, officer: Account, manager: Account, chair: Account,
                                known_log: KnownLog) -> None:
    review = known_log["review"]
    assert {a for a, _name in list_log_authors(session, chair, review_id=review.id)} == {officer.id, manager.id}


def test_search_refuses_bad_filters(session: Session, officer: Account, known_log: KnownLog) -> None:
    with pytest.raises(InvalidInput, match="Unknown log category"):
        search_log(session, officer, filters=LogFilters(categories=("gossip",)))
    with pytest.raises(InvalidInput, match="does not exist"):
        search_log(session, officer, filters=LogFilters(review_id=987654))
    with pytest.raises(InvalidInput, match="entries a page"):
        search_log(session, officer, filters=LogFilters(), page_size=0)


# ---------------------------------------------------------------- exports


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the CSV as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert isinstance(sheet, Worksheet)
    return [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "filters",
    [
        dict(),
        dict(categories=("meeting",), words="entry"),
        dict(date_from=date(2026, 6, 2), date_to=date(2026, 6, 3)),
        dict(words="no such words at all"),
    ],
    ids=["everything", "category-and-words", "date-range", "nothing"],
)
def test_exports_hold_exactly_the_rows_the_page_shows(session: Session, officer: Account, manager: Account,
                                                      known_log: KnownLog, filters: FilterFields) -> None:
    review = known_log["review"]
    add_log_entry(session, manager, review_id=review.id, category="meeting", corrects_id=known_log["entries"][2].id,
                  text="Entry fix: =HYPERLINK(\"http://x\") -- a formula-like text, £ and é kept")
    _first, shown = _all_pages(session, officer, 20, review_id=review.id, **filters)

    csv_rows = _csv_rows(export_log_csv(session, officer, filters=LogFilters(review_id=review.id, **filters)))
    xlsx_rows = _xlsx_rows(export_log_xlsx(session, officer, filters=LogFilters(review_id=review.id, **filters)))
    assert csv_rows[0] == list(EXPORT_COLUMNS) and xlsx_rows[0] == list(EXPORT_COLUMNS)
    assert [int(r[0]) for r in csv_rows[1:]] == [r.id for r in shown]
    assert [r[0] for r in xlsx_rows[1:]] == [r.id for r in shown]
    assert [r[5] for r in xlsx_rows[1:]] == [r.text for r in shown]
    assert [r[3] for r in csv_rows[1:]] == [r.author_name for r in shown]
    assert [r[2] for r in xlsx_rows[1:]] == [r.local_time.replace(tzinfo=None, microsecond=0) for r in shown]
    assert xlsx_rows[1:] == [export_values(r) for r in shown]


def test_export_keeps_formula_like_text_as_text(session: Session, officer: Account, known_log: KnownLog) -> None:
    review = known_log["review"]
    fix = add_log_entry(session, officer, review_id=review.id, category="other", corrects_id=known_log["entries"][0].id,
                        text="=1+1 looks like a formula")
    formula = LogFilters(review_id=review.id, words="formula")
    csv_rows = _csv_rows(export_log_csv(session, officer, filters=formula))
    assert csv_rows[1][5] == "'=1+1 looks like a formula"  # a spreadsheet shows it, never runs it
    assert csv_rows[1][9] == str(known_log["entries"][0].id)
    sheet = load_workbook(io.BytesIO(export_log_xlsx(session, officer, filters=formula))).active
    assert isinstance(sheet, Worksheet)
    cell = sheet.cell(row=2, column=6)
    assert (cell.value, cell.data_type) == ("=1+1 looks like a formula", "s")
    whole = _csv_rows(export_log_csv(session, officer, filters=LogFilters(review_id=review.id)))
    corrected = next(r for r in whole if r[0] == str(known_log["entries"][0].id))
    assert corrected[10] == str(fix.id)


# ---------------------------------------------------------------- the case folder register


@pytest.mark.parametrize("role", ["board", "admin"])
def test_board_and_admin_may_not_read_or_write_the_log(session: Session, officer: Account, make_account: MakeAccount,
                                                       role: str) -> None:
    review = _open(session, officer)
    outsider = make_account(role)
    calls: list[Callable[[], object]] = [
        lambda: search_log(session, outsider, filters=LogFilters(review_id=review.id)),
        lambda: search_log(session, outsider, filters=LogFilters(review_id=None)),
        lambda: list_log_authors(session, outsider, review_id=review.id),
        lambda: add_log_entry(session, outsider, review_id=review.id, category="other", text="x"),
        lambda: export_log_csv(session, outsider, filters=LogFilters(review_id=review.id)),
        lambda: export_log_xlsx(session, outsider, filters=LogFilters(review_id=review.id)),
        lambda: case_folder_register(session, outsider, review_id=review.id),
    ]
    before = _log_count(session)
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert _log_count(session) == before


@pytest.mark.parametrize("role", ["manager", "officer", "chair"])
def test_case_roles_may_read_and_add(session: Session, officer: Account, make_account: MakeAccount, role: str) -> None:
    review = _open(session, officer)
    reader = make_account(role)
    entry = add_log_entry(session, reader, review_id=review.id, category="communication", text=f"By the {role}.")
    assert search_log(session, reader, filters=LogFilters(review_id=review.id)).rows[0].id == entry.id
    assert export_log_csv(session, reader, filters=LogFilters(review_id=review.id)).count(b"\r\n") == 3


class TestOnEntriesBackdatedByTheOwner:
    """Tests that need entries at chosen times: since migration 0017 the database sets an entry's time for the app's
    role, so these seed (and read) as the owner, as a migration or a data load by the owner may."""

    @pytest.fixture
    def session(self, owner_url: str) -> Iterator[Session]:
        engine = create_engine(owner_url)
        connection = engine.connect()
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        yield session
        session.close()
        outer.rollback()
        connection.close()
        engine.dispose()

    def test_newest_first_and_paging_covers_every_entry_once(self, session: Session, officer: Account,
                                                             known_log: KnownLog) -> None:
        review = known_log["review"]
        first, rows = _all_pages(session, officer, 25, review_id=review.id)
        assert first.total == 131
        assert first.pages == 6
        expected = [known_log["opening"].id] + [e.id for e in reversed(known_log["entries"])]
        assert [r.id for r in rows] == expected
        times = [r.logged_at for r in rows]
        assert times == sorted(times, reverse=True)
        last = search_log(session, officer, filters=LogFilters(review_id=review.id), page=6, page_size=25)
        assert (len(last.rows), last.first_number, last.last_number) == (6, 126, 131)
        beyond = search_log(session, officer, filters=LogFilters(review_id=review.id), page=99, page_size=25)
        assert beyond.page == 6 and [r.id for r in beyond.rows] == [r.id for r in last.rows]

    def test_date_range_is_uk_days_both_ends_included(self, session: Session, officer: Account,
                                                      known_log: KnownLog) -> None:
        review = known_log["review"]
        entries = known_log["entries"]
        # 1 Jun 09:00 UTC + 14h = 23:00 UTC = 00:00 on 2 Jun in London, so entry 14 is the first of 2 Jun.
        page = search_log(session, officer, filters=LogFilters(review_id=review.id, date_from=date(2026, 6, 2),
                                                               date_to=date(2026, 6, 2)), page_size=500)
        assert [r.id for r in page.rows] == [entries[i].id for i in range(37, 13, -1)]
        page = search_log(session, officer, filters=LogFilters(review_id=review.id, date_to=date(2026, 6, 1)),
                          page_size=500)
        assert page.total == 14
        with pytest.raises(InvalidInput, match=r"'from' date .* is after the 'to' date"):
            search_log(session, officer, filters=LogFilters(review_id=review.id, date_from=date(2026, 6, 3),
                                                            date_to=date(2026, 6, 2)))

    def test_case_folder_register_lists_each_sections_files(self, session: Session, officer: Account, manager: Account,
                                                            known_log: KnownLog) -> None:
        review = known_log["review"]
        _put(session, review, officer, BASE + timedelta(days=1), "document filed", "Scoping form sent",
             folder_section="I", file_path="I/Scoping/Police form.docx")
        _put(session, review, manager, BASE + timedelta(days=2), "document filed", "Return filed",
             folder_section="I", file_path="I/Returns/Police return.docx")
        minutes = add_log_entry(session, officer, review_id=review.id, category="meeting", text="Minutes saved.",
                                folder_section="II", file_path="II/Minutes 2026-12-03.docx")
        _put(session, known_log["other"], officer, BASE, "document filed", "Other review's file",
             folder_section="III", file_path="III/Other.pdf")

        register = case_folder_register(session, manager, review_id=review.id)
        assert register.folder_name == review.case_reference
        assert [s.title for s in register.sections] == [
            "I. Notification and scoping", "II. Rapid Review meeting", "III. Statutory Correspondence",
            "IV. General Correspondence"]
        sections = {s.code: s for s in register.sections}
        assert [(d.file_path, d.author_name) for d in sections["I"].documents] == [
            ("I/Scoping/Police form.docx", officer.display_name),
            ("I/Returns/Police return.docx", manager.display_name)]
        assert sections["I"].documents[0].logged_at == BASE + timedelta(days=1)
        assert [(d.entry_id, d.file_path) for d in sections["II"].documents] == [
            (minutes.id, "II/Minutes 2026-12-03.docx")]
        assert sections["III"].documents == () and sections["IV"].documents == ()

        fix = add_log_entry(session, officer, review_id=review.id, category="meeting", corrects_id=minutes.id,
                            text="Minutes were saved under the meeting date.", folder_section="II",
                            file_path="II/Minutes 2026-12-04.docx")
        register = case_folder_register(session, officer, review_id=review.id)
        documents = {s.code: s for s in register.sections}["II"].documents
        assert [(d.file_path, d.corrected_by) for d in documents] == [
            ("II/Minutes 2026-12-03.docx", (fix.id,)), ("II/Minutes 2026-12-04.docx", ())]


    # ---------------------------------------------------------------- roles
