"""Server-side sign-in sessions (issue 13).

The browser holds a random token in an HttpOnly cookie; the database keeps only its SHA-256 hash, so a copy of
the database cannot sign anyone in. A session ends when its owner signs out (in every tab at once: they share
the cookie), after the idle minutes of the settings without a request, 12 hours after it started whatever
happens, and when the account is deactivated or its password or roles change (`end_all_for_account`, called by
services.accounts). An ended session stays as a row with when and why, for the administrator.

A session is started by the sign-in page with a one-time ticket (a minute, single use) that the browser carries
to /auth/session (ui/server.py): that route exchanges it for a fresh token, which only the cookie ever sees.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import Account, Setting, SignInSession
from db.models_mail import CalendarFeed
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.permissions import requires
from services.settings_reads import OF_CURRENT_PARTNERSHIP

ABSOLUTE_LIFETIME = timedelta(hours=12)
TICKET_LIFETIME = timedelta(minutes=1)
DEFAULT_IDLE_MINUTES = 30

# Why a session ended (the ended_reason column).
SIGNED_OUT = "signed out"
IDLE = "idle"
EXPIRED = "expired"
ACCOUNT_DEACTIVATED = "account deactivated"
PASSWORD_CHANGED = "password changed"
ROLES_CHANGED = "roles changed"
ENDED_BY_ADMINISTRATOR = "ended by an administrator"


def token_hash(token: str) -> str:
    """The stored form of a token or ticket: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


@dataclass(frozen=True)
class SessionAccount:
    """The account a live session signs in, as the page edge needs it."""

    session_id: int
    account_id: int
    display_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class ResumeOutcome:
    """The session's account, or why there is none (`ended_reason` is None when no session matched at all)."""

    account: SessionAccount | None
    ended_reason: str | None = None
    idle_minutes: int = DEFAULT_IDLE_MINUTES


def start(session: Session, *, account_id: int, now: datetime | None = None) -> str:
    """Start a session for an account that has just proved who it is; returns its token (shown only this once)."""
    now = _now(now)
    token = _new_secret()
    session.add(SignInSession(token_hash=token_hash(token), account_id=account_id, created_at=now,
                              last_seen_at=now, expires_at=now + ABSOLUTE_LIFETIME))
    session.flush()
    return token


def issue_ticket(session: Session, *, token: str, now: datetime | None = None) -> str | None:
    """A one-time ticket (valid a minute) with which the browser fetches this live session's cookie."""
    now = _now(now)
    row = _live_row(session, token)
    if row is None:
        return None
    ticket = _new_secret()
    row.ticket_hash = token_hash(ticket)
    row.ticket_expires_at = now + TICKET_LIFETIME
    session.flush()
    return ticket


def redeem_ticket(session: Session, *, ticket: str, now: datetime | None = None) -> str | None:
    """Exchange a ticket for the session's cookie token, once: the session gets a new token that only the cookie
    holds. None for an unknown, used or late ticket, or a session that has ended."""
    now = _now(now)
    if not ticket:
        return None
    row = session.scalars(select(SignInSession).where(SignInSession.ticket_hash == token_hash(ticket))
                          .with_for_update()).first()
    if row is None:
        return None
    late = row.ticket_expires_at is None or row.ticket_expires_at <= now
    row.ticket_hash = None
    row.ticket_expires_at = None
    if late or row.ended_at is not None or row.expires_at <= now:
        session.flush()
        return None
    token = _new_secret()
    row.token_hash = token_hash(token)
    row.last_seen_at = now
    session.flush()
    return token


def _live_row(session: Session, token: str | None) -> SignInSession | None:
    if not token:
        return None
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == token_hash(token))).first()
    return row if row is not None and row.ended_at is None else None


def _idle_minutes(session: Session) -> int:
    minutes = session.scalar(select(Setting.idle_timeout_minutes).where(OF_CURRENT_PARTNERSHIP))
    return minutes or DEFAULT_IDLE_MINUTES


def _end_row(row: SignInSession, reason: str, now: datetime) -> None:
    row.ended_at = now
    row.ended_reason = reason
    row.ticket_hash = None
    row.ticket_expires_at = None


