"""Signing in with a password with every step in the test's own transaction: services.accounts.sign_in_with_password
as the tests call it (the app runs each step in a transaction of its own)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.accounts import SignInOutcome, sign_in_with_password
from services.sign_in_throttle import UNKNOWN_ADDRESS, SignInThrottle


def authenticate(session: Session, *, username: str, password: str, address: str = UNKNOWN_ADDRESS,
                 throttle: SignInThrottle | None = None, now: datetime | None = None) -> SignInOutcome:
    """`sign_in_with_password` with every step in the caller's transaction: the row is still locked only after the
    check, but the transaction stays open during it."""
    return sign_in_with_password(lambda step: step(session), username=username, password=password, address=address,
                                 throttle=throttle, now=now)
