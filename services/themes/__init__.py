"""Practice themes: the partnership's list (seeded from the national sources, docs/themes.md) and the reviews coded
with them, each with one sentence of learning.

- `rules`: a theme's name and description, the learning (one sentence, nothing that looks like the child's details)
  and the financial year a review counts in (pure);
- `reads`: the list, a review's themes, the themes by financial year for the board;
- `service`: the Administrator's list (add, rename, retire or restore, reorder) and the coding of a review.

Pages import the names below from `services.themes`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.themes.reads import (
        CodedTheme,
        ReviewThemes,
        ThemeRead,
        list_themes,
        review_themes,
    )
    from services.themes.rules import (
        MAX_DESCRIPTION_CHARS,
        MAX_LEARNING,
        MAX_NAME_CHARS,
        PARTNERSHIP_SOURCE,
    )
    from services.themes.service import (
        add_theme,
        code_review_theme,
        move_theme,
        rename_theme,
        set_theme_active,
        uncode_review_theme,
    )

__all__ = [
    "MAX_DESCRIPTION_CHARS",
    "MAX_LEARNING",
    "MAX_NAME_CHARS",
    "PARTNERSHIP_SOURCE",
    "CodedTheme",
    "ReviewThemes",
    "ThemeRead",
    "add_theme",
    "code_review_theme",
    "list_themes",
    "move_theme",
    "rename_theme",
    "review_themes",
    "set_theme_active",
    "uncode_review_theme",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service"))
