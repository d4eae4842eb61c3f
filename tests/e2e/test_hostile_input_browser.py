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

import pytest
from playwright.sync_api import Browser, Dialog, Page, Request, expect
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tests.e2e.conftest import DEMO_TEST_PASSWORD, sign_in, wait_for_app

SCRIPT = "<script>window.__planted = 1; alert('script')</script>"
IFRAME = "<iframe srcdoc=\"<script>parent.alert('iframe')</script>\"></iframe>"
IMAGE_HOST = "127.0.0.1:9"
IMAGE = f"![tracker](http://{IMAGE_HOST}/pixel.png) <img src=x onerror=\"alert('img')\">"
CONTROL = "before\x01after\vnext line"

# Who sees which pages (ui/navigation.py), by the demo's accounts.
WALKS = {
    "demo-manager": ["Live reviews", "Review", "Agency returns", "Daily log", "Meetings", "Report", "Actions",
                     "Board figures", "My account"],
    "demo-officer": ["Live reviews", "Review", "Agency returns", "Daily log", "Meetings", "Report", "Actions",
                     "My account"],
    "demo-chair": ["Live reviews", "Review", "Agency returns", "Daily log", "Meetings", "Report", "Actions",
                   "My account"],
    "demo-board": ["Board figures"],
    "demo-admin": ["Administration"],
}


# Each test's database starts as a copy of the demo partnership loaded as of the pinned day (tests/conftest.py:
# loaded once per run, copied in a fraction of a second), and the payloads are planted into it.
pytestmark = pytest.mark.demo_data


def _plant(url: str) -> None:
    """Payloads into the demo's stored rows (the database is a copy of the demo partnership: fresh_database_url)."""
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


def test_no_page_runs_planted_script_or_shows_a_traceback(fresh_database_url: str, app_url: str,
                                                          browser: Browser) -> None:
    _plant(fresh_database_url)
    shown: list[str] = []
    for username, titles in WALKS.items():
        context = browser.new_context(viewport={"width": 1400, "height": 2400})
        page = context.new_page()
        dialogs, fetched = _watch(page)
        page.goto(app_url)
        wait_for_app(page)
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(DEMO_TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        wait_for_app(page)
        for title in titles:
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
    # The payloads were on the pages, as text: the walk saw what it was meant to see.
    for planted in ("<iframe srcdoc=", "<script>window.__planted", "![tracker](http://"):
        assert any(planted in body for body in shown), planted


# Mail on (nothing is sent during a page run; the address only makes My account show the account's own address).
@pytest.mark.parametrize("app_environment", [{"SMTP_URL": "smtp://127.0.0.1:9"}])
def test_my_account_takes_its_steps_over_a_planted_address_with_clear_messages(
        fresh_database_url: str, app_url: str, browser: Browser, app_environment: dict[str, str]) -> None:
    _plant(fresh_database_url)
    for username in ("demo-manager", "demo-officer", "demo-chair"):
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
# Every page a manager opens, and the board's own.
NAMED_WALK = ["Live reviews", "Review", "Agency returns", "Meetings", "Report", "Actions", "Board figures",
              "My account"]


def _plant_names(url: str) -> None:
    """The demo partnership (fresh_database_url) with the hostile text appended to every agency's name, every plan
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


def test_names_set_by_an_administrator_are_shown_as_typed_on_every_page(fresh_database_url: str, app_url: str,
                                                                        browser: Browser) -> None:
    _plant_names(fresh_database_url)
    nothing = {"links": 0, "images": 0, "katex": 0, "red": 0}
    for username, titles in (("demo-manager", NAMED_WALK), ("demo-board", ["Board figures"]),
                             ("demo-admin", ["Administration"])):
        context = browser.new_context(viewport={"width": 1400, "height": 2400})
        page = context.new_page()
        dialogs, fetched = _watch(page)
        sign_in(page, app_url, username, DEMO_TEST_PASSWORD)
        for title in titles:
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
