"""Fictional demo data for the recommendations and actions register: a year of actions on the closed demo reviews,
made through the services (each write logged as it would be). Some actions are late, some evidenced and accepted,
one sent back then accepted, some with their impact checked, and the newest still open."""
from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import RecommendationSource
from db.models import Agency, Review
from demo.cast import DemoCast
from services.actions.service import (
    accept_evidence,
    add_action,
    add_recommendation,
    check_action_impact,
    give_evidence,
    send_back_evidence,
    start_action,
)

__all__ = ["load_demo_actions"]

RECOMMENDATIONS = (
    (RecommendationSource.RAPID_REVIEW, "Fictional demo text. Agencies share information about a baby's injuries "
                                        "with children's social care on the same day."),
    (RecommendationSource.RAPID_REVIEW, "Fictional demo text. Practitioners ask about the men in the household."),
    (RecommendationSource.PANEL_RESPONSE, "Fictional demo text. The partnership checks that the learning on safe "
                                          "sleep reaches health visitors and midwives."),
    (RecommendationSource.RAPID_REVIEW, "Fictional demo text. Strategy discussions include education and health."),
)
ACTIONS = (
    "Fictional demo text. Brief every team on the escalation policy.",
    "Fictional demo text. Add a prompt to the assessment template.",
    "Fictional demo text. Audit twenty case records against the new guidance.",
    "Fictional demo text. Run a multi-agency learning event.",
)
CONTACTS = (("R Patel", "r.patel@demoshire.example"), ("K Owen", None), ("S Adeyemi", "s.adeyemi@demoshire.example"))


def _made_on(review: Review, as_of: date) -> date:
    made = review.panel_response_date or review.submitted_to_panel_date or (
        review.notification_received_date + timedelta(days=21))
    return min(made, as_of)


def _story(session: Session, cast: DemoCast, rng: random.Random, action: int, *, due: date, impact: date,
           as_of: date, send_back: bool) -> bool:
    """The action's story, every step on or before the demo's day; whether its evidence was sent back once."""
    if due >= as_of or rng.random() < 0.2:  # still open: not started, or in progress (late when past due)
        if rng.random() < 0.5:
            start_action(session, cast.officer, action_id=action, expected_version=None)
        return False
    given = due + timedelta(days=rng.choice([-10, -3, 0, 5, 14]))
    decided = given + timedelta(days=3)
    if decided > as_of:
        return False
    give_evidence(session, cast.officer, action_id=action, expected_version=None,
                  evidence="Fictional demo text. Briefing notes and the attendance list.", as_of=given)
    if send_back:
        send_back_evidence(session, cast.manager, action_id=action, expected_version=None,
                           reason="Fictional demo text. Say how many staff were briefed.", as_of=decided)
        given = decided + timedelta(days=7)
        decided = given + timedelta(days=2)
        if decided > as_of:
            return True
        give_evidence(session, cast.officer, action_id=action, expected_version=None,
                      evidence="Fictional demo text. 42 of 45 staff briefed; list attached.", as_of=given)
    accept_evidence(session, cast.manager, action_id=action, expected_version=None, as_of=decided)
    checked_on = max(impact, decided) + timedelta(days=5)
    if checked_on <= as_of and rng.random() < 0.6:
        check_action_impact(session, cast.manager, action_id=action, expected_version=None,
                            finding="Fictional demo text. A dip sample of case records showed the practice change.",
                            as_of=checked_on)
    return send_back


def load_demo_actions(session: Session, cast: DemoCast, closed: Sequence[Review], *, as_of: date,
                      seed: int = 2026) -> int:
    """Recommendations and actions on the closed reviews whose recommendations were made in the last year (at least
    the newest four); the number of actions made."""
    rng = random.Random(seed + 29)
    agencies = list(session.scalars(select(Agency.id).where(Agency.active).order_by(Agency.id)))
    recent = [r for r in closed if _made_on(r, as_of) >= as_of - timedelta(days=365)] or list(closed[-4:])
    made_actions = 0
    sent_back_once = False
    for number, review in enumerate(recent):
        made = _made_on(review, as_of)
        for source, text in rng.sample(RECOMMENDATIONS, 2 if number % 2 else 1):
            rec = add_recommendation(session, cast.officer, review_id=review.id, source=source, text=text,
                                     made_on=made, as_of=as_of)
            for _ in range(rng.randint(1, 3)):
                due = made + timedelta(days=rng.randint(20, 120))
                impact = due + timedelta(days=rng.choice([60, 90]))
                owned = rng.random() < 0.4
                name, email = rng.choice(CONTACTS)
                action = add_action(session, cast.officer, recommendation_id=rec, agency_id=rng.choice(agencies),
                                    owner_account_id=cast.officer.id if owned else None,
                                    owner_name=None if owned else name, owner_email=None if owned else email,
                                    description=rng.choice(ACTIONS), due_on=due, impact_check_on=impact)
                made_actions += 1
                sent_back_once = _story(session, cast, rng, action, due=due, impact=impact, as_of=as_of,
                                        send_back=not sent_back_once) or sent_back_once
    return made_actions
