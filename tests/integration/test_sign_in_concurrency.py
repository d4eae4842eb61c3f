"""Sign-ins to one account at the same moment, on PostgreSQL: neither waits for the other's password check, and
every failure counts (issue 16). Two threads sign in as the page does (`sign_in_with_password`, each step in a
transaction of its own); the argon2 check is held at a barrier until both threads are inside it, and meanwhile a
third connection probes the database: the account's row can be locked at once (FOR UPDATE NOWAIT) and no
connection sits in an open transaction."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from db.models import Account
from services.accounts import (
    SIGN_IN_REFUSED,
    InTransaction,
    SignInOutcome,
    create_first_account,
    sign_in_with_password,
)

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
# Only a guard against a test that would otherwise hang: a lock held during the check makes the second thread wait
# for the first, which waits at the barrier for the second.
BARRIER_SECONDS = 20


@pytest.fixture
def engine(fresh_database_url: str) -> Iterator[Engine]:
    # Committed data on a database of its own: the probing connection must see the account and the other sessions.
    engine = create_engine(fresh_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def account_id(engine: Engine) -> int:
    with Session(engine) as setup, setup.begin():
        return create_first_account(setup, username="olly", display_name="Olly", password=PASSWORD).id


T = TypeVar("T")


def _in_transaction(engine: Engine) -> InTransaction:
    def run(step: Callable[[Session], T], /) -> T:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            return step(session)
    return run


def _probe(engine: Engine, account_id: int) -> dict[str, object]:
    """What another connection finds while both checks are running."""
    with engine.connect() as other, other.begin():
        try:
            other.execute(text("SELECT id FROM accounts WHERE id = :id FOR UPDATE NOWAIT"), {"id": account_id})
            row = "free"
        except OperationalError:
            row = "locked"
    with engine.connect() as other:
        open_transactions = other.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"))
    return {"account row": row, "connections in an open transaction": open_transactions}


def _sign_in_at_once(engine: Engine, account_id: int, passwords: list[str],
                     monkeypatch: pytest.MonkeyPatch) -> tuple[list[SignInOutcome], list[dict[str, object]], list[str]]:
    """Sign in with each password in its own thread, all password checks running at the same moment."""
    both_checking = threading.Barrier(len(passwords), timeout=BARRIER_SECONDS)
    probed = threading.Barrier(len(passwords), timeout=BARRIER_SECONDS)
    probes: list[dict[str, object]] = []
    real_verify = PasswordHasher.verify

    def verify_alongside_the_others(self: PasswordHasher, hash: str, password: str) -> bool:
        if both_checking.wait() == 0:
            probes.append(_probe(engine, account_id))
        probed.wait()
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify_alongside_the_others)
    outcomes: list[SignInOutcome] = []
    failures: list[str] = []

    def sign_in(password: str) -> None:
        try:
            outcomes.append(sign_in_with_password(_in_transaction(engine), username="olly", password=password,
                                                  now=NOW))
        except Exception as error:  # noqa: BLE001 - handed on to the test (a broken barrier: not at the same moment)
            failures.append(type(error).__name__)

    threads = [threading.Thread(target=sign_in, args=(password,)) for password in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * BARRIER_SECONDS)
    return outcomes, probes, failures


def _account(engine: Engine, account_id: int) -> Account:
    with Session(engine) as session:
        account = session.scalars(select(Account).where(Account.id == account_id)).one()
        session.expunge(account)
        return account


NOTHING_HELD = {"account row": "free", "connections in an open transaction": 0}


def test_two_wrong_passwords_at_once_are_checked_together_and_both_count(engine: Engine, account_id: int,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes, probes, failures = _sign_in_at_once(engine, account_id, ["wrong password one", "wrong password two"],
                                                  monkeypatch)
    assert failures == []
    assert probes == [NOTHING_HELD]
    assert [(o.account, o.refusal) for o in outcomes] == [(None, SIGN_IN_REFUSED)] * 2
    assert _account(engine, account_id).failed_attempts == 2


def test_the_right_password_signs_in_while_another_sign_in_is_being_checked(engine: Engine, account_id: int,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes, probes, failures = _sign_in_at_once(engine, account_id, [PASSWORD, PASSWORD], monkeypatch)
    assert failures == []
    assert probes == [NOTHING_HELD]
    assert [o.account is not None for o in outcomes] == [True, True]
    account = _account(engine, account_id)
    assert (account.failed_attempts, account.last_sign_in_at) == (0, NOW)


def test_two_failures_at_once_after_three_both_count_and_lock_nothing(engine: Engine, account_id: int,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(engine) as session, session.begin():
        session.get_one(Account, account_id).failed_attempts = 3
    outcomes, probes, failures = _sign_in_at_once(engine, account_id, ["wrong password one", "wrong password two"],
                                                  monkeypatch)
    assert failures == [] and probes == [NOTHING_HELD]
    assert [o.account for o in outcomes] == [None, None]
    account = _account(engine, account_id)
    # Failures in a row are counted (NIST's limit of 100); the waits are the throttle's, never a lock.
    assert (account.failed_attempts, account.locked_until) == (5, None)
