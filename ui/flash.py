"""Messages that survive the rerun after a save: set one, rerun, and the page shows it once at its top.

A message is the page's own markdown: a page puts what a user typed into it through ui.widgets.md_text."""
from __future__ import annotations

from typing import Literal

import streamlit as st

FLASH_KEY = "flash_messages"
Kind = Literal["success", "error", "info", "warning"]
ICONS: dict[Kind, str] = {
    "success": ":material/check_circle:",
    "error": ":material/sync_problem:",
    "info": ":material/info:",
    "warning": ":material/warning:",
}


def flash(message: str, kind: Kind = "success") -> None:
    """Keep `message` for the next run of the page (after `st.rerun()`)."""
    st.session_state.setdefault(FLASH_KEY, []).append((kind, message))


def show_flashes() -> None:
    """Show, once, every message kept by `flash` (call it near the top of the page)."""
    for kind, message in st.session_state.pop(FLASH_KEY, []):
        getattr(st, kind)(message, icon=ICONS[kind])
