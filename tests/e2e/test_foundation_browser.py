"""Real Chromium: a manager opens a review and finds it in the live list; strangers and the board see no case."""
from datetime import timedelta

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.clock import today_in_london
from services.working_days import WorkingCalendar
from tests.e2e.conftest import sign_in, wait_for_app

PASSWORD = "correct horse battery"


def _account(url, username, roles):
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        create_account_from_command_line(session, username=username, display_name=username, roles=roles,
                                         password=PASSWORD)
    engine.dispose()


def _type_date(page, label, value):
    """Type into Streamlit's segmented date field (dd / mm / yyyy) as a person would."""
    field = page.get_by_label(label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(value.strftime("%d%m%Y"))


def test_manager_opens_a_review_and_finds_it_with_its_due_date(fresh_database_url, app_url, page):
    _account(fresh_database_url, "pat.manager", ["manager"])
    sign_in(page, app_url, "pat.manager", PASSWORD)
    page.get_by_role("heading", name="Live reviews").wait_for()
    assert "There are no live reviews" in page.inner_text("body")

    today = today_in_london()
    cal = WorkingCalendar()
    received = today - timedelta(days=1)
    _type_date(page, "Notification received by the Partnership (starts the 15-day clock)", received)
    _type_date(page, "Incident date", received - timedelta(days=3))
    _type_date(page, "Date CSC became aware", received - timedelta(days=2))
    page.get_by_role("textbox", name="Child 1 initials").fill("xy")
    page.get_by_role("textbox", name="Child 1 age in years").fill("9")
    page.get_by_role("button", name="Open review").click()
    wait_for_app(page)

    reference = f"{received:%d%m%y}XY"
    page.get_by_text(f"Review {reference} opened.").wait_for()
    due = cal.day_n(received, 15)
    # The grid is drawn on a canvas; Streamlit keeps a table of it for screen readers.
    table = page.locator('[data-testid="stDataFrame"] table').first
    table.locator("td", has_text=reference).wait_for(state="attached")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(has=page.locator("td", has_text=reference))
    cells = dict(zip(headers, [c.strip() for c in row.locator("td").all_inner_texts()]))
    assert cells["Review due (Day 15)"] == due.isoformat(), cells
    assert cells["Progress"] == f"Day {cal.day_number(received, today)} of 15", cells


def test_a_visitor_who_is_not_signed_in_reaches_no_page(fresh_database_url, app_url, page):
    _account(fresh_database_url, "pat.manager", ["manager"])
    for path in ("", "live_reviews", "review", "returns", "daily_log", "admin", "board", "review?review=1"):
        page.goto(f"{app_url}/{path}")
        wait_for_app(page)
        body = page.inner_text("body")
        assert "Sign in" in body, path
        for heading in ("Live reviews", "Administration", "Board figures", "Agency returns", "Daily log"):
            assert page.get_by_role("heading", name=heading).count() == 0, (path, heading)


def test_the_board_menu_holds_only_the_board_page(fresh_database_url, app_url, page):
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
