"""The demo accounts the demo data acts as, one per role."""
from __future__ import annotations

from dataclasses import dataclass

from db.enums import Role
from db.models import Account

DEMO_PASSWORD = "demo-password-2026"
DEMO_ACCOUNTS: list[tuple[str, str, list[Role]]] = [
    ("demo-manager", "Morgan Manager (demo)", [Role.MANAGER]),
    ("demo-officer", "Olly Officer (demo)", [Role.OFFICER]),
    ("demo-chair", "Charlie Chair (demo)", [Role.CHAIR]),
    ("demo-board", "Bobbie Board (demo)", [Role.BOARD]),
    ("demo-admin", "Ash Admin (demo)", [Role.ADMIN]),
]


@dataclass(frozen=True)
class DemoCast:
    """Who does each step: the officer records, the manager decides, the Chair chairs, the admin sets up."""

    admin: Account
    manager: Account
    officer: Account
    chair: Account
    board: Account
