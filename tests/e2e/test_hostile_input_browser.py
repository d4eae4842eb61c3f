"""Real Chromium walks every page as every role over data that holds script, HTML, remote images and control
characters: no dialog opens, no script runs, no remote image is fetched, no traceback is shown, and the planted text
is shown as text. My account, whose only inputs are its calendar feed buttons, takes its steps over an address that
carries the payloads: each step answers with a clear message, and the address it gives works.

The demo partnership is loaded, then payloads are written straight into the stored rows (as if an earlier version,
an import or an administrator had put them there), so the pages are tested against what is stored, whatever the
services let through today."""
from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, Request, expect
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from demo.cast import DEMO_ACCOUNTS
from tests.e2e.conftest import DEMO_TEST_PASSWORD, served_demo_copy, sign_in, wait_for_app
from tests.types import DemoTemplate
from ui.navigation import PAGES, page_keys_for

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_hostile_input_browser")

SCRIPT = "<script>window.__planted = 1; alert('script')</script>"
IFRAME = "<iframe srcdoc=\"<script>parent.alert('iframe')</script>\"></iframe>"
IMAGE_HOST = "127.0.0.1:9"
IMAGE = f"![tracker](http://{IMAGE_HOST}/pixel.png) <img src=x onerror=\"alert('img')\">"
CONTROL = "before\x01after\vnext line"

# The demo's account of each role; who sees which pages is ui/navigation.py's (a new page is walked as it comes).
ROLE_ACCOUNTS = {str(roles[0]): username for username, _name, roles in DEMO_ACCOUNTS}


def _titles(role: str, leave_out: frozenset[str] = frozenset()) -> list[str]:
    """The titles of the pages this role opens, in menu order."""
    return [PAGES[key].title for key in page_keys_for([role]) if key not in leave_out]


# Each module-scoped app below serves its own copy of the demo partnership loaded as of the pinned day
# (tests/conftest.py: loaded once per run, copied in a fraction of a second), the payloads planted into it; each role's
# walk is a test of its own, so that the test workers share them out.


def _plant(url: str) -> None:
    """Payloads into the demo's stored rows (the database is a copy of the demo partnership: served_demo_copy)."""
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        # Stored text of every kind the pages show, each carrying a payload.
        session.execute(text("UPDATE agencies SET name = name || ' ' || :p WHERE id = (SELECT min(id) FROM agencies)"),
                        {"p": IFRAME})
        session.execute(text("UPDATE review_milestones SET title = title || ' ' || :p WHERE key = 'case_folder'"),
                        {"p": SCRIPT})
        session.execute(text("UPDATE milestone_templates SET title = title || ' ' || :p WHERE key = 'case_folder'"),
                        {"p": SCRIPT})
        session.execute(text("UPDATE agency_returns SET initial_check_note = :p WHERE initial_check_note IS NOT NULL"),
                        {"p": IMAGE})
        session.execute(text("UPDATE agency_returns SET summary = :p WHERE summary IS NOT NULL"), {"p": CONTROL})
        session.execute(text("UPDATE agency_returns SET agreed_reason = :p WHERE agreed_reason IS NOT NULL"),
                        {"p": SCRIPT})
        session.execute(text("UPDATE meetings SET decisions = :p WHERE decisions IS NOT NULL"), {"p": IMAGE})
        session.execute(text("UPDATE report_sections SET text = :p"), {"p": SCRIPT + "\n" + CONTROL})
        session.execute(text(
            "INSERT INTO daily_log (review_id, author_id, category, text, by_system) "
            "SELECT r.id, a.id, 'other', :p, false FROM reviews r, accounts a "
            "WHERE r.state <> 'closed' AND a.username = 'demo-officer'"), {"p": SCRIPT + " " + IMAGE})
        # The accounts' addresses (lower case, as the table keeps them): My account shows its own when mail is on.
        session.execute(text("UPDATE accounts SET email = username || '+' || :p || '@example.org'"),
                        {"p": SCRIPT + IMAGE})
    engine.dispose()


@pytest.fixture(scope="module")
def planted_app(server_url: str, demo_template: DemoTemplate) -> Iterator[str]:
    """One app for the module's walks, on a demo copy holding the payloads."""
    with served_demo_copy(server_url, demo_template, _plant) as app:
        yield app


