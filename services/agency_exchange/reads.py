"""What the Partnership reads of the agencies' answers: a return's links (never a token), every round the agency
submitted with its answers in the form's order and its documents, and a document's bytes as a download. A draft is
the agency's until it is sent: the Partnership sees only when it was last saved, never its text or documents. Case
readers only (manager, officer, JCR Chair), as every read of a return."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account
from db.models_agency import AgencyAnswer, AgencyAttachment, AgencyLink, AgencyRound, FormSection
from db.models_returns import AgencyReturn
from services.agency_exchange.rules import Confirmation, PreCheck, SectionSpec, precheck
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires


@dataclass(frozen=True)
class LinkRead:
    id: int
    issued_at: datetime
    issued_by: str
    expires_on: date
    revoked_at: datetime | None
    revoked_reason: str | None
    reissued_from_id: int | None
    form_version_id: int


@dataclass(frozen=True)
class AnswerRead:
    key: str
    heading: str
    required: bool
    text: str | None


@dataclass(frozen=True)
class DocumentRead:
    id: int
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    added_by_name: str
    added_at: datetime


@dataclass(frozen=True)
class RoundRead:
    round: int
    author_name: str | None
    saved_at: datetime
    submitted_at: datetime | None
    confirmation: Confirmation
    answers: tuple[AnswerRead, ...]  # every text section of the round's form, in its order (text None: unanswered)
    documents: tuple[DocumentRead, ...]
    precheck: PreCheck


@dataclass(frozen=True)
class ExchangeRead:
    return_id: int
    links: tuple[LinkRead, ...]
    rounds: tuple[RoundRead, ...]  # the rounds submitted, first first
    draft_saved_at: datetime | None  # the agency is working on a draft not yet sent (last saved then)

    def answered_round(self, number: int) -> RoundRead | None:
        """Round `number` as the agency sent it through its link; None when that round did not come through the link
        (it was received by email and recorded by hand, or has not arrived)."""
        return next((r for r in self.rounds if r.round == number), None)


@requires(*CASE_READERS, action="read an agency's answers")
def agency_return_exchange(session: Session, actor: Account, *, return_id: int) -> ExchangeRead:
    """A return's links and rounds, as the officer's card and the Chair's view of the return show them."""
    if session.get(AgencyReturn, return_id) is None:
        raise InvalidInput("That return does not exist. Reload the page.")
    links = tuple(LinkRead(link.id, link.issued_at, name, link.expires_on, link.revoked_at, link.revoked_reason,
                           link.reissued_from_id, link.form_version_id)
                  for link, name in session.execute(
                      select(AgencyLink, Account.display_name).join(Account, Account.id == AgencyLink.issued_by_id)
                      .where(AgencyLink.agency_return_id == return_id).order_by(AgencyLink.id)).all())
    rounds = []
    draft_saved_at = None
    for row in session.scalars(select(AgencyRound).where(AgencyRound.agency_return_id == return_id)
                               .order_by(AgencyRound.round)):
        if row.submitted_at is None:
            draft_saved_at = row.saved_at
            continue
        sections = list(session.scalars(select(FormSection).where(FormSection.form_version_id == row.form_version_id)
                                        .order_by(FormSection.position)))
        given = {a.section_id: a.text for a in session.scalars(
            select(AgencyAnswer).where(AgencyAnswer.round_id == row.id))}
        keys = {s.id: s.key for s in sections}
        confirmation = Confirmation(row.senior_manager_name, row.senior_manager_role, row.confirmed_on,
                                    row.confirmed)
        documents = tuple(DocumentRead(*d) for d in session.execute(
            select(AgencyAttachment.id, AgencyAttachment.file_name, AgencyAttachment.content_type,
                   AgencyAttachment.size_bytes, AgencyAttachment.sha256, AgencyAttachment.added_by_name,
                   AgencyAttachment.added_at).where(AgencyAttachment.round_id == row.id)
            .order_by(AgencyAttachment.id)).all())
        rounds.append(RoundRead(
            row.round, row.author_name, row.saved_at, row.submitted_at, confirmation,
            tuple(AnswerRead(s.key, s.heading, s.required, given.get(s.id)) for s in sections
                  if s.kind != "confirmation"),
            documents,
            precheck([SectionSpec(s.key, s.kind, s.heading, s.required) for s in sections],
                     {keys[i]: t for i, t in given.items() if i in keys}, confirmation)))
    return ExchangeRead(return_id, links, tuple(rounds), draft_saved_at)


@dataclass(frozen=True)
class DocumentFile:
    file_name: str
    content_type: str
    content: bytes


@requires(*CASE_READERS, action="download an agency's document")
def agency_document_file(session: Session, actor: Account, *, attachment_id: int) -> DocumentFile:
    """A document's bytes, for a download (never shown inline: it came from outside); only once its round was sent."""
    attachment = session.get(AgencyAttachment, attachment_id)
    sent = attachment is not None and session.scalar(
        select(AgencyRound.submitted_at).where(AgencyRound.id == attachment.round_id)) is not None
    if attachment is None or not sent:
        raise InvalidInput("That document does not exist, or the agency has not sent it yet. Reload the page.")
    return DocumentFile(attachment.file_name, attachment.content_type, attachment.content)
