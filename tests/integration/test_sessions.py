"""Server-side sign-in sessions on PostgreSQL (issue 13): the token stored only as its hash, the one-time ticket,
idle time, the 12-hour lifetime, sign-out, and every way an account change ends its sessions."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, SignInSession
from services.accounts import reset_password, set_active, set_email, set_roles
from services.errors import InvalidInput, NotAllowed
from services.sessions import (
    end,
    end_all_for_account,
    end_session,
    issue_ticket,
    list_active_sessions,
    redeem_ticket,
    resume,
    start,
)
from tests.types import MakeAccount

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _row(session: Session, token: str) -> SignInSession:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return session.scalars(select(SignInSession).where(SignInSession.token_hash == digest)).one()


def test_only_the_tokens_hash_is_stored_and_it_resumes_the_account(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    token = start(session, account_id=account.id, now=NOW)
    assert len(token) >= 40
    stored = session.scalars(select(SignInSession)).all()
    assert [r.token_hash for r in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert stored[0].expires_at == NOW + timedelta(hours=12)
    outcome = resume(session, token=token, now=NOW + timedelta(minutes=10))
    assert outcome.account is not None
    assert outcome.account.account_id == account.id and outcome.account.roles == frozenset({"officer"})
    assert _row(session, token).last_seen_at == NOW + timedelta(minutes=10)


def test_unknown_and_empty_tokens_are_refused_without_a_reason(session: Session, make_account: MakeAccount) -> None:
    make_account("officer")
    assert resume(session, token="not a token", now=NOW).account is None
    assert resume(session, token=None, now=NOW).ended_reason is None


def test_idle_beyond_the_setting_ends_the_session(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    token = start(session, account_id=account.id, now=NOW)
    assert resume(session, token=token, now=NOW + timedelta(minutes=29)).account is not None
    outcome = resume(session, token=token, now=NOW + timedelta(minutes=29 + 31))
    assert outcome.account is None and outcome.ended_reason == "idle" and outcome.idle_minutes == 30
    assert _row(session, token).ended_reason == "idle"
    # Ended stays ended.
    assert resume(session, token=token, now=NOW + timedelta(minutes=61)).account is None


def test_twelve_hours_end_a_session_however_busy(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    token = start(session, account_id=account.id, now=NOW)
    moment = NOW
    while moment < NOW + timedelta(hours=11, minutes=30):
        moment += timedelta(minutes=20)
        assert resume(session, token=token, now=moment).account is not None
    outcome = resume(session, token=token, now=NOW + timedelta(hours=12))
    assert outcome.account is None and outcome.ended_reason == "expired"


def test_signing_out_ends_the_session(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    token = start(session, account_id=account.id, now=NOW)
    assert end(session, token=token, now=NOW) is True
    outcome = resume(session, token=token, now=NOW)
    assert outcome.account is None and outcome.ended_reason == "signed out"
    assert end(session, token=token, now=NOW) is False


def test_a_ticket_is_exchanged_once_for_a_new_token(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    token = start(session, account_id=account.id, now=NOW)
    ticket = issue_ticket(session, token=token, now=NOW)
    assert ticket is not None
    cookie = redeem_ticket(session, ticket=ticket, now=NOW + timedelta(seconds=5))
    assert cookie and cookie != token
    resumed = resume(session, token=cookie, now=NOW + timedelta(seconds=6)).account
    assert resumed is not None and resumed.account_id == account.id
    assert resume(session, token=token, now=NOW + timedelta(seconds=6)).account is None  # rotated
    assert redeem_ticket(session, ticket=ticket, now=NOW + timedelta(seconds=7)) is None  # used


def test_a_late_ticket_is_refused(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    token = start(session, account_id=account.id, now=NOW)
    ticket = issue_ticket(session, token=token, now=NOW)
    assert ticket is not None
    assert redeem_ticket(session, ticket=ticket, now=NOW + timedelta(minutes=2)) is None
    assert redeem_ticket(session, ticket="", now=NOW) is None


@pytest.mark.parametrize(("change", "reason"), [
    (lambda s, admin, who: set_active(s, admin, account_id=who.id, active=False), "account deactivated"),
    (lambda s, admin, who: reset_password(s, admin, account_id=who.id, new_password="a brand new password"),
     "password changed"),
    (lambda s, admin, who: set_roles(s, admin, account_id=who.id, roles=["chair"]), "roles changed"),
    (lambda s, admin, who: set_email(s, admin, account_id=who.id, email="Who@Council.Example"), "email changed"),
], ids=["deactivated", "password", "roles", "email"])
def test_account_changes_end_all_its_sessions(session: Session, make_account: MakeAccount,
                                              change: Callable[[Session, Account, Account], object],
                                              reason: str) -> None:
    admin = make_account("admin")
    who = make_account("officer")
    bystander = make_account("officer")
    tokens = [start(session, account_id=who.id) for _ in range(2)]
    theirs = start(session, account_id=bystander.id)
    change(session, admin, who)
    for token in tokens:
        assert _row(session, token).ended_reason == reason
        assert resume(session, token=token).account is None
    assert resume(session, token=theirs).account is not None


def test_unchanged_roles_keep_the_sessions(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    who = make_account("officer")
    token = start(session, account_id=who.id)
    set_roles(session, admin, account_id=who.id, roles=["officer"])
    assert resume(session, token=token).account is not None


def test_the_administrator_lists_and_ends_sessions(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    who = make_account("officer")
    token = start(session, account_id=who.id)
    listed = list_active_sessions(session, admin)
    assert [s.account_id for s in listed] == [who.id]
    end_session(session, admin, session_id=listed[0].id)
    assert resume(session, token=token).ended_reason == "ended by an administrator"
    assert list_active_sessions(session, admin) == []
    with pytest.raises(InvalidInput):
        end_session(session, admin, session_id=listed[0].id)
    with pytest.raises(NotAllowed):
        list_active_sessions(session, who)


def test_end_all_for_account_counts(session: Session, make_account: MakeAccount) -> None:
    who = make_account("officer")
    for _ in range(3):
        start(session, account_id=who.id)
    assert end_all_for_account(session, account_id=who.id, reason="signed out") == 3
    assert end_all_for_account(session, account_id=who.id, reason="signed out") == 0


def test_emails_are_lower_case_and_unique(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    first, second = make_account("officer"), make_account("officer")
    assert set_email(session, admin, account_id=first.id, email="  Pat.Jones@Council.Example ").email == \
        "pat.jones@council.example"
    with pytest.raises(InvalidInput, match="already uses"):
        set_email(session, admin, account_id=second.id, email="PAT.JONES@council.example")
    with pytest.raises(InvalidInput, match="work email"):
        set_email(session, admin, account_id=second.id, email="not an email")
    assert set_email(session, admin, account_id=first.id, email="").email is None
