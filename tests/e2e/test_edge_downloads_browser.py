"""Downloads behind the session, in real Chromium: a file a download button serves (/media/<name>.<ext>) goes only
to the live sign-in whose tab made it. The officer's Word report (data given to the button) and the board's figures
(a callable, made when clicked) are each fetched at their real address: without a cookie, with the other role's
cookie, and with the owner's cookie after sign-out, all refused; the owner gets the very bytes it downloaded."""
from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from db.models import Agency
from services.accounts import create_account_from_command_line
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.e2e.conftest import PINNED_TODAY, sign_in, wait_for_app

PASSWORD = "correct horse battery"
COOKIE = "rrt_session"


def _seed(database_url: str) -> str:
    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = create_account_from_command_line(session, username="olly", display_name="Olly Officer",
                                                   roles=["officer"], password=PASSWORD)
        create_account_from_command_line(session, username="bobbie", display_name="Bobbie Board", roles=["board"],
                                         password=PASSWORD)
        agency = Agency(name="Demoshire Police", kind="police", active=True)
        session.add(agency)
        session.flush()
        review = open_review(session, officer, notification_type="death", incident_date=PINNED_TODAY,
                             csc_aware_date=PINNED_TODAY, notification_received_date=PINNED_TODAY,
                             children=[ChildEntry("QX", 7)], as_of=PINNED_TODAY)
        record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id],
                                 requested_on=PINNED_TODAY, as_of=PINNED_TODAY)
        reference = review.case_reference
    engine.dispose()
    return reference


def _fetch(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _cookie(context: BrowserContext) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def _download(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as download_info:
        page.get_by_role("button", name=button).click()
    download = download_info.value
    return download.url, Path(download.path()).read_bytes()


def test_a_download_is_served_only_to_the_live_sign_in_whose_tab_made_it(app_url: str, fresh_database_url: str,
                                                                         browser: Browser) -> None:
    reference = _seed(fresh_database_url)
    officer = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    board = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    try:
        page = officer.new_page()
        sign_in(page, app_url, "olly", PASSWORD)
        page.get_by_role("link", name="Report").click()
        wait_for_app(page)
        expect(page.get_by_role("heading", name=f"Rapid Review report {reference}")).to_be_visible()
        wait_for_app(page)
        page.get_by_role("tab", name="Word versions and sign-off").click()
        page.get_by_role("button", name="Make a Word draft of the report").click()
        wait_for_app(page)
        expect(page.get_by_text("Draft version 1 made. Download it below.")).to_be_visible()
        report_url, report = _download(page, "Download version 1 (draft) as Word")
        assert report_url.startswith(f"{app_url}/media/") and report_url.endswith(".docx")
        assert report.startswith(b"PK")  # a Word file

        board_page = board.new_page()
        sign_in(board_page, app_url, "bobbie", PASSWORD)
        expect(board_page.get_by_role("button", name="Download the figures (CSV)")).to_be_visible()
        figures_url, figures = _download(board_page, "Download the figures (CSV)")
        assert figures_url.startswith(f"{app_url}/media/") and figures_url.endswith(".csv") and figures

        officer_cookie, board_cookie = _cookie(officer), _cookie(board)
        # Nobody else: no cookie, the other role's live cookie, a made-up one.
        for url, other in ((report_url, board_cookie), (figures_url, officer_cookie)):
            assert _fetch(url)[0] == 404
            assert _fetch(url, other)[0] == 404
            assert _fetch(url, "not-a-session")[0] == 404
        # The owner, in its own browser as with a plain request, gets the very bytes it downloaded.
        assert _fetch(report_url, officer_cookie) == (200, report)
        assert _fetch(figures_url, board_cookie) == (200, figures)
        response = page.request.get(report_url)
        assert response.status == 200 and response.body() == report
        assert response.headers["cache-control"] == "no-store"

        # Signed out: the address and the old cookie get nothing.
        page.get_by_role("button", name="Sign out").click()
        wait_for_app(page)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert _fetch(report_url, officer_cookie)[0] == 404
        assert page.request.get(report_url).status == 404
    finally:
        officer.close()
        board.close()
