"""Which of a review's return cards are open (pages/returns_parts/return_cards.py): each card is folded to one line
until opened; the most urgent few and the one a link names open by themselves, and a card stays as the user left it."""
from __future__ import annotations

from datetime import date

import streamlit as st

from services.rag import urgency
from services.returns import ReturnStatus

CARD_OPEN_PREFIX = "card_open_"  # a card's fold is kept under this and its return's id (True: open)
OPEN_BY_ITSELF = 2  # the most urgent cards open by themselves: the cost stays bounded however many agencies


def card_open_key(return_id: int) -> str:
    """The session key of a card's fold (True: open)."""
    return f"{CARD_OPEN_PREFIX}{return_id}"


def open_by_themselves(statuses: list[ReturnStatus], focused_return_id: int | None) -> frozenset[int]:
    """The returns whose cards open by themselves: the OPEN_BY_ITSELF most urgent (worst RAG, then the soonest step
    due, then the page's order), the one a link names, or the only one."""
    ranked = sorted(statuses, key=lambda s: (urgency(s.rag), s.action_due or date.max))
    return frozenset([s.ret.id for s in ranked[:OPEN_BY_ITSELF]]
                     + ([focused_return_id] if focused_return_id is not None else []))


def card_fold(return_id: int, *, open_by_itself: bool, sent: bool) -> str:
    """The key of the card's fold, its value set for this run: as the user left it (kept under a key of its own too:
    Streamlit names an expander by its label, and a save that moves the card's line makes it a new expander, which
    would start folded), else open when the card opens by itself; always open when a form of it was sent."""
    key = card_open_key(return_id)
    kept_key = f"{key}_kept"
    is_open = bool(st.session_state[key]) if key in st.session_state else \
        bool(st.session_state.get(kept_key, open_by_itself))
    is_open = is_open or sent
    st.session_state[kept_key] = st.session_state[key] = is_open
    return key
