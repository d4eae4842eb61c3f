"""Writing the recommendations and actions register: a recommendation added (its text edited), an action added (its
due date or owner changed with a reason), started, evidenced, its evidence accepted or sent back, its impact checked.

Managers and officers add and change; evidence is given by the action's owner account, an officer or the manager;
the Manager alone accepts evidence, sends it back and checks impact. Each write appends its daily log entry to the
review in the same transaction. Evidence rounds are kept for ever (the database refuses any change but the outcome,
and every delete)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import ActionStatus, FinalQaOutcome, LogCategory, Role
from db.models import Account, Agency, Review
from db.models_after import ActionEvidence, ActionEvidenceDocument, Recommendation, ReviewAction
from services.actions.reads import NO_SUCH_ACTION, NO_SUCH_RECOMMENDATION, NO_SUCH_REVIEW
from services.actions.rules import (
    SOURCE_LABELS,
    check_decide_evidence,
    check_due_dates,
    check_give_evidence,
    check_impact,
    check_made_on,
    check_start,
    clean_description,
    clean_evidence,
    clean_finding,
    clean_owner,
    clean_reason,
    clean_recommendation,
    clean_source,
    judge_documents,
    owner_words,
)
from services.concurrency import check_version, flush_or_stale
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput, NotAllowed
from services.formatting import log_date
from services.milestones import refuse_if_withdrawn
from services.permissions import CASE_WRITERS, requires

EVIDENCE_GIVERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)  # the chair only as the action's owner
OWNER_ROLES = (Role.MANAGER.value, Role.OFFICER.value, Role.CHAIR.value)


def _short(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1].rstrip() + "…"


def _writable_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput(NO_SUCH_REVIEW)
    refuse_if_withdrawn(review.state, review.case_reference, review.withdrawn_on)
    return review


def _recommendation(session: Session, recommendation_id: int) -> Recommendation:
    found = session.scalars(select(Recommendation).where(Recommendation.id == recommendation_id)
                            .with_for_update()).first()
    if found is None:
        raise InvalidInput(NO_SUCH_RECOMMENDATION)
    return found


def _action(session: Session, action_id: int, expected_version: int | None) -> ReviewAction:
    found = session.scalars(select(ReviewAction).where(ReviewAction.id == action_id).with_for_update()).first()
    if found is None:
        raise InvalidInput(NO_SUCH_ACTION)
    check_version(found, expected_version, f"Action {found.id}")
    _writable_review(session, found.review_id)
    return found


def _log(session: Session, actor: Account, review_id: int, text: str,
         category: str = LogCategory.SYSTEM.value) -> None:
    append_system_entry(session, actor, review_id=review_id, category=category, text=text)


def _owner_account(session: Session, account_id: int | None) -> Account | None:
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None or not account.active or not account.has_role(*OWNER_ROLES):
        raise InvalidInput("The owner must be an active account of a Partnership Manager, officer or JCR Chair; "
                           "otherwise type a named contact.")
    return account


def _agency(session: Session, agency_id: int | None) -> Agency:
    agency = session.get(Agency, agency_id) if agency_id is not None else None
    if agency is None or not agency.active:
        raise InvalidInput("Choose the owning agency from the active agencies.")
    return agency


@requires(*CASE_WRITERS, action="add a recommendation")
def add_recommendation(session: Session, actor: Account, *, review_id: int, source: str | None, text: str | None,
                       made_on: date | None, as_of: date) -> int:
    """A recommendation of the review; its id."""
    review = _writable_review(session, review_id)
    cleaned_source = clean_source(source)
    cleaned = clean_recommendation(text)
    made = check_made_on(made_on, notified_on=review.notification_received_date, as_of=as_of)
    recommendation = Recommendation(review_id=review.id, source=cleaned_source, recommendation=cleaned, made_on=made,
                                    created_by_id=actor.id)
    session.add(recommendation)
    session.flush()
    _log(session, actor, review.id, f"Recommendation {recommendation.id} added ({SOURCE_LABELS[cleaned_source]}, made "
                                    f"{log_date(made)}): \"{_short(cleaned)}\".")
    return recommendation.id


@requires(*CASE_WRITERS, action="edit a recommendation")
def edit_recommendation(session: Session, actor: Account, *, recommendation_id: int, expected_version: int | None,
                        text: str | None) -> int:
    recommendation = _recommendation(session, recommendation_id)
    check_version(recommendation, expected_version, f"Recommendation {recommendation.id}")
    _writable_review(session, recommendation.review_id)
    cleaned = clean_recommendation(text)
    if cleaned == recommendation.recommendation:
        raise InvalidInput("The recommendation is unchanged: edit its text, then save.")
    before = recommendation.recommendation
    recommendation.recommendation = cleaned
    flush_or_stale(session, f"Recommendation {recommendation.id}")
    _log(session, actor, recommendation.review_id,
         f"Recommendation {recommendation.id} edited: was \"{_short(before)}\", now \"{_short(cleaned)}\".")
    return recommendation.version


@requires(*CASE_WRITERS, action="add an action")
def add_action(session: Session, actor: Account, *, recommendation_id: int, agency_id: int | None,
               owner_account_id: int | None, owner_name: str | None, owner_email: str | None,
               description: str | None, due_on: date | None, impact_check_on: date | None) -> int:
    """An action of the recommendation (not started); its id."""
    recommendation = _recommendation(session, recommendation_id)
    _writable_review(session, recommendation.review_id)
    agency = _agency(session, agency_id)
    owner = clean_owner(owner_account_id, owner_name, owner_email)
    account = _owner_account(session, owner.account_id)
    cleaned = clean_description(description)
    due, impact = check_due_dates(due_on, impact_check_on, made_on=recommendation.made_on)
    action = ReviewAction(review_id=recommendation.review_id, recommendation_id=recommendation.id,
                          agency_id=agency.id, owner_account_id=owner.account_id, owner_name=owner.name,
                          owner_email=owner.email, description=cleaned, due_on=due, impact_check_on=impact,
                          status=ActionStatus.NOT_STARTED.value, created_by_id=actor.id)
    session.add(action)
    session.flush()
    who = owner_words(account.display_name if account else None, owner.name, owner.email)
    _log(session, actor, recommendation.review_id,
         f"Action {action.id} added to recommendation {recommendation.id}: {agency.name}, owner {who}, due "
         f"{log_date(due)}" + (f", impact to check from {log_date(impact)}" if impact else "")
         + f": \"{_short(cleaned)}\".")
    return action.id


@requires(*CASE_WRITERS, action="change an action's due date or owner")
def change_action(session: Session, actor: Account, *, action_id: int, expected_version: int | None,
                  due_on: date | None, impact_check_on: date | None, owner_account_id: int | None,
                  owner_name: str | None, owner_email: str | None, reason: str | None) -> int:
    """A new due date (and impact check date) or owner, with the reason, logged."""
    action = _action(session, action_id, expected_version)
    recommendation = _recommendation(session, action.recommendation_id)
    owner = clean_owner(owner_account_id, owner_name, owner_email)
    account = _owner_account(session, owner.account_id)
    due, impact = check_due_dates(due_on, impact_check_on, made_on=recommendation.made_on)
    cleaned_reason = clean_reason(reason, label="reason for the change")
    changes = []
    if due != action.due_on:
        changes.append(f"due {log_date(action.due_on)} -> {log_date(due)}")
    if impact != action.impact_check_on:
        changes.append(f"impact check {log_date(action.impact_check_on)} -> {log_date(impact)}")
    old_owner = (action.owner_account_id, action.owner_name, action.owner_email)
    if old_owner != (owner.account_id, owner.name, owner.email):
        old_account = session.get(Account, action.owner_account_id) if action.owner_account_id else None
        before = owner_words(old_account.display_name if old_account else None, action.owner_name, action.owner_email)
        after = owner_words(account.display_name if account else None, owner.name, owner.email)
        changes.append(f"owner {before} -> {after}")
    if not changes:
        raise InvalidInput("Nothing changed: give a new due date or owner, then save.")
    action.due_on, action.impact_check_on = due, impact
    action.owner_account_id, action.owner_name, action.owner_email = owner.account_id, owner.name, owner.email
    flush_or_stale(session, f"Action {action.id}")
    _log(session, actor, action.review_id, f"Action {action.id} changed: {'; '.join(changes)}. Reason: "
                                           f"{cleaned_reason}")
    return action.version


def _may_work_on(actor: Account, action: ReviewAction) -> None:
    if actor.has_role(Role.MANAGER.value, Role.OFFICER.value) or actor.id == action.owner_account_id:
        return
    raise NotAllowed("Only the action's owner, a Partnership officer or the Partnership Manager may work on it.")


@requires(*EVIDENCE_GIVERS, action="start an action")
def start_action(session: Session, actor: Account, *, action_id: int, expected_version: int | None) -> int:
    action = _action(session, action_id, expected_version)
    _may_work_on(actor, action)
    check_start(action.status)
    action.status = ActionStatus.IN_PROGRESS.value
    flush_or_stale(session, f"Action {action.id}")
    _log(session, actor, action.review_id, f"Action {action.id} started (in progress).")
    return action.version


@requires(*EVIDENCE_GIVERS, action="give evidence for an action")
def give_evidence(session: Session, actor: Account, *, action_id: int, expected_version: int | None,
                  evidence: str | None, documents: Sequence[tuple[str | None, bytes]] = (), as_of: date) -> int:
    """A new round of evidence (text, optional PDF or Word documents): the action is done. The round's number."""
    action = _action(session, action_id, expected_version)
    _may_work_on(actor, action)
    check_give_evidence(action.status)
    cleaned = clean_evidence(evidence)
    accepted = judge_documents(documents)
    last = session.scalar(select(func.max(ActionEvidence.round)).where(ActionEvidence.action_id == action.id)) or 0
    round_ = ActionEvidence(review_id=action.review_id, action_id=action.id, round=last + 1, evidence=cleaned,
                            given_on=as_of, given_by_id=actor.id)
    session.add(round_)
    session.flush()
    for file, (_, data) in zip(accepted, documents, strict=True):
        session.add(ActionEvidenceDocument(evidence_id=round_.id, file_name=file.file_name,
                                           content_type=file.content_type, size_bytes=file.size_bytes,
                                           sha256=file.sha256, content=data))
    action.status = ActionStatus.DONE.value
    flush_or_stale(session, f"Action {action.id}")
    names = ", ".join(f.file_name for f in accepted)
    _log(session, actor, action.review_id,
         f"Evidence round {round_.round} given for action {action.id} (done)"
         + (f", with {names}" if names else "") + f": \"{_short(cleaned)}\".", LogCategory.DOCUMENT_FILED.value)
    return round_.round


