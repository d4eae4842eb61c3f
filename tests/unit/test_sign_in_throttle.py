"""The sign-in throttle's rules, with no database: the growing wait, its sentence, the source address, and the
counts by username and by address (in memory, on a clock the test moves)."""
from __future__ import annotations

import pytest

from services.sign_in_throttle import (
    FREE_FAILURES_PER_ADDRESS,
    FREE_FAILURES_PER_USERNAME,
    LONGEST_WAIT_SECONDS,
    SignInThrottle,
    source_address,
    wait_seconds,
    wait_sentence,
)
from tests.conftest import SignInClock


def test_the_wait_is_none_within_the_allowance_then_doubles_to_a_cap() -> None:
    assert [wait_seconds(n, free=5) for n in range(0, 5)] == [0, 0, 0, 0, 0]
    assert [wait_seconds(n, free=5) for n in range(5, 15)] == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert wait_seconds(99, free=5) == wait_seconds(10_000, free=5) == LONGEST_WAIT_SECONDS == 900
    assert wait_seconds(19, free=20) == 0 and wait_seconds(20, free=20) == 2


def test_a_hundred_failures_in_a_row_take_most_of_a_day_at_the_fastest() -> None:
    # NIST SP 800-63B: at most 100 failures in a row on one account. With these waits a guesser needs this long.
    seconds = sum(wait_seconds(n, free=FREE_FAILURES_PER_USERNAME) for n in range(1, 100))
    assert seconds > 20 * 3600


@pytest.mark.parametrize("seconds, sentence", [
    (1, "Too many attempts: try again in 1 second."),
    (30, "Too many attempts: try again in 30 seconds."),
    (61, "Too many attempts: try again in 2 minutes."),
    (900, "Too many attempts: try again in 15 minutes."),
])
def test_the_wait_is_told_in_one_sentence(seconds: int, sentence: str) -> None:
    assert wait_sentence(seconds) == sentence


@pytest.mark.parametrize("peer, forwarded, address", [
    (None, None, "local"),  # a browser on this machine, or AppTest
    (None, "10.1.2.3", "10.1.2.3"),  # nginx on this machine says where the browser is
    (None, "6.6.6.6, 10.1.2.3", "10.1.2.3"),  # the browser's own claim comes first, nginx's entry last
    ("203.0.113.9", "10.1.2.3", "203.0.113.9"),  # a direct connection from elsewhere cannot choose its address
])
def test_the_source_address_trusts_x_forwarded_for_only_from_this_machine(peer: str | None, forwarded: str | None,
                                                                          address: str) -> None:
    assert source_address(peer, forwarded) == address


def test_failures_over_the_allowance_make_the_next_attempt_wait(sign_in_clock: SignInClock) -> None:
    throttle = SignInThrottle()
    for _ in range(FREE_FAILURES_PER_USERNAME - 1):
        throttle.failed(username="olly", address="10.0.0.1")
        assert throttle.check(username="olly", address="10.0.0.1").wait == 0
    throttle.failed(username="olly", address="10.0.0.1")
    assert throttle.check(username="OLLY ", address="10.0.0.9").wait == 2  # the username, from anywhere
    sign_in_clock.now += 2.5
    assert throttle.check(username="olly", address="10.0.0.1").wait == 0
    throttle.failed(username="olly", address="10.0.0.1")
    assert throttle.check(username="olly", address="10.0.0.1").wait == 4
    assert throttle.check(username="someone.else", address="10.0.0.2").wait == 0


def test_one_address_guessing_many_usernames_is_held_back_by_its_address(sign_in_clock: SignInClock) -> None:
    throttle = SignInThrottle()
    for n in range(FREE_FAILURES_PER_ADDRESS):
        assert throttle.check(username=f"user{n}", address="10.0.0.1").wait == 0
        throttle.failed(username=f"user{n}", address="10.0.0.1")
    assert throttle.check(username="user999", address="10.0.0.1").wait == 2
    assert throttle.check(username="user999", address="10.0.0.2").wait == 0


def test_a_success_forgets_the_usernames_failures_and_its_address_becomes_known(sign_in_clock: SignInClock) -> None:
    throttle = SignInThrottle()
    throttle.succeeded(username="olly", address="10.0.0.1")
    for _ in range(12):
        throttle.failed(username="olly", address="6.6.6.6")
    assert throttle.check(username="olly", address="6.6.6.6").wait > 0
    assert throttle.check(username="olly", address="10.0.0.2").wait > 0
    # The real person's usual address is not held back by the username's failures made elsewhere.
    assert throttle.check(username="olly", address="10.0.0.1").wait == 0
    throttle.succeeded(username="olly", address="10.0.0.1")
    assert throttle.check(username="olly", address="10.0.0.2").wait == 0
    assert throttle.check(username="olly", address="6.6.6.6").wait == 0  # its own 12 failures are under 20
