"""The review pickers offer the live reviews and the one chosen; a closed review is found by its case reference
(issue 16: at national scale every review ever is thousands of choices)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import Review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession

AS_OF = date(2026, 11, 26)


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_the_picker_offers_live_reviews_and_finds_a_closed_one_by_its_reference(app_db: OpenSession,
                                                                                make_app: MakeApp) -> None:
    with app_db() as session:
        rows = session.execute(select(Review.id, Review.case_reference, Review.state)).all()
    live = {r.id for r in rows if r.state != "closed"}
    closed = sorted((r for r in rows if r.state == "closed"), key=lambda r: r.id)
    assert live and closed
    reader = create_account(app_db, "manager", username="picker-reader")

    at = make_app(reader, as_of=AS_OF)
    at.run()
    at.switch_page("pages/review.py").run()
    picker = at.selectbox(key="review_pick")
    labels = picker.options
    assert len(labels) == len(live)
    assert all("(closed)" not in label for label in labels)

    wanted = closed[0]
    at.text_input(key="review_pick_find_closed").input(wanted.case_reference.lower()).run()
    picker = at.selectbox(key="review_pick")
    assert f"{wanted.case_reference} (closed)" in picker.options
    picker.set_value(wanted.id).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="review_pick").value == wanted.id
    assert at.query_params["review"] in (str(wanted.id), [str(wanted.id)])
    # The chosen review stays offered when the search is cleared.
    at.text_input(key="review_pick_find_closed").input("").run()
    assert f"{wanted.case_reference} (closed)" in at.selectbox(key="review_pick").options
    assert at.selectbox(key="review_pick").value == wanted.id
