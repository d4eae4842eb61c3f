"""The seven-minute briefing of one review, read from its themes, recommendations, actions and LCSPR
(db.models_after) and built as Word on request (`build_briefing`). Case readers only, as every read of a review;
never stored, never logged (as the Day 6 pack and the report's downloads are not).

What is read is only what the briefing may show: the kind of notification, the LCSPR decision and, when published,
the report's address; the themes' names and learning; the recommendations and each action's description, agency,
due date and status. The children's initials and ages, the case's dates and the actions' owners are never read.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency, Review
from db.models_after import Lcspr, PracticeTheme, Recommendation, ReviewAction, ReviewTheme
from services.briefing.rules import (
    ActionFacts,
    Briefing,
    BriefingFacts,
    RecommendationFacts,
    ThemeLearning,
    assemble,
    briefing_file_name,
    word_count,
)
from services.briefing.word import briefing_docx
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires
from services.settings_reads import load_settings
from services.word_document import DOCX_MIME

NO_SUCH_REVIEW = "That review does not exist. Go back to the live list and open it again."


@dataclass(frozen=True)
class BriefingFile:
    """The briefing ready to download, with what it says (for a caption or a test)."""

    file_name: str
    data: bytes
    briefing: Briefing
    words: int
    mime: str = DOCX_MIME


def _themes(session: Session, review_id: int) -> tuple[ThemeLearning, ...]:
    rows = session.execute(
        select(PracticeTheme.name, ReviewTheme.learning)
        .join(PracticeTheme, PracticeTheme.id == ReviewTheme.theme_id)
        .where(ReviewTheme.review_id == review_id)
        .order_by(PracticeTheme.sort_order, PracticeTheme.name)).all()
    return tuple(ThemeLearning(name, learning) for name, learning in rows)


def _recommendations(session: Session, review_id: int) -> tuple[RecommendationFacts, ...]:
    actions: dict[int, list[ActionFacts]] = defaultdict(list)
    for recommendation_id, description, agency, due_on, status in session.execute(
            select(ReviewAction.recommendation_id, ReviewAction.description, Agency.name, ReviewAction.due_on,
                   ReviewAction.status)
            .join(Agency, Agency.id == ReviewAction.agency_id)
            .where(ReviewAction.review_id == review_id)
            .order_by(ReviewAction.due_on, ReviewAction.id)).all():
        actions[recommendation_id].append(ActionFacts(description, agency, due_on, status))
    return tuple(RecommendationFacts(source, text, tuple(actions[recommendation_id]))
                 for recommendation_id, source, text in session.execute(
                     select(Recommendation.id, Recommendation.source, Recommendation.recommendation)
                     .where(Recommendation.review_id == review_id)
                     .order_by(Recommendation.made_on, Recommendation.id)).all())


def briefing_facts(session: Session, review_id: int, as_of: date) -> BriefingFacts:
    """What the briefing of one review is built from (the package's own read, for `build_briefing`)."""
    review = session.execute(
        select(Review.case_reference, Review.notification_type, Review.lcspr_decision)
        .where(Review.id == review_id)).one_or_none()
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    case_reference, notification_type, lcspr_decision = review
    lcspr = session.execute(
        select(Lcspr.publication_address, Lcspr.not_published_reason).where(Lcspr.review_id == review_id)
    ).one_or_none()
    return BriefingFacts(
        partnership=load_settings(session).partnership_name, case_reference=case_reference,
        notification_type=notification_type, lcspr_decision=lcspr_decision, lcspr_started=lcspr is not None,
        published_address=lcspr[0] if lcspr is not None else None,
        not_published=lcspr is not None and lcspr[1] is not None,
        themes=_themes(session, review_id), recommendations=_recommendations(session, review_id), as_of=as_of)


@requires(*CASE_READERS, action="build the seven-minute briefing")
def build_briefing(session: Session, actor: Account, *, review_id: int, as_of: date,
                   now: datetime | None = None) -> BriefingFile:
    """The seven-minute briefing of one review, built now from what the tracker holds (not stored)."""
    facts = briefing_facts(session, review_id, as_of)
    briefing = assemble(facts)
    data = briefing_docx(briefing, built_at=now or datetime.now(UTC), built_by=actor.display_name)
    return BriefingFile(briefing_file_name(facts.case_reference, as_of), data, briefing, word_count(briefing))
