"""What the product emails, and to whom (issue 17); the sending itself is services.outbox.

- The morning digest, on working days, to each active account of a case role with an email address: what is
  overdue, what is due today or on the next working day, and the milestones delegated to it. None when there is
  nothing to say.
- A chase of an agency for its return, and the notice that a return was sent back, to the agency's contact (copied to
  its JCR Group representative), when an officer or the Partnership Manager sends it from the Agency returns page.
- Each JCR Chair with an email address, when a report is sent to the Chair for sign-off.

No subject ever carries a case reference (it holds a child's initials): subjects name a review by its outside
reference (services.outside). The bodies, read by partnership staff and agencies, give the case reference as the
ready-made chase email always did.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import MailKind, ReviewState, Role
from db.models import Account, Agency, Review
from services.calendar import load_calendar, load_settings
from services.errors import InvalidInput
from services.outbox import already_queued, mail_is_on, queue_mail
from services.outside import outside_reference
from services.permissions import CASE_READERS, CASE_WRITERS, requires
from services.rag import Rag
from services.returns.chasing import chase_email_for, record_chase
from services.returns.queries import list_outstanding_returns, read_return
from services.returns.rules import Stage, agency_due_date, return_stage
from services.review_status import RETURN_WORDS, list_delegated_to_me, list_live_reviews

# ---------------------------------------------------------------- the digest (pure)


@dataclass(frozen=True)
class DigestLine:
    """One item of a digest: when it is due, which review (its case reference) and what."""

    due: date
    case_reference: str
    what: str


def digest_mail(*, name: str, today: date, next_day: date, lines: Sequence[DigestLine],
                delegated: Sequence[DigestLine], partnership: str) -> tuple[str, str] | None:
    """The digest's subject and body, or None when nothing is overdue, due or delegated."""
    overdue = sorted((line for line in lines if line.due < today), key=lambda line: (line.due, line.case_reference))
    due = sorted((line for line in lines if today <= line.due <= next_day),
                 key=lambda line: (line.due, line.case_reference))
    if not (overdue or due or delegated):
        return None
    subject = (f"Rapid Review deadlines, {today:%a %d %b %Y}: {len(overdue)} overdue, "
               f"{len(due)} due by {next_day:%a %d %b}")

    def listed(title: str, items: Sequence[DigestLine]) -> list[str]:
        if not items:
            return [title, "  Nothing.", ""]
        return [title, *(f"  {line.due:%a %d %b}  {line.case_reference}: {line.what}" for line in items), ""]

    body = "\n".join([
        f"Good morning {name},",
        "",
        *listed("Overdue:", overdue),
        *listed(f"Due today or on the next working day ({next_day:%a %d %b}):", due),
        *listed("Delegated to you (open):", sorted(delegated, key=lambda line: (line.due, line.case_reference))),
        "Open the Rapid Review Tracker for the details. You get this email on working days because your account "
        "has this address; ask your administrator to remove it to stop it.",
        "",
        partnership,
    ])
    return subject, body


# ---------------------------------------------------------------- the digest (reading)


def _digest_lines(session: Session, account: Account, today: date, next_day: date) -> list[DigestLine]:
    lines = []
    for status in list_live_reviews(session, account, as_of=today):
        if status.review.state != ReviewState.OPEN:
            continue
        for s in status.milestones:
            due = s.milestone.effective_due_date
            if (s.rag not in (Rag.COMPLETE, Rag.NOT_NEEDED) and not s.milestone.optional and due is not None
                    and due <= next_day):
                lines.append(DigestLine(due, status.review.case_reference, s.milestone.title))
    for r in list_outstanding_returns(session, account, as_of=today):
        if r.action_due is not None and r.action_due <= next_day and r.stage in RETURN_WORDS:
            lines.append(DigestLine(r.action_due, r.case_reference,
                                    f"{r.agency_name} return {RETURN_WORDS[r.stage]}"))
    return lines


def digest_recipients(session: Session) -> list[Account]:
    """Active accounts of a case role with an email address."""
    accounts = session.scalars(select(Account).where(Account.active.is_(True), Account.email.is_not(None))
                               .order_by(Account.id))
    return [a for a in accounts if a.has_role(*CASE_READERS)]


def queue_digests(session: Session, *, today: date) -> int:
    """Queue today's digest for each recipient (once a day: its key is the account and the date); none on a day
    that is not a working day. How many were queued now."""
    cal = load_calendar(session)
    if not mail_is_on() or not cal.is_working_day(today):
        return 0
    next_day = cal.add_working_days(today, 1)
    partnership = load_settings(session).partnership_name
    queued = 0
    for account in digest_recipients(session):
        key = f"digest:{account.id}:{today.isoformat()}"
        if already_queued(session, key):
            continue
        delegated = [DigestLine(t.due_date or today, t.case_reference, t.title)
                     for t in list_delegated_to_me(session, account, as_of=today)]
        mail = digest_mail(name=account.display_name, today=today, next_day=next_day,
                           lines=_digest_lines(session, account, today, next_day), delegated=delegated,
                           partnership=partnership)
        if mail is not None and account.email:
            queued += queue_mail(session, key=key, kind=MailKind.DIGEST, to=account.email, subject=mail[0],
                                 body=mail[1], recipient_account_id=account.id)
    return queued


