"""The SQL statements one render of a page sends do not grow with the number of reviews (issue 16).

The same pages are rendered on the demo partnership and again after a dozen more live reviews, each with agency
returns already late and log entries: a page that reads per review (a query per review, per return, per picker
choice) sends more statements the second time. Counts are deterministic, unlike times."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from db.models import Account, Agency
from services.daily_log.service import add_log_entry
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.app.statements import render_statements
from tests.types import MakeApp, OpenSession

AS_OF = date(2026, 11, 26)  # a Thursday
PAGES = ("pages/live_reviews.py", "pages/daily_log.py", "pages/returns.py", "pages/board.py")


def _statements_of_a_warm_render(make_app: MakeApp, reader: Account, page: str) -> list[str]:
    """The SQL of each statement one render of `page` sends, after a first render."""

    at = make_app(reader, as_of=AS_OF)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return render_statements(at)


def _statements_per_render(make_app: MakeApp, reader: Account) -> dict[str, int]:
    return {page: len(_statements_of_a_warm_render(make_app, reader, page)) for page in PAGES}


def _more_live_reviews(open_session: OpenSession, count: int) -> None:
    """`count` more live reviews, notified 3 weeks ago, each with 4 returns requested then and never received
    (so late, and on the worklist's chase list) and 3 log entries."""
    with open_session() as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "demo-officer")).one()
        agency_ids = list(session.scalars(select(Agency.id).order_by(Agency.id)))[:4]
        received = AS_OF - timedelta(days=21)
        for i in range(count):
            review = open_review(session, officer, notification_type="serious_harm",
                                 incident_date=received - timedelta(days=2),
                                 csc_aware_date=received - timedelta(days=1),
                                 notification_received_date=received, children=[ChildEntry("QZ", 5 + i % 9)],
                                 as_of=AS_OF)
            record_returns_requested(session, officer, review_id=review.id, agency_ids=agency_ids,
                                     requested_on=received, as_of=AS_OF)
            for n in range(3):
                add_log_entry(session, officer, review_id=review.id, category="communication",
                              text=f"Phoned the agency lead, call {n + 1}.")


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_statements_per_render_do_not_grow_with_the_reviews(app_db: OpenSession, make_app: MakeApp) -> None:
    reader = create_account(app_db, "manager", "officer", "board", username="statement-counter")
    before = _statements_per_render(make_app, reader)
    _more_live_reviews(app_db, 12)
    after = _statements_per_render(make_app, reader)
    assert after == before
    assert all(n > 0 for n in before.values()), before


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_a_warm_render_of_the_live_list_sends_one_statement_for_settings_account_and_data_version(
        app_db: OpenSession, make_app: MakeApp) -> None:
    """The page run's first read (ui.state.read_frame) brings the settings, the signed-in account and the data
    version in one statement; the sign-in check and the page then send nothing (the list is kept by data version)."""
    reader = create_account(app_db, "manager", username="one-statement")
    [sent] = _statements_of_a_warm_render(make_app, reader, "pages/live_reviews.py")
    for table in ("FROM settings", "accounts", "record_chain_heads"):
        assert table in sent, sent
