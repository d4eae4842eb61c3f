"""Agencies answer their scoping request through a private link: issuing, reissuing and revoking links (the
officers), and opening, saving, attaching and submitting through one (the agency).

**Who acts.** The Partnership's side is ordinary: every function taking `(session, actor, ...)` checks the actor's
role with `requires` (managers and officers, CASE_WRITERS, as for the other steps of a return).

The agency has no account: it acts through its link, and **the link's token is its credential**, as a calendar
feed's is (services/calendar_feed.py). Every agency-side function takes `token=` instead of an actor and starts by
resolving it (`_usable_link`): the token's SHA-256 must name a link that is not revoked, not past its expiry, whose
return is still owed by the agency (awaiting its return, or sent back) on a review that is open or submitted, and
whose issuer may still write case data. Anything else (an unknown token, a token of another return or review, an
expired or revoked link) raises the one `LinkNotFound`, whose sentence says nothing about why: a guessed token learns
nothing. The link reaches exactly one return: no agency-side function takes a return or review id.

What the agency does is recorded **in the name of the account that issued its link** (the officer who sent the
request vouches for where it went): the daily log's author is that account, `by_system` is set, and every entry
says it came through the agency's link (its id, never the token) and names the agency's author *as typed*. The
receipt is recorded through the returns service's own `record_return_received` / `record_resubmission_received`
with that account, so its rules (dates, a return already received) and its log entry apply unchanged. The
route declares no account to the database (`act_as(None, via=...)`), so the record of changes shows no signed-in
account for these rows. An issuer who can no longer write (account deactivated, roles changed) leaves the link
unusable (LinkNotFound): an officer reissues it, and the new link is in their name.

Every write appends its daily log entry in the same transaction; text passes the product's text gate
(services/text.py) before it is stored.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import LogCategory, ReviewState
from db.models import Account, Agency, Review, Setting
from db.models_agency import (
    AgencyAnswer,
    AgencyAttachment,
    AgencyExchangeSettings,
    AgencyLink,
    AgencyRound,
    FormSection,
    FormVersion,
)
from db.models_returns import AgencyReturn, AgencyReturnSendBack
from services.agency_exchange.returns_api import (
    Stage,
    agency_due_date,
    load_return_for_write,
    record_resubmission_received,
    record_return_received,
    record_returns_requested,
    return_stage,
)
from services.agency_exchange.rules import (
    DEFAULT_LINK_EXPIRY_WORKING_DAYS,
    Confirmation,
    PreCheck,
    SectionSpec,
    clean_answers,
    clean_confirmation,
    clean_person_name,
    judge_attachment,
    link_expiry_date,
    link_open_until,
    precheck,
    token_hash,
)
from services.clock import LONDON as _LONDON
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput, NotAllowed, ServiceError
from services.outside import outside_reference
from services.permissions import CASE_WRITERS, check_role, requires
from services.settings_reads import OF_CURRENT_PARTNERSHIP, load_calendar
from services.text import clean_text
from services.working_days import WorkingCalendar

OWED_STAGES = (Stage.AWAITING, Stage.SENT_BACK)
LIVE_REVIEW_STATES = (ReviewState.OPEN, ReviewState.SUBMITTED)
MAX_REASON_CHARS = 500
AUTHOR_LABEL = "name of the person completing this return"


class LinkNotFound(ServiceError):
    """The one answer to a token that opens nothing, whatever the reason."""

    def __init__(self) -> None:
        super().__init__("This link does not work. It may have expired or been replaced by a newer one. Ask the "
                         "Safeguarding Partnership that sent it for a new link.")


# ---------------------------------------------------------------- what the officers get back


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: its token is shown (and emailed) this once; the database keeps only its hash."""

    link_id: int
    return_id: int
    agency_name: str
    token: str
    expires_on: date


def link_expiry_working_days(session: Session) -> int:
    """The setting: how many working days after the due date a link keeps working."""
    days = session.scalar(select(AgencyExchangeSettings.link_expiry_working_days)
                          .where(AgencyExchangeSettings.partnership_id == func.current_partnership()))
    return int(days) if days is not None else DEFAULT_LINK_EXPIRY_WORKING_DAYS


def current_form_version(session: Session) -> FormVersion:
    """The form a new link is sent with: the highest version."""
    version = session.scalars(select(FormVersion).order_by(FormVersion.number.desc()).limit(1)).first()
    if version is None:
        raise InvalidInput("The partnership has no scoping form yet: an administrator sets one up first.")
    return version


