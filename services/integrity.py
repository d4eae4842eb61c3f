"""Tamper evidence (issue 12): walk the hash chains of the daily log, the report versions and the record of changes.

Migration 0017 added the third chain, `record_history`: every INSERT, UPDATE and DELETE of a tracked table, written
by the database's own trigger (HISTORY_EXCLUDED names the tables left out, and why).

Each row's chain_hash was set by the database on insert (migration 0009) as sha256(the previous row's chain_hash,
a new line, the row's canonical text). Verifying recomputes every link here, from the rows as they are now, and
checks every version's bytes against its size and SHA-256: a row changed, removed or forged anywhere (by hand, as the
owner, with the triggers off) breaks the chain at that row or at the chain's head. The owner could still rewrite a
row and recompute every later hash and the head; the heads printed by a verify and kept outside the database (with
each backup) catch that: a later verify given them checks the chain still passes through each (`expected_heads`).

Each partnership has its own three chains (migration 0034: the heads keyed by partnership and chain, positions 1..n
within the partnership): `verify_record` walks every partnership's, or one's (`partnership_id`), and a heads file
names each head's partnership (a line without one, as written before 0034, is partnership 1's).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, select, text
from sqlalchemy.orm import Session

from db.enums import Role
from db.models import Account, Review
from db.models_report import DataVersion, RecordChainHead, RecordHistoryEntry, RecordVerification
from services.permissions import CASE_READERS, requires

GENESIS = "0" * 64
# The canonical text of a row, as migration 0009 defines it (frozen there; a copy here on purpose, so that verifying
# does not trust a function in the database that the owner could replace). tests/integration/test_integrity.py
# proves the two agree.
_UTC = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
LOG_CANONICAL = (
    "concat_ws(',', r.id, r.chain_position, quote_nullable(r.review_id), "
    f"to_char(r.logged_at AT TIME ZONE 'UTC', {_UTC}), r.author_id, quote_nullable(r.category), "
    "quote_nullable(r.text), quote_nullable(r.folder_section), quote_nullable(r.file_path), "
    "quote_nullable(r.milestone_id), quote_nullable(r.corrects_id), r.by_system, quote_nullable(r.agency_return_id))"
)
VERSION_CANONICAL = (
    "concat_ws(',', r.id, r.chain_position, r.review_id, r.number, quote_nullable(r.state), "
    "quote_nullable(to_char(r.step_date, 'YYYY-MM-DD')), quote_nullable(to_char(r.ofsted_sent_on, 'YYYY-MM-DD')), "
    f"to_char(r.created_at AT TIME ZONE 'UTC', {_UTC}), r.created_by_id, quote_nullable(r.created_by_name), "
    "quote_nullable(r.file_name), encode(sha256(r.content), 'hex'), r.size_bytes, quote_nullable(r.sha256), "
    "quote_nullable(r.content_fingerprint))"
)
HISTORY_CANONICAL = (
    "concat_ws(',', r.id, r.chain_position, "
    f"to_char(r.changed_at AT TIME ZONE 'UTC', {_UTC}), quote_nullable(r.table_name), quote_nullable(r.operation), "
    "quote_nullable(r.row_key), quote_nullable(r.review_id), quote_nullable(r.account_id), quote_nullable(r.via), "
    "quote_nullable(r.database_user), quote_nullable(r.old_row::text), quote_nullable(r.new_row::text))"
)
# The tables without the history trigger of migration 0017, each with its reason; every other table of the schema has
# it (tests/integration/test_record_history.py enumerates the schema and fails on a table with neither).
HISTORY_EXCLUDED = {
    "daily_log": "append-only (a trigger refuses UPDATE, DELETE, TRUNCATE) and a hash chain of its own",
    "report_versions": "append-only (a trigger refuses UPDATE, DELETE, TRUNCATE) and a hash chain of its own",
    "record_history": "the history itself: append-only and chained",
    "record_chain_heads": "moved only by the chain triggers; the app's role may only read it",
    "alembic_version": "the app's role may only read it; changed by migrations run as the owner",
    "sign_in_sessions": "operational: every page run writes its last-seen time; holds no case data (sign-ins and "
                        "account changes are in the accounts table's history)",
    "data_versions": "derived: each scope's version is moved by the triggers of migration 0029 as a change is "
                     "recorded (in record_history, the daily log or the report versions); holds no case data",
    "calendar_event_states": "operational: the calendar feeds' sequence numbers, rewritten as feeds are read; the "
                             "dates they follow are in the tracked tables",
}
_BYTES_MATCH = "(encode(sha256(r.content), 'hex') = r.sha256 AND octet_length(r.content) = r.size_bytes)"


def data_version(session: Session) -> tuple[str, int]:
    """The database's name and how far its two record chains have gone. Every write appends a log entry (and a
    report version moves its own chain), so figures cached under this key are stale as soon as anything is written;
    the name keeps apart the caches of two databases served by one process."""
    return as_data_version(*session.execute(_DATA_VERSION).one())


def data_version_columns() -> tuple[ColumnElement[str], ColumnElement[int]]:
    """The data version's two parts as columns, for a caller that reads it in the same statement as other rows
    (`as_data_version` turns them into the version). Build the statement once: building costs more than running."""
    return func.current_database(), select(func.sum(RecordChainHead.position)).scalar_subquery()


_DATA_VERSION = select(*data_version_columns())


def as_data_version(name: str, position: int | None) -> tuple[str, int]:
    return str(name), int(position or 0)


def partnership_version_column() -> ColumnElement[int]:
    """The version of the partnership the transaction is in (migration 0029: the last transaction that changed a
    row of no review, such as the settings, closure days, agencies, accounts or the plan; migration 0033: one scope
    per partnership), as a column for a statement that reads other rows; 0 when it has no row. What every review's
    reads depend on besides the review's own rows."""
    return func.coalesce(select(DataVersion.version).where(
        DataVersion.scope == "partnership", DataVersion.scope_id == func.current_partnership()).scalar_subquery(), 0)


