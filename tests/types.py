"""The types of the tests' shared fixtures, for their parameters' annotations."""
from __future__ import annotations

from collections.abc import Callable
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

# tests/conftest.py's demo_template: `demo_template(as_of, password)`, the name of a database holding the demo
# partnership loaded as of that day with that password.
DemoTemplate = Callable[[date, str], str]


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
