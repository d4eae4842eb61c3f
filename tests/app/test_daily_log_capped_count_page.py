"""The Daily log page when a word search matches more entries than it counts (issue 31): "more than 1,000", the
pages it can offer, and a sentence saying to narrow the search; an exact count says nothing more."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from services.accounts import _new_account
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TODAY = date(2026, 11, 26)
KESTRELS = """
INSERT INTO daily_log (review_id, logged_at, author_id, category, text, by_system)
SELECT :review_id, :start + g * interval '1 minute', :author_id, 'other', 'Kestrel note ' || g, false
FROM generate_series(1, :n) AS g
"""
SENTENCE = ("More than 1,000 entries match, too many to count them all. Narrow the search (another word, one review, "
            "a category or dates) to find the rest; Older counts on as you page back.")


@pytest.fixture
def log_page(request: pytest.FixtureRequest, fresh_database_url: str) -> Iterator[AppTest]:
    """The Daily log page over a review whose log holds `request.param` entries saying "Kestrel"."""
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        officer = _new_account(session, username="page-officer", display_name="Page Officer", roles=["officer"],
                               password="correct horse battery")
        review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                             csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                             children=[ChildEntry("QK", 7)], as_of=TODAY)
        session.execute(text(KESTRELS), dict(review_id=review.id, start=datetime(2026, 11, 24, 9, tzinfo=UTC),
                                             author_id=officer.id, n=request.param))
        session.commit()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["account_id"] = officer.id
    at.session_state["last_seen_at"] = datetime.now(UTC)
    at.session_state["as_of"] = TODAY
    at.run()
    at.switch_page("pages/daily_log.py").run()
    assert not at.exception, at.exception
    yield at
    engine.dispose()
    st.cache_resource.clear()


def _pager(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("Page **"))


@pytest.mark.parametrize("log_page", [1001], indirect=True)
def test_more_matches_than_counted_say_more_than_and_to_narrow_the_search(log_page: AppTest) -> None:
    at = log_page
    at.text_input(key="lf_words").input("kestrel").run()
    assert not at.exception, at.exception
    assert _pager(at) == "Page **1** of **20** · entries 1–50 of **more than 1,000**, newest first"
    assert [c.value for c in at.caption if c.value.startswith("More than")] == [SENTENCE]
    assert not at.button(key="log_older").disabled
    # Paging older counts on from the page: page 2 counts up to 50 + 1,000, which holds all 1,001.
    at.button(key="log_older").click().run()
    assert _pager(at) == "Page **2** of **21** · entries 51–100 of **1,001**, newest first"
    assert not [c.value for c in at.caption if c.value.startswith("More than")]


@pytest.mark.parametrize("log_page", [1000], indirect=True)
def test_exactly_the_cap_is_counted_and_says_nothing_more(log_page: AppTest) -> None:
    at = log_page
    at.text_input(key="lf_words").input("kestrel").run()
    assert not at.exception, at.exception
    assert _pager(at) == "Page **1** of **20** · entries 1–50 of **1,000**, newest first"
    assert not [c.value for c in at.caption if c.value.startswith("More than")]
