"""Issue 26, 1: a closed review whose Ofsted reply is outstanding is listed on Live reviews ("Waiting for Ofsted",
with the working days since the submission and a link), and its own Review page says CLOSED with what is
outstanding."""
from __future__ import annotations

from datetime import date

from db.models import Account
from services.report.panel import record_responses
from tests.app.test_report_page import _open, _seed, _signed_and_submitted, _text
from tests.types import MakeApp, OpenSession

MON_11_JAN, FRI_22_JAN = date(2027, 1, 11), date(2027, 1, 22)


def _closed_waiting_for_ofsted(app_db: OpenSession) -> tuple[Account, Account, int]:
    """Submitted to the Panel and to Ofsted on Fri 8 Jan 2027; the Panel responded on Mon 11 Jan (closed)."""
    officer, manager, chair, review_id = _seed(app_db)
    _signed_and_submitted(app_db, officer, manager, chair, review_id, ofsted=True)
    with app_db() as session, session.begin():
        record_responses(session, session.get(Account, manager.id), review_id=review_id, panel_response_on=MON_11_JAN,
                         agrees_with_lcspr=True, further_information_asked=False, as_of=MON_11_JAN)
    return officer, manager, review_id


def test_live_reviews_lists_a_closed_review_waiting_for_ofsted_with_days_and_a_link(app_db: OpenSession,
                                                                                    make_app: MakeApp) -> None:
    _, manager, review_id = _closed_waiting_for_ofsted(app_db)
    at = _open(make_app, manager, review_id, page="pages/live_reviews.py", as_of=FRI_22_JAN)
    assert "Waiting for Ofsted" in [h.value for h in at.subheader]
    # Fri 8 Jan to Fri 22 Jan 2027: 10 working days after the submission (no holiday between).
    assert ("**181226AB**: sent to Ofsted Fri 08 Jan 2027; 10 working days since the submission (Fri 08 Jan 2027)"
            in _text(at))
    links = [link for link in at.get("page_link") if link.proto.label == "Report"]
    assert [link.proto.query_string for link in links] == [f"review={review_id}"]


def test_the_closed_reviews_page_says_closed_and_that_ofsteds_response_is_outstanding(app_db: OpenSession,
                                                                                      make_app: MakeApp) -> None:
    _, manager, review_id = _closed_waiting_for_ofsted(app_db)
    at = _open(make_app, manager, review_id, page="pages/review.py", as_of=FRI_22_JAN)
    header = _text(at)
    assert ":gray-badge[CLOSED] · **outstanding: Ofsted's response**" in header
    assert "SUBMITTED" not in header
    with app_db() as session, session.begin():
        record_responses(session, session.get(Account, manager.id), review_id=review_id, ofsted_response_on=FRI_22_JAN,
                         as_of=FRI_22_JAN)
    at = _open(make_app, manager, review_id, page="pages/review.py", as_of=FRI_22_JAN)
    assert ":gray-badge[CLOSED]" in _text(at) and "outstanding" not in _text(at)
    at = _open(make_app, manager, review_id, page="pages/live_reviews.py", as_of=FRI_22_JAN)
    assert "Waiting for Ofsted" not in [h.value for h in at.subheader]