@pytest.fixture(scope="module")
def planted_app_with_mail(server_url: str, demo_template: DemoTemplate) -> Iterator[str]:
    """The same, with mail on (nothing is sent during a page run; the address only makes My account show the account's
    own address)."""
    with served_demo_copy(server_url, demo_template, _plant, {"SMTP_URL": "smtp://127.0.0.1:9"}) as app:
        yield app


def _watch(page: Page) -> tuple[list[str], list[str]]:
    """Record every dialog the page opens (dismissing it) and every request to the planted image host."""
    dialogs: list[str] = []
    fetched: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def on_request(request: Request) -> None:
        if IMAGE_HOST in request.url:
            fetched.append(request.url)

    page.on("dialog", on_dialog)
    page.on("request", on_request)
    return dialogs, fetched


def _assert_shown_as_text(page: Page, body: str, where: str) -> None:
    """No traceback, no planted script run, no planted HTML element drawn."""
    assert "Traceback" not in body and 'File "/' not in body, where
    assert "Something went wrong" not in body, where
    assert page.evaluate("window.__planted === undefined"), where
    assert page.locator("iframe[srcdoc]").count() == 0, where
    assert page.locator('img[src="x"]').count() == 0, where


def _expect_message(page: Page, text: str) -> None:
    """Wait (up to the shared 30 s) until a message with `text` is shown: on a busy machine the rerun that draws it
    can start after wait_for_app has already looked."""
    wait_for_app(page)
    expect(page.locator('[data-testid="stAlert"]').filter(has_text=text).first).to_be_visible()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_no_page_runs_planted_script_or_shows_a_traceback(planted_app: str, browser: Browser, role: str) -> None:
    username = ROLE_ACCOUNTS[role]
    shown: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    dialogs, fetched = _watch(page)
    page.goto(planted_app)
    wait_for_app(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(DEMO_TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app(page)
    for title in _titles(role):
        link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first
        if link.count():
            link.click()
            wait_for_app(page)
        page.get_by_role("heading", name=title).first.wait_for()
        # Open every expander, so that what is folded away is drawn too.
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
        wait_for_app(page)
        body = page.inner_text("body")
        # All the text the page holds, the grids' screen-reader tables and the form fields' values included.
        shown.append(page.evaluate(
            "document.body.textContent + ' ' + "
            "[...document.querySelectorAll('textarea, input')].map(field => field.value).join(' ')"))
        _assert_shown_as_text(page, body, f"{username} on {title}")
    assert dialogs == [], (username, dialogs)
    assert fetched == [], (username, fetched)
    context.close()
    # The payloads were on the pages, as text: the walk saw what it was meant to see (each role that opens the case
    # pages sees all three; the board's and the administrator's pages show none of the planted rows).
    if "review" in page_keys_for([role]):
        for planted in ("<iframe srcdoc=", "<script>window.__planted", "![tracker](http://"):
            assert any(planted in body for body in shown), (username, planted)


@pytest.mark.parametrize("role", [role for role in ROLE_ACCOUNTS if "account" in page_keys_for([role])])
def test_my_account_takes_its_steps_over_a_planted_address_with_clear_messages(
        planted_app_with_mail: str, browser: Browser, role: str) -> None:
    app_url = planted_app_with_mail
    username = ROLE_ACCOUNTS[role]
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    dialogs, fetched = _watch(page)
    sign_in(page, app_url, username, DEMO_TEST_PASSWORD)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="My account").first.click()
    wait_for_app(page)
    page.get_by_role("heading", name="My account").first.wait_for()
    where = f"{username} on My account"
    # The planted address is on the page, as text.
    # (md_text puts an invisible word joiner before the "@", so that no email autolink is drawn.)
    assert f"{username}+{SCRIPT}{IMAGE}@example.org" in page.evaluate("document.body.textContent").replace(
        "\u2060", ""), where
    _assert_shown_as_text(page, page.inner_text("body"), where)

    page.get_by_role("button", name="Turn on my calendar feed").click()
    _expect_message(page, "Your calendar feed is on. Copy this address now")
    _assert_shown_as_text(page, page.inner_text("body"), where)
    address = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert address.startswith(f"{app_url}/calendar/") and address.endswith(".ics"), where
    assert _status(address) == 200, where  # the address the page gave works

    page.get_by_role("button", name="Turn off my calendar feed").click()
    _expect_message(page, "Your calendar feed is off: its address no longer works.")
    _assert_shown_as_text(page, page.inner_text("body"), where)
    assert _status(address) == 404, where
    assert dialogs == [], (username, dialogs)
    assert fetched == [], (username, fetched)
    context.close()


# ---------------------------------------------------------------- names an administrator sets, drawn as Markdown

NAMED = "![x](http://127.0.0.1:9/x.png) :red[x] $x^2$ www.example.com a@b.co <script>"
# Every page a manager opens but the Daily log (left out of this walk since it was written; the walk above covers it),
# the board's own, the administrator's; and any role's page none of these opens (a new page is walked as it comes).
NAMED_LEAVES_OUT = frozenset({"log"})
NAMED_ROLES = ["manager", "board", "admin"]
_NAMED_KEYS = {key for walked in NAMED_ROLES for key in page_keys_for([walked])}
NAMED_ROLES += [role for role in ROLE_ACCOUNTS
                if role not in NAMED_ROLES and set(page_keys_for([role])) - NAMED_LEAVES_OUT - _NAMED_KEYS]


def _plant_names(url: str) -> None:
    """The demo partnership (a copy: served_demo_copy) with the hostile text appended to every agency's name, every plan
    step's title, the partnership's name and every account's display name (as an administrator could set them)."""
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        for statement in ("UPDATE agencies SET name = left(name, 100) || ' ' || :p",
                          "UPDATE milestone_templates SET title = left(title, 100) || ' ' || :p",
                          "UPDATE review_milestones SET title = left(title, 100) || ' ' || :p",
                          "UPDATE settings SET partnership_name = 'Demoshire ' || :p",
                          "UPDATE accounts SET display_name = left(display_name, 40) || ' ' || :p"):
            session.execute(text(statement), {"p": NAMED})
    engine.dispose()


def _drawn_from_markdown(page: Page) -> dict[str, int]:
    """What Markdown would have drawn from the names: links to the planted addresses (an autolink's address; the
    ready emails' mailto: links quote the name inside their subject, which is not a link to it), the remote
    image, LaTeX, and the red text of ':red[x]'."""
    drawn: dict[str, int] = page.evaluate("""() => {
        const main = document.body;
        const links = [...main.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
            .filter(h => /^(https?:\\/\\/(www\\.)?example\\.com|https?:\\/\\/127\\.0\\.0\\.1:9|mailto:a@b\\.co$)/
                .test(h));
        const red = [...main.querySelectorAll('span[style*="color"], span[class*="color"]')]
            .filter(s => s.textContent.trim() === 'x');
        return {links: links.length, images: main.querySelectorAll('img[src*="127.0.0.1"]').length,
                katex: main.querySelectorAll('.katex, .katex-display, math').length, red: red.length};
    }""")
    return drawn


@pytest.fixture(scope="module")
def named_app(server_url: str, demo_template: DemoTemplate) -> Iterator[str]:
    """One app for the names' walks, on a demo copy holding the hostile names."""
    with served_demo_copy(server_url, demo_template, _plant_names) as app:
        yield app


@pytest.mark.parametrize("role", NAMED_ROLES)
def test_names_set_by_an_administrator_are_shown_as_typed_on_every_page(named_app: str, browser: Browser,
                                                                        role: str) -> None:
    nothing = {"links": 0, "images": 0, "katex": 0, "red": 0}
    username = ROLE_ACCOUNTS[role]
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    dialogs, fetched = _watch(page)
    sign_in(page, named_app, username, DEMO_TEST_PASSWORD)
    for title in _titles(role, NAMED_LEAVES_OUT):
        link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first
        if link.count():
            link.click()
            wait_for_app(page)
        page.get_by_role("heading", name=title).first.wait_for()
        if title == "Agency returns":  # the cards: one review's checklist
            page.get_by_role("radio", name="Checklist for one review").click()
            wait_for_app(page)
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
        wait_for_app(page)
        where = f"{username} on {title}"
        shown = page.evaluate("document.body.innerText").replace("\u2060", "")
        assert NAMED in shown, where  # the name, as typed, is on the page
        assert _drawn_from_markdown(page) == nothing, where
        _assert_shown_as_text(page, page.inner_text("body"), where)
    assert dialogs == [], (username, dialogs)
    assert fetched == [], (username, fetched)
    context.close()
