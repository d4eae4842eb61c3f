"""Real Chromium: a manager opens a review and finds it in the live list; strangers and the board see no case."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.settings import add_closure_day
from tests.conftest import TEST_APP_ROLE
from tests.e2e.conftest import sign_in, wait_for_app

PASSWORD = "correct horse battery"


def _account(url: str, username: str, roles: list[str]) -> None:
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        create_account_from_command_line(session, username=username, display_name=username, roles=roles,
                                         password=PASSWORD)
    engine.dispose()


def _closure_day(url: str, closed_on: date) -> None:
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        admin = create_account_from_command_line(session, username="ali.admin", display_name="ali.admin",
                                                 roles=["admin"], password=PASSWORD)
        add_closure_day(session, admin, closed_on=closed_on, reason="Staff training day")
    engine.dispose()


def _type_date(page: Page, label: str, value: date) -> None:
    """Type into Streamlit's segmented date field (dd / mm / yyyy) as a person would."""
    field = page.get_by_label(label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(value.strftime("%d%m%Y"))
    page.keyboard.press("Escape")  # closes the calendar, which would cover the field below


# Worked by hand from domain.md (Day 1 = first working day on or after receipt; a non-working day
# counts as the Day of the working day before it): the day the app takes as today, the notification
# received the calendar day before, an optional closure day, then the live list's due date and progress.
DAYS = [
    # a Thursday: received Wed 25 Nov = Day 1, so Thu is Day 2; Day 15 is Tue 15 Dec
    (date(2026, 11, 26), None, date(2026, 12, 15), "Day 2 of 15"),
    # a Saturday: received Fri 27 Nov = Day 1 and Saturday counts as Day 1; Day 15 is Thu 17 Dec
    (date(2026, 11, 28), None, date(2026, 12, 17), "Day 1 of 15"),
    # a Sunday, the day before Day 1: received Sat 28 Nov, Day 1 is Mon 30 Nov; Day 15 is Fri 18 Dec
    (date(2026, 11, 29), None, date(2026, 12, 18), "starts Mon 30 Nov"),
    # a bank holiday (Mon 28 Dec, Boxing Day's substitute): received Sun 27 Dec, Day 1 is Tue 29 Dec;
    # 1 Jan is a holiday too, so Day 15 is Tue 19 Jan 2027
    (date(2026, 12, 28), None, date(2027, 1, 19), "starts Tue 29 Dec"),
    # a closure day (Wed 2 Dec): received Tue 1 Dec = Day 1, the closed Wednesday counts as Day 1;
    # without 2 Dec, Day 15 is Tue 22 Dec
    (date(2026, 12, 2), date(2026, 12, 2), date(2026, 12, 22), "Day 1 of 15"),
]


# Naming `pinned_today` here overrides the conftest fixture, so the served app takes that day as today.
@pytest.mark.parametrize(("pinned_today", "closure", "expected_due", "expected_progress"), DAYS,
                         ids=["thursday", "saturday", "day-before-day-1", "bank-holiday", "closure-day"])
def test_manager_opens_a_review_and_finds_it_with_its_due_date(
    fresh_database_url: str, app_url: str, page: Page, pinned_today: date, closure: date | None,
    expected_due: date, expected_progress: str,
) -> None:
    today = pinned_today
    _account(fresh_database_url, "pat.manager", ["manager"])
    if closure:
        _closure_day(fresh_database_url, closure)
    sign_in(page, app_url, "pat.manager", PASSWORD)
    page.get_by_role("heading", name="Live reviews").wait_for()
    assert "There are no live reviews" in page.inner_text("body")

    # The form is drawn once its expander is opened.
    page.locator('[data-testid="stExpander"] summary', has_text="Open a new review").click()
    page.get_by_role("textbox", name="Child 1 initials").wait_for()
    received = today - timedelta(days=1)
    _type_date(page, "Notification received by the Partnership (starts the 15-day clock)", received)
    _type_date(page, "Incident date", received - timedelta(days=3))
    _type_date(page, "Date CSC became aware", received - timedelta(days=2))
    page.get_by_role("combobox", name="Notification type").click()  # no default: chosen
    page.get_by_role("option", name="Death").click()
    page.get_by_role("textbox", name="Child 1 initials").fill("xy")
    page.get_by_role("textbox", name="Child 1 age in years").fill("9")
    page.get_by_role("button", name="Open review").click()
    wait_for_app(page)

    reference = f"{received:%d%m%y}XY"
    # Opening the review takes the manager to it, with the message there; the live list has it too.
    page.get_by_role("heading", name=f"Review {reference}").wait_for()
    page.get_by_text(f"Review {reference} opened.").wait_for()
    page.locator('[data-testid="stSidebarNav"] a', has_text="Live reviews").click()
    page.get_by_role("heading", name="Live reviews").wait_for()
    table = page.locator('[data-testid="stTable"] table').first
    table.locator("td", has_text=reference).wait_for()
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(has=page.locator("td", has_text=reference))
    cells = dict(zip(headers, [c.strip() for c in row.locator("td").all_inner_texts()], strict=True))
    assert cells["Due"] == f"{expected_due:%a} {expected_due.day} {expected_due:%b}", cells  # e.g. "Tue 15 Dec"
    assert cells["Progress"] == expected_progress, cells


def test_a_visitor_who_is_not_signed_in_reaches_no_page(fresh_database_url: str, app_url: str, page: Page) -> None:
    _account(fresh_database_url, "pat.manager", ["manager"])
    for path in ("", "live_reviews", "review", "returns", "daily_log", "admin", "board", "review?review=1"):
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
        body = page.inner_text("body")
        assert "Sign in" in body, path
        for heading in ("Live reviews", "Administration", "Board figures", "Agency returns", "Daily log"):
            assert page.get_by_role("heading", name=heading).count() == 0, (path, heading)


def test_the_board_menu_holds_only_the_board_page(fresh_database_url: str, app_url: str, page: Page) -> None:
    _account(fresh_database_url, "bobbie.board", ["board"])
    sign_in(page, app_url, "bobbie.board", PASSWORD)
    page.get_by_role("heading", name="Board figures").wait_for()
    # With a single page Streamlit shows no menu at all; either way no other page is offered.
    links = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert links in ([], ["Board figures"])
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    for other in ("Live reviews", "Review", "Agency returns", "Daily log", "Administration"):
        assert other not in sidebar
    page.goto(f"{app_url}/live_reviews")
    wait_for_app(page)
    assert page.get_by_role("heading", name="Live reviews").count() == 0


def test_the_served_app_connects_as_its_own_role_not_the_owner(fresh_database_url: str, app_url: str,
                                                               page: Page) -> None:
    _account(fresh_database_url, "pat.manager", ["manager"])
    sign_in(page, app_url, "pat.manager", PASSWORD)
    page.get_by_role("heading", name="Live reviews").wait_for()
    engine = create_engine(fresh_database_url)
    with engine.connect() as conn:
        roles = set(conn.execute(text(
            "SELECT usename FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )).scalars())
    engine.dispose()
    # The app keeps its connections open in its pool: every one of them is the app's login role.
    assert roles == {TEST_APP_ROLE}
