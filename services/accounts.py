"""Accounts, passwords (argon2) and sign-in, throttled by growing waits (services/sign_in_throttle.py), never locked."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Protocol, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.enums import LogCategory, Role
from db.models import ROLES, Account
from services.daily_log.service import append_system_entry
from services.errors import InvalidInput
from services.permissions import requires
from services.sessions import (
    ACCOUNT_DEACTIVATED,
    PASSWORD_CHANGED,
    ROLES_CHANGED,
    end_all_for_account,
    end_calendar_feeds,
)
from services.sign_in_throttle import MAX_FAILURES_IN_A_ROW, THROTTLE, UNKNOWN_ADDRESS, SignInThrottle
from services.text import clean_text, max_length_of

MIN_PASSWORD_LENGTH = 12
# The one answer to every refused sign-in (unknown username, wrong password, deactivated account, too many failures
# in a row), so that the answer never tells which usernames exist or how an account stands.
SIGN_IN_REFUSED = (
    "Wrong username or password. After several failed attempts each further attempt has to wait a little longer; "
    "if you still cannot sign in, ask an administrator to set you a new password."
)
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,40}")
# The rules in words, shown beside the fields before anything is typed and in the refusals.
USERNAME_RULE = "3 to 40 characters: letters, digits, dots, dashes or underscores"
PASSWORD_RULE = f"at least {MIN_PASSWORD_LENGTH} characters, not only spaces"
_hasher = PasswordHasher()
T = TypeVar("T")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if not password.strip():
        raise InvalidInput("The password cannot be only spaces: choose one with letters, digits or symbols.")


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = {r.strip().lower() for r in roles if r and r.strip()}
    unknown = sorted(r for r in cleaned if r not in ROLES)
    if unknown:
        raise InvalidInput(f"Unknown role {', '.join(unknown)}: use {', '.join(ROLES)}.")
    if not cleaned:
        raise InvalidInput("Give the account at least one role.")
    return [str(r) for r in ROLES if r in cleaned]


def _clean_username(username: str) -> str:
    cleaned = (username or "").strip().lower()
    if not USERNAME_PATTERN.fullmatch(cleaned):
        raise InvalidInput(f"A username is {USERNAME_RULE}.")
    return cleaned


def _clean_display_name(display_name: str) -> str:
    cleaned = clean_text(display_name, label="display name", max_length=max_length_of(Account.display_name),
                         multiline=False)
    if not cleaned:
        raise InvalidInput("Give the person's display name (a staff member's name, never a child's).")
    return cleaned


@dataclass(frozen=True)
class SignedIn:
    """The signed-in account as the page edge sees it: who it is and which roles it holds."""

    id: int
    display_name: str
    roles: frozenset[str]


def load_actor(session: Session, account_id: int | None) -> Account | None:
    """The account a page acts as, or None when nobody is signed in (every service checks it again)."""
    return session.get(Account, account_id) if account_id is not None else None


def signed_in_account(session: Session, account_id: int | None) -> SignedIn | None:
    """The active account with this id, or None when it is unknown or deactivated."""
    account = load_actor(session, account_id)
    if account is None or not account.active:
        return None
    return SignedIn(id=account.id, display_name=account.display_name, roles=frozenset(account.roles))


def count_accounts(session: Session) -> int:
    """How many accounts exist (none means the first-run set-up is due)."""
    return session.scalar(select(func.count()).select_from(Account)) or 0


@dataclass(frozen=True)
class AccountRead:
    """An account as the Administration page lists it (read after the session closed)."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    failed_attempts: int
    last_sign_in_at: datetime | None
    email: str | None = None

    @classmethod
    def of(cls, account: Account) -> AccountRead:
        return cls(id=account.id, username=account.username, display_name=account.display_name,
                   roles=tuple(account.roles), active=account.active, failed_attempts=account.failed_attempts,
                   last_sign_in_at=account.last_sign_in_at, email=account.email)