def _now(session: Session) -> datetime:
    """The database's time (the transaction's), as every stored time is."""
    now: datetime = session.execute(select(func.now())).scalar_one()
    return now


def _log(session: Session, actor: Account, ret: AgencyReturn, text: str) -> None:
    append_system_entry(session, actor, review_id=ret.review_id, category=LogCategory.COMMUNICATION, text=text,
                        agency_return_id=ret.id)


def _live_link(session: Session, return_id: int) -> AgencyLink | None:
    return session.scalars(select(AgencyLink).where(AgencyLink.agency_return_id == return_id,
                                                    AgencyLink.revoked_at.is_(None)).with_for_update()).first()


def _refuse_unless_owed(ret: AgencyReturn, what: str) -> None:
    stage = return_stage(ret)
    if stage not in OWED_STAGES:
        raise InvalidInput(f"The return from {ret.agency.name} is {stage.value}: nothing is owed by the agency now, "
                           f"so no link can be {what}.")


def _new_link(session: Session, actor: Account, ret: AgencyReturn, cal: WorkingCalendar, *,
              reissued_from: AgencyLink | None, as_of: date) -> IssuedLink:
    """A new link; it works N working days after the return's due date, or after today when that has passed (a
    link reissued late still gives the agency the same time)."""
    token = secrets.token_urlsafe(32)
    days = link_expiry_working_days(session)
    # A request keeps the form it was sent with: a reissued (or revoked and issued again) link opens the same version.
    first_version = session.scalar(select(AgencyLink.form_version_id).where(AgencyLink.agency_return_id == ret.id)
                                   .order_by(AgencyLink.id).limit(1))
    expires_on = max(link_expiry_date(cal, agency_due_date(cal, ret), days), link_expiry_date(cal, as_of, days))
    link = AgencyLink(agency_return_id=ret.id, review_id=ret.review_id, token_hash=token_hash(token),
                      form_version_id=first_version or current_form_version(session).id, issued_by_id=actor.id,
                      expires_on=expires_on, reissued_from_id=reissued_from.id if reissued_from else None)
    session.add(link)
    session.flush()
    return IssuedLink(link.id, ret.id, ret.agency.name, token, expires_on)


@requires(*CASE_WRITERS, action="issue an agency's link")
def issue_agency_link(session: Session, actor: Account, *, return_id: int, as_of: date) -> IssuedLink:
    """Issue the private link of one return (the scoping request's); one live link per return."""
    ret = load_return_for_write(session, return_id)
    _refuse_unless_owed(ret, "issued")
    live = _live_link(session, ret.id)
    if live is not None:
        raise InvalidInput(f"The return from {ret.agency.name} already has a live link (link {live.id}, issued "
                           f"{live.issued_at:%d %b %Y}). Reissue it to send a new one.")
    issued = _new_link(session, actor, ret, load_calendar(session), reissued_from=None, as_of=as_of)
    _log(session, actor, ret, f"Private link issued to {ret.agency.name} for its return (link {issued.link_id}); "
                              f"it works until {issued.expires_on:%a %d %b %Y}.")
    return issued


@requires(*CASE_WRITERS, action="reissue an agency's link")
def reissue_agency_link(session: Session, actor: Account, *, return_id: int, reason: str | None,
                        as_of: date) -> IssuedLink:
    """Replace a return's link (lost, forwarded to the wrong person, expired): the old one stops at once."""
    ret = load_return_for_write(session, return_id)
    _refuse_unless_owed(ret, "reissued")
    why = clean_text(reason, label="reason for reissuing the link", max_length=MAX_REASON_CHARS, required=True)
    old = _live_link(session, ret.id) or session.scalars(
        select(AgencyLink).where(AgencyLink.agency_return_id == ret.id).order_by(AgencyLink.id.desc()).limit(1)
    ).first()
    if old is not None and old.revoked_at is None:
        old.revoked_at, old.revoked_by_id = _now(session), actor.id
        old.revoked_reason = f"Reissued: {why}"
        session.flush()
    issued = _new_link(session, actor, ret, load_calendar(session), reissued_from=old, as_of=as_of)
    replaced = f"link {old.id} replaced by link {issued.link_id}" if old else f"link {issued.link_id} issued"
    _log(session, actor, ret, f"Private link of {ret.agency.name} reissued ({replaced}); it works until "
                              f"{issued.expires_on:%a %d %b %Y}. Reason: {why}")
    return issued


