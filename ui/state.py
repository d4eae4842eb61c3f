"""Session plumbing for pages: one transaction per service call (one connection per run of a page), the signed-in
account, today."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar, cast

import streamlit as st
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db.acting import act_as
from db.engine import (
    make_engine,
    make_session_factory,
    prepared_database_url,
    server_was_lost,
    transaction,
    watch_for_lost_server,
)
from db.models import Account, Setting
from services import sessions
from services.accounts import SignedIn, load_actor, signed_in_account
from services.clock import today_in_london
from services.errors import ServiceError
from services.integrity import as_data_version, data_version, data_version_columns
from services.settings_reads import KEPT_CALENDAR
from services.working_days import WorkingCalendar
from ui import auth
from ui.errors import DATABASE_UNAVAILABLE, DatabaseUnavailable
from ui.flash import flash
from ui.widgets import md_sentence

T = TypeVar("T")
ACCOUNT_KEY = "account_id"
LAST_SEEN_KEY = "last_seen_at"


class HasId(Protocol):
    @property
    def id(self) -> int: ...


@st.cache_resource(show_spinner="Starting the database…")
def _engine() -> Engine:
    # Migrate as the owner, then connect as the app's own role, which cannot change the schema or the record.
    return watch_for_lost_server(make_engine(prepared_database_url()))


def _live_engine() -> Engine:
    """The app's engine; raises DatabaseUnavailable with a plain sentence."""
    try:
        engine = _engine()
        if server_was_lost(engine):
            # The server went away since the last click (a restart, a dead embedded process): a new engine
            # reconnects, and for the embedded server starts it again, so the app needs no restart.
            engine.dispose()
            _engine.clear()
            engine = _engine()
        return engine
    except OperationalError as error:
        _engine.clear()
        raise DatabaseUnavailable(DATABASE_UNAVAILABLE) from error


def session_factory() -> sessionmaker[Session]:
    """The app's session factory; raises DatabaseUnavailable with a plain sentence."""
    return make_session_factory(_live_engine())


@dataclass
class _PageRun:
    """What the database calls of one run of the page share: one connection (taken by the first call, given back
    when the run ends), the signed-in account and the settings row as first read (lent to each later call's
    session, unchanged, so that neither is read again), the working calendar (the closure days), and the data
    version with the roles for shared reads. A write forgets all but the connection: what it may have changed is
    read again."""

    connection: Connection | None = None
    lent: dict[type, Any] = field(default_factory=dict)
    calendar: WorkingCalendar | None = None
    shared_reader: tuple[tuple[str, int], tuple[str, ...] | None] | None = None  # data version and roles
    account: SignedIn | None = None  # as the run's sign-in check found it

    def forget(self) -> None:
        self.lent, self.calendar, self.shared_reader, self.account = {}, None, None, None


_page_run: ContextVar[_PageRun | None] = ContextVar("page_run", default=None)


@contextmanager
def page_run() -> Iterator[None]:
    """Run the page (app.py does) with one connection and one read of the signed-in account, the settings and the
    closure days for all its database calls. Each call still has its own transaction and session, so what a call
    returns is detached from the database, as it is without a page run (a widget callback, a download)."""
    run = _PageRun()
    token = _page_run.set(run)
    try:
        yield
    finally:
        _page_run.reset(token)
        if run.connection is not None:
            run.connection.close()


@contextmanager
def unit_of_work(*, read_only: bool, keeps_account: bool = False) -> Iterator[Session]:
    """A session in one transaction, committed on success and rolled back on error; read-only when asked (the
    database then refuses any write, whatever the service does). In a page run: on its connection, a read with the
    account, settings and calendar lent, and keeping them when first read; a write (unless `keeps_account`: it
    writes neither the account nor the settings) forgets them."""
    run = _page_run.get()
    if run is None:
        with transaction(session_factory()) as session:
            if read_only:
                session.execute(text("SET TRANSACTION READ ONLY"))
            else:
                act_as(session, signed_in_account_id(), via="page")
            yield session
        return
    if run.connection is None or run.connection.invalidated:
        run.connection = _live_engine().connect()
    lends = read_only or keeps_account
    # The connection's own flag: its transaction begins READ ONLY, with no statement of its own (psycopg's
    # read_only; the pool resets it when the connection goes back).
    run.connection.execution_options(postgresql_readonly=read_only)
    try:
        with Session(bind=run.connection, expire_on_commit=False) as session, session.begin():
            if not lends:
                # A write: the record of changes names the page run's signed-in account (a read-only transaction can
                # write nothing, and one that keeps the account writes only the sign-in session, which is not tracked).
                act_as(session, signed_in_account_id(), via="page")
            if lends:
                for instance in run.lent.values():
                    session.add(instance)  # detached and unchanged: no statement
                session.info[LOADED] = (run.lent, signed_in_account_id())
                session.info[KEPT_CALENDAR] = run.calendar
            yield session
            if lends:
                run.calendar = session.info[KEPT_CALENDAR]
    except BaseException:
        run.forget()
        raise
    if not lends:
        run.forget()


