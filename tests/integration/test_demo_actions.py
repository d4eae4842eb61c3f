"""The demo partnership's recommendations and actions register: a year of actions on the closed reviews, some late,
some evidenced and accepted, one sent back then accepted, some with their impact checked, all through the services."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account
from db.models_after import ActionEvidence
from demo.partnership import load_demo_data
from services.actions import RegisterFilters, action_register

AS_OF = date(2026, 12, 7)


@pytest.mark.parametrize("as_of", [AS_OF, date(2027, 4, 3)])  # a Monday; the Saturday of Easter 2027
def test_the_demo_register_answers_overdue_and_impact_by_agency(session: Session, as_of: date) -> None:
    load_demo_data(session, as_of=as_of)
    manager = session.scalars(select(Account).where(Account.username == "demo-manager")).one()
    register = action_register(session, manager, filters=RegisterFilters(), as_of=as_of)
    statuses = [r.status for r in register.rows]
    assert register.total >= 10
    assert any(r.overdue for r in register.rows)
    assert statuses.count("evidence_accepted") + statuses.count("impact_checked") >= 3
    assert "impact_checked" in statuses
    assert sum(c.overdue for c in register.by_agency) == sum(r.overdue for r in register.rows)
    outcomes = session.execute(select(ActionEvidence.action_id, ActionEvidence.outcome)
                               .order_by(ActionEvidence.action_id, ActionEvidence.round)).all()
    sent_back = {a for a, o in outcomes if o == "sent back"}
    assert len(sent_back) == 1
    assert [o for a, o in outcomes if a in sent_back] == ["sent back", "accepted"]
    assert all(r.first_evidence_on is None or r.first_evidence_on <= as_of for r in register.rows)
