"""An agency updates its own actions of one review through a private link (issue 29, "Where the agency exchange
exists"), as it answers its scoping request through one (services/agency_exchange/service.py, whose token rules,
expiry setting and one `LinkNotFound` are reused here).

**The Partnership's side.** A Partnership officer or the Manager (CASE_WRITERS) issues, reissues or revokes the link
of one agency for one review; the token is returned once (the database keeps its SHA-256). One live link per review
and agency. A link works until the N-th working day after the latest due date of the agency's actions on the review
(or after the day it was issued, when later), N being the agency links' setting (`link_expiry_working_days`).

**The agency's side.** The token is its credential: `open_agency_actions` and `give_evidence_through_link` take
`token=` and no actor. A token opens nothing (the one `LinkNotFound`, whatever the reason) when it is unknown,
revoked, past its last day, when its review was withdrawn, when its issuer may no longer write case data, or when
every action of that agency on that review has its evidence accepted (or its impact checked): nothing is left for the
agency to do (a new action added for it later opens the link again while the link lasts). The page shows only that
agency's actions of that review: each one's description, due date, status, and its rounds' outcomes with the
reasons given for sending evidence back; never the child's initials, another agency, or another action's owner.

Evidence given through the link is a round like any other (text, PDF or Word documents judged by content), with
`given_through_link` set and no account; the daily log's entry is in the name of the account that issued the link
and says it came through the agency's link. Accepting or sending it back stays with the Manager in the tracker.
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import ActionStatus, FinalQaOutcome, LogCategory, ReviewState
from db.models import Account, Agency, Review, Setting
from db.models_after import ActionEvidence, ActionEvidenceDocument, AgencyActionLink, ReviewAction
from services.actions.reads import NO_SUCH_REVIEW
from services.actions.rules import (
    OPEN_STATUSES,
    STATUS_LABELS,
    action_link_expiry,
    actions_all_evidenced,
    check_give_evidence,
    clean_evidence,
    clean_reason,
    judge_documents,
)
from services.agency_exchange.rules import token_hash
from services.agency_exchange.service import LinkNotFound, link_expiry_working_days
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput, NotAllowed
from services.formatting import log_date
from services.milestones import refuse_if_withdrawn
from services.outside import outside_reference
from services.permissions import CASE_READERS, CASE_WRITERS, check_role, requires
from services.settings_reads import OF_CURRENT_PARTNERSHIP, load_calendar

NOT_ON_THIS_PAGE = "That action is not one of those on this page. Reload the page and try again."
OUTCOME_WORDS = {FinalQaOutcome.ACCEPTED.value: "Accepted", FinalQaOutcome.SENT_BACK.value: "Sent back"}


# ---------------------------------------------------------------- what the Partnership gets back


@dataclass(frozen=True)
class IssuedActionLink:
    """A link just issued: its token is shown this once; the database keeps only its hash."""

    link_id: int
    review_id: int
    agency_id: int
    agency_name: str
    token: str
    expires_on: date


@dataclass(frozen=True)
class ActionLinkRead:
    """One agency with actions on a review, and its action link (if any) as the tracker shows it."""

    agency_id: int
    agency_name: str
    actions: int
    open_actions: int  # not started or in progress
    all_evidenced: bool
    link_id: int | None
    issued_at: datetime | None
    issued_by: str | None
    expires_on: date | None

    @property
    def link_works(self) -> bool:
        return self.link_id is not None and not self.all_evidenced


def _now(session: Session) -> datetime:
    now: datetime = session.execute(select(func.now())).scalar_one()
    return now


def _review_for_link(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    return review


def _agency_actions(session: Session, review_id: int, agency_id: int) -> list[ReviewAction]:
    return list(session.scalars(select(ReviewAction).where(ReviewAction.review_id == review_id,
                                                           ReviewAction.agency_id == agency_id)
                                .order_by(ReviewAction.due_on, ReviewAction.id)))


def _agency_with_work(session: Session, review_id: int, agency_id: int) -> tuple[Agency, list[ReviewAction]]:
    agency = session.get(Agency, agency_id)
    actions = _agency_actions(session, review_id, agency_id) if agency is not None else []
    if agency is None or not actions:
        raise InvalidInput("That agency has no action on this review: add its actions first, then issue its link.")
    if actions_all_evidenced(a.status for a in actions):
        raise InvalidInput(f"Every action of {agency.name} on this review has its evidence accepted: nothing is left "
                           "for the agency to update, so no link is issued.")
    return agency, actions


def _live(session: Session, review_id: int, agency_id: int) -> AgencyActionLink | None:
    return session.scalars(select(AgencyActionLink).where(AgencyActionLink.review_id == review_id,
                                                          AgencyActionLink.agency_id == agency_id,
                                                          AgencyActionLink.revoked_at.is_(None))
                           .with_for_update()).first()


def _log(session: Session, actor: Account, review_id: int, text: str,
         category: str = LogCategory.COMMUNICATION.value) -> None:
    append_system_entry(session, actor, review_id=review_id, category=category, text=text)


def _new_link(session: Session, actor: Account, review: Review, agency: Agency, actions: Sequence[ReviewAction],
              as_of: date) -> IssuedActionLink:
    token = secrets.token_urlsafe(32)
    expires_on = action_link_expiry(load_calendar(session), (a.due_on for a in actions), as_of=as_of,
                                    working_days=link_expiry_working_days(session))
    link = AgencyActionLink(review_id=review.id, agency_id=agency.id, token_hash=token_hash(token),
                            issued_by_id=actor.id, expires_on=expires_on)
    session.add(link)
    session.flush()
    return IssuedActionLink(link.id, review.id, agency.id, agency.name, token, expires_on)


@requires(*CASE_WRITERS, action="issue an agency's action link")
def issue_agency_action_link(session: Session, actor: Account, *, review_id: int, agency_id: int,
                             as_of: date) -> IssuedActionLink:
    """The private link through which one agency updates its actions of one review; one live link per agency."""
    review = _review_for_link(session, review_id)
    agency, actions = _agency_with_work(session, review.id, agency_id)
    live = _live(session, review.id, agency.id)
    if live is not None:
        raise InvalidInput(f"{agency.name} already has a live action link for this review (link {live.id}, issued "
                           f"{log_date(live.issued_at.date())}). Reissue it to send a new one.")
    issued = _new_link(session, actor, review, agency, actions, as_of)
    _log(session, actor, review.id, f"Action link {issued.link_id} issued to {agency.name} for its "
                                    f"{len(actions)} action(s) on this review; it works until "
                                    f"{log_date(issued.expires_on)}.")
    return issued


@requires(*CASE_WRITERS, action="reissue an agency's action link")
def reissue_agency_action_link(session: Session, actor: Account, *, review_id: int, agency_id: int,
                               reason: str | None, as_of: date) -> IssuedActionLink:
    """Replace an agency's action link (lost, sent to the wrong person, expired): the old one stops at once."""
    review = _review_for_link(session, review_id)
    agency, actions = _agency_with_work(session, review.id, agency_id)
    why = clean_reason(reason, label="reason for reissuing the link")
    old = _live(session, review.id, agency.id)
    if old is not None:
        old.revoked_at, old.revoked_by_id, old.revoked_reason = _now(session), actor.id, f"Reissued: {why}"
        session.flush()
    issued = _new_link(session, actor, review, agency, actions, as_of)
    replaced = f"link {old.id} replaced by link {issued.link_id}" if old else f"link {issued.link_id} issued"
    _log(session, actor, review.id, f"Action link of {agency.name} reissued ({replaced}); it works until "
                                    f"{log_date(issued.expires_on)}. Reason: {why}")
    return issued


