"""The demo accounts the demo data acts as, one per role."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from db.enums import Role
from db.models import Account

# What the demo partnership's name ends with (the label itself follows settings.training_copy, set by the loader).
TRAINING_MARK = "(fictional demo data)"
TRAINING_COPY = ("Training copy: this tracker holds the fictional demo partnership, not real cases. Never enter a real "
                 "child's details here.")
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


def new_demo_password() -> str:
    """A fresh random password for the demo accounts of one load (shown once): never one written in the source, which
    anyone could read and try on any server that once had the demo loaded, the administrator's account included."""
    return "demo-" + secrets.token_urlsafe(12)

