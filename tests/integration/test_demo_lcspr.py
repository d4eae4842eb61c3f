"""The demo partnership's two LCSPRs (demo/lcspr.py): one early, its reviewer commissioned and in the live list;
one published on the fictional site, out of it. Loaded through the services, so every rule held."""
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.enums import ReviewState
from db.models import Account, Review
from db.models_after import Lcspr
from services.lcspr import LcsprStep, get_lcspr, list_live_lcsprs
from services.rag import Rag
from tests.conftest import DEMO_AS_OF, as_app_role

AS_OF = date(2026, 11, 26)


@pytest.fixture
def demo_session(fresh_database_url: str) -> Iterator[Session]:
    """A session as the app's role on a copy of the demo partnership loaded as of AS_OF (the `demo_data` mark)."""
    assert AS_OF == DEMO_AS_OF
    engine = create_engine(as_app_role(fresh_database_url))
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.mark.demo_data(as_of=AS_OF)
def test_the_demo_converts_two_closed_reviews_into_lcsprs(demo_session: Session) -> None:
    session = demo_session
    manager = session.scalars(select(Account).where(Account.username == "demo-manager")).one()
    rows = session.scalars(select(Lcspr).order_by(Lcspr.decided_on)).all()
    assert len(rows) == 2
    far, early = rows
    for row in rows:
        review = session.get(Review, row.review_id)
        assert review is not None and review.state == ReviewState.CLOSED and review.lcspr_decision is True
    published = get_lcspr(session, manager, review_id=far.review_id, as_of=AS_OF)
    assert published.finished and published.rag is Rag.COMPLETE
    assert (published.publication_address or "").startswith("https://demoshire.example/")
    assert far.family_not_involved_reason is not None
    started = get_lcspr(session, manager, review_id=early.review_id, as_of=AS_OF)
    assert [s.step for s in started.steps if s.done_on] == [LcsprStep.REVIEWER_COMMISSIONED]
    assert [x.review_id for x in list_live_lcsprs(session, manager, as_of=AS_OF)] == [early.review_id]
