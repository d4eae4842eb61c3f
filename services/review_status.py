"""Where each review stands: its milestones' RAG combined with its agency returns' RAG, for one review (the
Review page) and for every live review (the live list, worst first)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, selectinload

from db.models import Account, Review
from db.models_returns import AgencyReturn
from services.calendar import load_calendar, load_settings
from services.milestones import load_review
from services.permissions import CASE_READERS, requires
from services.rag import Rag
from services.returns.rules import return_rag
from services.reviews.rules import ReviewStatus, review_status, worst_first
from services.working_days import WorkingCalendar


def _return_rags(session: Session, cal: WorkingCalendar, review: Review, as_of: date, amber_days: int) -> list[Rag]:
    """The RAG of each of the review's agency returns (a closed review's returns no longer count)."""
    if review.state == "closed":
        return []
    # Columns only: one query per review (the live list calls this for every review).
    rows = session.scalars(
        select(AgencyReturn).where(AgencyReturn.review_id == review.id).options(lazyload("*"))
    )
    return [return_rag(cal, r, as_of, amber_days) for r in rows]


def _status_of(session: Session, cal: WorkingCalendar, review: Review, as_of: date, amber_days: int) -> ReviewStatus:
    return review_status(cal, review, as_of, amber_days, _return_rags(session, cal, review, as_of, amber_days))


@requires(*CASE_READERS, action="see reviews")
def list_live_reviews(session: Session, actor: Account, *, as_of: date) -> list[ReviewStatus]:
    """Every review not yet closed, worst first."""
    cal = load_calendar(session)
    amber_days = load_settings(session).amber_threshold_days
    reviews = session.scalars(
        select(Review)
        .where(Review.state != "closed")
        .options(selectinload(Review.children), selectinload(Review.milestones))
    ).all()
    return worst_first([_status_of(session, cal, r, as_of, amber_days) for r in reviews])


@requires(*CASE_READERS, action="see reviews")
def get_review_status(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReviewStatus:
    """One review with its milestones and their RAG."""
    review = load_review(session, review_id)
    return _status_of(session, load_calendar(session), review, as_of, load_settings(session).amber_threshold_days)