def review_versions(session: Session, review_ids: Iterable[int]) -> dict[int, int]:
    """Each of these reviews' versions (migration 0029: the last transaction that changed one of its rows, its log
    or its report versions); 0 for a review with no row yet. One indexed look-up."""
    wanted = list(review_ids)
    found = {review_id: version for review_id, version in session.execute(
        select(DataVersion.scope_id, DataVersion.version)
        .where(DataVersion.scope == "review", DataVersion.scope_id.in_(wanted)))}
    return {review_id: found.get(review_id, 0) for review_id in wanted}


def versions_of_reviews(where: ColumnElement[bool]) -> Select[int, int]:
    """(id, version) of the reviews `where` selects, in id order: one statement (0 for a review with no row)."""
    return (select(Review.id, func.coalesce(DataVersion.version, 0))
            .outerjoin(DataVersion, (DataVersion.scope == "review") & (DataVersion.scope_id == Review.id))
            .where(where).order_by(Review.id))


# A version the snapshot did not see is at or after its xmin (every transaction before it had ended): said first, so
# that the (scope, version) index (migration 0032) finds the few moved since instead of reading every review's row.
_UNSEEN = text("data_versions.version >= txid_snapshot_xmin(CAST(:since AS txid_snapshot))"
               " AND NOT txid_visible_in_snapshot(data_versions.version, CAST(:since AS txid_snapshot))")


def versions_where(session: Session, where: ColumnElement[bool], since: str | None) -> list[tuple[int, int]]:
    """(id, data version) of the reviews `where` selects; with `since` (a snapshot, as txid_current_snapshot() gives
    it), only of the reviews whose version that snapshot did not see (moved since the look it was taken for), -1 for
    one of them `where` no longer selects (or gone): one statement returning the few versions moved, not every review's.
    What a kept list's `versions` returns (`made_per_review`; services.unit_of_work._members)."""
    if since is None:
        return [(review_id, version) for review_id, version in session.execute(versions_of_reviews(where))]
    held = and_(Review.id.is_not(None), where)
    return [(review_id, version) for review_id, version in session.execute(
        select(DataVersion.scope_id, case((held, DataVersion.version), else_=-1))
        .outerjoin(Review, Review.id == DataVersion.scope_id)
        .where(DataVersion.scope == "review", _UNSEEN.bindparams(since=since)))]