def _new_account(session: Session, *, username: str, display_name: str, roles: Iterable[str], password: str) -> Account:
    # Everything typed is checked before the password is hashed, so no refusal can ever carry the hash.
    username = _clean_username(username)
    display_name = _clean_display_name(display_name)
    _check_password_rules(password)
    cleaned = _clean_roles(roles)
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise InvalidInput(f"The username '{username}' is taken; choose another.")
    account = Account(username=username, display_name=display_name, roles=cleaned, active=True,
                      password_hash=hash_password(password), failed_attempts=0)
    session.add(account)
    session.flush()
    return account


def create_first_account(session: Session, *, username: str, display_name: str, password: str) -> Account:
    """The first account on an empty system; it gets admin and manager."""
    # Serialise two browsers racing through first-run set-up.
    session.execute(select(func.pg_advisory_xact_lock(424242)))
    if count_accounts(session) > 0:
        raise InvalidInput("The first account already exists. Sign in instead.")
    account = _new_account(session, username=username, display_name=display_name,
                           roles=[Role.ADMIN, Role.MANAGER], password=password)
    append_system_entry(session, account, review_id=None, category=LogCategory.SYSTEM,
                        text=f"First account {account.username} created (admin, manager).")
    return account


@requires(Role.ADMIN, action="create accounts")
def create_account(
    session: Session, actor: Account, *, username: str, display_name: str, roles: Iterable[str], password: str
) -> Account:
    """Create an account with its roles."""
    account = _new_account(session, username=username, display_name=display_name, roles=roles, password=password)
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Account {account.username} created with roles {', '.join(account.roles)}.")
    return account


def create_account_from_command_line(
    session: Session, *, username: str, display_name: str, roles: Iterable[str], password: str
) -> Account:
    """`manage.py create-user`: whoever can run commands on the server is trusted as admin."""
    account = _new_account(session, username=username, display_name=display_name, roles=roles, password=password)
    append_system_entry(session, account, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Account {account.username} created on the server command line "
                        f"with roles {', '.join(account.roles)}.")
    return account


def _get(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id, with_for_update=True)
    if account is None:
        raise InvalidInput("That account does not exist. Reload the page.")
    return account


@requires(Role.ADMIN, action="see accounts")
def list_accounts(session: Session, actor: Account) -> list[AccountRead]:
    """Every account, by username."""
    return [AccountRead.of(a) for a in session.scalars(select(Account).order_by(Account.username))]


@requires(Role.ADMIN, action="change roles")
def set_roles(session: Session, actor: Account, *, account_id: int, roles: Iterable[str]) -> Account:
    """Replace an account's roles; a change ends its sessions and its calendar feed address."""
    account = _get(session, account_id)
    cleaned = _clean_roles(roles)
    if account.id == actor.id and Role.ADMIN not in cleaned:
        raise InvalidInput("You cannot remove your own admin role; ask another admin.")
    old = list(account.roles)
    account.roles = cleaned
    session.flush()
    if sorted(old) != sorted(cleaned):
        end_all_for_account(session, account_id=account.id, reason=ROLES_CHANGED)
        end_calendar_feeds(session, account_id=account.id)
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Roles of {account.username} changed from {', '.join(old)} to {', '.join(cleaned)}.")
    return account


@requires(Role.ADMIN, action="activate or deactivate accounts")
def set_active(session: Session, actor: Account, *, account_id: int, active: bool) -> Account:
    """Deactivate (or reactivate) an account; a deactivated account cannot sign in, and its sessions and calendar feed
    address end (and stay ended when it is reactivated)."""
    account = _get(session, account_id)
    if account.id == actor.id and not active:
        raise InvalidInput("You cannot deactivate your own account.")
    account.active = active
    if active:
        account.failed_attempts = 0
        account.locked_until = None
    session.flush()
    if not active:
        end_all_for_account(session, account_id=account.id, reason=ACCOUNT_DEACTIVATED)
        end_calendar_feeds(session, account_id=account.id)  # for good: reactivating does not bring it back
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Account {account.username} {'reactivated' if active else 'deactivated'}.")
    return account


