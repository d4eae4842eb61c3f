"""Email the product sends: the sent-mail table, and the sending done outside any page (`manage.py send-due-mail`).

Mail is off unless `SMTP_URL` is set (`smtp://host:25`, `smtp+starttls://user:password@host:587` or
`smtps://user:password@host:465`; `SMTP_FROM` is the sender, by default `rapid-review-tracker@<host>`; both are read
with the server's settings, config.settings, which refuse a URL of another shape at start). Each email
is queued once under a unique key (a digest per account and day, a chase per return and day, a send-back notice per
return and round, a sign-off notice per report version and Chair), so a second queueing of the same key is a no-op
and nothing is sent twice. A send that fails is kept with its attempts and last error and tried again by the next
run, up to MAX_ATTEMPTS; a sent email about a review is logged in its daily log.
"""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from config.settings import SMTP_SCHEMES, ServerSettings, read_settings, settings
from db.enums import LogCategory, MailKind
from db.models import Account
from db.models_mail import SentMail
from services.daily_log.service import append_system_entry
from services.outside import check_no_case_reference

SMTP_URL_VARIABLE = "SMTP_URL"
SMTP_FROM_VARIABLE = "SMTP_FROM"
MAX_ATTEMPTS = 5
SMTP_TIMEOUT_SECONDS = 30
_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class MailConfig:
    """Where and how to send."""

    host: str
    port: int
    security: str  # "plain", "starttls" or "ssl"
    username: str | None
    password: str | None
    sender: str


def _settings(environ: Mapping[str, str] | None) -> ServerSettings:
    return settings() if environ is None else read_settings(environ)


def mail_config(environ: Mapping[str, str] | None = None) -> MailConfig | None:
    """The SMTP settings from SMTP_URL (and SMTP_FROM) of the server's settings (or of `environ` when given), or None
    when mail is off. A URL that cannot be used is refused with a sentence (config.settings.SettingsError, a
    ValueError) naming what to fix."""
    found = _settings(environ)
    if found.smtp_url is None:
        return None
    parts = urlsplit(found.smtp_url)  # its shape was checked when the settings were read
    security = SMTP_SCHEMES[parts.scheme]
    host = parts.hostname or ""
    sender = found.smtp_from or f"rapid-review-tracker@{host}"
    return MailConfig(host=host, port=parts.port or _DEFAULT_PORTS[security], security=security,
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None, sender=sender)


def mail_is_on() -> bool:
    """Whether this server sends email (SMTP_URL set)."""
    return settings().smtp_url is not None


def queue_mail(session: Session, *, key: str, kind: MailKind, to: str, subject: str, body: str, cc: str | None = None,
               recipient_account_id: int | None = None, review_id: int | None = None,
               agency_return_id: int | None = None, queued_by_id: int | None = None) -> bool:
    """Queue one email under its unique key; False when mail is off or that key was queued already (never twice).
    The subject never carries a case reference (ValueError: a bug)."""
    if not mail_is_on():
        return False
    check_no_case_reference(subject, what="An email subject")
    inserted = session.execute(insert(SentMail).values(
        unique_key=key, kind=MailKind(kind).value, to_address=to, cc_address=cc or None, subject=subject, body=body,
        recipient_account_id=recipient_account_id, review_id=review_id, agency_return_id=agency_return_id,
        queued_by_id=queued_by_id).on_conflict_do_nothing(index_elements=[SentMail.unique_key])
        .returning(SentMail.id)).first()
    return inserted is not None


def already_queued(session: Session, key: str) -> bool:
    return session.scalar(select(SentMail.id).where(SentMail.unique_key == key)) is not None


def _message(config: MailConfig, mail: SentMail) -> EmailMessage:
    # Headers are not folded (RFC 5322 allows 998 characters): folding a subject right after "Subject:" leaves a
    # leading space that some mail programs show.
    message = EmailMessage(policy=policy.default.clone(max_line_length=998))
    message["From"] = config.sender
    message["To"] = mail.to_address
    if mail.cc_address:
        message["Cc"] = mail.cc_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=True)
    # The same key gives the same Message-ID: a mail server that saw it already may drop a repeat.
    message["Message-ID"] = f"<{hashlib.sha256(mail.unique_key.encode()).hexdigest()[:32]}@rapid-review-tracker>"
    message.set_content(mail.body)
    return message


def deliver(config: MailConfig, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises smtplib.SMTPException or OSError when it is not accepted."""
    smtp_class = smtplib.SMTP_SSL if config.security == "ssl" else smtplib.SMTP
    with smtp_class(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password or "")
        smtp.send_message(message)


def describe_failure(error: Exception) -> str:
    """The error kept for the administrator: its kind and the server's code and words, never the message."""
    if isinstance(error, smtplib.SMTPResponseException):
        words = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(
            error.smtp_error)
        return f"{type(error).__name__}: {error.smtp_code} {words}"[:300]
    return f"{type(error).__name__}: {error}"[:300]


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int


def _log_sent(session: Session, mail: SentMail) -> None:
    """A sent email about a review goes into its daily log, in the name of whoever asked for it."""
    author = session.get(Account, mail.queued_by_id) if mail.queued_by_id else None
    if mail.review_id is None or author is None:
        return
    copied = f" (copied to {mail.cc_address})" if mail.cc_address else ""
    append_system_entry(session, author, review_id=mail.review_id, category=LogCategory.COMMUNICATION,
                        agency_return_id=mail.agency_return_id,
                        text=f"Email sent to {mail.to_address}{copied}: \"{mail.subject}\".")


def send_pending(open_transaction: Callable[[], AbstractContextManager[Session]], config: MailConfig, *,
                 now: datetime | None = None) -> SendResult:
    """Send every queued email not yet sent (fewer than MAX_ATTEMPTS tries), each in its own transaction and
    locked while it is sent, so two runs at once never send the same one; a failure is kept for the next run."""
    sent = failed = 0
    tried: set[int] = set()
    while True:
        with open_transaction() as session:
            mail = session.scalars(
                select(SentMail).where(SentMail.sent_at.is_(None), SentMail.attempts < MAX_ATTEMPTS,
                                       SentMail.id.not_in(tried) if tried else SentMail.id.is_not(None))
                .order_by(SentMail.id).limit(1).with_for_update(skip_locked=True)).first()
            if mail is None:
                return SendResult(sent, failed)
            tried.add(mail.id)
            mail.attempts += 1
            try:
                deliver(config, _message(config, mail))
            except (smtplib.SMTPException, OSError, ValueError) as error:
                mail.last_error = describe_failure(error)
                failed += 1
                continue
            mail.sent_at = now or datetime.now(UTC)
            mail.last_error = None
            session.flush()
            _log_sent(session, mail)
            sent += 1