@dataclass(frozen=True)
class PerReview:
    """How a list made of one part per review is kept part by part (services.unit_of_work.read_by_review):
    `versions(session, actor)` the (review id, version) of the reviews it holds, in one statement;
    `part(session, actor, review_ids=..., **kwargs)` the parts of the reviews asked for, by review id; `combine(parts)`
    the list as the plain service returns it, from the parts in the order `versions` gave."""

    versions: Callable[..., Sequence[tuple[int, int]]]
    part: Callable[..., Mapping[int, Any]]
    combine: Callable[[list[Any]], Any]


PER_REVIEW: dict[Callable[..., Any], PerReview] = {}
F = TypeVar("F", bound=Callable[..., Any])


def made_per_review(*, versions: Callable[..., Sequence[tuple[int, int]]], part: Callable[..., Mapping[int, Any]],
                    combine: Callable[[list[Any]], Any]) -> Callable[[F], F]:
    """Name how the decorated list service is made of one part per review (`PerReview`), for read_by_review; the
    service itself is unchanged (called, it computes the whole list afresh)."""
    def register(fn: F) -> F:
        PER_REVIEW[fn] = PerReview(versions, part, combine)
        return fn
    return register


@dataclass(frozen=True)
class ChainHead:
    """Where a partnership's chain ended when it was verified: kept outside the database (with each backup), it
    anchors the chain. Each partnership has its own three chains (migration 0034)."""

    chain: str
    position: int
    hash: str
    partnership_id: int = 1


CHAINS = ("daily_log", "report_versions", "record_history")
_LABELS = {"daily_log": "daily log entry", "report_versions": "report version", "record_history": "history row"}
_PLURALS = {"daily_log": "daily log entries", "report_versions": "report versions",
            "record_history": "history rows"}


def heads_text(heads: Sequence[ChainHead]) -> str:
    """The heads as the lines of a heads file: `partnership chain position hash` (the partnership's id)."""
    return "".join(f"{head.partnership_id} {head.chain} {head.position} {head.hash}\n" for head in heads)


def _is_count(word: str) -> bool:
    return word.isascii() and word.isdigit()


def parse_heads(content: str) -> list[ChainHead]:
    """The heads of a heads file; ValueError with a sentence when a line is not `partnership chain position hash`.
    A line without the partnership (`chain position hash`, as written before migration 0034, when a deployment had
    one chain of each) is partnership 1's."""
    heads = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) == 3:
            parts = ["1", *parts]
        if (len(parts) != 4 or not _is_count(parts[0]) or int(parts[0]) < 1 or parts[1] not in CHAINS
                or not _is_count(parts[2]) or len(parts[3]) != 64
                or any(c not in "0123456789abcdef" for c in parts[3])):
            raise ValueError(f"Line {number} of the heads file is not `partnership chain position hash` (a chain is "
                             f"one of {', '.join(CHAINS)}): nothing was checked against it.")
        heads.append(ChainHead(parts[1], int(parts[2]), parts[3], int(parts[0])))
    if not heads:
        raise ValueError("The heads file holds no chain head: nothing was checked against it.")
    return heads


@dataclass(frozen=True)
class Mismatch:
    """The first row that does not match in one partnership's chains: which chain, its id and what is wrong."""

    table: str
    row_id: int | None
    sentence: str
    partnership_id: int = 1


@dataclass(frozen=True)
class PartnershipRecord:
    """One partnership's three chains as walked: counts, last hashes and the first mismatch (a chain after a failed
    one is not walked: its count and head stay 0 and the genesis)."""

    partnership_id: int
    log_entries: int
    report_versions: int
    history_rows: int
    mismatch: Mismatch | None
    log_head: str = GENESIS
    versions_head: str = GENESIS
    history_head: str = GENESIS

    @property
    def heads(self) -> list[ChainHead]:
        return [ChainHead("daily_log", self.log_entries, self.log_head, self.partnership_id),
                ChainHead("report_versions", self.report_versions, self.versions_head, self.partnership_id),
                ChainHead("record_history", self.history_rows, self.history_head, self.partnership_id)]


