"""Who may do what: every service that touches case data declares its roles here."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from db.enums import Role
from db.models import Account
from services.errors import NotAllowed

P = ParamSpec("P")
R = TypeVar("R")

# Who sees each review, its returns, log, meetings and report.
CASE_READERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)
# The officer's work on a case (opening it, its dates and facts, the agency returns, sending the report to the
# Chair); the Partnership Manager may do it too.
CASE_WRITERS = (Role.MANAGER, Role.OFFICER)
# The writes the JCR Chair makes as well as the officer and the manager, each named for what it guards:
LOG_WRITERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)  # an entry in the daily log (or its correction)
MILESTONE_RECORDERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)  # a plan step recorded done by hand
MEETING_RECORDERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)  # a meeting recorded, or its record changed
REPORT_WRITERS = (Role.MANAGER, Role.OFFICER, Role.CHAIR)  # the report's sections, a Word draft, the LCSPR decision
# A document uploaded to the case folder, or removed from it with a reason (the officer keeps the folder; the
# Partnership Manager may too). Every case reader downloads them.
FOLDER_KEEPERS = (Role.MANAGER, Role.OFFICER)
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


def may(roles: Iterable[str], service: Callable[..., object]) -> bool:
    """Whether an account holding `roles` may call `service` (a function decorated with `requires`): what a page asks
    before it offers a form, answered from the roles the service itself checks."""
    allowed: frozenset[str] | None = getattr(service, "allowed_roles", None)
    if allowed is None:
        raise TypeError(f"{getattr(service, '__name__', service)} declares no roles (services.permissions.requires)")
    return bool(allowed & set(roles))
