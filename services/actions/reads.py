"""The recommendations and actions register as its readers see it: every action across the reviews with its RAG,
the by-agency summary, a review's recommendations with their actions, an action's evidence rounds, and one evidence
document's bytes. Case readers only (manager, officer, JCR Chair); the Board never sees it (it is case data)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.enums import ActionStatus, Role
from db.models import Account, Agency, Review
from db.models_after import ActionEvidence, ActionEvidenceDocument, Recommendation, ReviewAction
from services.actions.rules import (
    OPEN_STATUSES,
    SOURCE_LABELS,
    AgencyCounts,
    CountedAction,
    action_rag,
    counts_by_agency,
    is_overdue,
    label,
    owner_words,
)
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires
from services.rag import Rag
from services.settings_reads import load_calendar, load_settings

NO_SUCH_ACTION = "That action does not exist. Reload the page."
NO_SUCH_RECOMMENDATION = "That recommendation does not exist. Reload the page."
NO_SUCH_REVIEW = "That review does not exist. Go back to the live list and open it again."


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is narrowed to (None: every one)."""

    agency_id: int | None = None
    status: str | None = None
    overdue_only: bool = False
    impact_checked_only: bool = False
    review_id: int | None = None


@dataclass(frozen=True)
class Choice:
    id: int
    name: str


@dataclass(frozen=True)
class ActionRow:
    """One action of the register."""

    id: int
    version: int
    review_id: int
    case_reference: str
    recommendation_id: int
    recommendation: str
    source: str
    agency_id: int
    agency: str
    owner: str
    owner_account_id: int | None
    owner_name: str | None
    owner_email: str | None
    description: str
    due_on: date
    impact_check_on: date | None
    status: str
    status_label: str
    rag: Rag
    why: str
    overdue: bool
    first_evidence_on: date | None
    impact_checked_on: date | None
    impact_finding: str | None


@dataclass(frozen=True)
class Register:
    """The by-agency summary of every action, and the actions the filters keep (most urgent first)."""

    by_agency: tuple[AgencyCounts, ...]
    rows: tuple[ActionRow, ...]
    total: int
    agencies: tuple[Choice, ...]  # the agencies with actions, for the filter
    reviews: tuple[Choice, ...]  # the reviews with actions (by case reference), for the filter


@dataclass(frozen=True)
class RecommendationRead:
    id: int
    version: int
    review_id: int
    source: str
    source_label: str
    text: str
    made_on: date
    actions: tuple[ActionRow, ...] = field(default=())


@dataclass(frozen=True)
class EvidenceDocumentRead:
    id: int
    file_name: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class EvidenceRound:
    round: int
    evidence: str
    given_on: date
    given_by: str
    outcome: str | None
    outcome_reason: str | None
    decided_on: date | None
    decided_by: str | None
    documents: tuple[EvidenceDocumentRead, ...]


@dataclass(frozen=True)
class ActionChoices:
    """The active agencies and the accounts that may own an action (manager, officer or JCR Chair, active)."""

    agencies: tuple[Choice, ...]
    owners: tuple[Choice, ...]


@dataclass(frozen=True)
class EvidenceFile:
    file_name: str
    content_type: str
    data: bytes


def _rows(session: Session, *, as_of: date, review_id: int | None = None,
          owner_account_id: int | None = None) -> list[ActionRow]:
    owner = aliased(Account)
    first = (select(ActionEvidence.action_id, func.min(ActionEvidence.given_on).label("first_on"))
             .group_by(ActionEvidence.action_id).subquery())
    query = (select(ReviewAction, Review.case_reference, Recommendation.recommendation, Recommendation.source,
                    Agency.name, owner.display_name, first.c.first_on)
             .join(Review, Review.id == ReviewAction.review_id)
             .join(Recommendation, Recommendation.id == ReviewAction.recommendation_id)
             .join(Agency, Agency.id == ReviewAction.agency_id)
             .outerjoin(owner, owner.id == ReviewAction.owner_account_id)
             .outerjoin(first, first.c.action_id == ReviewAction.id))
    if review_id is not None:
        query = query.where(ReviewAction.review_id == review_id)
    if owner_account_id is not None:
        query = query.where(ReviewAction.owner_account_id == owner_account_id)
    cal = load_calendar(session)
    amber = load_settings(session).amber_threshold_days
    rows = []
    for action, reference, recommendation, source, agency, owner_name, first_on in session.execute(query):
        rag, why = action_rag(cal, status=action.status, due_on=action.due_on, as_of=as_of, amber_days=amber)
        rows.append(ActionRow(
            action.id, action.version, action.review_id, reference, action.recommendation_id, recommendation, source,
            action.agency_id, agency, owner_words(owner_name, action.owner_name, action.owner_email),
            action.owner_account_id, action.owner_name, action.owner_email, action.description, action.due_on,
            action.impact_check_on, action.status, label(action.status), rag, why,
            is_overdue(action.status, action.due_on, as_of), first_on, action.impact_checked_on,
            action.impact_finding))
    return rows


def _urgent_first(row: ActionRow) -> tuple[int, date, str, int]:
    from services.rag import urgency

    return urgency(row.rag), row.due_on, row.case_reference, row.id