LOADED = "lendable_loaded"


@event.listens_for(Session, "loaded_as_persistent")
def _keep_to_lend(session: Session, instance: object) -> None:
    """In a unit of work that lends (above), the settings row and the signed-in account as they are read, held
    (the session's identity map holds an object only while something else does)."""
    if not isinstance(instance, Account | Setting) or LOADED not in session.info:
        return
    loaded, account_id = session.info[LOADED]
    if isinstance(instance, Setting) or instance.id == account_id:
        loaded[type(instance)] = instance


def today() -> date:
    """Today in Europe/London; a test may pin it with st.session_state['as_of']."""
    return st.session_state.get("as_of") or today_in_london()


def signed_in_account_id() -> int | None:
    return st.session_state.get(ACCOUNT_KEY)


def signed_in() -> SignedIn | None:
    """The signed-in account (None when nobody is, or the account was deactivated): in a page run, as its sign-in
    check found it, until a write in the run."""
    run = _page_run.get()
    if run is not None and run.account is not None and run.account.id == signed_in_account_id():
        return run.account
    with unit_of_work(read_only=False, keeps_account=True) as session:
        return signed_in_account(session, signed_in_account_id())


def signed_in_roles() -> frozenset[str]:
    """The signed-in account's roles, for what a page offers; the services check them again."""
    account = signed_in()
    return account.roles if account else frozenset()


def sign_in(account: SignedIn | HasId) -> None:
    """Start a server-side session for an account that has just proved who it is. This tab holds its token at
    once; in the served app the browser is also sent to exchange a one-time ticket for the session cookie
    (ui/auth.py), so reloads, new tabs and links stay signed in. The caller reruns."""

    def start_it(session: Session) -> tuple[str, str | None]:
        token = sessions.start(session, account_id=account.id)
        return token, (sessions.issue_ticket(session, token=token) if auth.served() else None)

    token, ticket = run_in_session(start_it)
    next_path = auth.here()
    sign_out()
    st.session_state[auth.TOKEN_KEY] = token
    st.session_state[ACCOUNT_KEY] = account.id
    st.session_state[LAST_SEEN_KEY] = datetime.now(UTC)
    if ticket is not None:
        auth.hand_over(ticket, next_path)


def end_session(token: str | None) -> None:
    """Sign out: end the session on the server (every tab sharing its cookie asks to sign in on its next click)
    and forget it in this tab."""
    if token:
        run_in_session(lambda session: sessions.end(session, token=token))
    sign_out("You have signed out.")
    st.session_state[auth.SIGNED_OUT_HERE_KEY] = True


def sign_out(notice: str | None = None) -> None:
    for key in list(st.session_state.keys()):
        if key != "as_of":
            del st.session_state[key]
    if notice:
        flash(notice, "info")


def _call(fn: Callable[..., T], *, read_only: bool, **kwargs: Any) -> T:
    with unit_of_work(read_only=read_only) as session:
        actor = load_actor(session, signed_in_account_id())
        return fn(session, actor, **kwargs)


def read(fn: Callable[..., T], **kwargs: Any) -> T:
    """Call a reading service as the signed-in account in a read-only transaction; errors propagate."""
    return _call(fn, read_only=True, **kwargs)


# Made once: building a statement costs more than running it.
_FRAME_READ = (
    select(Setting, Account, *data_version_columns())
    .outerjoin(Account, Account.id == bindparam("account_id"))
    .where(Setting.id == 1)
)


def read_frame(session: Session) -> tuple[Setting, tuple[str, int]]:
    """What every run of a page reads first, in one statement: the settings row, the data version and the account
    signed in in this tab (if any). The account is only put in `session`, so that the sign-in check's own look-up
    of it sends nothing; whether it may still act is for that check to decide."""
    settings, _account, name, reached = session.execute(_FRAME_READ, {"account_id": signed_in_account_id()}).one()
    return settings, as_data_version(name, reached)


