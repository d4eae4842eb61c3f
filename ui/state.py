"""The pages' binding to the unit of work (services/unit_of_work.py): the account a call acts as is the one signed
in in this tab (st.session_state), and today is the tab's pinned `as_of` or London's. The transactions, the page
run's shared connection, the lending of the settings row, account and calendar, and the shared reads kept by data
version are the unit of work's; st.cache_resource.clear() still forgets its engine and kept reads."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.models import Setting
from services import sessions
from services import unit_of_work as uow
from services.accounts import SignedIn
from services.clock import today_in_london
from services.errors import ServiceError
from ui import auth
from ui.flash import flash
from ui.widgets import md_sentence

T = TypeVar("T")
ACCOUNT_KEY = "account_id"
LAST_SEEN_KEY = "last_seen_at"


class HasId(Protocol):
    @property
    def id(self) -> int: ...


@st.cache_resource(show_spinner=False)
def _streamlit_resources_kept() -> object:
    """A marker among Streamlit's resources: st.cache_resource.clear() drops it, and making it again resets the unit
    of work (its engine and kept shared reads), as when those were Streamlit resources themselves."""
    uow.reset()
    return object()


def _engine() -> Engine:
    """The unit of work's engine, made (with a spinner) when there is none yet or its server was lost. Whether
    Streamlit's resources were cleared is asked once per page run (`page_run`), and at each call outside one."""
    if uow.current_run() is None:
        _streamlit_resources_kept()
    if not uow.engine_is_ready():
        with st.spinner("Starting the database…"):
            return uow.engine()
    return uow.engine()


@contextmanager
def page_run() -> Iterator[None]:
    """Run the page (app.py does) with one connection and one read of the signed-in account, the settings and the
    closure days for all its database calls (services.unit_of_work.page_run)."""
    _streamlit_resources_kept()
    with uow.page_run():
        yield


@contextmanager
def unit_of_work(*, read_only: bool, keeps_account: bool = False) -> Iterator[Session]:
    """A transaction as the signed-in account (services.unit_of_work.transaction); DatabaseUnavailable when the
    database cannot be reached."""
    _engine()
    with uow.transaction(read_only=read_only, account_id=signed_in_account_id(),
                         keeps_account=keeps_account) as session:
        yield session


def today() -> date:
    """Today in Europe/London; a test may pin it with st.session_state['as_of']."""
    return st.session_state.get("as_of") or today_in_london()


def signed_in_account_id() -> int | None:
    return st.session_state.get(ACCOUNT_KEY)


def signed_in() -> SignedIn | None:
    """The signed-in account (None when nobody is, or the account was deactivated): in a page run, as its sign-in
    check found it, until a write in the run."""
    _engine()
    return uow.signed_in(signed_in_account_id())


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


def read(fn: Callable[..., T], **kwargs: Any) -> T:
    """Call a reading service as the signed-in account in a read-only transaction; errors propagate."""
    _engine()
    return uow.read(signed_in_account_id(), fn, **kwargs)


def read_frame(session: Session) -> tuple[Setting, uow.FrameVersion]:
    """What every run of a page reads first, in one statement: the settings row, the data version and the account
    signed in in this tab (services.unit_of_work.read_frame)."""
    return uow.read_frame(session, signed_in_account_id())


def checked_sign_in(account: SignedIn, version: uow.FrameVersion) -> None:
    """The account the page run's sign-in check (app.py) has just found, and the data version read with it
    (`read_frame`), kept for the run: what the page then asks of `signed_in` is answered without a read, and its
    shared reads need no transaction of their own."""
    uow.checked_sign_in(account, version)


def read_shared(fn: Callable[..., T], **kwargs: Any) -> T:
    """A read whose result is the same for every account with the same roles (the board's figures, the live list),
    kept in this process until anything is written (services.unit_of_work.read_shared: by data version, roles and
    arguments, which must be hashable). Pages only read what it hands back: a hit is the very objects kept."""
    _engine()
    return uow.read_shared(signed_in_account_id(), fn, **kwargs)


def read_for_review(fn: Callable[..., T], *, review_id: int, **kwargs: Any) -> T:
    """A read about one review whose result is the same for every account with the same roles (its status, its
    corrections), kept in this process until that review or the partnership's settings, calendar, agencies or
    accounts change (services.unit_of_work.read_for_review): a write to another review leaves it kept."""
    _engine()
    return uow.read_for_review(signed_in_account_id(), fn, review_id=review_id, **kwargs)


def read_by_review(fn: Callable[..., T], **kwargs: Any) -> T:
    """A list shared like `read_shared` (the live list and its return counts, the worklist, the pickers' list) whose
    service is made of one part per review (services.integrity.made_per_review): after a write, only the parts of the
    reviews changed are read again (services.unit_of_work.read_by_review)."""
    _engine()
    return uow.read_by_review(signed_in_account_id(), fn, **kwargs)


def read_later(fn: Callable[..., T], **kwargs: Any) -> Callable[[], T]:
    """A read made only when its result is wanted, as the account signed in now: for st.download_button's `data`,
    which Streamlit calls when the button is clicked (on another thread, outside any run of the page), so that the
    file is not built on every run."""
    return uow.read_later(signed_in_account_id(), fn, **kwargs)


def write(fn: Callable[..., T], **kwargs: Any) -> T:
    """Call a writing service as the signed-in account in its own transaction; errors propagate."""
    _engine()
    return uow.write(signed_in_account_id(), fn, **kwargs)


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
    _engine()
    return uow.run_in_session(signed_in_account_id(), fn)
