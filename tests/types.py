"""The types of the tests' shared fixtures, for their parameters' annotations."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol, TypedDict

from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Account

if TYPE_CHECKING:  # the browser tests' types, not imported by every other test
    from playwright.sync_api import Page


class MakeAccount(Protocol):
    """tests/conftest.py's make_account: an account with these roles (password TEST_PASSWORD), flushed."""

    def __call__(self, *roles: str, username: str | None = None) -> Account: ...


class MakeApp(Protocol):
    """tests/app/conftest.py's make_app: an AppTest of app.py, signed in as `account` (or not), today pinned."""

    def __call__(self, account: Account | None = None, as_of: date | None = None) -> AppTest: ...


class CheckAnswers(TypedDict):
    """The four answers of a return's initial check, as record_initial_check takes them (services.returns.service)."""

    sufficient_information: bool
    dates_present: bool
    analysis: bool
    signed: bool


# tests/app/conftest.py's app_db: a new session on the test's own, committed database.
OpenSession = Callable[[], Session]


# The keyword arguments of services the integration tests call through a helper with defaults: the TypedDict a
# helper's **overrides are (Unpack), each key one a test may set (None included where a form may send it).


class MeetingFields(TypedDict, total=False):
    """services.meetings.service.record_meeting's keyword arguments."""

    review_id: int
    kind: str
    held_on: date | None
    agency_ids: Sequence[int]
    chair_name: str
    minute_taker_name: str
    minutes_circulated_on: date | None
    decisions: str
    as_of: date


class LogEntryFields(TypedDict, total=False):
    """services.daily_log.service.add_log_entry's keyword arguments."""

    review_id: int | None
    category: str
    text: str
    folder_section: str | None
    file_path: str | None
    corrects_id: int | None
    milestone_id: int | None


class DemoTemplate(Protocol):
    """tests/conftest.py's demo_template: the name of a database holding the demo partnership loaded as of `as_of`
    with `password`, by the owner ("owner") or the app's role ("app"), to be copied (never used itself)."""

    def __call__(self, as_of: date, password: str, role: str = ...) -> str: ...


class MetricTile(Protocol):
    """What a test reads of one of AppTest's metric tiles (`at.metric`; its class is not in streamlit.testing's
    public names)."""

    @property
    def label(self) -> str: ...

    @property
    def value(self) -> str: ...

    @property
    def delta(self) -> str: ...


# The browser tests' module-wide `page_for(role)`: a browser page signed in as that demo role (once, then reused).
PageForRole = Callable[[str], "Page"]