@requires(Role.ADMIN, action="reset passwords")
def reset_password(session: Session, actor: Account, *, account_id: int, new_password: str) -> Account:
    """Set a new password: the failures in a row start again from none; the account's sessions and calendar feed
    address end."""
    account = _get(session, account_id)
    _check_password_rules(new_password)
    account.password_hash = hash_password(new_password)
    account.failed_attempts = 0
    account.locked_until = None
    session.flush()
    end_all_for_account(session, account_id=account.id, reason=PASSWORD_CHANGED)
    end_calendar_feeds(session, account_id=account.id)
    append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                        text=f"Password of {account.username} reset.")
    return account


EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}")


def clean_email(email: str | None) -> str | None:
    """An email address as accounts store it: trimmed, lower-cased; empty means none."""
    cleaned = (email or "").strip().lower()
    if not cleaned:
        return None
    if len(cleaned) > 254 or not EMAIL_PATTERN.fullmatch(cleaned):
        raise InvalidInput("Give the person's work email address, like name@council.gov.uk, or leave it empty.")
    return cleaned


@requires(Role.ADMIN, action="change email addresses")
def set_email(session: Session, actor: Account, *, account_id: int, email: str | None) -> Account:
    """Set (or clear) the email that organisation sign-in matches to this account."""
    account = _get(session, account_id)
    cleaned = clean_email(email)
    if cleaned is not None and session.scalar(
            select(Account.id).where(Account.email == cleaned, Account.id != account.id)) is not None:
        raise InvalidInput(f"Another account already uses {cleaned}; each email belongs to one account.")
    old = account.email
    account.email = cleaned
    session.flush()
    if old != cleaned:
        # Whoever signed in through the old address must not stay signed in as this account.
        end_all_for_account(session, account_id=account.id, reason="email changed")
        append_system_entry(session, actor, review_id=None, category=LogCategory.SYSTEM,
                            text=f"Email of {account.username} set to {cleaned or '(none)'}.")
    return account


def organisation_refusal(email: str) -> str:
    """The sentence for an organisation identity that no active account uses."""
    return (f"There is no active account for {email} in the tracker. "
            f"Ask your administrator to add {email} to an account.")


def account_for_verified_email(session: Session, *, email: str | None, email_verified: bool | None = None,
                               now: datetime | None = None) -> SignInOutcome:
    """The active account whose email is this organisation identity's verified email (compared case-insensitively),
    or the refusal that names the administrator. An email the provider says is not verified is refused; a provider
    that does not say (no `email_verified` claim) is trusted for the emails of its own organisation. Roles always
    come from the account, never from the identity."""
    cleaned = (email or "").strip().lower()
    if not cleaned or "@" not in cleaned:
        return SignInOutcome(None, "Your organisation account gave no email address, so it matches no account here. "
                                   "Ask your administrator.")
    if email_verified is False:
        return SignInOutcome(None, f"Your organisation has not verified the email {cleaned}, so it cannot sign in "
                                   f"here. Ask your administrator.")
    found = session.scalars(select(Account).where(func.lower(Account.email) == cleaned)
                            .with_for_update()).first()
    if found is None or not found.active:
        return SignInOutcome(None, organisation_refusal(cleaned))
    found.last_sign_in_at = now or datetime.now(UTC)
    session.flush()
    return SignInOutcome(found)


@dataclass(frozen=True)
class SignInOutcome:
    """The signed-in account, or the sentence saying why not (never which part was wrong). `wait` is the seconds a
    throttled attempt was told to wait (0 when it was not throttled)."""

    account: Account | None
    refusal: str | None = None
    wait: int = 0


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class PasswordCheck:
    """What a typed password is checked against, read before the check: the account with that username (None when
    there is none), the hash it had then (for an unknown username, a dummy hash that costs the same to check) and its
    failures in a row then."""

    account_id: int | None
    password_hash: str
    failed_attempts: int = 0


@dataclass(frozen=True)
class PasswordVerdict:
    """The outcome of the argon2 check, and the password's new hash when the stored one needs a stronger one."""

    matches: bool
    new_hash: str | None = None


class InTransaction(Protocol):
    """Runs one step in a transaction of its own and returns its result (e.g. ui.state.run_in_session)."""

    def __call__(self, step: Callable[[Session], T], /) -> T: ...


