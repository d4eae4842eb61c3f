"""Accounts and sign-in on PostgreSQL: hashing, lock-out, first run, admin changes."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import Account, LogEntry
from services.accounts import (
    SIGN_IN_REFUSED,
    authenticate,
    count_accounts,
    create_account,
    create_first_account,
    reset_password,
    set_active,
    set_roles,
)
from services.errors import InvalidInput, NotAllowed

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_password_is_hashed_with_argon2(session, make_account):
    account = make_account("officer")
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_sign_in_succeeds_and_records_the_time(session, make_account):
    account = make_account("officer", username="olly")
    outcome = authenticate(session, username=" OLLY ", password=PASSWORD, now=NOW)
    assert outcome.account.id == account.id and outcome.refusal is None
    assert account.last_sign_in_at == NOW


def test_wrong_username_and_wrong_password_get_the_same_message(session, make_account):
    make_account("officer", username="olly")
    assert authenticate(session, username="nobody", password=PASSWORD, now=NOW).refusal == SIGN_IN_REFUSED
    assert authenticate(session, username="olly", password="wrong password!", now=NOW).refusal == SIGN_IN_REFUSED


def test_five_failures_lock_for_fifteen_minutes(session, make_account):
    account = make_account("officer", username="olly")
    for _ in range(5):
        assert authenticate(session, username="olly", password="nope nope nope", now=NOW).account is None
    assert account.locked_until == NOW + timedelta(minutes=15)
    locked = authenticate(session, username="olly", password=PASSWORD, now=NOW + timedelta(minutes=14))
    assert locked.account is None and "locked" in locked.refusal
    assert authenticate(session, username="olly", password=PASSWORD, now=NOW + timedelta(minutes=15, seconds=1)).account


def test_four_failures_then_success_resets_the_count(session, make_account):
    account = make_account("officer", username="olly")
    for _ in range(4):
        authenticate(session, username="olly", password="nope nope nope", now=NOW)
    assert authenticate(session, username="olly", password=PASSWORD, now=NOW).account
    assert account.failed_attempts == 0
    authenticate(session, username="olly", password="nope nope nope", now=NOW)
    assert account.locked_until is None


def test_deactivated_account_cannot_sign_in(session, make_account):
    admin = make_account("admin")
    account = make_account("officer", username="olly")
    set_active(session, admin, account_id=account.id, active=False)
    assert authenticate(session, username="olly", password=PASSWORD, now=NOW).refusal == SIGN_IN_REFUSED


def test_first_account_gets_admin_and_manager_and_only_once(session):
    assert count_accounts(session) == 0
    first = create_first_account(session, username="pman", display_name="Pat", password=PASSWORD)
    assert first.roles == ["manager", "admin"]
    with pytest.raises(InvalidInput, match="already exists"):
        create_first_account(session, username="pman2", display_name="Sam", password=PASSWORD)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"password": "short"}, "at least 12"),
        ({"username": "a"}, "3 to 40"),
        ({"roles": ["wizard"]}, "Unknown role"),
        ({"roles": []}, "at least one role"),
        ({"display_name": " "}, "display name"),
    ],
)
def test_create_account_refuses_bad_input(session, make_account, kwargs, message):
    admin = make_account("admin")
    values = {"username": "newuser", "display_name": "New", "roles": ["officer"], "password": PASSWORD, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        create_account(session, admin, **values)


def test_duplicate_username_refused(session, make_account):
    admin = make_account("admin")
    create_account(session, admin, username="dup", display_name="A", roles=["officer"], password=PASSWORD)
    with pytest.raises(InvalidInput, match="taken"):
        create_account(session, admin, username="DUP", display_name="B", roles=["officer"], password=PASSWORD)


def test_admin_changes_are_logged_with_the_admin_as_author(session, make_account):
    admin = make_account("admin")
    account = make_account("officer")
    set_roles(session, admin, account_id=account.id, roles=["officer", "chair"])
    reset_password(session, admin, account_id=account.id, new_password="another long password")
    texts = session.scalars(select(LogEntry.text).where(LogEntry.author_id == admin.id).order_by(LogEntry.id)).all()
    assert texts[-2:] == [f"Roles of {account.username} changed from officer to officer, chair.",
                          f"Password of {account.username} reset."]
    assert authenticate(session, username=account.username, password="another long password", now=NOW).account


def test_admin_cannot_lock_themselves_out(session, make_account):
    admin = make_account("admin")
    with pytest.raises(InvalidInput):
        set_active(session, admin, account_id=admin.id, active=False)
    with pytest.raises(InvalidInput):
        set_roles(session, admin, account_id=admin.id, roles=["manager"])


def test_non_admin_cannot_manage_accounts(session, make_account):
    manager = make_account("manager")
    with pytest.raises(NotAllowed, match="Administrator"):
        create_account(session, manager, username="x1x", display_name="X", roles=["officer"], password=PASSWORD)


def test_database_refuses_unknown_roles(session, make_account):
    from sqlalchemy.exc import IntegrityError

    account = make_account("officer")
    with pytest.raises(IntegrityError), session.begin_nested():
        account.roles = ["superuser"]
        session.flush()
    assert session.get(Account, account.id) is not None
