"""The calendar feed fetched over HTTP from the running app (`python -m ui.server`), as a calendar app does, and
parsed with icalendar: Day 15 moves when a closure day is added; a revoked address answers 404."""
from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date

import pytest
from icalendar import Calendar
from playwright.sync_api import Page
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from db.models import Account, Review
from services.accounts import create_account_from_command_line
from services.calendar_feed import revoke_calendar_feed, turn_on_calendar_feed
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from services.settings import add_closure_day
from tests.e2e.conftest import PINNED_TODAY

# The seeded database: its engine, the manager, their review and the token of the manager's feed.
Seeded = tuple[Engine, Account, Review, str]


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _day_15(feed: bytes, review_id: int) -> tuple[date, int, str]:
    [event] = [e for e in Calendar.from_ical(feed).walk("VEVENT")
               if str(e["UID"]) == f"review-{review_id}-day15@rapid-review-tracker"]
    return event.decoded("DTSTART"), event.decoded("SEQUENCE"), str(event["SUMMARY"])


@pytest.fixture
def seeded(fresh_database_url: str) -> Iterator[Seeded]:
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        manager = create_account_from_command_line(session, username="feed-manager", display_name="Feed Manager",
                                                   roles=["manager", "admin"], password="a long password here")
        # Received Thu 19 Nov 2026: Day 1 that day, Day 15 Wed 9 Dec 2026.
        review = open_review(session, manager, notification_type="death", incident_date=date(2026, 11, 17),
                             csc_aware_date=date(2026, 11, 18), notification_received_date=date(2026, 11, 19),
                             children=[ChildEntry("HJ", 5)], as_of=PINNED_TODAY)
        token = turn_on_calendar_feed(session, manager)
    yield engine, manager, review, token
    engine.dispose()


def test_the_feed_over_http_follows_a_closure_day_and_a_revocation(app_url: str, seeded: Seeded) -> None:
    engine, manager, review, token = seeded
    status, content_type, feed = _fetch(f"{app_url}/calendar/{token}.ics")
    assert status == 200 and content_type.startswith("text/calendar")
    on, sequence, summary = _day_15(feed, review.id)
    assert (on, sequence) == (date(2026, 12, 9), 0)
    assert summary == f"Day 15: Rapid Review 191126 no. {review.id} due to the National Panel"
    assert b"HJ" not in feed
    with Session(engine) as session, session.begin():
        add_closure_day(session, session.merge(manager), closed_on=date(2026, 12, 4), reason="Council closure")
    on, sequence, _ = _day_15(_fetch(f"{app_url}/calendar/{token}.ics")[2], review.id)
    assert (on, sequence) == (date(2026, 12, 10), 1)
    with Session(engine) as session, session.begin():
        revoke_calendar_feed(session, session.merge(manager))
    assert _fetch(f"{app_url}/calendar/{token}.ics")[0] == 404
    assert _fetch(f"{app_url}/calendar/not-a-token.ics")[0] == 404
    assert _fetch(f"{app_url}/calendar/{token}")[0] == 404


def test_a_manager_turns_on_the_feed_in_the_browser_and_subscribes_to_its_address(app_url: str, seeded: Seeded,
                                                                                  page: Page) -> None:
    from tests.e2e.conftest import sign_in, wait_for_app

    _, _, review, _ = seeded
    sign_in(page, app_url, "feed-manager", "a long password here")
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="My account").first.click()
    wait_for_app(page)
    # The fixture turned a feed on already: the page offers a new address, which revokes the old one.
    page.get_by_role("button", name="Get a new calendar address").click()
    wait_for_app(page)
    address = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert address.startswith(f"{app_url}/calendar/") and address.endswith(".ics")
    status, content_type, feed = _fetch(address)
    assert status == 200 and content_type.startswith("text/calendar")
    assert _day_15(feed, review.id)[0] == date(2026, 12, 9)
    assert _fetch(f"{app_url}/calendar/{seeded[3]}.ics")[0] == 404  # the old address
    page.reload()
    wait_for_app(page)
    assert page.locator('[data-testid="stCode"]').count() == 0  # shown once
    page.get_by_role("button", name="Turn off my calendar feed").click()
    wait_for_app(page)
    assert _fetch(address)[0] == 404