def password_check_for(session: Session, *, username: str) -> PasswordCheck:
    """Read (without locking anything) what the password typed for this username is to be checked against."""
    cleaned = (username or "").strip().lower()
    # A username no account can have (a NUL byte, 500 characters) is an unknown username: not sent to the database.
    found = session.execute(select(Account.id, Account.password_hash, Account.failed_attempts)
                            .where(Account.username == cleaned)).first() \
        if USERNAME_PATTERN.fullmatch(cleaned) else None
    if found is None:
        return PasswordCheck(None, _dummy_hash())
    return PasswordCheck(found.id, found.password_hash, found.failed_attempts)


def check_password(check: PasswordCheck, password: str) -> PasswordVerdict:
    """The argon2 check (slow on purpose), with no database: no connection, transaction or lock is held meanwhile.
    Only a matching password whose hash needs renewing pays for a second hash."""
    matches = _password_matches(check.password_hash, password)
    renew = matches and check.account_id is not None and _hasher.check_needs_rehash(check.password_hash)
    return PasswordVerdict(matches, hash_password(password) if renew else None)


def record_sign_in(session: Session, check: PasswordCheck, verdict: PasswordVerdict, *,
                   now: datetime | None = None) -> SignInOutcome:
    """Lock the account's row for the short write that follows a check: count a failure in a row (never a lock:
    the waits are the throttle's) or record the sign-in. The account is read again under the lock, so failures that
    happen at once all count, and a check made against a hash that has since changed (the password was reset
    meanwhile) says nothing: refused. Returns rather than raises, so the caller commits the failure count."""
    now = now or datetime.now(UTC)
    if check.account_id is None:
        return SignInOutcome(None, SIGN_IN_REFUSED)
    account = session.get(Account, check.account_id, with_for_update=True, populate_existing=True)
    if account is None or account.password_hash != check.password_hash:
        return SignInOutcome(None, SIGN_IN_REFUSED)
    if not verdict.matches or not account.active:
        account.failed_attempts += 1
        session.flush()
        return SignInOutcome(None, SIGN_IN_REFUSED)
    account.failed_attempts = 0
    account.locked_until = None  # a lock left by the old 15-minute rule means nothing any more
    account.last_sign_in_at = now
    if verdict.new_hash is not None:
        account.password_hash = verdict.new_hash
    session.flush()
    return SignInOutcome(account)


def sign_in_with_password(in_transaction: InTransaction, *, username: str, password: str,
                          address: str = UNKNOWN_ADDRESS, throttle: SignInThrottle | None = None,
                          now: datetime | None = None) -> SignInOutcome:
    """Check credentials, throttled (services/sign_in_throttle.py). An attempt made while a wait runs for its
    username or its source address is refused with the wait, before anything is read or checked. Otherwise in three
    steps, so that sign-ins to one account never queue behind each other's password checks: read the account's hash
    (a short transaction, no lock), check the password (argon2, outside any transaction), then record the attempt
    with the row locked (a short transaction). Every refusal (unknown username, wrong password, deactivated account)
    does the same work (one argon2 check) and gets the same sentence. An account with 100 failures in a row is
    refused from any address it has not signed in from, whatever the password (NIST SP 800-63B's limit), until a
    success from a known address or a new password from an administrator."""
    throttle = throttle if throttle is not None else THROTTLE
    verdict_now = throttle.check(username=username, address=address)
    if verdict_now.wait:
        return SignInOutcome(None, verdict_now.sentence, verdict_now.wait)
    check = in_transaction(lambda session: password_check_for(session, username=username))
    verdict = check_password(check, password)
    if check.failed_attempts >= MAX_FAILURES_IN_A_ROW and not throttle.is_known(username=username, address=address):
        # Stopped for this address: the check above was still made, so the answer costs what any refusal costs.
        verdict = PasswordVerdict(False)
    outcome = in_transaction(lambda session: record_sign_in(session, check, verdict, now=now))
    if outcome.account is None:
        throttle.failed(username=username, address=address)
    else:
        throttle.succeeded(username=username, address=address)
    return outcome


@cache
def _dummy_hash() -> str:
    """What an unknown username's password is checked against, so that it costs what a real check costs. Made on
    first use, not at import: hashing is slow on purpose, and the first page of a start should not wait for it."""
    return _hasher.hash("not a real password, only for timing")
