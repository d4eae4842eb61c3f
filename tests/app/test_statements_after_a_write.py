"""The SQL statements of the first render after a write do not grow with the number of reviews (issue 31).

tests/app/test_statements_per_render.py counts a warm render's; here each page is rendered after a daily log entry
is added to the review it shows (the first live one: the Review page is opened on it by its link) and after one is
added to another review (the second live one), on the demo partnership and again after a dozen more live reviews,
each with late returns and log entries. A kept list that looked at every review's version, read a part per review
in a loop or rebuilt what a review picker needs from every review would still send the same number of statements;
one that read per review, or per review changed since the partnership was loaded, sends more the second time."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.enums import ReviewState
from db.models import Account, Review
from services.daily_log.service import add_log_entry
from tests.app.conftest import create_account
from tests.app.statements import render_statements
from tests.app.test_statements_per_render import AS_OF, _more_live_reviews
from tests.types import MakeApp, OpenSession

PAGES = ("pages/live_reviews.py", "pages/review.py", "pages/returns.py", "pages/daily_log.py")


def _first_two_live(open_session: OpenSession) -> tuple[int, int]:
    with open_session() as session:
        live = Review.state.in_((ReviewState.OPEN, ReviewState.SUBMITTED))
        first = session.scalar(select(func.min(Review.id)).where(live))
        assert first is not None
        second = session.scalar(select(func.min(Review.id)).where(live, Review.id > first))
        assert second is not None
        return first, second


def _write(open_session: OpenSession, review_id: int) -> None:
    with open_session() as session, session.begin():
        officer = session.scalars(select(Account).where(Account.username == "demo-officer")).one()
        add_log_entry(session, officer, review_id=review_id, category="communication",
                      text="Phoned the school's safeguarding lead (statements test).")


def _after_writes(open_session: OpenSession, make_app: MakeApp, reader: Account) -> dict[str, tuple[int, int]]:
    """By page: the statements of its render after a write to the review it shows, then to another review."""
    shown, other = _first_two_live(open_session)
    found = {}
    for page in PAGES:
        at = make_app(reader, as_of=AS_OF)
        at.run()
        at.query_params["review"] = str(shown)  # the Review page opened by its link (the others show every review)
        at.switch_page(page).run()
        at.run()
        assert not at.exception, at.exception
        _write(open_session, shown)
        after_shown = len(render_statements(at))
        _write(open_session, other)
        found[page] = (after_shown, len(render_statements(at)))
    return found


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_statements_after_a_write_do_not_grow_with_the_reviews(app_db: OpenSession, make_app: MakeApp) -> None:
    reader = create_account(app_db, "manager", "officer", "board", username="after-write-counter")
    before = _after_writes(app_db, make_app, reader)
    _more_live_reviews(app_db, 12)
    after = _after_writes(app_db, make_app, reader)
    assert after == before
    # A write to the review shown reads more of it again than a write to another review.
    assert before["pages/review.py"][0] > before["pages/review.py"][1] > 0, before