# ---------------------------------------------------------------- chases and send-back notices


@dataclass(frozen=True)
class QueuedNotice:
    """An email to an agency, queued: the next mail run sends it and logs it."""

    kind: MailKind
    to: str


@requires(*CASE_WRITERS, action="email an agency")
def email_agency_about_return(session: Session, actor: Account, *, return_id: int, as_of: date) -> QueuedNotice:
    """Queue the email to the agency for a return it owes: the send-back notice, once per send-back round, else a
    chase (at most one a day; logged as a chase too), to its contact and copied to its JCR Group representative."""
    if not mail_is_on():
        raise InvalidInput("This tracker does not send email (SMTP_URL is not set): use the Email link instead.")
    ret = read_return(session, return_id)
    stage = return_stage(ret)
    if stage not in (Stage.AWAITING, Stage.SENT_BACK):
        raise InvalidInput(f"The return from {ret.agency.name} is not awaited from the agency; there is nothing to "
                           "email about.")
    agency = session.get(Agency, ret.agency.id)
    if agency is None or not agency.contact_email:
        raise InvalidInput(f"No contact email is held for {ret.agency.name}: ask an administrator to add one.")
    cal = load_calendar(session)
    due = agency_due_date(cal, ret)
    ref = f"Rapid Review {outside_reference(ret.case_reference, ret.review_id)}"
    ready = chase_email_for(cal, ret, as_of=as_of, sender=actor.display_name,
                            partnership=load_settings(session).partnership_name)
    send_back_key = f"send-back:{ret.id}:{ret.sent_back_count}"
    if stage is Stage.SENT_BACK and not already_queued(session, send_back_key):
        kind, key = MailKind.SEND_BACK, send_back_key
        subject = f"{ref}: your scoping return was sent back; resubmission due {due:%a %d %b %Y}"
    else:
        kind, key = MailKind.CHASE, f"chase:{ret.id}:{as_of.isoformat()}"
        if already_queued(session, key):
            raise InvalidInput(f"A chase email to {ret.agency.name} was already sent today; it is not sent twice.")
        what = "resubmission of your scoping return" if stage is Stage.SENT_BACK else (
            f"scoping return from {ret.agency.name}")
        subject = f"{ref}: {what}, due {due:%a %d %b %Y}"
        # A chase by this person today may be logged already (the button beside this one): it is not logged twice.
        with suppress(InvalidInput):
            record_chase(session, actor, return_id=ret.id, as_of=as_of)
    queue_mail(session, key=key, kind=kind, to=agency.contact_email, cc=agency.jcr_rep_email, subject=subject,
               body=ready.body, review_id=ret.review_id, agency_return_id=ret.id, queued_by_id=actor.id)
    return QueuedNotice(kind, agency.contact_email)


# ---------------------------------------------------------------- the Chair told


def notify_chairs_of_report(session: Session, actor: Account, *, review: Review, version_id: int,
                            version_number: int) -> int:
    """Queue, for each active JCR Chair with an email address, the notice that a report was sent for sign-off.
    Called by the report service once the version is stored; how many were queued."""
    if not mail_is_on():
        return 0
    chairs = [a for a in session.scalars(select(Account).where(Account.active.is_(True), Account.email.is_not(None))
                                         .order_by(Account.id)) if a.has_role(Role.CHAIR)]
    ref = f"Rapid Review {outside_reference(review.case_reference, review.id)}"
    queued = 0
    for chair in chairs:
        body = "\n".join([
            f"Dear {chair.display_name},",
            "",
            f"{actor.display_name} has sent the report of Rapid Review {review.case_reference} (version "
            f"{version_number}) to you for sign-off. Open the Report page of the Rapid Review Tracker to read it, "
            "amend it and sign it off.",
            "",
            load_settings(session).partnership_name,
        ])
        queued += queue_mail(session, key=f"sign-off:{version_id}:{chair.id}", kind=MailKind.SIGN_OFF,
                             to=chair.email or "", subject=f"{ref}: report sent to you for sign-off", body=body,
                             recipient_account_id=chair.id, review_id=review.id, queued_by_id=actor.id)
    return queued


@dataclass(frozen=True)
class MyMail:
    """What the acting account receives by email."""

    mail_on: bool
    email: str | None


@requires(*CASE_READERS, action="see what you receive by email")
def my_mail(session: Session, actor: Account) -> MyMail:
    """Whether this server sends email, and the acting account's address for its digest."""
    return MyMail(mail_is_on(), actor.email)
