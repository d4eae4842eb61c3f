"""Two officers, in two browsers, on the same agency return card (the real served app, Debian's Chromium).

The second to record the receipt is refused with a sentence, keeps what they typed and sees what the first recorded
beside it (the card used to draw the next step instead, dropping the click and the typing without a word); a double
click on a step records it once."""
from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review
from db.models_returns import AgencyReturn
from services.clock import today_in_london
from services.returns.service import record_returns_requested
from tests.e2e.conftest import sign_in, wait_for_app
from tests.e2e.test_returns_browser import PASSWORD, _expect_message, _open_checklist, _seed


def _seed_one_awaited(database_url: str) -> None:
    reference = _seed(database_url)
    today = today_in_london()
    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "olly")).one()
        review = session.scalars(select(Review).where(Review.case_reference == reference)).one()
        police = session.scalars(select(Agency.id).where(Agency.name == "Demoshire Police")).one()
        record_returns_requested(session, officer, review_id=review.id, as_of=today, requested_on=today,
                                 agency_ids=[police])
    engine.dispose()


def _card(page: Page) -> Locator:
    return page.locator('[class*="st-key-card_"]').filter(has_text="Demoshire Police").first


def _signed(card: Locator, answer: str) -> None:
    card.locator('[data-testid="stRadio"]').filter(has_text="Signed by a senior manager?").get_by_text(
        answer, exact=True).first.click()


def test_two_officers_record_the_same_receipt_and_the_second_is_told(app_url: str, fresh_database_url: str,
                                                                     browser: Browser) -> None:
    _seed_one_awaited(fresh_database_url)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 2400}) for _ in range(2)]
    try:
        first, second = (context.new_page() for context in contexts)
        for page, username in ((first, "olly"), (second, "morgan")):
            page.set_default_timeout(30_000)
            sign_in(page, app_url, username, PASSWORD)
            _open_checklist(page)
        # Both fill the receipt; the first records it.
        _signed(_card(first), "yes")
        _card(first).get_by_role("textbox", name=re.compile("Their role")).fill("DCI")
        _signed(_card(second), "no")
        _card(second).get_by_role("textbox", name=re.compile("Their role")).fill("Head of Service")
        _card(first).get_by_role("button", name="Record the return received").click()
        _expect_message(first, "Return from Demoshire Police recorded as received.")
        # The second is refused, in words, keeps the typing, and sees what was recorded.
        _card(second).get_by_role("button", name="Record the return received").click()
        wait_for_app(second)
        _expect_message(second, "was changed by someone else since you opened it")
        expect(_card(second).get_by_role("textbox", name=re.compile("Their role"))).to_have_value("Head of Service")
        expect(_card(second).locator('[data-testid="stCode"]').filter(has_text="(signed: DCI)")).to_be_visible()
        engine = create_engine(fresh_database_url)
        with Session(engine) as session:
            ret = session.scalars(select(AgencyReturn)).one()
            assert (ret.signatory_role, ret.signed_by_senior_manager) == ("DCI", True)
        # The first double-clicks the next step: it is recorded once.
        button = _card(first).get_by_role("button", name="All four yes: record it as satisfactory")
        button.dblclick()
        _expect_message(first, "Initial check of Demoshire Police's return recorded.")
        wait_for_app(first)
        first.wait_for_timeout(1500)
        wait_for_app(first)
        body = first.locator("body").inner_text()
        assert "Something went wrong" not in body
        with Session(engine) as session:
            checks = session.scalar(select(func.count()).select_from(LogEntry).where(
                LogEntry.text.like("Initial quality check%")))
            all_texts = session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id.is_not(None))).all()
        engine.dispose()
        assert checks == 1, all_texts
        # The second puts the typing away: the card shows the next step only.
        _card(second).get_by_role("button", name="Put my typing away").click()
        wait_for_app(second)
        expect(_card(second).get_by_role("textbox", name=re.compile("Their role"))).to_have_count(0)
    finally:
        for context in contexts:
            context.close()
