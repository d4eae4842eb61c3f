"""The LCSPR as its readers see it: one review's steps with due dates and RAG, the live list's LCSPRs, and the due
steps the digests and calendar feeds take (each a frozen copy, never a database object)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from db.models import Account, Review, Setting
from db.models_after import Lcspr
from db.models_report import PanelResponse
from services.errors import InvalidInput
from services.integrity import made_per_review, versions_where
from services.lcspr.rules import (
    STEP_COLUMNS,
    STEPS,
    LcsprFacts,
    LcsprStep,
    StepStatus,
    Timescales,
    lcspr_rag,
    lcspr_why,
    next_step,
    step_statuses,
)
from services.permissions import CASE_READERS, requires
from services.rag import Rag, urgency
from services.settings_reads import load_calendar, load_settings

# A finished LCSPR's calendar events stay this long after publication, cancelled, so that calendars drop them.
ENDED_KEPT_FOR = timedelta(days=60)


def timescales_of(setting: Setting) -> Timescales:
    """The LCSPR's timescales from the settings row."""
    return Timescales(
        commission_days=setting.lcspr_commission_days, terms_days=setting.lcspr_terms_days,
        involvement_days=setting.lcspr_involvement_days, draft_before_days=setting.lcspr_draft_before_days,
        completion_months=setting.lcspr_completion_months, copies_before_days=setting.lcspr_copies_before_days,
        publication_days=setting.lcspr_publication_days)


def facts_of(lcspr: Lcspr) -> LcsprFacts:
    """What the rules read of the row."""
    return LcsprFacts(decided_on=lcspr.decided_on,
                      done={step: getattr(lcspr, STEP_COLUMNS[step]) for step in STEPS},
                      family_not_involved_reason=lcspr.family_not_involved_reason,
                      not_published_reason=lcspr.not_published_reason)


def start_refusal(review: Review, panel_agrees: bool | None, started: bool) -> str | None:
    """Why an LCSPR cannot be started for the review (one sentence), or None."""
    if started:
        return f"Review {review.case_reference} is already an LCSPR."
    if review.withdrawn_on is not None:
        return f"Review {review.case_reference} was withdrawn: it cannot become an LCSPR."
    if review.lcspr_decision is True:
        return None
    if review.lcspr_decision is False and panel_agrees is False:
        return None
    return (f"Review {review.case_reference} has no decision to carry out an LCSPR: record the decision on the Report "
            "page first (or the Panel's response disagreeing with a 'no').")


@dataclass(frozen=True)
class LcsprView:
    """One review's LCSPR for the Review page: None fields until it is started."""

    review_id: int
    case_reference: str
    notification_received_date: date
    start_refusal: str | None
    decided_on: date | None = None
    reviewer_name: str | None = None
    publication_address: str | None = None
    version: int | None = None
    steps: tuple[StepStatus, ...] = ()
    rag: Rag = Rag.COMPLETE
    why: str = ""
    copies_before_days: int = 7

    @property
    def started(self) -> bool:
        return self.decided_on is not None

    @property
    def finished(self) -> bool:
        return self.started and all(s.rag is Rag.COMPLETE for s in self.steps if s.step is LcsprStep.PUBLISHED)


def _panel_agrees(session: Session, review_id: int) -> bool | None:
    return session.scalar(select(PanelResponse.agrees_with_lcspr).where(PanelResponse.review_id == review_id))


