"""Real-browser fixtures: the app served by `python -m ui.server` on a fresh database, and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from services.clock import PINNED_TODAY_VARIABLE

# DEMO_TEST_PASSWORD: the demo accounts' password in the browser tests (the product makes a random one per load),
# exported from here for them.
from tests.conftest import DEMO_TEST_PASSWORD as DEMO_TEST_PASSWORD
from tests.conftest import _create_from_template, _drop, as_app_role
from tests.e2e.agency_server import Seeded, app_engine, seed, served
from tests.types import DemoTemplate

# The machine is shared: give each expectation time for the app's rerun to finish.
expect.set_options(timeout=30_000)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# A Thursday in term time. The served app and the test share this "today" (RRT_TODAY), so a run on a
# weekend or a bank holiday sees the same days as one on a weekday.
PINNED_TODAY = date(2026, 11, 26)


@pytest.fixture
def pinned_today() -> date:
    """The day the app under test takes as today; a test may override this fixture to pin another."""
    return PINNED_TODAY


@pytest.fixture
def app_environment() -> dict[str, str]:
    """Extra environment for the app under test (none by default); a test module may override this fixture.
    "{app_url}" in a value becomes the app's address (its port is chosen when it starts)."""
    return {}


@contextmanager
def served_app(env: dict[str, str]) -> Iterator[str]:
    """Run `python -m ui.server` on its own port with this environment until the block ends; yields its address.
    "{app_url}" in a value becomes the app's address (its port is chosen when it starts)."""
    process, url = _start_app(env)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _start_app(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    # A free port is only free until someone binds it: with test workers side by side (pytest-xdist), another
    # process may take it between the look and the app's start. The app then stops at once saying so: try another.
    for attempt in range(3):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [sys.executable, "-m", "ui.server", "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=ROOT, env={name: value.replace("{app_url}", url) for name, value in env.items()},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                return process, url
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                    if f"Port {port} is not available" in output and attempt < 2:
                        break
                    pytest.fail(f"The app did not start:\n{output[-3000:]}")
                time.sleep(0.3)
    raise AssertionError("unreachable")


def environment_for(owner_url: str, today: date = PINNED_TODAY) -> dict[str, str]:
    """The environment of an app served on the database at `owner_url` (the owner's), as `app_url` gives it: the app
    connects as the app's role and migrates as the owner; "today" is pinned."""
    return {**os.environ, "DATABASE_URL": as_app_role(owner_url), "MIGRATION_DATABASE_URL": owner_url,
            PINNED_TODAY_VARIABLE: today.isoformat()}


@pytest.fixture
def app_url(fresh_database_url: str, pinned_today: date, monkeypatch: pytest.MonkeyPatch,
            app_environment: dict[str, str]) -> Iterator[str]:
    """Start the app on its own port against this test's database, "today" pinned; stop it afterwards."""
    monkeypatch.setenv(PINNED_TODAY_VARIABLE, pinned_today.isoformat())
    # As a deployment runs: the app as its login role (DATABASE_URL), migrating as the owner (MIGRATION_DATABASE_URL),
    # both set by fresh_database_url; the test seeds and inspects through fresh_database_url, the owner's.
    with served_app({**os.environ, **app_environment}) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("RRT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def wait_for_app(page: Page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-test-script-state="notRunning"]', state="attached")


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    wait_for_session_cookie(page)
    wait_for_app(page)


SESSION_COOKIE = "rrt_session"


def wait_for_session_cookie(page: Page, timeout_ms: int = 20_000) -> bool:
    """After a sign-in the browser fetches its session cookie (/auth/session) and reloads the page: wait for that,
    so the test goes on in the signed-in page. False when no cookie came (a refused sign-in)."""
    waited = 0
    while waited < timeout_ms:
        if any(c["name"] == SESSION_COOKIE for c in page.context.cookies()):
            page.wait_for_load_state()
            return True
        page.wait_for_timeout(200)
        waited += 200
    return False


@contextmanager
def served_demo_copy(server_url: str, demo_template: DemoTemplate, prepare: Callable[[str], None] | None = None,
                     extra_environment: dict[str, str] | None = None) -> Iterator[str]:
    """A copy of the run's demo database (the demo partnership loaded as of the pinned day), given first to `prepare`
    (the owner's address: to plant rows into it), then served by one app until the block ends; yields its address.
    For a module-scoped fixture: one app start and one copy for all the module's tests."""
    name, url = _create_from_template(server_url, demo_template(PINNED_TODAY, DEMO_TEST_PASSWORD))
    try:
        if prepare is not None:
            prepare(url)
        with served_app({**environment_for(url), **(extra_environment or {})}) as app:
            yield app
    finally:
        _drop(server_url, name)


@pytest.fixture(scope="module")
def demo_app(server_url: str, demo_template: DemoTemplate) -> Iterator[str]:
    """The demo partnership, loaded as of the pinned day, served by one app for the whole module (on a copy of the
    run's demo database)."""
    with served_demo_copy(server_url, demo_template) as app:
        yield app


# The agencies' site (tests/e2e/agency_server.py) on a fresh database: its engine, one seeded review with its links,
# and the site served on a free port; shared by the agency site's HTTP and browser tests.
@pytest.fixture
def agency_engine(fresh_database_url: str) -> Iterator[Engine]:
    engine = app_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def agency_seeded(agency_engine: Engine) -> Seeded:
    return seed(agency_engine)


@pytest.fixture
def agency_site(agency_engine: Engine, agency_seeded: Seeded) -> Iterator[str]:
    with served(agency_engine) as url:
        yield url
