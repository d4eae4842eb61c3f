"""Real Chromium (issue 26): a review opened in error on Monday is withdrawn by the manager on Tuesday; it is gone
from the live list and reads as withdrawn."""
import os
from datetime import date

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.clock import PINNED_TODAY_VARIABLE
from tests.e2e.conftest import served_app, sign_in, wait_for_app

PASSWORD = "correct horse battery"
MONDAY, TUESDAY = date(2026, 12, 7), date(2026, 12, 8)


def _type_date(page: Page, label: str, value: date) -> None:
    field = page.get_by_label(label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(value.strftime("%d%m%Y"))
    page.keyboard.press("Escape")


def _choose(page: Page, label: str, option: str) -> None:
    # The run that drew the box may still be going (a folded form is drawn once opened): a rerun closes an open list,
    # so wait for the app to be idle first, and open the list again if a rerun closed it all the same.
    wait_for_app(page)
    for attempt in range(3):
        page.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("option", name=option).click(timeout=10_000)
            return
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_for_app(page)


def test_a_review_opened_in_error_on_monday_is_withdrawn_on_tuesday(fresh_database_url: str, page: Page,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(fresh_database_url)
    with Session(engine) as session, session.begin():
        create_account_from_command_line(session, username="pat.manager", display_name="Pat Manager",
                                         roles=["manager"], password=PASSWORD)
    engine.dispose()

    # Monday: the manager opens a review for a notification that was not meant for this partnership.
    monkeypatch.setenv(PINNED_TODAY_VARIABLE, MONDAY.isoformat())
    with served_app(dict(os.environ)) as url:
        sign_in(page, url, "pat.manager", PASSWORD)
        page.get_by_role("heading", name="Live reviews").wait_for()
        page.locator('[data-testid="stExpander"] summary', has_text="Open a new review").click()
        page.get_by_role("textbox", name="Child 1 initials").wait_for()
        _type_date(page, "Notification received by the Partnership (starts the 15-day clock)", MONDAY)
        _choose(page, "Notification type", "Serious harm")
        page.get_by_role("textbox", name="Child 1 initials").fill("kl")
        page.get_by_role("textbox", name="Child 1 age in years").fill("4")
        page.get_by_role("button", name="Open review").click()
        wait_for_app(page)
        page.get_by_role("heading", name="Review 071226KL").wait_for()

    # Tuesday: the manager withdraws it, opened in error.
    monkeypatch.setenv(PINNED_TODAY_VARIABLE, TUESDAY.isoformat())
    page.context.clear_cookies()  # a new day's sign-in (cookies are shared across the two servers' ports)
    with served_app(dict(os.environ)) as url:
        sign_in(page, url, "pat.manager", PASSWORD)
        page.get_by_role("heading", name="Live reviews").wait_for()
        page.locator('[data-testid="stTable"] table td', has_text="071226KL").wait_for()
        page.get_by_role("link", name="071226KL").first.click()
        wait_for_app(page)
        page.get_by_role("heading", name="Review 071226KL").wait_for()
        page.locator('[data-testid="stExpander"] summary', has_text="Withdraw or correct this review").click()
        page.get_by_role("button", name="Withdraw the review").wait_for()
        _choose(page, "Why it is withdrawn", "Opened in error")
        page.get_by_role("button", name="Withdraw the review").click()
        wait_for_app(page)
        page.get_by_text("WITHDRAWN", exact=False).first.wait_for()
        body = page.inner_text("body")
        assert "on Tue 08 Dec 2026 by Pat Manager. Reason: Opened in error." in body
        assert page.get_by_role("button", name="Withdraw the review").count() == 0

        page.locator('[data-testid="stSidebarNav"] a', has_text="Live reviews").click()
        page.get_by_role("heading", name="Live reviews").wait_for()
        wait_for_app(page)
        assert "There are no live reviews" in page.inner_text("body")
        assert "071226KL" not in page.inner_text("body")