def _waiting_round(session: Session, action: ReviewAction) -> ActionEvidence:
    check_decide_evidence(action.status)
    found = session.scalars(select(ActionEvidence).where(ActionEvidence.action_id == action.id,
                                                         ActionEvidence.outcome.is_(None))
                            .order_by(ActionEvidence.round.desc())).first()
    if found is None:
        raise InvalidInput("There is no evidence waiting for a decision. Reload the page.")
    return found


@requires(Role.MANAGER, action="accept an action's evidence")
def accept_evidence(session: Session, actor: Account, *, action_id: int, expected_version: int | None,
                    as_of: date) -> int:
    action = _action(session, action_id, expected_version)
    round_ = _waiting_round(session, action)
    round_.outcome, round_.decided_on, round_.decided_by_id = FinalQaOutcome.ACCEPTED.value, as_of, actor.id
    action.status = ActionStatus.EVIDENCE_ACCEPTED.value
    flush_or_stale(session, f"Action {action.id}")
    _log(session, actor, action.review_id, f"Evidence round {round_.round} of action {action.id} accepted.",
         LogCategory.QUALITY_CHECK.value)
    return action.version


@requires(Role.MANAGER, action="send an action's evidence back")
def send_back_evidence(session: Session, actor: Account, *, action_id: int, expected_version: int | None,
                       reason: str | None, as_of: date) -> int:
    """The round keeps its outcome (sent back, with the reason); the action is in progress again."""
    action = _action(session, action_id, expected_version)
    round_ = _waiting_round(session, action)
    cleaned = clean_reason(reason, label="reason for sending the evidence back")
    round_.outcome, round_.outcome_reason = FinalQaOutcome.SENT_BACK.value, cleaned
    round_.decided_on, round_.decided_by_id = as_of, actor.id
    action.status = ActionStatus.IN_PROGRESS.value
    flush_or_stale(session, f"Action {action.id}")
    _log(session, actor, action.review_id,
         f"Evidence round {round_.round} of action {action.id} sent back (in progress again). Reason: {cleaned}",
         LogCategory.QUALITY_CHECK.value)
    return action.version


@requires(Role.MANAGER, action="record an action's impact check")
def check_action_impact(session: Session, actor: Account, *, action_id: int, expected_version: int | None,
                        finding: str | None, as_of: date) -> int:
    action = _action(session, action_id, expected_version)
    check_impact(action.status, impact_check_on=action.impact_check_on, as_of=as_of)
    cleaned = clean_finding(finding)
    action.status = ActionStatus.IMPACT_CHECKED.value
    action.impact_checked_on, action.impact_checked_by_id, action.impact_finding = as_of, actor.id, cleaned
    flush_or_stale(session, f"Action {action.id}")
    _log(session, actor, action.review_id, f"Impact of action {action.id} checked: {cleaned}",
         LogCategory.QUALITY_CHECK.value)
    return action.version