@requires(*CASE_WRITERS, action="revoke an agency's action link")
def revoke_agency_action_link(session: Session, actor: Account, *, review_id: int, agency_id: int,
                              reason: str | None) -> int:
    """Stop an agency's live action link now; the id of the link revoked."""
    review = session.get(Review, review_id)
    agency = session.get(Agency, agency_id)
    if review is None or agency is None:
        raise InvalidInput("That review or agency does not exist. Reload the page.")
    why = clean_reason(reason, label="reason for revoking the link")
    live = _live(session, review.id, agency.id)
    if live is None:
        raise InvalidInput(f"{agency.name} has no live action link for this review to revoke.")
    live.revoked_at, live.revoked_by_id, live.revoked_reason = _now(session), actor.id, why
    session.flush()
    _log(session, actor, review.id, f"Action link of {agency.name} revoked (link {live.id}). Reason: {why}")
    return live.id


@requires(*CASE_READERS, action="see the agencies' action links")
def agency_action_links(session: Session, actor: Account, *, review_id: int) -> tuple[ActionLinkRead, ...]:
    """Each agency with actions on the review (by name), its counts and its live action link."""
    actions = session.scalars(select(ReviewAction).where(ReviewAction.review_id == review_id)).all()
    by_agency: dict[int, list[ReviewAction]] = {}
    for action in actions:
        by_agency.setdefault(action.agency_id, []).append(action)
    links = {link.agency_id: link for link in session.scalars(
        select(AgencyActionLink).where(AgencyActionLink.review_id == review_id,
                                       AgencyActionLink.revoked_at.is_(None)))}
    reads = []
    for agency_id, own in by_agency.items():
        agency = session.get(Agency, agency_id)
        link = links.get(agency_id)
        issuer = session.get(Account, link.issued_by_id) if link else None
        reads.append(ActionLinkRead(
            agency_id, agency.name if agency else "—", len(own), sum(a.status in OPEN_STATUSES for a in own),
            actions_all_evidenced(a.status for a in own), link.id if link else None,
            link.issued_at if link else None, issuer.display_name if issuer else None,
            link.expires_on if link else None))
    return tuple(sorted(reads, key=lambda r: r.agency_name.lower()))