@requires(*CASE_WRITERS, action="revoke an agency's link")
def revoke_agency_link(session: Session, actor: Account, *, return_id: int, reason: str | None) -> int:
    """Stop a return's live link now; the id of the link revoked."""
    ret = session.get(AgencyReturn, return_id)
    if ret is None:
        raise InvalidInput("That return does not exist. Reload the page.")
    why = clean_text(reason, label="reason for revoking the link", max_length=MAX_REASON_CHARS, required=True)
    live = _live_link(session, return_id)
    if live is None:
        raise InvalidInput(f"The return from {ret.agency.name} has no live link to revoke.")
    live.revoked_at, live.revoked_by_id, live.revoked_reason = _now(session), actor.id, why
    session.flush()
    _log(session, actor, ret, f"Private link of {ret.agency.name} revoked (link {live.id}). Reason: {why}")
    return live.id


@requires(*CASE_WRITERS, action="record scoping forms sent")
def record_forms_sent_with_links(session: Session, actor: Account, *, review_id: int, agency_ids: Sequence[int],
                                 requested_on: date | None, as_of: date) -> list[IssuedLink]:
    """"Forms sent" as the returns service records it, each return then given its private link."""
    created = record_returns_requested(session, actor, review_id=review_id, agency_ids=agency_ids,
                                       requested_on=requested_on, as_of=as_of)
    return [issue_agency_link(session, actor, return_id=ret.id, as_of=as_of) for ret in created]


# ---------------------------------------------------------------- the agency's side: through its link


@dataclass(frozen=True)
class _Visit:
    """A usable link, resolved: what every agency-side step works on."""

    link: AgencyLink
    ret: AgencyReturn
    review: Review
    agency: Agency
    issuer: Account
    cal: WorkingCalendar
    open_until: date
    sections: tuple[FormSection, ...]

    @property
    def round_number(self) -> int:
        return self.ret.sent_back_count + 1

    @property
    def specs(self) -> tuple[SectionSpec, ...]:
        return tuple(SectionSpec(s.key, s.kind, s.heading, s.required) for s in self.sections)

    @property
    def may_answer(self) -> bool:
        return return_stage(self.ret) in OWED_STAGES


def _usable_link(session: Session, token: str | None, as_of: date, *, for_write: bool) -> _Visit:
    """The link this token opens, or LinkNotFound (the same for every reason)."""
    if not token or len(token) > 200:
        raise LinkNotFound()
    query = select(AgencyLink).where(AgencyLink.token_hash == token_hash(token), AgencyLink.revoked_at.is_(None))
    link = session.scalars(query.with_for_update() if for_write else query).first()
    if link is None:
        raise LinkNotFound()
    ret = session.scalars(select(AgencyReturn).where(AgencyReturn.id == link.agency_return_id)
                          .with_for_update(of=AgencyReturn) if for_write
                          else select(AgencyReturn).where(AgencyReturn.id == link.agency_return_id)).one()
    review = session.get(Review, ret.review_id)
    issuer = session.get(Account, link.issued_by_id)
    if review is None or review.id != link.review_id or review.state not in LIVE_REVIEW_STATES or issuer is None:
        raise LinkNotFound()
    try:
        check_role(issuer, CASE_WRITERS, "act for an agency's link")
    except NotAllowed:
        raise LinkNotFound() from None
    if ret.ended_as is not None or return_stage(ret) is Stage.ACCEPTED:
        raise LinkNotFound()
    cal = load_calendar(session)
    open_until = link_open_until(cal, issued_expiry=link.expires_on, current_due=agency_due_date(cal, ret),
                                 working_days=link_expiry_working_days(session))
    if as_of > open_until:
        raise LinkNotFound()
    sections = tuple(session.scalars(select(FormSection).where(FormSection.form_version_id == link.form_version_id)
                                     .order_by(FormSection.position)))
    return _Visit(link, ret, review, ret.agency, issuer, cal, open_until, sections)


