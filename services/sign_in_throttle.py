"""Sign-in throttling: growing waits after failed sign-ins, by username and by source address (NIST SP 800-63B
5.2.2: rate limiting instead of a lock that anyone could trigger by typing a colleague's username).

The rule (`wait_seconds`): a username may fail 5 times and a source address 20 times (a council's proxy puts many
people behind one address) within 24 hours with no wait; after that, each failure makes the next attempt wait,
2 seconds after the first failure over the allowance, doubling each time, at most 15 minutes. An attempt made while
a wait runs is refused before anything is read or any password is checked (argon2 costs 0.16 s of a shared core), and
it does not count as a failure, so hammering does not lengthen the wait. The sentence says only how long to wait,
never whether the username exists: unknown usernames are counted exactly like real ones.

No account is ever locked. Two things keep the real person able to sign in while someone else guesses:
- a success clears the username's failures, and the address it came from becomes a known address of that username
  for 30 days; a known address is not held back by the username's failures (only by its own address's);
- the database counts an account's failures in a row (`accounts.failed_attempts`, all processes, kept over a
  restart); from 100 in a row (NIST's limit) no password is checked for that account any more from an address it
  has not signed in from, until a success or an administrator's new password clears the count.

Where the counts live: in the memory of each app process (the `limits` library's MemoryStorage, moving windows).
nginx keeps a signed-out browser on one process by its address (scripts/serve_workers.py), so one address meets
one process's counts; a username guessed from many addresses meets up to one count per process (with 4 processes,
4 times the allowance), and a restart forgets the waits. The 100-in-a-row stop is in the database for that reason.
"""
from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

FREE_FAILURES_PER_USERNAME = 5
FREE_FAILURES_PER_ADDRESS = 20
FIRST_WAIT_SECONDS = 2
LONGEST_WAIT_SECONDS = 15 * 60
MAX_FAILURES_IN_A_ROW = 100
KNOWN_ADDRESS_DAYS = 30
# Failures are counted over a day; more than this in a day on one key are not counted further (the wait is long by
# then anyway), which bounds the memory one key can take.
_COUNTED_PER_DAY = 1000
_FAILURES = RateLimitItemPerDay(_COUNTED_PER_DAY)
_KNOWN = RateLimitItemPerDay(1, KNOWN_ADDRESS_DAYS)
USERNAME = "username"
ADDRESS = "address"
UNKNOWN_ADDRESS = "local"


def wait_seconds(failures: int, *, free: int) -> int:
    """How long the next attempt must wait after `failures` failures within the day, when `free` come with no wait:
    none up to the allowance, then 2 seconds, doubling with each further failure, at most 15 minutes."""
    if failures < free:
        return 0
    extra = failures - free
    if extra >= 20:  # 2 ** 20 seconds is far past the longest wait
        return LONGEST_WAIT_SECONDS
    return int(min(FIRST_WAIT_SECONDS * 2 ** extra, LONGEST_WAIT_SECONDS))


def wait_sentence(seconds: int) -> str:
    """The one sentence of a throttled attempt (never whether the username exists)."""
    if seconds < 60:
        amount = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = math.ceil(seconds / 60)
        amount = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many attempts: try again in {amount}."


def source_address(peer: str | None, forwarded_for: str | None) -> str:
    """The address a sign-in comes from. `peer` is the connection's address as Streamlit gives it (None for a
    connection from this machine: nginx, or a developer's browser). Only a connection from this machine, i.e. the
    trusted nginx in front of the app processes, may say where the browser is, with the last X-Forwarded-For entry
    (the one nginx appended; earlier ones are the browser's own claim). A direct connection from elsewhere is its
    own address whatever it says."""
    if peer:
        return peer.strip()[:64]
    if forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last[:64]
    return UNKNOWN_ADDRESS


def _username_key(username: str) -> str:
    # A digest: whatever was typed (500 characters, a NUL byte) takes the same small room, and is never kept as typed.
    return hashlib.sha256((username or "").strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def _time_now() -> float:
    # Looked up on each call, as the limits library's memory storage does, so that a test can move both clocks.
    return time.time()


def _hold(seconds: int) -> RateLimitItem:
    return RateLimitItemPerSecond(1, seconds)


def _every_wait(free: int) -> list[int]:
    waits = {wait_seconds(n, free=free) for n in range(free, free + 21)}
    return sorted(w for w in waits if w > 0)


@dataclass(frozen=True)
class Verdict:
    """May this attempt be checked now? `wait` is 0 when it may, else the seconds to wait."""

    wait: int

    @property
    def sentence(self) -> str:
        return wait_sentence(self.wait)


class SignInThrottle:
    """Failed sign-ins counted by username and by address in this process (see the module's docstring)."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._clock = clock or _time_now
        self._waits = {USERNAME: _every_wait(FREE_FAILURES_PER_USERNAME),
                       ADDRESS: _every_wait(FREE_FAILURES_PER_ADDRESS)}

    def _remaining_hold(self, kind: str, key: str) -> int:
        """The seconds left of the longest wait running on this key (0 when none runs)."""
        now = self._clock()
        longest = 0.0
        for seconds in self._waits[kind]:
            stats = self._limiter.get_window_stats(_hold(seconds), kind, key)
            if stats.remaining <= 0:
                longest = max(longest, stats.reset_time - now)
        return math.ceil(longest) if longest > 0 else 0

    def failures(self, kind: str, key: str) -> int:
        return _COUNTED_PER_DAY - self._limiter.get_window_stats(_FAILURES, kind, key).remaining

    def is_known(self, *, username: str, address: str) -> bool:
        """Has this username signed in from this address within 30 days (in this process)?"""
        return not self._limiter.test(_KNOWN, "known", _username_key(username), address)

    def check(self, *, username: str, address: str) -> Verdict:
        """Whether an attempt for this username from this address may have its password checked now."""
        wait = self._remaining_hold(ADDRESS, address)
        if not self.is_known(username=username, address=address):
            wait = max(wait, self._remaining_hold(USERNAME, _username_key(username)))
        return Verdict(wait)

    def _count_failure(self, kind: str, key: str, free: int) -> None:
        self._limiter.hit(_FAILURES, kind, key)
        seconds = wait_seconds(self.failures(kind, key), free=free)
        if seconds:
            self._limiter.hit(_hold(seconds), kind, key)

    def failed(self, *, username: str, address: str) -> None:
        """Count a refused sign-in (wrong password, unknown username, deactivated account) against both."""
        self._count_failure(USERNAME, _username_key(username), FREE_FAILURES_PER_USERNAME)
        self._count_failure(ADDRESS, address, FREE_FAILURES_PER_ADDRESS)

    def succeeded(self, *, username: str, address: str) -> None:
        """A sign-in worked: the username's failures are forgotten (not the address's, or one's own account could
        wash an address clean between guesses at others), and the address becomes known for the username."""
        key = _username_key(username)
        self._limiter.clear(_FAILURES, USERNAME, key)
        for seconds in self._waits[USERNAME]:
            self._limiter.clear(_hold(seconds), USERNAME, key)
        self._limiter.hit(_KNOWN, "known", key, address)

    def reset(self) -> None:
        """Forget everything (tests)."""
        self._storage.reset()


# The process's throttle: every sign-in in this process goes through it.
THROTTLE = SignInThrottle()