# ---------------------------------------------------------------- the agency's side: through its link


@dataclass(frozen=True)
class AgencyRoundView:
    """One round of evidence as the agency sees it: when, and what the Partnership decided."""

    round: int
    given_on: date
    through_link: bool
    outcome: str  # "Accepted", "Sent back" or "Waiting for the Partnership"
    reason: str | None  # why it was sent back


@dataclass(frozen=True)
class AgencyActionView:
    """One of the agency's actions."""

    id: int
    version: int
    description: str
    due_on: date
    status: str
    status_label: str
    may_give_evidence: bool
    rounds: tuple[AgencyRoundView, ...]


@dataclass(frozen=True)
class AgencyActionsPage:
    """What the agency's actions page shows."""

    link_id: int
    partnership_name: str
    outside_reference: str
    agency_name: str
    open_until: date
    actions: tuple[AgencyActionView, ...]


@dataclass(frozen=True)
class _Visit:
    link: AgencyActionLink
    review: Review
    agency: Agency
    issuer: Account
    actions: list[ReviewAction]


def _usable(session: Session, token: str | None, as_of: date, *, for_write: bool) -> _Visit:
    """The link this token opens, or LinkNotFound (the same for every reason)."""
    if not token or len(token) > 200:
        raise LinkNotFound()
    query = select(AgencyActionLink).where(AgencyActionLink.token_hash == token_hash(token),
                                           AgencyActionLink.revoked_at.is_(None))
    link = session.scalars(query.with_for_update() if for_write else query).first()
    if link is None or as_of > link.expires_on:
        raise LinkNotFound()
    review = session.get(Review, link.review_id)
    agency = session.get(Agency, link.agency_id)
    issuer = session.get(Account, link.issued_by_id)
    if review is None or review.state == ReviewState.WITHDRAWN or agency is None or issuer is None:
        raise LinkNotFound()
    try:
        check_role(issuer, CASE_WRITERS, "act for an agency's action link")
    except NotAllowed:
        raise LinkNotFound() from None
    actions = _agency_actions(session, review.id, agency.id)
    if not actions or actions_all_evidenced(a.status for a in actions):
        raise LinkNotFound()
    return _Visit(link, review, agency, issuer, actions)