def _round(session: Session, visit: _Visit, *, create: bool) -> AgencyRound | None:
    """This round's answer (locked), made when `create` and none exists yet."""
    row = session.scalars(select(AgencyRound).where(AgencyRound.agency_return_id == visit.ret.id,
                                                    AgencyRound.round == visit.round_number)
                          .with_for_update()).first()
    if row is None and create:
        row = AgencyRound(agency_return_id=visit.ret.id, review_id=visit.ret.review_id, round=visit.round_number,
                          form_version_id=visit.link.form_version_id, link_id=visit.link.id, confirmed=False)
        session.add(row)
        session.flush()
    return row


def _refuse_unless_answering(visit: _Visit, row: AgencyRound | None) -> None:
    if not visit.may_answer or (row is not None and row.submitted_at is not None):
        raise InvalidInput("This return has already been sent to the Partnership, so it cannot be changed now. If "
                           "they send it back to you, you can answer again through this link.")


def _answers_of(session: Session, row: AgencyRound | None, sections: Sequence[FormSection]) -> dict[str, str]:
    if row is None:
        return {}
    keys = {s.id: s.key for s in sections}
    return {keys[a.section_id]: a.text for a in session.scalars(
        select(AgencyAnswer).where(AgencyAnswer.round_id == row.id)) if a.section_id in keys}


def _store_answers(session: Session, row: AgencyRound, visit: _Visit, answers: Mapping[str, str]) -> None:
    stored = {a.section_id: a for a in session.scalars(select(AgencyAnswer).where(AgencyAnswer.round_id == row.id))}
    for section in visit.sections:
        text, kept = answers.get(section.key), stored.get(section.id)
        if text and kept is None:
            session.add(AgencyAnswer(round_id=row.id, section_id=section.id, text=text))
        elif text and kept is not None and kept.text != text:
            kept.text = text
        elif not text and kept is not None:
            session.delete(kept)
    session.flush()


def _attachment_count(session: Session, row: AgencyRound | None) -> int:
    if row is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(AgencyAttachment)
                              .where(AgencyAttachment.round_id == row.id)) or 0)


@dataclass(frozen=True)
class ConfirmationInput:
    """The senior manager's confirmation as the form sent it."""

    name: str | None = None
    role: str | None = None
    confirmed_on: date | None = None
    confirmed: bool = False


def _save(session: Session, visit: _Visit, *, author_name: str | None, answers: Mapping[str, str | None],
          confirmation: ConfirmationInput, as_of: date, submitting: bool) -> tuple[AgencyRound, str, dict[str, str],
                                                                                  Confirmation]:
    author = clean_person_name(author_name, label=AUTHOR_LABEL, required=True) or ""
    cleaned = clean_answers(visit.specs, answers)
    confirmed = clean_confirmation(name=confirmation.name, role=confirmation.role,
                                   confirmed_on=confirmation.confirmed_on, confirmed=confirmation.confirmed,
                                   not_before=visit.ret.requested_date, as_of=as_of, required=submitting)
    row = _round(session, visit, create=False)
    _refuse_unless_answering(visit, row)
    row = row or _round(session, visit, create=True)
    assert row is not None
    _store_answers(session, row, visit, cleaned)
    row.author_name = author
    row.senior_manager_name, row.senior_manager_role = confirmed.name, confirmed.role
    row.confirmed_on, row.confirmed = confirmed.confirmed_on, confirmed.confirmed
    row.link_id = visit.link.id
    row.saved_at = _now(session)
    session.flush()
    return row, author, cleaned, confirmed


def _answered(visit: _Visit, answers: Mapping[str, str]) -> str:
    asked = [s for s in visit.sections if s.kind != "confirmation"]
    return f"{sum(1 for s in asked if answers.get(s.key))} of {len(asked)} sections answered"


def _documents(count: int) -> str:
    return f"{count} document{'s' if count != 1 else ''}"


def save_agency_draft(session: Session, *, token: str | None, author_name: str | None,
                      answers: Mapping[str, str | None], confirmation: ConfirmationInput, as_of: date) -> int:
    """Save what the agency has typed so far (it can come back to it through the same link); the round's id."""
    visit = _usable_link(session, token, as_of, for_write=True)
    row, author, cleaned, _ = _save(session, visit, author_name=author_name, answers=answers,
                                    confirmation=confirmation, as_of=as_of, submitting=False)
    _log(session, visit.issuer, visit.ret,
         f"Draft of the return from {visit.agency.name} (round {row.round}) saved through its private link "
         f"(link {visit.link.id}) by {author} (as typed): {_answered(visit, cleaned)}, "
         f"{_documents(_attachment_count(session, row))}.")
    return row.id