def checked_sign_in(account: SignedIn, version: tuple[str, int]) -> None:
    """The account the page run's sign-in check (app.py) has just found, and the data version read with it
    (`read_frame`), kept for the run: what the page then asks of `signed_in` is answered without a read, and its
    shared reads need no transaction of their own."""
    run = _page_run.get()
    if run is not None:
        run.account = account
        run.shared_reader = (version, tuple(sorted(account.roles)))


def read_shared(fn: Callable[..., T], **kwargs: Any) -> T:
    """A read whose result is the same for every account with the same roles (the board's figures, the live list),
    kept in this process until anything is written: keyed by the data version (services.integrity.data_version,
    which every write moves), the account's roles and the arguments (which must be hashable). A hit means the same
    call by the same roles passed the service's role check; an error is never kept. In a page run the version and
    the roles are read once, so a later shared read of the run is a look-up and nothing more."""
    run = _page_run.get()
    reader = run.shared_reader if run is not None else None
    if reader is None:
        with unit_of_work(read_only=True) as session:
            actor = load_actor(session, signed_in_account_id())
            reader = (data_version(session), tuple(sorted(actor.roles)) if actor and actor.active else None)
        if run is not None:
            run.shared_reader = reader  # until a write in this run forgets it
    key = (*reader, f"{fn.__module__}.{fn.__qualname__}", tuple(sorted(kwargs.items())))
    kept = _kept_reads()
    with kept.lock:
        found = kept.reads.get(key, _MISSING)
        if found is not _MISSING:
            kept.reads.move_to_end(key)
            return cast(T, found)
    value = read(fn, **kwargs)
    with kept.lock:
        kept.reads[key] = value
        while len(kept.reads) > SHARED_READS_KEPT:
            kept.reads.popitem(last=False)  # the least recently used
    return value


SHARED_READS_KEPT = 128
_MISSING = object()


@dataclass
class _KeptReads:
    reads: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


# A resource, so that st.cache_resource.clear() forgets the reads too. A hit hands back the very objects kept (no
# copy made per run, which for the live list and the pickers' list of every review at national scale cost more than
# reading them): pages only read them. Looked up by a plain dict key, not through Streamlit's argument hashing.
@st.cache_resource(show_spinner=False)
def _kept_reads() -> _KeptReads:
    return _KeptReads()


def read_later(fn: Callable[..., T], **kwargs: Any) -> Callable[[], T]:
    """A read made only when its result is wanted, as the account signed in now: for st.download_button's `data`,
    which Streamlit calls when the button is clicked (on another thread, outside any run of the page), so that the
    file is not built on every run."""
    account_id = signed_in_account_id()

    def run() -> T:
        with unit_of_work(read_only=True) as session:
            return fn(session, load_actor(session, account_id), **kwargs)

    return run


def write(fn: Callable[..., T], **kwargs: Any) -> T:
    """Call a writing service as the signed-in account in its own transaction; errors propagate."""
    return _call(fn, read_only=False, **kwargs)


def act(fn: Callable[..., T], **kwargs: Any) -> T | None:
    """Call a writing service; on a rule it breaks, show its sentence and return None (the form keeps its values)."""
    try:
        return write(fn, **kwargs)
    except ServiceError as error:
        st.error(md_sentence(error), icon=":material/error:")
        return None


# A batch: (what each step is about, e.g. an agency's name; the service function; its arguments).
Steps = list[tuple[str, Callable[..., Any], dict[str, Any]]]


def _each_step(session: Session, actor: Any, *, steps: Steps) -> list[str]:
    saved = []
    for name, fn, kwargs in steps:
        try:
            fn(session, actor, **kwargs)
        except ServiceError as error:
            raise type(error)(f"{name}: {error} Nothing was saved: put it right (or untick it) and save "
                              "again.") from error
        saved.append(name)
    return saved


def act_all(steps: Steps) -> list[str] | None:
    """Each step by its own service function (each checks the role), in one transaction: all are saved, or none,
    and a refusal is shown naming its step (None returned; the form keeps its values). Returns the steps saved."""
    return act(_each_step, steps=steps)


def run_in_session(fn: Callable[[Session], T]) -> T:
    """Run `fn(session)` in one transaction, for the few calls that come before sign-in."""
    with unit_of_work(read_only=False) as session:
        return fn(session)
