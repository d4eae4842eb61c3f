"""Accounts and sign-in on PostgreSQL: hashing, failures counted (never a lock), first run, admin changes."""
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Literal, TypedDict

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, create_engine, event, select, text, update
from sqlalchemy.engine import ExecutionContext
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import Account, LogEntry
from services.accounts import (
    SIGN_IN_REFUSED,
    count_accounts,
    create_account,
    create_first_account,
    reset_password,
    set_active,
    set_roles,
)
from services.errors import InvalidInput, NotAllowed
from tests.conftest import SignInClock
from tests.password_sign_in import authenticate
from tests.types import MakeAccount

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class AccountFields(TypedDict, total=False):
    """create_account's keyword arguments a test may set."""

    username: str
    display_name: str
    roles: Iterable[str]
    password: str


class SettingsFields(TypedDict):
    """update_settings' keyword arguments every save gives."""

    partnership_name: str
    amber_threshold_days: int
    idle_timeout_minutes: int


def test_password_is_hashed_with_argon2(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer")
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_sign_in_succeeds_and_records_the_time(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer", username="olly")
    outcome = authenticate(session, username=" OLLY ", password=PASSWORD, now=NOW)
    assert outcome.account is not None and outcome.account.id == account.id and outcome.refusal is None
    assert account.last_sign_in_at == NOW


def test_wrong_username_and_wrong_password_get_the_same_message(session: Session, make_account: MakeAccount) -> None:
    make_account("officer", username="olly")
    assert authenticate(session, username="nobody", password=PASSWORD, now=NOW).refusal == SIGN_IN_REFUSED
    assert authenticate(session, username="olly", password="wrong password!", now=NOW).refusal == SIGN_IN_REFUSED


def test_five_failures_never_lock_the_account(session: Session, make_account: MakeAccount,
                                              sign_in_clock: SignInClock) -> None:
    # Anyone could lock a named account for 15 minutes, again and again, by typing its username and 5 wrong passwords.
    account = make_account("officer", username="olly")
    for _ in range(5):
        assert authenticate(session, username="olly", password="nope nope nope", now=NOW).account is None
    assert (account.failed_attempts, account.locked_until) == (5, None)
    sign_in_clock.now += 2  # the throttle's wait (services/sign_in_throttle.py), not a lock
    assert authenticate(session, username="olly", password=PASSWORD, now=NOW + timedelta(minutes=1)).account


def test_four_failures_then_success_resets_the_count(session: Session, make_account: MakeAccount) -> None:
    account = make_account("officer", username="olly")
    for _ in range(4):
        authenticate(session, username="olly", password="nope nope nope", now=NOW)
    assert authenticate(session, username="olly", password=PASSWORD, now=NOW).account
    assert account.failed_attempts == 0
    authenticate(session, username="olly", password="nope nope nope", now=NOW)
    assert account.locked_until is None


def test_deactivated_account_cannot_sign_in(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    account = make_account("officer", username="olly")
    set_active(session, admin, account_id=account.id, active=False)
    assert authenticate(session, username="olly", password=PASSWORD, now=NOW).refusal == SIGN_IN_REFUSED


def test_first_account_gets_admin_and_manager_and_only_once(session: Session) -> None:
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
        ({"display_name": "x" * 121}, "display name is 121 characters long; it can be at most 120"),
        ({"display_name": "Pat\x00Manager"}, "display name contains a hidden control character"),
        ({"username": "pat\x00man"}, "3 to 40"),
        ({"password": " " * 12}, "only spaces"),
        ({"password": "\t\n" * 8}, "only spaces"),
    ],
)
def test_create_account_refuses_bad_input(session: Session, make_account: MakeAccount, kwargs: AccountFields,
                                          message: str) -> None:
    admin = make_account("admin")
    values: AccountFields = {"username": "newuser", "display_name": "New", "roles": ["officer"], "password": PASSWORD}
    values.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        create_account(session, admin, **values)


def test_duplicate_username_refused(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    create_account(session, admin, username="dup", display_name="A", roles=["officer"], password=PASSWORD)
    with pytest.raises(InvalidInput, match="taken"):
        create_account(session, admin, username="DUP", display_name="B", roles=["officer"], password=PASSWORD)


def test_admin_changes_are_logged_with_the_admin_as_author(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    account = make_account("officer")
    set_roles(session, admin, account_id=account.id, roles=["officer", "chair"])
    reset_password(session, admin, account_id=account.id, new_password="another long password")
    texts = session.scalars(select(LogEntry.text).where(LogEntry.author_id == admin.id).order_by(LogEntry.id)).all()
    assert texts[-2:] == [f"Roles of {account.username} changed from officer to officer, chair.",
                          f"Password of {account.username} reset."]
    assert authenticate(session, username=account.username, password="another long password", now=NOW).account


def test_admin_cannot_lock_themselves_out(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    with pytest.raises(InvalidInput):
        set_active(session, admin, account_id=admin.id, active=False)
    with pytest.raises(InvalidInput):
        set_roles(session, admin, account_id=admin.id, roles=["manager"])


def test_non_admin_cannot_manage_accounts(session: Session, make_account: MakeAccount) -> None:
    manager = make_account("manager")
    with pytest.raises(NotAllowed, match="Administrator"):
        create_account(session, manager, username="x1x", display_name="X", roles=["officer"], password=PASSWORD)


def test_database_refuses_unknown_roles(session: Session, make_account: MakeAccount) -> None:
    from sqlalchemy.exc import IntegrityError

    account = make_account("officer")
    with pytest.raises(IntegrityError), session.begin_nested():
        account.roles = ["superuser"]
        session.flush()
    assert session.get(Account, account.id) is not None


def test_display_names_are_cleaned_before_they_are_stored(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    account = create_account(session, admin, username="pat", display_name="  Pat \v  Manager ", roles=["officer"],
                             password=PASSWORD)
    assert account.display_name == "Pat Manager"


def test_an_over_long_display_name_is_refused_before_the_password_is_hashed(
        session: Session, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    # It used to reach the database, whose error (on screen and in the server log) quoted the new argon2 hash.
    admin = make_account("admin")
    hashed: list[int] = []

    def spy_hash(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        hashed.append(1)
        return "$argon2id$spy"

    monkeypatch.setattr(PasswordHasher, "hash", spy_hash)
    with pytest.raises(InvalidInput) as refused:
        create_account(session, admin, username="longname", display_name="N" * 121, roles=["officer"],
                       password=PASSWORD)
    assert hashed == []
    assert "$argon2" not in "".join(traceback.format_exception(refused.value))


def test_the_first_account_refuses_an_over_long_display_name_with_a_sentence(session: Session) -> None:
    with pytest.raises(InvalidInput, match="display name is 500 characters long") as refused:
        create_first_account(session, username="longname", display_name="N" * 500, password=PASSWORD)
    assert "$argon2" not in "".join(traceback.format_exception(refused.value))


def test_whitespace_only_passwords_are_refused_on_reset(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    account = make_account("officer")
    with pytest.raises(InvalidInput, match="only spaces"):
        reset_password(session, admin, account_id=account.id, new_password=" " * 12)


def test_whitespace_only_passwords_are_refused_for_the_first_account(session: Session) -> None:
    with pytest.raises(InvalidInput, match="only spaces"):
        create_first_account(session, username="pman", display_name="Pat", password=" " * 20)


# ------------------------------------------------------------------ sign-in: one answer, one check, lock last


@pytest.fixture
def verify_calls(monkeypatch: pytest.MonkeyPatch) -> list[str | bytes]:
    """Every argon2 check made, as the hash it was made against (the real check still runs)."""
    calls: list[str | bytes] = []
    real_verify = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    return calls


def _refused_kinds(session: Session, make_account: MakeAccount, admin: Account) -> list[tuple[str, str, str]]:
    """One account in each refused state; returns (kind, username, password) for each kind of failure."""
    make_account("officer", username="wrongpw")
    stopped = make_account("officer", username="stopped")
    stopped.failed_attempts = 100  # NIST's limit of failures in a row: no known address here
    gone = make_account("officer", username="gone")
    set_active(session, admin, account_id=gone.id, active=False)
    session.flush()
    return [("unknown", "nobody.here", PASSWORD), ("wrong password", "wrongpw", "not the password"),
            ("100 failures in a row (right password)", "stopped", PASSWORD),
            ("100 failures in a row (wrong password)", "stopped", "not it at all"),
            ("deactivated (right password)", "gone", PASSWORD), ("deactivated (wrong password)", "gone", "not it!!"),
            ("NUL in the username", "olly\x00", PASSWORD), ("over-long username", "o" * 500, PASSWORD)]


def test_every_kind_of_refused_sign_in_gets_the_identical_answer(session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    answers = {kind: authenticate(session, username=username, password=password, now=NOW)
               for kind, username, password in _refused_kinds(session, make_account, admin)}
    assert {kind: (outcome.account, outcome.refusal) for kind, outcome in answers.items()} == {
        kind: (None, SIGN_IN_REFUSED) for kind in answers}


def test_every_kind_of_refused_sign_in_runs_one_password_check(session: Session, make_account: MakeAccount,
                                                               verify_calls: list[str | bytes]) -> None:
    # The same work whatever the reason: a locked account used to answer before any hash was computed (under 1 ms
    # against ~350 ms), which told an attacker the username exists.
    admin = make_account("admin")
    checks: dict[str, int] = {}
    for kind, username, password in _refused_kinds(session, make_account, admin):
        verify_calls.clear()
        authenticate(session, username=username, password=password, now=NOW)
        checks[kind] = len(verify_calls)
    assert checks == dict.fromkeys(checks, 1)


def test_a_stopped_account_is_checked_against_its_own_hash_and_unknown_ones_against_a_dummy(
        session: Session, make_account: MakeAccount, verify_calls: list[str | bytes]) -> None:
    locked = make_account("officer", username="locked")
    locked.failed_attempts = 100
    session.flush()
    authenticate(session, username="locked", password=PASSWORD, now=NOW)
    authenticate(session, username="nobody.here", password=PASSWORD, now=NOW)
    assert verify_calls[0] == locked.password_hash
    dummy = verify_calls[1]
    assert isinstance(dummy, str) and dummy.startswith("$argon2id$") and dummy != locked.password_hash


def test_a_lock_left_by_the_old_rule_no_longer_refuses_and_failures_on_a_deactivated_account_count(
        session: Session, make_account: MakeAccount) -> None:
    admin = make_account("admin")
    locked = make_account("officer", username="locked")
    locked.locked_until = NOW + timedelta(minutes=10)
    gone = make_account("officer", username="gone")
    set_active(session, admin, account_id=gone.id, active=False)
    for _ in range(2):
        authenticate(session, username="gone", password="not it at all", address="10.0.0.1", now=NOW)
    assert gone.failed_attempts == 2
    assert authenticate(session, username="locked", password=PASSWORD, address="10.0.0.2", now=NOW).account
    assert locked.locked_until is None


def test_the_password_is_checked_before_the_account_row_is_locked(session: Session, make_account: MakeAccount,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    make_account("officer", username="olly")
    events: list[str] = []
    real_verify = PasswordHasher.verify

    def verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        events.append("verify")
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)

    def record_locks(conn: Connection, cursor: object, statement: str, parameters: object,
                     context: ExecutionContext | None, executemany: bool) -> None:
        if "FOR UPDATE" in statement:
            events.append("lock")

    event.listen(session.bind, "before_cursor_execute", record_locks)
    try:
        assert authenticate(session, username="olly", password=PASSWORD, now=NOW).account
        assert authenticate(session, username="olly", password="not the password", now=NOW).account is None
    finally:
        event.remove(session.bind, "before_cursor_execute", record_locks)
    assert events == ["verify", "lock", "verify", "lock"]


def test_another_sign_in_can_lock_the_account_while_a_password_is_being_checked(
        fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Committed data on a database of its own: a second connection must see the account to try to lock it.
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine) as setup, setup.begin():
            account_id = create_first_account(setup, username="olly", display_name="Olly", password=PASSWORD).id
        lock_attempts: list[str] = []
        real_verify = PasswordHasher.verify

        def verify_while_another_connection_locks(self: PasswordHasher, hash: str | bytes,
                                                  password: str | bytes) -> Literal[True]:
            # NOWAIT fails at once if the signing-in transaction already holds the row.
            with engine.connect() as other, other.begin():
                try:
                    other.execute(text("SELECT id FROM accounts WHERE id = :id FOR UPDATE NOWAIT"), {"id": account_id})
                    lock_attempts.append("locked by the other connection")
                except OperationalError:
                    lock_attempts.append("row already locked")
            return real_verify(self, hash, password)

        monkeypatch.setattr(PasswordHasher, "verify", verify_while_another_connection_locks)
        with Session(engine) as signing_in, signing_in.begin():
            assert authenticate(signing_in, username="olly", password=PASSWORD, now=NOW).account
        with Session(engine) as signing_in, signing_in.begin():
            assert authenticate(signing_in, username="olly", password="wrong password", now=NOW).account is None
        assert lock_attempts == ["locked by the other connection"] * 2
    finally:
        engine.dispose()


def test_a_password_reset_during_the_check_refuses_the_old_password(session: Session, make_account: MakeAccount,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    admin = make_account("admin")
    account = make_account("officer", username="olly")
    real_verify = PasswordHasher.verify

    def reset_meanwhile(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        matched = real_verify(self, hash, password)
        # The row changed in the database only (not the account object in this session), as another process does.
        session.execute(update(Account).where(Account.id == account.id)
                        .values(password_hash=PasswordHasher().hash("a brand new password"))
                        .execution_options(synchronize_session=False))
        return matched

    monkeypatch.setattr(PasswordHasher, "verify", reset_meanwhile)
    outcome = authenticate(session, username="olly", password=PASSWORD, now=NOW)
    assert (outcome.account, outcome.refusal) == (None, SIGN_IN_REFUSED)
    assert admin.id != account.id


# Organisation sign-in (OpenID Connect): the identity's verified email names the account; roles stay the account's.

def test_a_verified_email_matches_its_active_account_whatever_the_case(session: Session,
                                                                       make_account: MakeAccount) -> None:
    from services.accounts import account_for_verified_email, set_email

    admin = make_account("admin")
    account = make_account("officer", username="pat")
    set_email(session, admin, account_id=account.id, email="pat.jones@council.example")
    outcome = account_for_verified_email(session, email="  Pat.Jones@COUNCIL.example ", email_verified=True, now=NOW)
    assert outcome.account is not None and outcome.account.id == account.id and outcome.refusal is None
    assert outcome.account.roles == ["officer"]
    assert account.last_sign_in_at == NOW
    # A provider that does not send email_verified is trusted for its own organisation's emails.
    assert account_for_verified_email(session, email="pat.jones@council.example").account is not None


def test_an_unknown_email_is_refused_naming_the_administrator(session: Session, make_account: MakeAccount) -> None:
    from services.accounts import account_for_verified_email

    make_account("officer", username="pat")
    outcome = account_for_verified_email(session, email="Nobody@Council.Example", email_verified=True)
    assert outcome.account is None and outcome.refusal is not None
    assert "Ask your administrator to add nobody@council.example to an account" in outcome.refusal


def test_an_inactive_account_or_an_unverified_or_missing_email_is_refused(session: Session,
                                                                          make_account: MakeAccount) -> None:
    from services.accounts import account_for_verified_email, set_active, set_email

    admin = make_account("admin")
    account = make_account("officer", username="pat")
    set_email(session, admin, account_id=account.id, email="pat@council.example")
    unverified = account_for_verified_email(session, email="pat@council.example", email_verified=False)
    assert unverified.account is None and unverified.refusal is not None and "not verified" in unverified.refusal
    for missing in (None, "", "   ", "pat"):
        assert account_for_verified_email(session, email=missing, email_verified=True).account is None
    set_active(session, admin, account_id=account.id, active=False)
    refused = account_for_verified_email(session, email="pat@council.example", email_verified=True)
    assert refused.account is None and refused.refusal is not None
    assert "Ask your administrator to add pat@council.example to an account" in refused.refusal
    assert account.last_sign_in_at is None


def test_local_passwords_switch_off_only_while_organisation_sign_in_is_configured(session: Session,
                                                                                  make_account: MakeAccount) -> None:
    from services.settings import get_settings, update_settings

    admin = make_account("admin")
    current = get_settings(session, admin)
    assert current.local_passwords_enabled is True
    common: SettingsFields = {"partnership_name": current.partnership_name,
                              "amber_threshold_days": current.amber_threshold_days,
                              "idle_timeout_minutes": current.idle_timeout_minutes}
    with pytest.raises(InvalidInput, match="only when organisation sign-in is configured"):
        update_settings(session, admin, **common, local_passwords_enabled=False)
    assert get_settings(session, admin).local_passwords_enabled is True
    assert update_settings(session, admin, **common, local_passwords_enabled=False,
                           organisation_sign_in_configured=True).local_passwords_enabled is False
    # Saving without the flag leaves it as it is; switching it back on needs nothing.
    assert update_settings(session, admin, **common).local_passwords_enabled is False
    assert update_settings(session, admin, **common, local_passwords_enabled=True).local_passwords_enabled is True
