"""The working calendar (the partnership's closure days) is kept by the process between page runs, by the
partnership's data version (issue 31): a render after a write to a review lends it unread, a render after a closure
day is added reads the closure days again."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import Account
from services.settings import add_closure_day
from tests.app.conftest import create_account
from tests.app.statements import render_statements
from tests.app.test_statements_after_a_write import _first_two_live, _write
from tests.app.test_statements_per_render import AS_OF
from tests.types import MakeApp, OpenSession

READS_CLOSURE_DAYS = "FROM closure_days"
CLOSED = date(2026, 12, 29)  # a Tuesday, no bank holiday (Christmas Day is a Friday, Boxing Day's is Monday 28th)


def _closure_day_reads(sent: list[str]) -> int:
    return sum(1 for statement in sent if READS_CLOSURE_DAYS in statement)


@pytest.mark.demo_data(as_of=AS_OF)
def test_the_closure_days_are_read_again_only_after_the_partnerships_version_moves(app_db: OpenSession,
                                                                                   make_app: MakeApp) -> None:
    reader = create_account(app_db, "manager", "officer", username="calendar-keeper")
    at = make_app(reader, as_of=AS_OF)
    at.run()
    at.switch_page("pages/live_reviews.py").run()
    render_statements(at)
    _first, second = _first_two_live(app_db)

    _write(app_db, second)  # a log entry: the review's version moves, the partnership's does not
    after_a_write = render_statements(at)
    # Its status is read again (the review's part), with the calendar lent unread.
    assert any("FROM review_milestones" in statement for statement in after_a_write)
    assert _closure_day_reads(after_a_write) == 0

    with app_db() as session, session.begin():
        admin = session.scalars(select(Account).where(Account.username == "demo-admin")).one()
        add_closure_day(session, admin, closed_on=CLOSED, reason="Council closure")
    after_a_closure = render_statements(at)
    assert _closure_day_reads(after_a_closure) == 1
    assert _closure_day_reads(render_statements(at)) == 0  # then kept again