def resume(session: Session, *, token: str | None, now: datetime | None = None) -> ResumeOutcome:
    """The account of the session this token names, touching its last-seen time. Refused (and ended, with why)
    when it has passed its 12 hours, has been idle longer than the settings allow, or its account is deactivated;
    an ended or unknown token is refused as it is."""
    now = _now(now)
    idle_minutes = _idle_minutes(session)
    if not token:
        return ResumeOutcome(None, idle_minutes=idle_minutes)
    row = session.scalars(select(SignInSession).where(SignInSession.token_hash == token_hash(token))
                          .with_for_update()).first()
    if row is None:
        return ResumeOutcome(None, idle_minutes=idle_minutes)
    if row.ended_at is not None:
        return ResumeOutcome(None, row.ended_reason, idle_minutes)
    account = session.get(Account, row.account_id)
    reason = None
    if row.expires_at <= now:
        reason = EXPIRED
    elif now - row.last_seen_at > timedelta(minutes=idle_minutes):
        reason = IDLE
    elif account is None or not account.active:
        reason = ACCOUNT_DEACTIVATED
    if reason is not None or account is None:
        _end_row(row, reason or ACCOUNT_DEACTIVATED, now)
        session.flush()
        return ResumeOutcome(None, reason, idle_minutes)
    row.last_seen_at = now
    session.flush()
    return ResumeOutcome(SessionAccount(session_id=row.id, account_id=account.id, display_name=account.display_name,
                                        roles=frozenset(account.roles)), None, idle_minutes)


def end(session: Session, *, token: str | None, reason: str = SIGNED_OUT, now: datetime | None = None) -> bool:
    """End the session this token names (signing out); True when a live one was ended."""
    row = _live_row(session, token)
    if row is None:
        return False
    _end_row(row, reason, _now(now))
    session.flush()
    return True


def end_all_for_account(session: Session, *, account_id: int, reason: str, now: datetime | None = None) -> int:
    """End every live session of an account (deactivated, new password, new roles); how many were ended."""
    result = session.execute(
        update(SignInSession)
        .where(SignInSession.account_id == account_id, SignInSession.ended_at.is_(None))
        .values(ended_at=_now(now), ended_reason=reason, ticket_hash=None, ticket_expires_at=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class ActiveSessionRead:
    """A live session as the Administration page lists it."""

    id: int
    account_id: int
    username: str
    display_name: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def end_calendar_feeds(session: Session, *, account_id: int, now: datetime | None = None) -> int:
    """End the account's live feed address, for good (its password reset, deactivated, its roles changed); how many
    ended. The account's owner turns the feed on again for a new address."""
    result = session.execute(
        update(CalendarFeed).where(CalendarFeed.account_id == account_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC)).execution_options(synchronize_session="fetch"))
    return int(getattr(result, "rowcount", 0) or 0)


@requires(Role.ADMIN, action="see who is signed in")
def list_active_sessions(session: Session, actor: Account, *, now: datetime | None = None) -> list[ActiveSessionRead]:
    """Every session that has not ended and is within its idle time and lifetime, by account."""
    now = _now(now)
    idle = timedelta(minutes=_idle_minutes(session))
    rows = session.execute(
        select(SignInSession, Account.username, Account.display_name)
        .join(Account, Account.id == SignInSession.account_id)
        .where(SignInSession.ended_at.is_(None), SignInSession.expires_at > now,
               SignInSession.last_seen_at > now - idle, Account.active.is_(True))
        .order_by(Account.username, SignInSession.created_at)
    ).all()
    return [ActiveSessionRead(id=row.id, account_id=row.account_id, username=username, display_name=display_name,
                              created_at=row.created_at, last_seen_at=row.last_seen_at, expires_at=row.expires_at)
            for row, username, display_name in rows]


@requires(Role.ADMIN, action="end sessions")
def end_session(session: Session, actor: Account, *, session_id: int, now: datetime | None = None) -> ActiveSessionRead:
    """End one account's session from the Administration page; its browser asks to sign in on its next click."""
    row = session.get(SignInSession, session_id, with_for_update=True)
    if row is None or row.ended_at is not None:
        raise InvalidInput("That session has already ended. Reload the page.")
    account = session.get(Account, row.account_id)
    username = account.username if account else "?"
    _end_row(row, ENDED_BY_ADMINISTRATOR, _now(now))
    session.flush()
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"A sign-in session of {username} ended by an administrator.")
    return ActiveSessionRead(id=row.id, account_id=row.account_id, username=username,
                             display_name=account.display_name if account else "?", created_at=row.created_at,
                             last_seen_at=row.last_seen_at, expires_at=row.expires_at)