@dataclass(frozen=True)
class VerificationResult:
    """Every partnership walked (in id order): the counts are their sums, `mismatch` the first partnership's problem
    and `mismatches` each one's."""

    partnerships: tuple[PartnershipRecord, ...]

    @property
    def log_entries(self) -> int:
        return sum(p.log_entries for p in self.partnerships)

    @property
    def report_versions(self) -> int:
        return sum(p.report_versions for p in self.partnerships)

    @property
    def history_rows(self) -> int:
        return sum(p.history_rows for p in self.partnerships)

    def _only(self) -> PartnershipRecord:
        if len(self.partnerships) != 1:
            raise ValueError(f"{len(self.partnerships)} partnerships were verified: take each one's heads "
                             "from `partnerships`")
        return self.partnerships[0]

    # The last hash of each chain of the one partnership verified (a deployment of one partnership, or one asked for).
    @property
    def log_head(self) -> str:
        return self._only().log_head

    @property
    def versions_head(self) -> str:
        return self._only().versions_head

    @property
    def history_head(self) -> str:
        return self._only().history_head

    @property
    def heads(self) -> list[ChainHead]:
        """Every partnership's three heads: kept outside the database, they show later that nothing before them was
        rewritten."""
        return [head for record in self.partnerships for head in record.heads]

    @property
    def mismatches(self) -> list[Mismatch]:
        return [p.mismatch for p in self.partnerships if p.mismatch is not None]

    @property
    def mismatch(self) -> Mismatch | None:
        found = self.mismatches
        return found[0] if found else None

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return (f"verified: {self.log_entries} log entries, {self.report_versions} report versions, "
                    f"{self.history_rows} history rows")
        return "NOT verified: " + "; ".join(m.sentence for m in self.mismatches)


@dataclass(frozen=True)
class LastVerification:
    checked_at: datetime
    ok: bool
    log_entries: int
    report_versions: int
    problem: str | None


def link(previous: str, canonical: str) -> str:
    """One link of a chain: sha256 over the previous hash, a new line and the row's canonical text."""
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


def _walk(session: Session, table: str, canonical: str, extra: str = "true", anchor: ChainHead | None = None, *,
          partnership_id: int = 1, named: str = "", scoped: bool = True) -> tuple[int, str, Mismatch | None]:
    """Count, last hash and first mismatch of one partnership's chain; with an `anchor` kept earlier, the chain must
    still pass through it (a chain rewritten by the owner, every later hash recomputed, is whole again but passes
    elsewhere). `named` starts each sentence (the partnership, when the deployment holds several); not `scoped`, the
    database is older than migration 0033 (no partnership anywhere: the one chain of each)."""
    of_partnership, params = ("r.partnership_id = :partnership", {"partnership": partnership_id}) if scoped else (
        "true", {})
    label, plural = _LABELS[table], _PLURALS[table]

    def mismatch(row_id: int | None, sentence: str) -> Mismatch:
        return Mismatch(table, row_id, named + sentence, partnership_id)

    # Fetched in chunks (a server-side cursor), so a long log or large Word files are never all in memory at once;
    # in the order of the (partnership_id, chain_position) index.
    rows = session.execute(
        text(f"SELECT r.id, r.chain_position, r.chain_hash, {canonical}, {extra} FROM {table} r"
             f" WHERE {of_partnership} ORDER BY r.chain_position, r.id").execution_options(yield_per=500), params)
    previous, count = GENESIS, 0
    for row_id, position, stored, row_text, bytes_match in rows:
        count += 1
        problem = None
        if position != count:
            problem = (f"{label} {row_id} is at position {position} of the chain where {count} was expected: "
                       "an earlier one is missing or was moved")
        elif not bytes_match:
            problem = f"{label} {row_id}: its file does not match its size and SHA-256"
        elif row_text is None or link(previous, row_text) != stored:
            problem = f"{label} {row_id} does not match the chain: it was changed after it was recorded"
        elif anchor is not None and count == anchor.position and stored != anchor.hash:
            problem = (f"the {plural} were rewritten at or before {label} {row_id} (position {count}): their chain "
                       "no longer passes through the head kept for it")
        if problem is not None:
            rows.close()
            return count, previous, mismatch(row_id, problem)
        previous = stored
    if anchor is not None and anchor.position > count:
        return count, previous, mismatch(None, f"the {plural} end at position {count} but the head kept for them is "
                                               f"at position {anchor.position}: the last ones are gone")
    head = session.execute(text(f"SELECT position, hash FROM record_chain_heads r WHERE {of_partnership}"
                                " AND r.chain = :chain"), {**params, "chain": table}).first()
    if head is None or head[0] != count or head[1] != previous:
        recorded = head[0] if head is not None else "unknown"
        return count, previous, mismatch(None, f"the {plural} end at position {count} but {recorded} were recorded: "
                                               "the last ones are missing or the head was changed")
    return count, previous, None


