"""Sign-in throttling on PostgreSQL: a hundred rapid guesses at one account are mostly refused before any argon2
check (counted, not timed), the real person still signs in (after the wait, or at once from an address they signed
in from before), one password tried over many usernames is held back by its address, and nobody can lock an
account. The throttle's clock is the test's (`sign_in_clock`)."""
from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from services.accounts import SIGN_IN_REFUSED, reset_password
from tests.conftest import SignInClock
from tests.password_sign_in import authenticate
from tests.types import MakeAccount

PASSWORD = "correct horse battery"
ATTACKER = "198.51.100.7"
HOME = "10.20.30.40"

# The hashes given to argon2, one per password check.
Hashes = list[str | bytes]


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> Hashes:
    calls: Hashes = []
    real_verify = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> Literal[True]:
        calls.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_a_hundred_rapid_guesses_are_mostly_refused_before_a_password_check(
        session: Session, make_account: MakeAccount, argon2_checks: Hashes, sign_in_clock: SignInClock) -> None:
    account = make_account("officer", username="olly")
    outcomes = [authenticate(session, username="olly", password=f"guess number {n}", address=ATTACKER)
                for n in range(100)]
    assert all(o.account is None for o in outcomes)
    # Five guesses are checked; the other 95 are told to wait, with no argon2 check and nothing read.
    assert len(argon2_checks) == 5
    assert [o.refusal for o in outcomes[:5]] == [SIGN_IN_REFUSED] * 5
    assert {o.refusal for o in outcomes[5:]} == {"Too many attempts: try again in 2 seconds."}
    # The refusals while a wait runs did not count: the wait did not grow, and the account was never locked.
    assert account.failed_attempts == 5 and account.locked_until is None
    # The real person, after the wait, from the same address or any other, signs in.
    sign_in_clock.now += 2
    assert authenticate(session, username="olly", password=PASSWORD, address=ATTACKER).account is account
    assert account.failed_attempts == 0


def test_guesses_spread_out_in_time_meet_a_growing_wait(session: Session, make_account: MakeAccount,
                                                        argon2_checks: Hashes, sign_in_clock: SignInClock) -> None:
    make_account("officer", username="olly")
    waits: list[int] = []
    while len(argon2_checks) < 11:
        outcome = authenticate(session, username="olly", password="guess", address=ATTACKER)
        if outcome.wait:  # told to wait: the guesser waits exactly that long
            waits.append(outcome.wait)
            sign_in_clock.now += outcome.wait
    assert waits == [2, 4, 8, 16, 32, 64]


def test_the_real_person_signs_in_at_once_from_an_address_they_used_before(
        session: Session, make_account: MakeAccount, argon2_checks: Hashes, sign_in_clock: SignInClock) -> None:
    make_account("officer", username="olly")
    assert authenticate(session, username="olly", password=PASSWORD, address=HOME).account
    for n in range(30):
        authenticate(session, username="olly", password=f"guess {n}", address=ATTACKER)
        sign_in_clock.now += 1
    assert authenticate(session, username="olly", password=PASSWORD, address=ATTACKER).wait > 0
    assert authenticate(session, username="olly", password=PASSWORD, address=HOME).account


def test_one_password_over_many_usernames_is_held_back_by_its_address(
        session: Session, make_account: MakeAccount, argon2_checks: Hashes, sign_in_clock: SignInClock) -> None:
    for n in range(5):
        make_account("officer", username=f"staff{n}")
    outcomes = [authenticate(session, username=f"staff{n % 5}" if n % 2 else f"nobody{n}", password="Summer2026!!!!",
                             address=ATTACKER) for n in range(60)]
    assert len(argon2_checks) == 20  # the address's allowance, then every attempt waits
    assert {o.refusal for o in outcomes[20:]} == {"Too many attempts: try again in 2 seconds."}
    # Colleagues at other addresses are not held back by it.
    assert authenticate(session, username="staff1", password=PASSWORD, address=HOME).account


def test_unknown_and_real_usernames_are_throttled_alike(session: Session, make_account: MakeAccount,
                                                        sign_in_clock: SignInClock) -> None:
    make_account("officer", username="olly")
    answers: dict[str, list[str | None]] = {}
    for username, address in (("olly", "10.0.0.1"), ("nobody.here", "10.0.0.2")):
        answers[username] = [authenticate(session, username=username, password="not it at all",
                                          address=address).refusal for _ in range(7)]
    assert answers["olly"] == answers["nobody.here"]


def test_after_a_hundred_failures_in_a_row_only_a_known_address_has_its_password_checked(
        session: Session, make_account: MakeAccount, argon2_checks: Hashes, sign_in_clock: SignInClock) -> None:
    admin = make_account("admin")
    account = make_account("officer", username="olly")
    assert authenticate(session, username="olly", password=PASSWORD, address=HOME).account
    account.failed_attempts = 100  # made from many processes and addresses, over days
    session.flush()
    refused = authenticate(session, username="olly", password=PASSWORD, address=ATTACKER)
    assert (refused.account, refused.refusal) == (None, SIGN_IN_REFUSED)
    assert authenticate(session, username="olly", password=PASSWORD, address=HOME).account
    account.failed_attempts = 100
    session.flush()
    reset_password(session, admin, account_id=account.id, new_password="a new long password")
    assert authenticate(session, username="olly", password="a new long password", address=ATTACKER).account
