"""Who may do what: every service that touches case data declares its roles here."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

from db.models import Account
from services.errors import NotAllowed

F = TypeVar("F", bound=Callable)

CASE_READERS = ("manager", "officer", "chair")
CASE_WRITERS = ("manager", "officer")
ROLE_LABELS = {
    "manager": "Partnership Manager",
    "officer": "Partnership officer",
    "chair": "JCR Chair",
    "board": "Board member",
    "admin": "Administrator",
}


def check_role(actor: Account | None, roles: tuple[str, ...], action: str) -> None:
    """Raise NotAllowed unless `actor` is an active account holding one of `roles`."""
    if actor is None or not actor.active:
        raise NotAllowed("Please sign in first.")
    if not actor.has_role(*roles):
        allowed = ", ".join(ROLE_LABELS[r] for r in roles)
        raise NotAllowed(f"Only a {allowed} may {action}.")


def requires(*roles: str, action: str) -> Callable[[F], F]:
    """Decorate a service `fn(session, actor, **kwargs)` so that only `roles` may call it."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(session, actor, *args, **kwargs):
            check_role(actor, roles, action)
            return fn(session, actor, *args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
