"""The fictional demo partnership: live reviews at every RAG, three years of history the board can chart.

One test, because loading the demo takes about 20 seconds."""
from datetime import date

import pytest
from sqlalchemy import func, select

from db.models import Account, LogEntry, Review
from db.models_returns import AgencyReturn
from demo.partnership import DEMO_PARTNERSHIP, load_demo_data
from services.calendar import load_calendar, load_settings
from services.errors import InvalidInput
from services.plan import review_due_date
from services.rag import Rag
from services.review_status import list_live_reviews

AS_OF = date(2026, 11, 26)


def test_demo_partnership(session):
    summary = load_demo_data(session, as_of=AS_OF)
    manager = session.scalars(select(Account).where(Account.username == "demo-manager")).one()

    live = list_live_reviews(session, manager, as_of=AS_OF)
    assert len(live) == summary.live_reviews == 9
    assert {s.rag for s in live if s.review.state == "open"} >= {Rag.RED, Rag.AMBER, Rag.GREEN}
    assert [s.review.state for s in live].count("submitted") == 1
    assert any(s.progress.startswith("overdue") for s in live)

    closed = session.scalars(select(Review).where(Review.state == "closed")).all()
    assert len(closed) == summary.closed_reviews >= 15
    returns = session.scalars(select(AgencyReturn).where(AgencyReturn.review_id.in_([r.id for r in closed]))).all()
    assert len(returns) >= 5 * len(closed)
    assert {r.final_qa_outcome for r in returns} == {"accepted"}
    assert any(r.resubmission_received_date is not None for r in returns)
    assert any(r.lcspr_decision is not None for r in closed)
    cal = load_calendar(session)
    late = [r for r in closed if r.submitted_to_panel_date > review_due_date(cal, r.notification_received_date)]
    assert 0 < len(late) < len(closed)

    names = session.scalars(select(Account.display_name)).all()
    assert len(names) == 5 and all("(demo)" in name for name in names)
    assert load_settings(session).partnership_name == DEMO_PARTNERSHIP
    assert session.scalar(select(func.count()).select_from(LogEntry)) > 500

    with pytest.raises(InvalidInput, match="empty database"):
        load_demo_data(session, as_of=AS_OF)
