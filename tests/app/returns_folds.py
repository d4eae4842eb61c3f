"""The Agency returns page's folded cards in AppTest (pages/returns_parts/return_cards.py): each card is one line
until opened; these open them as a click on the line does."""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

# Streamlit names a keyed element "$$ID-<hash>-<key>"; a card's fold is keyed card_open_<return id>.
FOLD_ID = re.compile(r"-(card_open_\d+)$")


def card_folds(at: AppTest) -> dict[str, bool]:
    """Every card's fold on the page as last run: its key and whether it is open."""
    folds = {}
    for expander in at.expander:
        found = FOLD_ID.search(str(expander.proto.id or ""))
        if found:
            folds[found.group(1)] = bool(expander.proto.expanded)
    return folds


def open_cards(at: AppTest, *return_ids: int) -> AppTest:
    """Open the cards of `return_ids` (every card when none is named) and rerun."""
    keys = [f"card_open_{i}" for i in return_ids] if return_ids else list(card_folds(at))
    for key in keys:
        at.session_state[key] = True
    return at.run()
