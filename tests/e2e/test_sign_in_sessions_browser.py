"""Real Chromium: a sign-in lasts across reloads, tabs, links and the back button; signing out ends it in every
tab; idle time ends it on the server; the cookie is HttpOnly, SameSite=Lax, path /; a link followed signed out
opens its page and review after signing in (issue 13).

One app and one database (an officer, two live reviews) serve the module's tests, which only sign in and out; the idle
test, which ages every sign-in of its database and counts them, has its own."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.conftest import _create_from_template, _drop
from tests.e2e.conftest import PINNED_TODAY, environment_for, served_app, sign_in, wait_for_app

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_sign_in_sessions_browser")

PASSWORD = "correct horse battery"
VIEWPORT: ViewportSize = {"width": 1400, "height": 2400}


def _seed(url: str) -> list[tuple[int, str]]:
    """An officer and two live reviews: [(id, case reference), ...], oldest first."""
    engine = create_engine(url)
    found = []
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = create_account_from_command_line(session, username="olly", display_name="Olly Officer",
                                                   roles=["officer"], password=PASSWORD)
        for days_ago, initials in ((3, "AB"), (1, "CD")):
            received = PINNED_TODAY.fromordinal(PINNED_TODAY.toordinal() - days_ago)
            review = open_review(session, officer, notification_type="serious_harm", incident_date=received,
                                 csc_aware_date=received, notification_received_date=received,
                                 children=[ChildEntry(initials, 7)], as_of=PINNED_TODAY)
            found.append((review.id, review.case_reference))
    engine.dispose()
    return found


Reviews = list[tuple[int, str]]


@pytest.fixture(scope="module")
def seeded_app(server_url: str, template_database: str) -> Iterator[tuple[str, Reviews]]:
    """The app, served for the whole module on a database seeded once: its address and the two reviews."""
    name, url = _create_from_template(server_url, template_database)
    try:
        reviews = _seed(url)
        with served_app(environment_for(url)) as app:
            yield app, reviews
    finally:
        _drop(server_url, name)


def _signed_in_as_olly(page: Page) -> None:
    expect(page.get_by_text("Signed in as Olly Officer")).to_be_visible()


def _asks_to_sign_in(page: Page) -> None:
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def _goto(page: Page, address: str) -> None:
    page.goto(address)
    wait_for_app(page)


def test_a_sign_in_lasts_across_reload_a_new_tab_a_link_and_back_and_ends_in_every_tab(
        seeded_app: tuple[str, Reviews], browser: Browser) -> None:
    app_url, ((first_id, first_ref), (second_id, second_ref)) = seeded_app
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    sign_in(page, app_url, "olly", PASSWORD)
    expect(page.get_by_role("heading", name="Live reviews")).to_be_visible()
    _signed_in_as_olly(page)

    cookie = next(c for c in context.cookies() if c["name"] == "rrt_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["secure"] is False  # served over plain HTTP here; Secure is set over HTTPS
    assert page.evaluate("document.cookie").find("rrt_session") == -1  # no script can read it

    page.reload()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Live reviews")).to_be_visible()
    _signed_in_as_olly(page)

    # A review link in a new tab: signed in, on that review.
    tab = context.new_page()
    _goto(tab, f"{app_url}/review?review={first_id}")
    expect(tab.get_by_role("heading", name=f"Review {first_ref}")).to_be_visible()
    _signed_in_as_olly(tab)

    # In the first tab: one review, then another, then back: still signed in, on the first one again.
    _goto(page, f"{app_url}/review?review={first_id}")
    expect(page.get_by_role("heading", name=f"Review {first_ref}")).to_be_visible()
    _goto(page, f"{app_url}/review?review={second_id}")
    expect(page.get_by_role("heading", name=f"Review {second_ref}")).to_be_visible()
    page.go_back()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=f"Review {first_ref}")).to_be_visible()
    _signed_in_as_olly(page)

    # Sign out in the new tab: the first tab's next click asks to sign in.
    tab.get_by_role("button", name="Sign out").click()
    wait_for_app(tab)
    _asks_to_sign_in(tab)
    expect(tab.get_by_text("You have signed out.")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == "rrt_session"]
    page.get_by_role("link", name="Live reviews").click()
    wait_for_app(page)
    _asks_to_sign_in(page)
    expect(page.get_by_text("You have signed out (perhaps in another tab)")).to_be_visible()
    context.close()


def test_a_link_followed_signed_out_opens_its_page_and_review_after_signing_in(seeded_app: tuple[str, Reviews],
                                                                               page: Page) -> None:
    app_url, ((first_id, first_ref), _second) = seeded_app
    _goto(page, f"{app_url}/review?review={first_id}")
    _asks_to_sign_in(page)
    assert "Page not found" not in page.inner_text("body")
    page.get_by_role("textbox", name="Username").fill("olly")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/review?review={first_id}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=f"Review {first_ref}")).to_be_visible()
    assert "Page not found" not in page.inner_text("body")


def test_idle_time_ends_the_session_on_the_server(app_url: str, fresh_database_url: str, page: Page) -> None:
    _seed(fresh_database_url)
    sign_in(page, app_url, "olly", PASSWORD)
    _signed_in_as_olly(page)
    engine = create_engine(fresh_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE sign_in_sessions SET last_seen_at = now() - interval '31 minutes'"))
    page.get_by_role("link", name="Daily log").click()
    wait_for_app(page)
    _asks_to_sign_in(page)
    expect(page.get_by_text("You were signed out after 30 idle minutes")).to_be_visible()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT ended_reason FROM sign_in_sessions")).scalars().all() == ["idle"]
    engine.dispose()
    # A reload does not bring it back.
    page.reload()
    wait_for_app(page)
    _asks_to_sign_in(page)


def test_the_cookie_routes_refuse_requests_from_another_site(seeded_app: tuple[str, Reviews]) -> None:
    app_url, _reviews = seeded_app
    for path in ("/auth/sign-out", "/auth/session?ticket=x&next=/"):
        request = urllib.request.Request(app_url + path, headers={"Sec-Fetch-Site": "cross-site"})
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code == 403
        else:
            raise AssertionError(f"{path} accepted a cross-site request")
    request = urllib.request.Request(app_url + "/auth/sign-out", method="POST",
                                     headers={"Origin": "https://elsewhere.example"})
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code in (403, 405)


def _shows_review(page: Page, page_title: str, review_id: int, reference: str) -> None:
    expect(page.get_by_role("heading", name=page_title).first).to_be_visible()
    page.wait_for_url(f"**review={review_id}*")
    expect(page.get_by_role("combobox", name="Review").first).to_have_value(re.compile(reference))


def test_the_chosen_review_stays_chosen_across_the_review_pages_and_each_links_to_the_others(
        seeded_app: tuple[str, Reviews], page: Page) -> None:
    app_url, ((first_id, first_ref), (second_id, second_ref)) = seeded_app
    sign_in(page, app_url, "olly", PASSWORD)
    _goto(page, f"{app_url}/review?review={first_id}")
    expect(page.get_by_role("heading", name=f"Review {first_ref}")).to_be_visible()
    # The menu (no review in its links) keeps the review: Agency returns opens its checklist, not the list.
    for menu, title in (("Agency returns", "Agency returns"), ("Report", "Report"), ("Daily log", "Daily log"),
                        ("Meetings", "Meetings")):
        page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=menu, exact=True).click()
        wait_for_app(page)
        _shows_review(page, title, first_id, first_ref)
    # Each review page links to the same review on the others.
    _goto(page, f"{app_url}/review?review={second_id}")
    page.get_by_role("link", name="Agency returns for this review").click()
    wait_for_app(page)
    _shows_review(page, "Agency returns", second_id, second_ref)
    page.get_by_role("link", name="Review for this review").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=f"Review {second_ref}")).to_be_visible()
    assert "Page not found" not in page.inner_text("body")
