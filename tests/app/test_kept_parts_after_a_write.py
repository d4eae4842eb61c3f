"""What the first render after a write reads again of the Live reviews page's "Waiting for Ofsted" and "LCSPRs in
progress", and of the Daily log opened on one review (issue 31): after a write to another review, nothing of them (no
statement reads the Ofsted list's rows, the LCSPRs or the log's entries); after a write to a review they show, that
review's part (one statement of the Ofsted list's rows) or its log again.

On the demo partnership as of Thu 26 Nov 2026: a closed review waits for Ofsted's reply (W) and one LCSPR is in
progress; the first live review is the one the Daily log is opened on, the second is "another review". The statements
are told apart by the tables they read, as their SQL names them.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from streamlit.testing.v1 import AppTest

from db.models import Account
from services.daily_log.service import add_log_entry
from tests.app.conftest import create_account
from tests.app.statements import render_statements
from tests.app.test_statements_after_a_write import _first_two_live
from tests.app.test_statements_per_render import AS_OF
from tests.types import MakeApp, OpenSession

# The Ofsted list's rows: the only statement that reads a report version's date sent to Ofsted.
OFSTED_ROWS = "report_versions.ofsted_sent_on"
# The LCSPRs' rows with their case references (the reviews the list may hold are found by an EXISTS on lcsprs).
LCSPR_ROWS = "FROM lcsprs JOIN reviews"
LOG_ROWS = "daily_log"


def _write(open_session: OpenSession, review_id: int) -> None:
    with open_session() as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "demo-officer")).one()
        add_log_entry(session, officer, review_id=review_id, category="communication",
                      text="Phoned the school's safeguarding lead (kept parts test).")


def _reading(sent: list[str], part: str) -> int:
    return sum(1 for statement in sent if part in statement)


def _waiting_for_ofsted(open_session: OpenSession) -> int:
    with open_session() as session:
        return int(session.execute(text(
            "SELECT id FROM reviews WHERE state = 'closed' AND ofsted_required AND ofsted_response_date IS NULL"
        )).scalar_one())


def _opened(make_app: MakeApp, reader: Account, page: str, review_id: int) -> AppTest:
    at = make_app(reader, as_of=AS_OF)
    at.run()
    at.query_params["review"] = str(review_id)
    at.switch_page(page).run()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_the_live_pages_ofsted_and_lcspr_parts_are_read_again_only_for_their_own_reviews(
        app_db: OpenSession, make_app: MakeApp) -> None:
    reader = create_account(app_db, "manager", "officer", username="kept-parts-reader")
    shown, other = _first_two_live(app_db)
    waiting = _waiting_for_ofsted(app_db)
    at = _opened(make_app, reader, "pages/live_reviews.py", shown)
    assert any("Waiting for Ofsted" in s.value for s in at.subheader)
    assert any("LCSPRs in progress" in s.value for s in at.subheader)
    _write(app_db, other)
    sent = render_statements(at)
    assert (_reading(sent, OFSTED_ROWS), _reading(sent, LCSPR_ROWS)) == (0, 0), sent
    _write(app_db, waiting)
    sent = render_statements(at)
    assert (_reading(sent, OFSTED_ROWS), _reading(sent, LCSPR_ROWS)) == (1, 0), sent
    sent = render_statements(at)  # a warm render: nothing written since, nothing of them read
    assert (_reading(sent, OFSTED_ROWS), _reading(sent, LCSPR_ROWS)) == (0, 0), sent


@pytest.mark.demo_data(as_of=AS_OF)
def test_the_daily_log_opened_on_one_review_is_kept_through_a_write_to_another(
        app_db: OpenSession, make_app: MakeApp) -> None:
    reader = create_account(app_db, "manager", "officer", username="kept-log-reader")
    shown, other = _first_two_live(app_db)
    at = _opened(make_app, reader, "pages/daily_log.py", shown)
    _write(app_db, other)
    sent = render_statements(at)
    assert _reading(sent, LOG_ROWS) == 0, sent  # neither the page of entries nor the authors read again
    _write(app_db, shown)
    assert _reading(render_statements(at), LOG_ROWS) >= 2  # the review's entries and its authors read again
