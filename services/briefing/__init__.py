"""The seven-minute briefing of a review: one page of Word (A4) with the review's learning and actions, for
practitioners, and nothing of the child beyond the kind of notification.

- `rules`: the briefing's text from a read object, heading by heading, kept to one page (pure);
- `word`: the Word file (pure);
- `reads`: what the briefing is built from, and the file built on request for a case reader.

Pages import the names below from `services.briefing`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.briefing.reads import BriefingFile, build_briefing
    from services.briefing.rules import briefing_file_name

__all__ = [
    "BriefingFile",
    "briefing_file_name",
    "build_briefing",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads"))
