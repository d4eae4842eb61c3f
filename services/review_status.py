"""Where each review stands: its milestones' RAG combined with its agency returns' RAG, for one review (the
Review page) and for every live review (the live list, worst first)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from db.enums import ReviewState
from db.models import Account, Review, ReviewMilestone
from db.models_returns import AgencyReturn
from services.calendar import load_calendar, load_settings
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires
from services.rag import Rag
from services.returns.rules import return_rag
from services.reviews.reads import MilestoneRead, ReviewRead
from services.reviews.rules import ReviewStatus, review_status, worst_first
from services.working_days import WorkingCalendar

# What a status copies of a review: its children, and its milestones with who did them and who has them.
STATUS_LOAD: tuple[LoaderOption, ...] = (
    selectinload(Review.children),
    selectinload(Review.milestones).selectinload(ReviewMilestone.done_by),
    selectinload(Review.milestones).selectinload(ReviewMilestone.delegated_to),
)


def _return_rags(
    session: Session, cal: WorkingCalendar, reviews: Sequence[Review], as_of: date, amber_days: int
) -> dict[int, list[Rag]]:
    """The RAG of each agency return of the given reviews, by review (a closed review's returns no longer count).
    One query for all of them: the returns' own columns are all the rule reads."""
    counted = [r.id for r in reviews if r.state != ReviewState.CLOSED]
    rags: dict[int, list[Rag]] = defaultdict(list)
    if counted:
        for ret in session.scalars(select(AgencyReturn).where(AgencyReturn.review_id.in_(counted))):
            rags[ret.review_id].append(return_rag(cal, ret, as_of, amber_days))
    return rags


def _statuses(session: Session, reviews: Sequence[Review], as_of: date) -> list[ReviewStatus]:
    cal = load_calendar(session)
    amber_days = load_settings(session).amber_threshold_days
    rags = _return_rags(session, cal, reviews, as_of, amber_days)
    return [
        review_status(cal, ReviewRead.of(r), [MilestoneRead.of(m) for m in r.milestones], as_of, amber_days,
                      rags.get(r.id, []))
        for r in reviews
    ]


@requires(*CASE_READERS, action="see reviews")
def list_live_reviews(session: Session, actor: Account, *, as_of: date) -> list[ReviewStatus]:
    """Every review not yet closed, worst first."""
    reviews = session.scalars(select(Review).where(Review.state != ReviewState.CLOSED).options(*STATUS_LOAD)).all()
    return worst_first(_statuses(session, reviews, as_of))


@requires(*CASE_READERS, action="see reviews")
def get_review_status(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReviewStatus:
    """One review with its milestones and their RAG."""
    review = session.scalars(select(Review).where(Review.id == review_id).options(*STATUS_LOAD)).first()
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    return _statuses(session, [review], as_of)[0]