def attach_agency_document(session: Session, *, token: str | None, author_name: str | None,
                           file_name: str | None, data: bytes, as_of: date) -> int:
    """Attach one PDF or Word document to this round (judged by its content); the attachment's id."""
    visit = _usable_link(session, token, as_of, for_write=True)
    author = clean_person_name(author_name, label=AUTHOR_LABEL, required=True) or ""
    row = _round(session, visit, create=False)
    _refuse_unless_answering(visit, row)
    accepted = judge_attachment(file_name, data, already_attached=_attachment_count(session, row))
    row = row or _round(session, visit, create=True)
    assert row is not None
    if row.author_name is None:
        row.author_name = author
    attachment = AgencyAttachment(round_id=row.id, agency_return_id=visit.ret.id, review_id=visit.ret.review_id,
                                  file_name=accepted.file_name, content_type=accepted.content_type,
                                  size_bytes=accepted.size_bytes, sha256=accepted.sha256, content=data,
                                  added_by_name=author)
    session.add(attachment)
    session.flush()
    _log(session, visit.issuer, visit.ret,
         f"Document attached to the return from {visit.agency.name} (round {row.round}) through its private link "
         f"(link {visit.link.id}) by {author} (as typed): {accepted.file_name}, {accepted.size_bytes:,} bytes, "
         f"SHA-256 {accepted.sha256[:12]}…")
    return attachment.id


def remove_agency_document(session: Session, *, token: str | None, attachment_id: int, as_of: date) -> None:
    """Take a document off this round's draft (a submitted round keeps its documents)."""
    visit = _usable_link(session, token, as_of, for_write=True)
    row = _round(session, visit, create=False)
    _refuse_unless_answering(visit, row)
    attachment = session.get(AgencyAttachment, attachment_id) if row is not None else None
    if row is None or attachment is None or attachment.round_id != row.id:
        raise InvalidInput("That document is not attached to this return (it may have been removed already).")
    name = attachment.file_name
    session.delete(attachment)
    session.flush()
    _log(session, visit.issuer, visit.ret,
         f"Document removed from the draft of the return from {visit.agency.name} (round {row.round}) through its "
         f"private link (link {visit.link.id}): {name}.")


@dataclass(frozen=True)
class Submitted:
    """A submission recorded: the round, when, and its pre-check."""

    round_id: int
    round: int
    submitted_at: datetime
    precheck: PreCheck


def submit_agency_return(session: Session, *, token: str | None, author_name: str | None,
                         answers: Mapping[str, str | None], confirmation: ConfirmationInput,
                         as_of: date) -> Submitted:
    """Send the return: the answers as given are kept as this round (never changed afterwards), the return is
    recorded received (or resubmitted) on `as_of` through the returns service, signed by the senior manager who
    confirmed it, and the pre-check is logged. The confirmation is required."""
    visit = _usable_link(session, token, as_of, for_write=True)
    row, author, cleaned, confirmed = _save(session, visit, author_name=author_name, answers=answers,
                                            confirmation=confirmation, as_of=as_of, submitting=True)
    resubmitted = return_stage(visit.ret) is Stage.SENT_BACK
    row.submitted_at = _now(session)
    session.flush()
    record = record_resubmission_received if resubmitted else record_return_received
    record(session, visit.issuer, return_id=visit.ret.id, expected_version=None, received_on=as_of,
           signed_by_senior_manager=True, signatory_role=confirmed.role or "", as_of=as_of)
    checked = precheck(visit.specs, cleaned, confirmed)
    _log(session, visit.issuer, visit.ret,
         f"{'Resubmitted return' if resubmitted else 'Return'} from {visit.agency.name} (round {row.round}) "
         f"submitted through its private link (link {visit.link.id}) at "
         f"{row.submitted_at.astimezone(_LONDON):%H:%M on %d %b %Y} by {author} (as typed); confirmed by "
         f"{confirmed.name}, {confirmed.role}, on {confirmed.confirmed_on:%d %b %Y}. "
         f"{_answered(visit, cleaned)}, {_documents(_attachment_count(session, row))}. {checked.sentence()}")
    return Submitted(row.id, row.round, row.submitted_at, checked)


# ---------------------------------------------------------------- what the agency's page shows


@dataclass(frozen=True)
class SectionView:
    key: str
    kind: str
    heading: str
    guidance: str
    required: bool