def _walk_partnership(session: Session, partnership_id: int, anchors: Mapping[str, ChainHead], named: str,
                      scoped: bool) -> PartnershipRecord:
    walk = partial(_walk, session, partnership_id=partnership_id, named=named, scoped=scoped)
    log_entries, log_head, mismatch = walk("daily_log", LOG_CANONICAL, anchor=anchors.get("daily_log"))
    if mismatch is not None:
        return PartnershipRecord(partnership_id, log_entries, 0, 0, mismatch)
    versions, versions_head, mismatch = walk("report_versions", VERSION_CANONICAL, _BYTES_MATCH,
                                             anchors.get("report_versions"))
    if mismatch is not None:
        return PartnershipRecord(partnership_id, log_entries, versions, 0, mismatch, log_head)
    history, history_head, mismatch = walk("record_history", HISTORY_CANONICAL, anchor=anchors.get("record_history"))
    return PartnershipRecord(partnership_id, log_entries, versions, history, mismatch, log_head, versions_head,
                             history_head)


def verify_record(session: Session, expected_heads: Sequence[ChainHead] = (), *, partnership_id: int | None = None
                  ) -> VerificationResult:
    """Walk each partnership's three chains from the start (only `partnership_id`'s when given); return the counts and
    each partnership's first row that does not match (if any). Each of `expected_heads` (kept from an earlier verify)
    of a partnership walked must still be on its chain; a head kept for a partnership the database does not hold is
    a mismatch (its chains are gone)."""
    # A database older than migration 0033 (a test moving down and up again) has one partnership, unnamed.
    scoped = session.execute(text("SELECT to_regclass('partnerships') IS NOT NULL")).scalar_one()
    held: list[tuple[int, str]] = [(pid, code) for pid, code in session.execute(
        text("SELECT id, code FROM partnerships ORDER BY id"))] if scoped else [(1, "")]
    several = len(held) > 1
    walked = [(pid, code) for pid, code in held if partnership_id is None or pid == partnership_id]
    if partnership_id is not None and not walked:
        raise ValueError(f"This database holds no partnership {partnership_id}: nothing was verified.")
    anchors: dict[int, dict[str, ChainHead]] = {}
    for head in expected_heads:
        if head.position > 0:
            anchors.setdefault(head.partnership_id, {})[head.chain] = head
    records = [_walk_partnership(session, pid, anchors.get(pid, {}), f"partnership {pid} ({code}): " if several else "",
                                 scoped) for pid, code in walked]
    ids = {pid for pid, _ in held}
    for gone in sorted(pid for pid in anchors if pid not in ids and partnership_id in (None, pid)):
        records.append(PartnershipRecord(gone, 0, 0, 0, Mismatch(
            "partnerships", None, f"heads were kept for partnership {gone}, which this database no longer holds: "
                                  "its chains are gone", gone)))
    return VerificationResult(tuple(records))


