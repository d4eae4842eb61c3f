"""What the product emails, and to whom (issue 17); the sending itself is services.outbox.

- The morning digest, on working days, to each active account of a case role with an email address: what is
  overdue, what is due today or on the next working day, and the milestones delegated to it. None when there is
  nothing to say.
- A chase of an agency for its return, and the notice that a return was sent back, to the agency's contact (copied to
  its JCR Group representative), when an officer or the Partnership Manager sends it from the Agency returns page.
- Each JCR Chair with an email address, when a report is sent to the Chair for sign-off.
- Each active JCR Chair with an email address, when a return is shared with the Chair from its card: a link that
  opens the return's card in the tracker (`return_card_address`), never its content; the share is recorded when the
  emails are queued.
- The scoping request to an agency's contact (copied to its JCR Group representative) when its forms are recorded as
  sent, its private link reissued, or a first link issued for a return asked for before links existed: the due date
  and the link, built on the tracker's public address
  (RRT_PUBLIC_URL). Without that address, or with mail off, or with no contact address held, nothing is queued and
  the officer is given the link once to send by hand.

No subject ever carries a case reference (it holds a child's initials): subjects name a review by its outside
reference (services.outside). The bodies, read by partnership staff and agencies, give the case reference as the
ready-made chase email always did.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import read_settings, settings
from db.enums import MailKind, MilestoneKey, ReviewState, Role
from db.models import Account, Agency, Review
from services.agency_exchange.service import (
    IssuedLink,
    issue_agency_link,
    record_forms_sent_with_links,
    reissue_agency_link,
)
from services.errors import InvalidInput
from services.lcspr.reads import due_by, lcspr_due_steps
from services.outbox import already_queued, mail_is_on, queue_mail
from services.outside import outside_reference
from services.permissions import CASE_READERS, CASE_WRITERS, requires
from services.rag import Rag
from services.report.reads import ofsted_outstanding
from services.returns.chasing import chase_email_for, record_chase
from services.returns.reads import list_outstanding_returns, read_return
from services.returns.rules import Stage, agency_due_date, latest_received, return_stage, sharing_deadline
from services.returns.service import record_shared_with_chair
from services.reviews.status import RETURN_WORDS, list_delegated_to_me, list_live_reviews
from services.settings_reads import load_calendar, load_settings

PUBLIC_URL_VARIABLE = "RRT_PUBLIC_URL"  # as ui.server reads it: the tracker's address as people reach it
AGENCY_PATH = "/agency"  # where ui.server mounts the agency's page (ui.agency_site.AGENCY_PREFIX)

# ---------------------------------------------------------------- the digest (pure)


@dataclass(frozen=True)
class DigestLine:
    """One item of a digest: when it is due, which review (its case reference) and what; the review's id and the
    page (ui.navigation's key) that its link opens."""

    due: date
    case_reference: str
    what: str
    review_id: int | None = None
    page: str = "review"


def public_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The tracker's address as people reach it (RRT_PUBLIC_URL, no trailing slash), or None: no links then."""
    return (settings() if environ is None else read_settings(environ)).public_url


def return_card_address(base: str, review_id: int, return_id: int) -> str:
    """The address of one return's card: the Agency returns page with its review chosen and the card opened first
    ('https://tracker.example/returns?review=12&return=40'; pages/returns.py reads both)."""
    return f"{base}/returns?review={review_id}&return={return_id}"


def item_link(base: str | None, line: DigestLine) -> str | None:
    """The address of the page of the item's review ('https://tracker.example/review?review=12'), or None."""
    if base is None or line.review_id is None:
        return None
    return f"{base}/{line.page}?review={line.review_id}"


def digest_summary(*, today: date, next_day: date, overdue: int, due_today: int, due_next: int, waiting: int = 0,
                   delegated: int = 0) -> str:
    """The digest's first line: '3 overdue, 2 due today, 1 due tomorrow' (the next working day named when it is
    not tomorrow), then what waits for Ofsted and what is delegated, when any."""
    next_words = "tomorrow" if (next_day - today).days == 1 else f"on {next_day:%a %d %b}"
    parts = [f"{overdue} overdue", f"{due_today} due today", f"{due_next} due {next_words}"]
    if waiting:
        parts.append(f"{waiting} waiting for Ofsted")
    if delegated:
        parts.append(f"{delegated} delegated to you")
    return ", ".join(parts) + "."


def digest_mail(*, name: str, today: date, next_day: date, lines: Sequence[DigestLine],
                delegated: Sequence[DigestLine], partnership: str, waiting: Sequence[DigestLine] = (),
                base_url: str | None = None) -> tuple[str, str] | None:
    """The digest's subject and body, or None when nothing is overdue, due, waiting for Ofsted or delegated. Each
    item is followed by the link to its page when the tracker's address (`base_url`) is known."""
    overdue = sorted((line for line in lines if line.due < today), key=lambda line: (line.due, line.case_reference))
    due = sorted((line for line in lines if today <= line.due <= next_day),
                 key=lambda line: (line.due, line.case_reference))
    if not (overdue or due or delegated or waiting):
        return None
    subject = (f"Rapid Review deadlines, {today:%a %d %b %Y}: {len(overdue)} overdue, "
               f"{len(due)} due by {next_day:%a %d %b}")
    summary = digest_summary(today=today, next_day=next_day, overdue=len(overdue),
                             due_today=sum(1 for line in due if line.due == today),
                             due_next=sum(1 for line in due if line.due > today), waiting=len(waiting),
                             delegated=len(delegated))

    def item(line: DigestLine) -> list[str]:
        link = item_link(base_url, line)
        return [f"  {line.due:%a %d %b}  {line.case_reference}: {line.what}", *([f"    {link}"] if link else [])]

    def listed(title: str, items: Sequence[DigestLine]) -> list[str]:
        if not items:
            return [title, "  Nothing.", ""]
        return [title, *(text for line in items for text in item(line)), ""]

    opening = (f"Open the Rapid Review Tracker at {base_url} for the details." if base_url
               else "Open the Rapid Review Tracker for the details.")
    body = "\n".join([
        f"Good morning {name},",
        "",
        summary,
        "",
        *listed("Overdue:", overdue),
        *listed(f"Due today or on the next working day ({next_day:%a %d %b}):", due),
        *(listed("Waiting for Ofsted (closed reviews; sent on):", waiting) if waiting else []),
        *listed("Delegated to you (open):", sorted(delegated, key=lambda line: (line.due, line.case_reference))),
        f"{opening} You get this email on working days because your account has this address; ask your "
        "administrator to remove it to stop it.",
        "",
        partnership,
    ])
    return subject, body


# ---------------------------------------------------------------- the digest: whose each item is


def owner_roles(owner: str) -> frozenset[str]:
    """The case roles a plan step's owner names ("manager / officer", "officer, manager", "chair", or an admin's
    wording such as "JCR Chair"); a step naming none of them is the Partnership Manager's."""
    words = owner.lower()
    named = frozenset(role.value for role in (Role.MANAGER, Role.OFFICER, Role.CHAIR) if role.value in words)
    return named or frozenset({Role.MANAGER.value})


@dataclass(frozen=True)
class DigestItem:
    """A digest line and the roles whose work it is (the Partnership Manager's digest has every item)."""

    line: DigestLine
    roles: frozenset[str]


def lines_for(items: Sequence[DigestItem], roles: frozenset[str] | set[str]) -> list[DigestLine]:
    """The items that are this account's to do: every item for a manager; else the items of its roles."""
    if Role.MANAGER.value in roles:
        return [i.line for i in items]
    return [i.line for i in items if i.roles & set(roles)]


_MILESTONE_PAGES: dict[str, str] = {MilestoneKey.REPORT_TO_CHAIR: "report", MilestoneKey.SIGNED_REPORT: "report",
                    MilestoneKey.PANEL_SUBMISSION: "report", MilestoneKey.PANEL_RESPONSE: "report",
                    MilestoneKey.RR_MEETING: "meetings", MilestoneKey.EXEC_MEETING: "meetings",
                    MilestoneKey.MINUTES: "meetings", MilestoneKey.RETURNS_ACCEPTED: "returns",
                    MilestoneKey.SCOPING_SENT: "returns"}
# Who acts on a return at each stage: the officer chases, receives and checks it; the manager does the final QA.
_RETURN_ROLES = {Stage.AWAITING: frozenset({Role.OFFICER.value}), Stage.SENT_BACK: frozenset({Role.OFFICER.value}),
                 Stage.RECEIVED: frozenset({Role.OFFICER.value}), Stage.CHECKED: frozenset({Role.MANAGER.value})}
CHAIR_ONLY = frozenset({Role.CHAIR.value})
CASE_WRITERS_SET = frozenset(role.value for role in CASE_WRITERS)


# ---------------------------------------------------------------- the digest (reading)


def _digest_items(session: Session, account: Account, today: date, next_day: date) -> list[DigestItem]:
    """Every milestone and return step of the live open reviews overdue or due by `next_day`, each with the roles
    it is for: a milestone by its plan owner; a return by its stage; and, for the JCR Chair, a return received and
    not yet shared with the Chair."""
    cal = load_calendar(session)
    items = []
    for status in list_live_reviews(session, account, as_of=today):
        if status.review.state != ReviewState.OPEN:
            continue
        for s in status.milestones:
            m = s.milestone
            due = m.effective_due_date
            if s.rag not in (Rag.COMPLETE, Rag.NOT_NEEDED) and not m.optional and due is not None and due <= next_day:
                items.append(DigestItem(DigestLine(due, status.review.case_reference, m.title, status.review.id,
                                                   _MILESTONE_PAGES.get(m.key, "review")), owner_roles(m.owner)))
    for r in list_outstanding_returns(session, account, as_of=today):
        if r.action_due is not None and r.action_due <= next_day and r.stage in RETURN_WORDS:
            items.append(DigestItem(DigestLine(r.action_due, r.case_reference,
                                               f"{r.agency_name} return {RETURN_WORDS[r.stage]}", r.ret.review_id,
                                               "returns"), _RETURN_ROLES[r.stage]))
        received = latest_received(r.ret)
        if (r.stage in (Stage.RECEIVED, Stage.CHECKED) and received is not None
                and r.ret.shared_with_chair_date is None):
            items.append(DigestItem(DigestLine(sharing_deadline(cal, received), r.case_reference,
                                               f"{r.agency_name} return received {received:%a %d %b}, not yet shared "
                                               "with the JCR Chair", r.ret.review_id, "returns"), CHAIR_ONLY))
    # The LCSPRs' steps overdue or due by the next working day: the manager's and the officer's (docs/lcspr.md).
    items.extend(DigestItem(DigestLine(d.due, d.case_reference, f"LCSPR: {d.title}", d.review_id), CASE_WRITERS_SET)
                 for d in due_by(lcspr_due_steps(session, as_of=today), next_day))
    return items


def _digest_lines(session: Session, account: Account, today: date, next_day: date) -> list[DigestLine]:
    """This account's own items (lines_for its roles)."""
    from services.actions.reads import digest_actions  # the actions the account owns (issue 29)

    own = [DigestLine(a.due_on, a.case_reference, f"Action {a.id} ({a.agency}) {'overdue' if a.overdue else 'due'}",
                      a.review_id, "actions")
           for a in digest_actions(session, account_id=account.id, today=today, next_day=next_day)]
    return lines_for(_digest_items(session, account, today, next_day), frozenset(account.roles)) + own


def _waiting_for_ofsted_lines(session: Session, account: Account, today: date) -> list[DigestLine]:
    """For the Partnership Manager: the closed reviews whose Ofsted reply is outstanding, until it is recorded."""
    if not account.has_role(Role.MANAGER):
        return []
    return [DigestLine(o.sent_on, o.case_reference, f"Ofsted's response outstanding: {o.sentence}", o.review_id,
                       "report") for o in ofsted_outstanding(session, as_of=today)]


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
    base_url = public_url()
    queued = 0
    for account in digest_recipients(session):
        key = f"digest:{account.id}:{today.isoformat()}"
        if already_queued(session, key):
            continue
        delegated = [DigestLine(t.due_date or today, t.case_reference, t.title, t.review_id)
                     for t in list_delegated_to_me(session, account, as_of=today)]
        mail = digest_mail(name=account.display_name, today=today, next_day=next_day,
                           lines=_digest_lines(session, account, today, next_day), delegated=delegated,
                           partnership=partnership, waiting=_waiting_for_ofsted_lines(session, account, today),
                           base_url=base_url)
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


# ---------------------------------------------------------------- the scoping request, with the private link


@dataclass(frozen=True)
class ScopingRequest:
    """One agency's request just made: its link (the token is here this once, never stored or logged) and whether
    it was emailed. `url` is None when the tracker's public address is not set: the page builds it on its own."""

    agency_name: str
    return_id: int
    path: str  # "/agency/<token>"
    url: str | None
    due: date
    expires_on: date
    emailed_to: str | None  # the contact it was queued to, or None: the officer sends the link by hand
    cc: str | None


def request_mail(*, agency_name: str, reference: str, due: date, expires_on: date, url: str, sender: str,
                 partnership: str, reissued: bool = False, as_of: date | None = None) -> tuple[str, str]:
    """The request's subject and body. `reference` is the review's outside reference (never the case reference).
    A due date before `as_of` (a link sent late, for a return asked for earlier) is said to have passed."""
    subject = (f"Rapid Review {reference}: scoping return requested from {agency_name}, due {due:%a %d %b %Y}"
               + (" (new link)" if reissued else ""))
    opening = ("Here is a new private link for your scoping return; the link sent before no longer works."
               if reissued else
               f"{partnership} asks {agency_name} for its scoping return for Rapid Review {reference}.")
    body = "\n".join([
        f"Dear colleague at {agency_name},",
        "",
        opening,
        "",
        (f"Your return was due by {due:%A} {due.day} {due:%B %Y}: please send it as soon as you can, through this "
         "private link:" if as_of is not None and due < as_of else
         f"Please answer by {due:%A} {due.day} {due:%B %Y} through this private link:"),
        "",
        f"  {url}",
        "",
        "The link opens your agency's return for this review only; you can save a draft and come back. It works "
        f"until {expires_on:%A} {expires_on.day} {expires_on:%B %Y}. Do not forward it outside your agency: "
        "whoever holds it can answer. A senior manager's confirmation is asked for before you send it.",
        "",
        "If the link does not work, reply to this email.",
        "",
        sender,
        partnership,
    ])
    return subject, body


def _send_link(session: Session, actor: Account, issued: IssuedLink, *, reissued: bool,
               as_of: date | None = None) -> ScopingRequest:
    """Queue the request email of one issued link when it can go (mail on, the public address set, a contact held)."""
    ret = read_return(session, issued.return_id)
    agency = session.get(Agency, ret.agency.id)
    due = agency_due_date(load_calendar(session), ret)
    path = f"{AGENCY_PATH}/{issued.token}"
    base = public_url()
    url = f"{base}{path}" if base else None
    to = agency.contact_email if agency is not None else None
    cc = agency.jcr_rep_email if agency is not None else None
    emailed = None
    if url is not None and to and mail_is_on():
        subject, body = request_mail(agency_name=issued.agency_name,
                                     reference=outside_reference(ret.case_reference, ret.review_id), due=due,
                                     expires_on=issued.expires_on, url=url, sender=actor.display_name,
                                     partnership=load_settings(session).partnership_name, reissued=reissued,
                                     as_of=as_of)
        if queue_mail(session, key=f"request:{issued.link_id}", kind=MailKind.REQUEST, to=to, cc=cc,
                      subject=subject, body=body, review_id=ret.review_id, agency_return_id=ret.id,
                      queued_by_id=actor.id):
            emailed = to
    return ScopingRequest(issued.agency_name, issued.return_id, path, url, due, issued.expires_on, emailed,
                          cc if emailed else None)


@requires(*CASE_WRITERS, action="send scoping requests")
def send_scoping_requests(session: Session, actor: Account, *, review_id: int, agency_ids: Sequence[int],
                          requested_on: date | None, as_of: date) -> list[ScopingRequest]:
    """"Forms sent": each return recorded as requested, given its private link, and its request emailed to the
    agency's contact (copied to its JCR Group representative) when it can be."""
    issued = record_forms_sent_with_links(session, actor, review_id=review_id, agency_ids=agency_ids,
                                          requested_on=requested_on, as_of=as_of)
    return [_send_link(session, actor, link, reissued=False, as_of=as_of) for link in issued]


@requires(*CASE_WRITERS, action="reissue an agency's link")
def reissue_and_send_link(session: Session, actor: Account, *, return_id: int, reason: str | None,
                          as_of: date) -> ScopingRequest:
    """A new private link for a return (the old one stops at once), emailed as the request was when it can be."""
    issued = reissue_agency_link(session, actor, return_id=return_id, reason=reason, as_of=as_of)
    return _send_link(session, actor, issued, reissued=True, as_of=as_of)


@requires(*CASE_WRITERS, action="issue an agency's link")
def issue_and_send_link(session: Session, actor: Account, *, return_id: int, as_of: date) -> ScopingRequest:
    """A first private link for a return still owed that has none (asked for before links existed), emailed as the
    request is when it can be (else handed back to be sent by hand); the link's issue is logged."""
    issued = issue_agency_link(session, actor, return_id=return_id, as_of=as_of)
    return _send_link(session, actor, issued, reissued=False, as_of=as_of)


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


def _active_chairs(session: Session) -> list[Account]:
    return [a for a in session.scalars(select(Account).where(Account.active.is_(True), Account.email.is_not(None))
                                       .order_by(Account.id)) if a.has_role(Role.CHAIR)]


@requires(*CASE_WRITERS, action="share a return with the JCR Chair")
def share_return_with_chairs(session: Session, actor: Account, *, return_id: int, expected_version: int | None,
                             as_of: date) -> list[str]:
    """Email each active JCR Chair with an address a link to the return in the tracker (never its content) and
    record it as shared today, in one transaction; the addresses it was queued to. Refused, with nothing recorded,
    when the tracker cannot send it (mail off, no public address, no Chair with an address)."""
    if not mail_is_on():
        raise InvalidInput("This tracker does not send email (SMTP_URL is not set): share the return yourself and "
                           "record the date shared.")
    base = public_url()
    if base is None:
        raise InvalidInput("The tracker's public address (RRT_PUBLIC_URL) is not set, so an email cannot link to the "
                           "return: share it yourself and record the date shared.")
    chairs = _active_chairs(session)
    if not chairs:
        raise InvalidInput("No active JCR Chair account has an email address: ask an administrator to add one, or "
                           "share the return yourself and record the date shared.")
    ret = record_shared_with_chair(session, actor, return_id=return_id, expected_version=expected_version,
                                   shared_on=as_of, as_of=as_of)
    ref = f"Rapid Review {outside_reference(ret.review.case_reference, ret.review_id)}"
    agency = ret.agency.name
    link = return_card_address(base, ret.review_id, ret.id)
    partnership = load_settings(session).partnership_name
    queued = []
    for chair in chairs:
        body = "\n".join([
            f"Dear {chair.display_name},",
            "",
            f"{actor.display_name} shares with you the scoping return from {agency} for {ref}. Read it, with its "
            "documents, on the Agency returns page of the Rapid Review Tracker:",
            "",
            f"  {link}",
            "",
            "The return itself is not in this email: it stays in the tracker, where only case readers can open it.",
            "",
            partnership,
        ])
        key = f"return-shared:{ret.id}:{ret.sent_back_count}:{chair.id}"
        if queue_mail(session, key=key, kind=MailKind.RETURN_SHARED, to=chair.email or "",
                      subject=f"{ref}: the scoping return from {agency} is shared with you",
                      body=body, recipient_account_id=chair.id, review_id=ret.review_id, agency_return_id=ret.id,
                      queued_by_id=actor.id):
            queued.append(chair.email or "")
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
