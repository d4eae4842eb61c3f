"""Who may do what: every service that touches case data declares its roles here."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from db.enums import Role
from db.models import Account
from services.errors import NotAllowed

P = ParamSpec("P")
R = TypeVar("R")

CASE_READERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)
CASE_WRITERS = (Role.MANAGER, Role.OFFICER)
ROLE_LABELS: dict[Role, str] = {
    Role.MANAGER: "Partnership Manager",
    Role.OFFICER: "Partnership officer",
    Role.CHAIR: "JCR Chair",
    Role.BOARD: "Board member",
    Role.ADMIN: "Administrator",
}


def check_role(actor: Account | None, roles: tuple[str, ...], action: str) -> None:
    """Raise NotAllowed unless `actor` is an active account holding one of `roles`."""
    if actor is None or not actor.active:
        raise NotAllowed("Please sign in first.")
    if not actor.has_role(*roles):
        allowed = ", ".join(ROLE_LABELS[Role(r)] for r in roles)
        raise NotAllowed(f"Only a {allowed} may {action}.")


def requires(
    *roles: str, action: str
) -> Callable[[Callable[Concatenate[Session, Account, P], R]], Callable[Concatenate[Session, Account | None, P], R]]:
    """Decorate a service `fn(session, actor, **kwargs)` so that only `roles` may call it (the signature is kept;
    the actor may be None, which is refused)."""

    def decorate(
        fn: Callable[Concatenate[Session, Account, P], R],
    ) -> Callable[Concatenate[Session, Account | None, P], R]:
        def wrapper(session: Session, actor: Account | None, /, *args: P.args, **kwargs: P.kwargs) -> R:
            check_role(actor, roles, action)
            assert actor is not None  # check_role refused None
            return fn(session, actor, *args, **kwargs)

        functools.update_wrapper(wrapper, fn)
        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper

    return decorate