def record_verification(session: Session, result: VerificationResult) -> None:
    """Keep when the record was verified and what was found (shown on the Administration page): one row for each
    partnership walked, in that partnership, with its own counts and problem."""
    for record in result.partnerships:
        if record.mismatch is not None and record.mismatch.table == "partnerships":
            continue  # heads kept for a partnership gone: it has no row to keep a verification in
        session.add(RecordVerification(
            partnership_id=record.partnership_id, ok=record.mismatch is None, log_entries=record.log_entries,
            report_versions=record.report_versions,
            history_rows=(record.history_rows if record.mismatch is None
                          or record.mismatch.table == "record_history" else None),
            problem=record.mismatch.sentence if record.mismatch else None))
    session.flush()


@requires(Role.ADMIN, action="see when the record was last verified")
def last_verification(session: Session, actor: Account) -> LastVerification | None:
    """The latest run of `manage.py verify`, or None if it has never run."""
    found = session.scalars(select(RecordVerification).order_by(RecordVerification.id.desc()).limit(1)).first()
    if found is None:
        return None
    return LastVerification(checked_at=found.checked_at, ok=found.ok, log_entries=found.log_entries,
                            report_versions=found.report_versions, problem=found.problem)


# ---------------------------------------------------------------- the record of changes, read back

HISTORY_SHOWN = 500
_HIDDEN_FIELDS = frozenset({"version"})  # moved by every save; says nothing a reader needs


@dataclass(frozen=True)
class HistoryLine:
    """One field of one recorded change, as the Review page lists it (plain text: never drawn as Markdown)."""

    changed_at: datetime
    who: str
    via: str
    table: str
    row: str
    field: str
    old: str
    new: str


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _whole_row(row: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {_plain(value)}" for key, value in row.items()
                     if value is not None and key not in _HIDDEN_FIELDS)


def history_lines(*, changed_at: datetime, who: str, via: str, table: str, row: str, operation: str,
                  old_row: dict[str, Any] | None, new_row: dict[str, Any] | None) -> list[HistoryLine]:
    """A recorded change as lines: an UPDATE one per field that changed (old → new), an INSERT or a DELETE one line
    with the whole row."""
    line = partial(HistoryLine, changed_at, who, via, table.replace("_", " "), row)
    if operation == "UPDATE" and old_row is not None and new_row is not None:
        return [line(key, _plain(old_row.get(key)), _plain(new_row.get(key)))
                for key in new_row if key not in _HIDDEN_FIELDS and old_row.get(key) != new_row.get(key)]
    if operation == "INSERT":
        return [line("(added)", "—", _whole_row(new_row or {}))]
    return [line("(removed)", _whole_row(old_row or {}), "—")]


@requires(*CASE_READERS, action="see a review's history of changes")
def review_history(session: Session, actor: Account, *, review_id: int) -> list[HistoryLine]:
    """The review's recorded changes (record_history, migration 0017), newest first, at most HISTORY_SHOWN."""
    rows = session.execute(
        select(RecordHistoryEntry.changed_at, Account.display_name, RecordHistoryEntry.database_user,
               RecordHistoryEntry.via, RecordHistoryEntry.table_name, RecordHistoryEntry.row_key,
               RecordHistoryEntry.operation, RecordHistoryEntry.old_row, RecordHistoryEntry.new_row)
        .outerjoin(Account, Account.id == RecordHistoryEntry.account_id)
        .where(RecordHistoryEntry.review_id == review_id)
        .order_by(RecordHistoryEntry.id.desc()).limit(HISTORY_SHOWN)).all()
    lines: list[HistoryLine] = []
    for changed_at, name, database_user, via, table, row, operation, old_row, new_row in rows:
        who = name or f"no account (database user {database_user})"
        lines.extend(history_lines(changed_at=changed_at, who=who, via=via or "—", table=table, row=row or "—",
                                   operation=operation, old_row=old_row, new_row=new_row))
    return lines
