"""The one door to the database: every transaction of the pages (through ui/state.py), the HTTP routes (ui/server.py),
the server commands (manage.py) and the tests that run a service as a page does. No Streamlit here: the account a
call acts as is passed in (ui/state.py reads it from the tab's session state).

- The engine, one per process: made on first use under a lock (the database made ready first:
  db.engine.prepared_database_url migrates as the owner and returns the app role's address), made again when its
  server was lost (a restart, a dead embedded server, which a new engine starts again: no restart of the app) or when
  the settings were read again (config.settings.reload_settings). `reset()` disposes of it and forgets the kept
  shared reads (tests; ui/state.py calls it when st.cache_resource.clear() has emptied Streamlit's resources).
- `transaction`: one transaction, committed on success and rolled back on error. READ ONLY when asked (the database
  then refuses any write, whatever the service does); a write first declares the acting account and how the change
  came (db.acting.act_as: the record of changes names them). A database that cannot be reached raises
  services.errors.DatabaseUnavailable.
- `page_run`: the transactions of one run of a page share one connection (taken by the first, given back at the end),
  and the reads of the run are lent the settings row, the signed-in account and the working calendar as first read;
  the calendar is also kept by the process between runs, by the partnership's data version (a closure day's change
  moves it), so a render after a write to a review reads no closure day.
- `read`, `write`, `read_shared`, `read_for_review`, `read_by_review`, `read_later`, `signed_in`: a service
  `fn(session, actor, **kwargs)` called as an account, the way the pages call them.
- Kept reads and what they are keyed by (migration 0029's data versions): `read_shared` by the whole data version
  (any write moves it: the board's aggregates); `read_for_review` by the partnership's version and the review's own
  (a write to another review leaves it kept); `read_by_review` (the live list and its return counts, the worklist,
  the pickers) keeps each review's part by its version and reads again only the reviews changed or new, finding them
  by the reviews' versions moved since it last looked (`_members`), not by every review's.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

from sqlalchemy import String, bindparam, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from config.settings import ServerSettings, settings
from db.acting import act_as
from db.engine import make_engine, prepared_database_url, server_was_lost, watch_for_lost_server
from db.models import Account, Setting
from services.accounts import SignedIn, load_actor, signed_in_account
from services.errors import DatabaseUnavailable
from services.integrity import PER_REVIEW, data_version_columns, partnership_version_column, review_versions
from services.permissions import may
from services.settings_reads import KEPT_CALENDAR, OF_CURRENT_PARTNERSHIP, keep_settings
from services.working_days import WorkingCalendar

T = TypeVar("T")
R = TypeVar("R")
# What a page run reads of the data version (in its frame's statement): the database's name (two databases served by
# one process keep apart), the whole version (every write moves it) and the partnership's (migration 0029).
FrameVersion = tuple[str, int, int]
Roles = tuple[str, ...] | None
UNAVAILABLE = "The database cannot be reached."

# ---------------------------------------------------------------- the engine, one per process


@dataclass(frozen=True)
class _Members:
    """The (review, version) of the reviews a per-review list holds, as the database found them, with a snapshot taken
    just before (txid_current_snapshot(): a later look needs only the reviews whose version it did not see), its xmin
    and the whole data version then (a restore rewinds them: the next look reads every review's)."""

    snapshot: str
    xmin: int
    whole: int
    versions: dict[int, int]


@dataclass(frozen=True)
class _Parts:
    """A per-review list's parts, kept by the partnership's version: {review: (its version, its part)}, and the list
    they were last combined into (handed to `Incremental.replaced` when it offers it)."""

    partnership: int
    parts: dict[int, tuple[int, Any]]
    combined: Any


@runtime_checkable
class Incremental(Protocol):
    """A combined per-review list that can be brought up to date from the changed parts alone (the pickers'
    `ReviewList`), instead of combined anew from all of them."""

    def replaced(self, parts: dict[int, Any], gone: set[int]) -> Any: ...


@dataclass
class _Process:
    """What this process keeps: the engine (and the settings it was made from) and the kept shared reads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    engine: Engine | None = None
    made_from: ServerSettings | None = None
    reads: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    # The reviews' versions as found at one whole version, by database: {name: (whole version, {review: version})}.
    review_versions: dict[str, tuple[int, dict[int, int]]] = field(default_factory=dict)
    # Each per-review read's parts (read_by_review): {(name, roles, part, arguments): (partnership version,
    # {review: (its version, its part)})}, the one used longest ago forgotten first.
    parts: OrderedDict[tuple[Any, ...], _Parts] = field(default_factory=OrderedDict)
    # The reviews each per-review list holds, and their versions, as last found: {(name, versions): _Members}.
    members: dict[tuple[str, str], _Members] = field(default_factory=dict)
    # The working calendar (the closure days) as last read, by database: {name: (partnership version, calendar)}. A
    # closure day's change moves the partnership's version, so a page run at the same version lends it unread.
    calendars: dict[str, tuple[int, WorkingCalendar]] = field(default_factory=dict)
    reads_lock: threading.Lock = field(default_factory=threading.Lock)


_process = _Process()


def _usable(engine: Engine | None) -> Engine | None:
    if engine is None or server_was_lost(engine) or _process.made_from is not settings():
        return None
    return engine


def engine_is_ready() -> bool:
    """Whether `engine()` would hand back the engine it has (False: it would make one, which may take a while)."""
    return _usable(_process.engine) is not None


def engine() -> Engine:
    """This process's engine of the app's role; DatabaseUnavailable when the database cannot be made ready."""
    found = _usable(_process.engine)
    if found is not None:
        return found
    with _process.lock:
        found = _usable(_process.engine)
        if found is not None:
            return found
        if _process.engine is not None:
            # Its server went away (a restart, a dead embedded process) or the settings changed: a new engine
            # reconnects, and for the embedded server starts it again.
            _process.engine.dispose()
            _process.engine = None
            _forget_reads()
        made_from = settings()
        try:
            # Migrate as the owner, then connect as the app's own role, which cannot change the schema or the record.
            made = watch_for_lost_server(make_engine(prepared_database_url()))
        except OperationalError as error:
            raise DatabaseUnavailable(UNAVAILABLE) from error
        _process.engine, _process.made_from = made, made_from
        return made


def reset() -> None:
    """Dispose of the engine and forget the kept shared reads: the next call makes a new engine."""
    with _process.lock:
        if _process.engine is not None:
            _process.engine.dispose()
        _process.engine = _process.made_from = None
        _forget_reads()


# ---------------------------------------------------------------- a run of a page


@dataclass
class PageRun:
    """What the database calls of one run of the page share: one connection (taken by the first call, given back
    when the run ends), the signed-in account and the settings row as first read (lent to each later call's
    session, unchanged, so that neither is read again), the working calendar (the closure days), and the data
    version with the roles for shared reads. A write forgets all but the connection: what it may have changed is
    read again."""

    connection: Connection | None = None
    lent: dict[type, Any] = field(default_factory=dict)
    calendar: WorkingCalendar | None = None
    shared_reader: tuple[FrameVersion, Roles] | None = None  # data version and roles
    account: SignedIn | None = None  # as the run's sign-in check found it
    # The database's snapshot (txid_current_snapshot() and its xmin) as the frame read it: what the kept lists ask
    # the reviews changed since (`_members`). Kept through a write in the run: an earlier snapshot sees no more.
    snapshot: tuple[str, int] | None = None

    def forget(self) -> None:
        self.lent, self.calendar, self.shared_reader, self.account = {}, None, None, None


_page_run: ContextVar[PageRun | None] = ContextVar("page_run", default=None)


def current_run() -> PageRun | None:
    return _page_run.get()


@contextmanager
def page_run() -> Iterator[PageRun]:
    """One connection, and one read of the signed-in account, the settings and the closure days, for all the
    database calls of a run of a page. Each call still has its own transaction and session, so what a call returns
    is detached from the database, as it is without a page run (a widget callback, a download)."""
    run = PageRun()
    token = _page_run.set(run)
    try:
        yield run
    finally:
        _page_run.reset(token)
        if run.connection is not None:
            run.connection.close()


LOADED = "lendable_loaded"


@contextmanager
def transaction(*, read_only: bool, account_id: int | None, via: str = "page", keeps_account: bool = False,
                bind: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction, committed on success and rolled back on error; READ ONLY when asked. A write
    names `account_id` (None: nobody, the system) and `via` in the record of changes. In a page run: on its
    connection, a read with the account, settings and calendar lent, and keeping them when first read; a write
    (unless `keeps_account`: it writes neither the account nor the settings, and is not recorded as a change)
    forgets them. `bind`: another engine than the app's (manage.py's restore verifies as the owner).
    DatabaseUnavailable when the database cannot be reached."""
    try:
        run = _page_run.get() if bind is None else None
        if run is None:
            with Session(bind or engine(), expire_on_commit=False) as session, session.begin():
                if read_only:
                    session.execute(text("SET TRANSACTION READ ONLY"))
                else:
                    act_as(session, account_id, via=via)
                yield session
            return
        with _run_transaction(run, read_only=read_only, account_id=account_id, via=via,
                              keeps_account=keeps_account) as session:
            yield session
    except OperationalError as error:
        raise DatabaseUnavailable(UNAVAILABLE) from error


@contextmanager
def _run_transaction(run: PageRun, *, read_only: bool, account_id: int | None, via: str,
                     keeps_account: bool) -> Iterator[Session]:
    if run.connection is None or run.connection.invalidated:
        run.connection = engine().connect()
    lends = read_only or keeps_account
    # The connection's own flag: its transaction begins READ ONLY, with no statement of its own (psycopg's
    # read_only; the pool resets it when the connection goes back).
    run.connection.execution_options(postgresql_readonly=read_only)
    try:
        with Session(bind=run.connection, expire_on_commit=False) as session, session.begin():
            if not lends:
                # A write: the record of changes names the acting account (a read-only transaction can write
                # nothing, and one that keeps the account writes only the sign-in session, which is not tracked).
                act_as(session, account_id, via=via)
            if lends:
                for instance in run.lent.values():
                    session.add(instance)  # detached and unchanged: no statement
                session.info[LOADED] = (run.lent, account_id)
                session.info[KEPT_CALENDAR] = run.calendar or _kept_calendar(run)
                if (lent_settings := run.lent.get(Setting)) is not None:
                    # The page run is in one partnership: the row it read is this transaction's too.
                    keep_settings(session, cast(Setting, lent_settings))
            yield session
            if lends:
                run.calendar = session.info[KEPT_CALENDAR]
                _keep_calendar(run)
    except BaseException:
        run.forget()
        raise
    if not lends:
        run.forget()


def _kept_calendar(run: PageRun) -> WorkingCalendar | None:
    """The working calendar this process last read at the page run's partnership version (None: not known yet)."""
    if run.shared_reader is None:
        return None
    (name, _whole, partnership), _roles = run.shared_reader
    with _process.reads_lock:
        kept = _process.calendars.get(name)
    return kept[1] if kept is not None and kept[0] == partnership else None


def _keep_calendar(run: PageRun) -> None:
    """Keep the page run's calendar for later runs at the same partnership version (it is never changed once made:
    each year's working days are filled in once, alike by any thread)."""
    if run.calendar is None or run.shared_reader is None:
        return
    (name, _whole, partnership), _roles = run.shared_reader
    with _process.reads_lock:
        _process.calendars[name] = (partnership, run.calendar)


@event.listens_for(Session, "loaded_as_persistent")
def _keep_to_lend(session: Session, instance: object) -> None:
    """In a transaction that lends (above), the settings row and the acting account as they are read, held (the
    session's identity map holds an object only while something else does)."""
    if not isinstance(instance, Account | Setting) or LOADED not in session.info:
        return
    loaded, account_id = session.info[LOADED]
    if isinstance(instance, Setting) or instance.id == account_id:
        loaded[type(instance)] = instance


# Made once: building a statement costs more than running it.
_SNAPSHOT_COLUMNS = (func.cast(func.txid_current_snapshot(), String),
                     func.txid_snapshot_xmin(func.txid_current_snapshot()))
_FRAME_READ = (
    select(Setting, Account, *data_version_columns(), partnership_version_column(), *_SNAPSHOT_COLUMNS)
    .outerjoin(Account, Account.id == bindparam("account_id"))
    .where(OF_CURRENT_PARTNERSHIP)
)


def read_frame(session: Session, account_id: int | None) -> tuple[Setting, FrameVersion]:
    """What every run of a page reads first, in one statement: the settings row, the data version and the account
    `account_id` (if any), and the database's snapshot for the page run's kept lists. The account is only put in
    `session`, so that the sign-in check's own look-up of it sends nothing; whether it may still act is for that
    check to decide."""
    settings_row, _account, name, reached, partnership, snapshot, xmin = session.execute(
        _FRAME_READ, {"account_id": account_id}).one()
    keep_settings(session, settings_row)
    run = _page_run.get()
    if run is not None:
        run.snapshot = (str(snapshot), int(xmin))
    return settings_row, _frame_version(name, reached, partnership)


def _frame_version(name: str, reached: int | None, partnership: int | None) -> FrameVersion:
    return str(name), int(reached or 0), int(partnership or 0)


def checked_sign_in(account: SignedIn, version: FrameVersion) -> None:
    """The account the page run's sign-in check has just found, and the data version read with it (`read_frame`),
    kept for the run: `signed_in` is then answered without a read, and shared reads need no transaction."""
    run = _page_run.get()
    if run is not None:
        run.account = account
        run.shared_reader = (version, tuple(sorted(account.roles)))


# ---------------------------------------------------------------- services called as an account


def signed_in(account_id: int | None) -> SignedIn | None:
    """The active account `account_id` (None when nobody is signed in, or it was deactivated): in a page run, as
    its sign-in check found it, until a write in the run."""
    run = _page_run.get()
    if run is not None and run.account is not None and run.account.id == account_id:
        return run.account
    with transaction(read_only=False, account_id=account_id, keeps_account=True) as session:
        return signed_in_account(session, account_id)


def read(account_id: int | None, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """`fn(session, actor, **kwargs)` as the account `account_id`, in a READ ONLY transaction; errors propagate."""
    with transaction(read_only=True, account_id=account_id) as session:
        return fn(session, load_actor(session, account_id), **kwargs)


def write(account_id: int | None, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """`fn(session, actor, **kwargs)` as the account `account_id`, in a transaction whose changes the record names
    it for; errors propagate (nothing is saved)."""
    with transaction(read_only=False, account_id=account_id) as session:
        return fn(session, load_actor(session, account_id), **kwargs)


def read_later(account_id: int | None, fn: Callable[..., T], /, **kwargs: Any) -> Callable[[], T]:
    """`read` made only when its result is wanted (e.g. by a download button, on another thread)."""
    return lambda: read(account_id, fn, **kwargs)


SHARED_READS_KEPT = 128
_MISSING = object()


_VERSIONS = select(*data_version_columns(), partnership_version_column())
PARTS_KEPT = 16  # per-review reads (each with its arguments, e.g. today's date) whose parts are kept


def _forget_reads() -> None:
    with _process.reads_lock:
        _process.reads.clear()
        _process.review_versions.clear()
        _process.parts.clear()
        _process.members.clear()
        _process.calendars.clear()


def _reader(account_id: int | None) -> tuple[FrameVersion, Roles]:
    """The data version and the account's roles: in a page run as its frame read them (no statement), else read."""
    run = _page_run.get()
    reader = run.shared_reader if run is not None else None
    if reader is None:
        with transaction(read_only=True, account_id=account_id) as session:
            actor = load_actor(session, account_id)
            name, reached, partnership = session.execute(_VERSIONS).one()
            reader = (_frame_version(name, reached, partnership),
                      tuple(sorted(actor.roles)) if actor and actor.active else None)
        if run is not None:
            run.shared_reader = reader  # until a write in this run forgets it
    return reader


def _kept(key: tuple[Any, ...]) -> Any:
    with _process.reads_lock:
        found = _process.reads.get(key, _MISSING)
        if found is not _MISSING:
            _process.reads.move_to_end(key)
        return found


def _keep(key: tuple[Any, ...], value: Any) -> None:
    with _process.reads_lock:
        _process.reads[key] = value
        while len(_process.reads) > SHARED_READS_KEPT:
            _process.reads.popitem(last=False)  # the least recently used


def _named(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def read_shared(account_id: int | None, fn: Callable[..., T], /, **kwargs: Any) -> T:
    """A read whose result is the same for every account with the same roles (the board's figures), kept in this
    process until anything is written: keyed by the whole data version (services.integrity.data_version, which
    every write moves), the account's roles and the arguments (which must be hashable); at most SHARED_READS_KEPT,
    the one used longest ago forgotten first. A hit means the same call by the same roles passed the service's role
    check; an error is never kept. In a page run the version and the roles are read once, so a later shared read of
    the run is a look-up and nothing more. A hit hands back the very objects kept (no copy): callers only read
    them. A read about one review: `read_for_review`; a list of reviews: `read_by_review`."""
    (name, whole, _partnership), roles = _reader(account_id)
    key = ((name, whole), roles, _named(fn), tuple(sorted(kwargs.items())))
    found = _kept(key)
    if found is not _MISSING:
        return cast(T, found)
    value = read(account_id, fn, **kwargs)
    _keep(key, value)
    return value


def _known_versions(version: FrameVersion, review_ids: Sequence[int], account_id: int | None) -> dict[int, int]:
    """These reviews' versions: as found before at the same whole version (nothing written since: no statement),
    else one look-up, remembered for the whole version."""
    name, whole, _partnership = version
    with _process.reads_lock:
        known = _process.review_versions.get(name)
        if known is None or known[0] != whole:
            known = _process.review_versions[name] = (whole, {})
        missing = [review_id for review_id in review_ids if review_id not in known[1]]
    if missing:
        with transaction(read_only=True, account_id=account_id) as session:
            found = review_versions(session, missing)
        with _process.reads_lock:
            known[1].update(found)
    return {review_id: known[1][review_id] for review_id in review_ids}


def read_for_review(account_id: int | None, fn: Callable[..., T], /, *, review_id: int, **kwargs: Any) -> T:
    """`fn(session, actor, review_id=review_id, **kwargs)`, a read about one review whose result is the same for
    every account with the same roles (its status, its corrections, its LCSPR), kept as `read_shared` keeps, but
    keyed by the partnership's version and the review's own (migration 0029) instead of the whole data version: a
    write to another review leaves it kept. The review's version costs one indexed look-up after a write anywhere,
    none while nothing has been written."""
    version, roles = _reader(account_id)
    name, _whole, partnership = version
    review_version = _known_versions(version, [review_id], account_id)[review_id]
    key = (name, partnership, "review", review_id, review_version, roles, _named(fn), tuple(sorted(kwargs.items())))
    found = _kept(key)
    if found is not _MISSING:
        return cast(T, found)
    value = read(account_id, fn, review_id=review_id, **kwargs)
    _keep(key, value)
    return value


_SNAPSHOT = select(*_SNAPSHOT_COLUMNS)


def _members(session: Session, actor: Any, roles: Roles, versions: Callable[..., Sequence[tuple[int, int]]],
             name: str, whole: int) -> dict[int, int]:
    """The (review, version) of the reviews the list holds now (not to be changed: it is kept). Nothing is read when
    the last look was at the same whole data version (a second list of the same reviews in a page run). The first
    time, and after a restore (the whole data version or the transaction ids went back), every review's; else only
    the reviews whose version the last look's snapshot did not see (`versions(..., since=snapshot)`: one statement
    returning the few changed, -1 for one the list no longer holds), applied to the last look's. The snapshot is
    taken before the versions are read (in a page run, the frame's: no statement of its own): what it did not see
    includes everything the read may have missed. Roles that
    may not call `versions` are refused by it, as ever."""
    key = (name, _named(versions))
    with _process.reads_lock:
        last = _process.members.get(key)
    if last is not None and last.whole == whole and roles is not None and may(roles, versions):
        return last.versions  # looked at this whole version already (another list of the same reviews): no statement
    run = _page_run.get()
    snapshot, xmin = (run.snapshot if run is not None and run.snapshot is not None
                      else session.execute(_SNAPSHOT).one())
    if last is None or xmin < last.xmin or whole < last.whole:
        now = dict(versions(session, actor))
    else:
        now = dict(last.versions)
        for review_id, at in versions(session, actor, since=last.snapshot):
            if at < 0:
                now.pop(review_id, None)
            else:
                now[review_id] = at
    with _process.reads_lock:
        last = _process.members.get(key)
        if last is None or last.xmin <= xmin:
            _process.members[key] = _Members(str(snapshot), int(xmin), whole, now)
    return now


def read_by_review(account_id: int | None, fn: Callable[..., R], /, **kwargs: Any) -> R:
    """What the list service `fn(session, actor, **kwargs)` returns (the live list, the worklist, the pickers' list),
    kept so that a write to one review reads again only that review's part: `fn` names how it is made of one part
    per review (services.integrity.made_per_review). The reviews it holds and their versions are found by `_members`
    (after a write, one statement over the reviews changed since the last look); the parts of the reviews changed or
    new are read again, the others are kept (by the partnership's version and each review's own), and combined as
    `fn` would, or, when the last combined list offers it (`Incremental`), that list with only the changed reviews
    replaced. The combined list is kept by the whole data version, as `read_shared` keeps (while nothing is written, a
    hit sends nothing). Every service called checks the role; an error is never kept."""
    made = PER_REVIEW.get(fn)
    if made is None:
        raise TypeError(f"{_named(fn)} is not a list made per review (services.integrity.made_per_review)")
    version, roles = _reader(account_id)
    name, whole, partnership = version
    arguments = tuple(sorted(kwargs.items()))
    key = ((name, whole), roles, f"{_named(fn)} by review", arguments)
    found = _kept(key)
    if found is not _MISSING:
        return cast(R, found)
    parts_key = (name, roles, _named(made.part), arguments)
    with transaction(read_only=True, account_id=account_id) as session:
        actor = load_actor(session, account_id)
        listed = _members(session, actor, roles, made.versions, name, whole)
        with _process.reads_lock:
            kept = _process.parts.get(parts_key)
            if kept is not None and kept.partnership != partnership:
                kept = None
            known = _process.review_versions.get(name)
            if known is None or known[0] != whole:
                known = _process.review_versions[name] = (whole, {})
            known[1].update(listed)
        held = kept.parts if kept is not None else {}
        changed = [review_id for review_id, at in listed.items()
                   if (had := held.get(review_id)) is None or had[0] != at]
        fresh = made.part(session, actor, review_ids=tuple(changed), **kwargs) if changed else {}
    now = dict(held)
    gone = (now.keys() - listed.keys()) | (set(changed) - fresh.keys())
    for review_id in gone:
        now.pop(review_id, None)
    now.update({review_id: (listed[review_id], value) for review_id, value in fresh.items()})
    if kept is not None and isinstance(kept.combined, Incremental):
        value = cast(R, kept.combined.replaced(dict(fresh), gone))
    else:
        value = cast(R, made.combine([now[review_id][1] for review_id in sorted(now)]))
    with _process.reads_lock:
        _process.parts[parts_key] = _Parts(partnership, now, value)
        _process.parts.move_to_end(parts_key)
        while len(_process.parts) > PARTS_KEPT:
            _process.parts.popitem(last=False)
    _keep(key, value)
    return value


def run_in_session(account_id: int | None, fn: Callable[[Session], T], /, *, via: str = "page") -> T:
    """`fn(session)` in one transaction that names `account_id` and `via` (sign-in, before there is an actor)."""
    with transaction(read_only=False, account_id=account_id, via=via) as session:
        return fn(session)
