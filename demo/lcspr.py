"""Fictional demo LCSPRs: two closed demo reviews whose decision was an LCSPR, converted through the services, one
early (its reviewer commissioned) and one far on (final report, copies to the Panel and the Secretary of State, and
published on the fictional partnership's site)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import ReviewState
from db.models import Review
from demo.cast import DemoCast
from services.lcspr.rules import LcsprStep
from services.lcspr.service import record_family_not_involved, record_lcspr_step, start_lcspr
from services.settings_reads import load_calendar

DEMO_SITE = "https://demoshire.example/safeguarding/lcspr"
DEMO_REVIEWER = "Dr Rowan Reviewer (fictional)"


def _lcspr_reviews(session: Session) -> tuple[Review, Review]:
    """The oldest and the newest closed reviews whose decision is an LCSPR; when fewer than two are, the newest
    closed reviews are given the decision (demo data: the Rapid Review meeting is long over)."""
    closed = list(session.scalars(select(Review).where(Review.state == ReviewState.CLOSED,
                                                       Review.withdrawn_on.is_(None))
                                  .order_by(Review.notification_received_date, Review.id)))
    chosen = [r for r in closed if r.lcspr_decision]
    for review in reversed(closed):
        if len(chosen) >= 2:
            break
        if review not in chosen:
            review.lcspr_decision = True
            review.lcspr_reason = "Fictional demo text. The criteria for a local review were met."
            chosen.append(review)
    chosen.sort(key=lambda r: (r.notification_received_date, r.id))
    session.flush()
    return chosen[0], chosen[-1]


def load_demo_lcsprs(session: Session, cast: DemoCast, *, as_of: date) -> list[int]:
    """Convert two closed demo reviews into LCSPRs at different stages; the ids of the reviews converted."""
    cal = load_calendar(session)
    far, early = _lcspr_reviews(session)

    # Far on: decided a month after its notification, every step done, published on the demo site.
    decided = far.notification_received_date + timedelta(days=30)
    start_lcspr(session, cast.manager, review_id=far.id, decided_on=decided, as_of=as_of)
    commissioned = cal.add_working_days(decided, 15)
    terms = cal.add_working_days(commissioned, 12)
    draft = cal.add_working_days(terms, 80)
    final = cal.add_working_days(draft, 20)
    copies = cal.add_working_days(final, 5)
    steps = [
        (LcsprStep.REVIEWER_COMMISSIONED, commissioned),
        (LcsprStep.TERMS_AGREED, terms),
        (LcsprStep.PRACTITIONERS_INVOLVED, cal.add_working_days(terms, 30)),
        (LcsprStep.DRAFT_TO_PARTNERS, draft),
        (LcsprStep.FINAL_REPORT, final),
        (LcsprStep.COPIES_SENT, copies),
        (LcsprStep.PUBLISHED, cal.add_working_days(copies, 10)),
    ]
    for step, done_on in steps:
        if step is LcsprStep.DRAFT_TO_PARTNERS:
            record_family_not_involved(session, cast.officer, review_id=far.id, expected_version=None, as_of=as_of,
                                       reason="Fictional demo text. The family chose not to take part.")
        record_lcspr_step(session, cast.officer, review_id=far.id, step=step, done_on=done_on, expected_version=None,
                          as_of=as_of, reviewer_name=DEMO_REVIEWER, publication_address=f"{DEMO_SITE}/far-review")

    # Early: decided a month ago, the reviewer commissioned; the terms of reference come next.
    decided = max(early.notification_received_date, as_of - timedelta(days=30))
    start_lcspr(session, cast.manager, review_id=early.id, decided_on=decided, as_of=as_of)
    record_lcspr_step(session, cast.officer, review_id=early.id, step=LcsprStep.REVIEWER_COMMISSIONED,
                      done_on=min(as_of, cal.add_working_days(decided, 8)), expected_version=None, as_of=as_of,
                      reviewer_name=DEMO_REVIEWER)
    return [far.id, early.id]
