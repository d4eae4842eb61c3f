"""Reading practice themes: the partnership's list (in its order, retired ones last unless asked for), the themes a
review is coded with (a retired theme stays on the reviews coded with it), and the themes by financial year for the
board (aggregates only: how many reviews were coded with each theme, counted on the notification date)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import ReviewState, Role
from db.models import Account, Review
from db.models_after import PracticeTheme, ReviewTheme
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires

NO_SUCH_REVIEW = "That review does not exist (it may have been removed). Reload the page."
NO_SUCH_THEME = "That theme is not on the partnership's list. Reload the page."
THEME_LIST_READERS = (Role.ADMIN, Role.MANAGER, Role.OFFICER, Role.CHAIR)


@dataclass(frozen=True)
class ThemeRead:
    """One theme of the list, and how many reviews are coded with it."""

    id: int
    name: str
    description: str | None
    source: str
    active: bool
    sort_order: int
    version: int
    reviews_coded: int


@dataclass(frozen=True)
class CodedTheme:
    """A theme a review is coded with, and its sentence of learning."""

    theme_id: int
    name: str
    active: bool
    learning: str
    coded_by: str
    coded_at: datetime


@dataclass(frozen=True)
class ReviewThemes:
    """A review's themes, and the active themes it may still be coded with (in the list's order)."""

    review_id: int
    case_reference: str
    coded: tuple[CodedTheme, ...]
    choices: tuple[ThemeRead, ...]
    writable: bool


def _theme_reads(session: Session, *, active_only: bool) -> list[ThemeRead]:
    coded = (select(ReviewTheme.theme_id, func.count().label("n")).group_by(ReviewTheme.theme_id).subquery())
    query = (select(PracticeTheme, func.coalesce(coded.c.n, 0))
             .outerjoin(coded, coded.c.theme_id == PracticeTheme.id)
             .order_by(PracticeTheme.active.desc(), PracticeTheme.sort_order, PracticeTheme.id))
    if active_only:
        query = query.where(PracticeTheme.active)
    return [ThemeRead(t.id, t.name, t.description, t.source, t.active, t.sort_order, t.version, int(n))
            for t, n in session.execute(query).all()]


@requires(*THEME_LIST_READERS, action="see the practice themes")
def list_themes(session: Session, actor: Account, *, active_only: bool = False) -> list[ThemeRead]:
    """The partnership's themes in their order: the active ones, then (unless `active_only`) the retired ones."""
    return _theme_reads(session, active_only=active_only)


@requires(*CASE_READERS, action="see a review's practice themes")
def review_themes(session: Session, actor: Account, *, review_id: int) -> ReviewThemes:
    """The themes `review_id` is coded with (retired ones included, marked), and the active themes left to choose."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    rows = session.execute(
        select(ReviewTheme, PracticeTheme, Account.display_name)
        .join(PracticeTheme, PracticeTheme.id == ReviewTheme.theme_id)
        .join(Account, Account.id == ReviewTheme.coded_by_id)
        .where(ReviewTheme.review_id == review_id)
        .order_by(PracticeTheme.sort_order, PracticeTheme.id)).all()
    coded = tuple(CodedTheme(t.id, t.name, t.active, rt.learning, who, rt.coded_at) for rt, t, who in rows)
    taken = {c.theme_id for c in coded}
    choices = tuple(t for t in _theme_reads(session, active_only=True) if t.id not in taken)
    return ReviewThemes(review.id, review.case_reference, coded, choices,
                        writable=review.state != ReviewState.WITHDRAWN)