@requires(*CASE_READERS, action="see a review's LCSPR")
def get_lcspr(session: Session, actor: Account, *, review_id: int, as_of: date) -> LcsprView:
    """The review's LCSPR, its steps with due dates, RAG and why; or, not started, why it cannot be (None: it can)."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist.")
    lcspr = session.scalars(select(Lcspr).where(Lcspr.review_id == review_id)).first()
    refusal = start_refusal(review, _panel_agrees(session, review_id), lcspr is not None)
    setting = load_settings(session)
    if lcspr is None:
        return LcsprView(review.id, review.case_reference, review.notification_received_date, refusal)
    steps = tuple(step_statuses(load_calendar(session), facts_of(lcspr), timescales_of(setting), as_of=as_of,
                                amber_days=setting.amber_threshold_days))
    return LcsprView(review.id, review.case_reference, review.notification_received_date, refusal,
                     decided_on=lcspr.decided_on, reviewer_name=lcspr.reviewer_name,
                     publication_address=lcspr.publication_address, version=lcspr.version, steps=steps,
                     rag=lcspr_rag(steps), why=lcspr_why(steps), copies_before_days=setting.lcspr_copies_before_days)


@dataclass(frozen=True)
class LiveLcspr:
    """A converted review whose LCSPR is not finished, as the live list shows it: stage "LCSPR", RAG and why."""

    review_id: int
    case_reference: str
    decided_on: date
    rag: Rag
    why: str
    next_title: str | None
    next_due: date | None
    done_steps: int
    stage: str = "LCSPR"

    @property
    def progress(self) -> str:
        return f"{self.done_steps} of {len(STEPS)} steps done"


def _lcsprs_with_reviews(session: Session, *where: ColumnElement[bool]) -> list[tuple[Lcspr, str]]:
    """Every LCSPR of a review not withdrawn (and `where`), with its case reference: one query."""
    return [(row[0], row[1]) for row in session.execute(
        select(Lcspr, Review.case_reference).join(Review, Review.id == Lcspr.review_id)
        .where(Review.withdrawn_on.is_(None), *where).order_by(Lcspr.decided_on, Lcspr.id))]


def _live_lcsprs(session: Session, as_of: date, *where: ColumnElement[bool]) -> list[LiveLcspr]:
    """The LCSPRs not finished (of the reviews `where` selects), in no particular order."""
    setting = load_settings(session)
    cal, timescales = load_calendar(session), timescales_of(setting)
    found = []
    for lcspr, reference in _lcsprs_with_reviews(session, *where):
        facts = facts_of(lcspr)
        if facts.finished:
            continue
        steps = step_statuses(cal, facts, timescales, as_of=as_of, amber_days=setting.amber_threshold_days)
        step = next_step(steps)
        found.append(LiveLcspr(lcspr.review_id, reference, lcspr.decided_on, lcspr_rag(steps), lcspr_why(steps),
                               step.title if step else None, step.due if step else None,
                               sum(1 for s in steps if s.rag is Rag.COMPLETE)))
    return found


def worst_lcspr_first(parts: list[list[LiveLcspr]]) -> list[LiveLcspr]:
    """The live list's LCSPRs from each review's: worst first, then by the next due date and the case reference."""
    return sorted((x for part in parts for x in part),
                  key=lambda x: (urgency(x.rag), x.next_due or date.max, x.case_reference, x.review_id))


# Only an LCSPR's own review's rows (its row, the review's withdrawal) and the partnership's (the settings' timescales,
# the closure days) decide its line: kept review by review (services.unit_of_work.read_by_review).
_HAS_LCSPR = Review.withdrawn_on.is_(None) & exists().where(Lcspr.review_id == Review.id)


@requires(*CASE_READERS, action="see the live list")
def lcspr_review_versions(session: Session, actor: Account, *, since: str | None = None) -> list[tuple[int, int]]:
    """(id, data version) of every review not withdrawn with an LCSPR (finished or not: the part tells), in one
    statement; with `since`, of those moved since (services.integrity.versions_where)."""
    return versions_where(session, _HAS_LCSPR, since)


@requires(*CASE_READERS, action="see the live list")
def live_lcsprs_by_review(session: Session, actor: Account, *, review_ids: Sequence[int], as_of: date
                          ) -> dict[int, list[LiveLcspr]]:
    """The LCSPR not finished of each of these reviews, by review id: [] for one with none (finished, withdrawn)."""
    found: dict[int, list[LiveLcspr]] = {review_id: [] for review_id in review_ids}
    for x in _live_lcsprs(session, as_of, Review.id.in_(list(review_ids))):
        found[x.review_id].append(x)
    return found


@made_per_review(versions=lcspr_review_versions, part=live_lcsprs_by_review, combine=worst_lcspr_first)
@requires(*CASE_READERS, action="see the live list")
def list_live_lcsprs(session: Session, actor: Account, *, as_of: date) -> list[LiveLcspr]:
    """The LCSPRs not yet published (nor decided not to be), worst first, then by their next due date."""
    return worst_lcspr_first([_live_lcsprs(session, as_of)])


@dataclass(frozen=True)
class LcsprDue:
    """One step of an LCSPR for a digest or a calendar feed: no free text, the case reference for the digest only."""

    review_id: int
    case_reference: str
    step: LcsprStep
    title: str
    due: date
    done: bool

    @property
    def uid_key(self) -> str:
        return f"lcspr-{self.review_id}-{self.step.value}"


def lcspr_due_steps(session: Session, *, as_of: date) -> list[LcsprDue]:
    """Every step of the LCSPRs not finished, or published in the last 60 days (their steps then all done), for the
    calendar feeds; the digest takes the open ones due by its next working day (`due_by`)."""
    setting = load_settings(session)
    cal, timescales = load_calendar(session), timescales_of(setting)
    found = []
    for lcspr, reference in _lcsprs_with_reviews(session):
        facts = facts_of(lcspr)
        if facts.finished and (lcspr.published_on is None or lcspr.published_on < as_of - ENDED_KEPT_FOR):
            continue
        for s in step_statuses(cal, facts, timescales, as_of=as_of, amber_days=setting.amber_threshold_days):
            found.append(LcsprDue(lcspr.review_id, reference, s.step, s.title, s.due, s.rag is Rag.COMPLETE))
    return found


def due_by(steps: list[LcsprDue], day: date) -> list[LcsprDue]:
    """The open steps due on or before `day` (overdue included)."""
    return [s for s in steps if not s.done and s.due <= day]