@dataclass(frozen=True)
class AttachmentView:
    id: int
    file_name: str
    content_type: str
    size_bytes: int
    added_by_name: str
    added_at: datetime


@dataclass(frozen=True)
class EarlierRound:
    """A round the agency submitted before, with why it was sent back."""

    round: int
    submitted_at: datetime | None
    author_name: str | None
    answers: tuple[tuple[str, str], ...]  # (heading, text) in the form's order
    attachments: tuple[str, ...]
    sent_back_on: date | None
    sent_back_reason: str | None
    new_due_date: date | None


@dataclass(frozen=True)
class AgencyPage:
    """Everything the agency's page shows, and nothing else: no other agency, nothing about the review beyond its
    outside reference."""

    link_id: int
    partnership_name: str
    outside_reference: str
    agency_name: str
    due_date: date
    open_until: date
    round: int
    may_answer: bool
    received_on: date | None
    sections: tuple[SectionView, ...]
    author_name: str | None
    answers: Mapping[str, str]
    confirmation: Confirmation
    attachments: tuple[AttachmentView, ...]
    saved_at: datetime | None
    submitted_at: datetime | None
    precheck: PreCheck
    earlier: tuple[EarlierRound, ...]


def _attachments(session: Session, round_id: int) -> tuple[AttachmentView, ...]:
    rows = session.execute(select(AgencyAttachment.id, AgencyAttachment.file_name, AgencyAttachment.content_type,
                                  AgencyAttachment.size_bytes, AgencyAttachment.added_by_name,
                                  AgencyAttachment.added_at)
                           .where(AgencyAttachment.round_id == round_id).order_by(AgencyAttachment.id)).all()
    return tuple(AttachmentView(*row) for row in rows)


def open_agency_return(session: Session, *, token: str | None, as_of: date) -> AgencyPage:
    """What the agency's page shows for its link (LinkNotFound for any token that opens nothing)."""
    visit = _usable_link(session, token, as_of, for_write=False)
    ret = visit.ret
    rows = {r.round: r for r in session.scalars(select(AgencyRound).where(AgencyRound.agency_return_id == ret.id))}
    current = rows.get(visit.round_number)
    answers = _answers_of(session, current, visit.sections)
    confirmation = Confirmation(current.senior_manager_name, current.senior_manager_role, current.confirmed_on,
                                current.confirmed) if current else Confirmation(None, None, None, False)
    send_backs = {s.round: s for s in session.scalars(
        select(AgencyReturnSendBack).where(AgencyReturnSendBack.agency_return_id == ret.id))}
    earlier = []
    for number in range(1, visit.round_number):
        row, sent_back = rows.get(number), send_backs.get(number)
        row_sections = visit.sections if row is None or row.form_version_id == visit.link.form_version_id else tuple(
            session.scalars(select(FormSection).where(FormSection.form_version_id == row.form_version_id)
                            .order_by(FormSection.position)))
        given = _answers_of(session, row, row_sections)
        earlier.append(EarlierRound(
            number, row.submitted_at if row else None, row.author_name if row else None,
            tuple((s.heading, given[s.key]) for s in row_sections if s.key in given),
            tuple(a.file_name for a in _attachments(session, row.id)) if row else (),
            sent_back.sent_back_on if sent_back else None, sent_back.reason if sent_back else None,
            sent_back.resubmission_due_date if sent_back else None))
    partnership = (session.scalar(select(Setting.partnership_name).where(OF_CURRENT_PARTNERSHIP))
                   or "The Safeguarding Partnership")
    received = ret.resubmission_received_date if visit.round_number > 1 else ret.received_date
    return AgencyPage(
        link_id=visit.link.id, partnership_name=partnership,
        outside_reference=outside_reference(visit.review.case_reference, visit.review.id),
        agency_name=visit.agency.name, due_date=agency_due_date(visit.cal, ret), open_until=visit.open_until,
        round=visit.round_number, may_answer=visit.may_answer and not (current and current.submitted_at),
        received_on=received,
        sections=tuple(SectionView(s.key, s.kind, s.heading, s.guidance, s.required) for s in visit.sections),
        author_name=current.author_name if current else None, answers=answers, confirmation=confirmation,
        attachments=_attachments(session, current.id) if current else (),
        saved_at=current.saved_at if current else None, submitted_at=current.submitted_at if current else None,
        precheck=precheck(visit.specs, answers, confirmation), earlier=tuple(earlier))