def open_agency_actions(session: Session, *, token: str | None, as_of: date) -> AgencyActionsPage:
    """What the agency's actions page shows for its link (LinkNotFound for any token that opens nothing)."""
    visit = _usable(session, token, as_of, for_write=False)
    ids = [a.id for a in visit.actions]
    rounds: dict[int, list[AgencyRoundView]] = {}
    for row in session.scalars(select(ActionEvidence).where(ActionEvidence.action_id.in_(ids))
                               .order_by(ActionEvidence.action_id, ActionEvidence.round)):
        rounds.setdefault(row.action_id, []).append(AgencyRoundView(
            row.round, row.given_on, row.given_through_link,
            OUTCOME_WORDS.get(row.outcome or "", "Waiting for the Partnership"),
            row.outcome_reason if row.outcome == FinalQaOutcome.SENT_BACK.value else None))
    partnership = (session.scalar(select(Setting.partnership_name).where(OF_CURRENT_PARTNERSHIP))
                   or "The Safeguarding Partnership")
    return AgencyActionsPage(
        link_id=visit.link.id, partnership_name=partnership,
        outside_reference=outside_reference(visit.review.case_reference, visit.review.id),
        agency_name=visit.agency.name, open_until=visit.link.expires_on,
        actions=tuple(AgencyActionView(a.id, a.version, a.description, a.due_on, a.status,
                                       STATUS_LABELS.get(a.status, a.status), a.status in OPEN_STATUSES,
                                       tuple(rounds.get(a.id, ()))) for a in visit.actions))


def give_evidence_through_link(session: Session, *, token: str | None, action_id: int,
                               expected_version: int | None, evidence: str | None,
                               documents: Sequence[tuple[str | None, bytes]] = (), as_of: date) -> int:
    """The agency's round of evidence for one of its open actions (text, optional PDF or Word documents): the action
    is done, waiting for the Manager. The round's number."""
    visit = _usable(session, token, as_of, for_write=True)
    action = session.scalars(select(ReviewAction).where(ReviewAction.id == action_id,
                                                        ReviewAction.review_id == visit.review.id,
                                                        ReviewAction.agency_id == visit.agency.id)
                             .with_for_update()).first()
    if action is None:
        raise InvalidInput(NOT_ON_THIS_PAGE)
    check_version(action, expected_version, "This action")
    check_give_evidence(action.status)
    cleaned = clean_evidence(evidence)
    accepted = judge_documents(documents)
    last = session.scalar(select(func.max(ActionEvidence.round)).where(ActionEvidence.action_id == action.id)) or 0
    round_ = ActionEvidence(review_id=action.review_id, action_id=action.id, round=last + 1, evidence=cleaned,
                            given_on=as_of, given_by_id=None, given_through_link=True)
    session.add(round_)
    session.flush()
    for file, (_, data) in zip(accepted, documents, strict=True):
        session.add(ActionEvidenceDocument(evidence_id=round_.id, file_name=file.file_name,
                                           content_type=file.content_type, size_bytes=file.size_bytes,
                                           sha256=file.sha256, content=data))
    action.status = ActionStatus.DONE.value
    flush_or_stale(session, "This action")
    names = ", ".join(f.file_name for f in accepted)
    short = " ".join(cleaned.split())
    short = short if len(short) <= 80 else short[:79].rstrip() + "…"
    _log(session, visit.issuer, action.review_id,
         f"Evidence round {round_.round} given for action {action.id} (done) by {visit.agency.name} through its "
         f"action link (link {visit.link.id})" + (f", with {names}" if names else "") + f": \"{short}\".",
         LogCategory.DOCUMENT_FILED.value)
    return round_.round