def keep(row: ActionRow, filters: RegisterFilters) -> bool:
    """Whether the filters keep the row."""
    return ((filters.agency_id is None or row.agency_id == filters.agency_id)
            and (filters.status is None or row.status == filters.status)
            and (not filters.overdue_only or row.overdue)
            and (not filters.impact_checked_only or row.status == ActionStatus.IMPACT_CHECKED)
            and (filters.review_id is None or row.review_id == filters.review_id))


@requires(*CASE_READERS, action="see the recommendations and actions register")
def action_register(session: Session, actor: Account, *, filters: RegisterFilters, as_of: date) -> Register:
    """Every action across the reviews: the by-agency summary (of them all), then the ones the filters keep."""
    rows = _rows(session, as_of=as_of)
    summary = counts_by_agency((CountedAction(r.agency, r.status, r.due_on, r.first_evidence_on) for r in rows), as_of)
    kept = sorted((r for r in rows if keep(r, filters)), key=_urgent_first)
    agencies = sorted({Choice(r.agency_id, r.agency) for r in rows}, key=lambda c: (c.name.lower(), c.id))
    reviews = sorted({Choice(r.review_id, r.case_reference) for r in rows}, key=lambda c: (c.name, c.id))
    return Register(tuple(summary), tuple(kept), len(rows), tuple(agencies), tuple(reviews))


@requires(*CASE_READERS, action="see a review's recommendations and actions")
def review_recommendations(session: Session, actor: Account, *, review_id: int,
                           as_of: date) -> tuple[RecommendationRead, ...]:
    """A review's recommendations, oldest first, each with its actions (most urgent first)."""
    if session.get(Review, review_id) is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    rows = _rows(session, as_of=as_of, review_id=review_id)
    found = session.scalars(select(Recommendation).where(Recommendation.review_id == review_id)
                            .order_by(Recommendation.made_on, Recommendation.id))
    return tuple(RecommendationRead(
        r.id, r.version, r.review_id, r.source, SOURCE_LABELS.get(r.source, r.source), r.recommendation, r.made_on,
        tuple(sorted((a for a in rows if a.recommendation_id == r.id), key=_urgent_first))) for r in found)


@requires(*CASE_READERS, action="see an action's evidence")
def action_evidence(session: Session, actor: Account, *, action_id: int) -> tuple[EvidenceRound, ...]:
    """Every round of evidence given for the action, first round first, with its documents."""
    if session.get(ReviewAction, action_id) is None:
        raise InvalidInput(NO_SUCH_ACTION)
    giver, decider = aliased(Account), aliased(Account)
    rounds = session.execute(
        select(ActionEvidence, giver.display_name, decider.display_name)
        .outerjoin(giver, giver.id == ActionEvidence.given_by_id)
        .outerjoin(decider, decider.id == ActionEvidence.decided_by_id)
        .where(ActionEvidence.action_id == action_id).order_by(ActionEvidence.round)).all()
    ids = [r.id for r, _, _ in rounds]
    documents: dict[int, list[EvidenceDocumentRead]] = {}
    for doc in session.execute(
            select(ActionEvidenceDocument.id, ActionEvidenceDocument.evidence_id, ActionEvidenceDocument.file_name,
                   ActionEvidenceDocument.content_type, ActionEvidenceDocument.size_bytes)
            .where(ActionEvidenceDocument.evidence_id.in_(ids)).order_by(ActionEvidenceDocument.id)):
        documents.setdefault(doc.evidence_id, []).append(
            EvidenceDocumentRead(doc.id, doc.file_name, doc.content_type, doc.size_bytes))
    return tuple(EvidenceRound(
        r.round, r.evidence, r.given_on, given_by or "the agency, through its link", r.outcome, r.outcome_reason,
        r.decided_on, decided_by, tuple(documents.get(r.id, ()))) for r, given_by, decided_by in rounds)


@requires(*CASE_READERS, action="download a document given as evidence")
def evidence_document_file(session: Session, actor: Account, *, document_id: int) -> EvidenceFile:
    document = session.get(ActionEvidenceDocument, document_id)
    if document is None:
        raise InvalidInput("That document does not exist. Reload the page.")
    return EvidenceFile(document.file_name, document.content_type, document.content)


@requires(*CASE_READERS, action="see who may own an action")
def action_choices(session: Session, actor: Account) -> ActionChoices:
    agencies = session.execute(select(Agency.id, Agency.name).where(Agency.active).order_by(Agency.name))
    owners = session.scalars(select(Account).where(Account.active).order_by(Account.display_name, Account.id))
    return ActionChoices(tuple(Choice(i, n) for i, n in agencies),
                         tuple(Choice(a.id, a.display_name) for a in owners
                               if a.has_role(Role.MANAGER.value, Role.OFFICER.value, Role.CHAIR.value)))


def owned_actions(session: Session, *, account_id: int, as_of: date) -> list[ActionRow]:
    """Every action the account owns, most urgent first: for its own digest and calendar feed (no actor: the mail
    run and the feed's token read them for the account itself)."""
    return sorted(_rows(session, as_of=as_of, owner_account_id=account_id), key=_urgent_first)


def digest_actions(session: Session, *, account_id: int, today: date, next_day: date) -> list[ActionRow]:
    """The account's own open actions overdue or due by `next_day` (the next working day): its digest's lines."""
    return [r for r in owned_actions(session, account_id=account_id, as_of=today)
            if r.status in OPEN_STATUSES and r.due_on <= next_day]
