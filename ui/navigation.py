"""The one table of the app's pages and who may open them: app.py builds the menu from it, and every
page's gate (`ui.gate.require_page`) checks it again. The services enforce the same roles once more."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

CASE_ROLES = frozenset({"manager", "officer", "chair"})


@dataclass(frozen=True)
class PageEntry:
    path: str
    title: str
    icon: str
    roles: frozenset[str]


PAGES: dict[str, PageEntry] = {
    "live": PageEntry("pages/live_reviews.py", "Live reviews", ":material/dashboard:", CASE_ROLES),
    "review": PageEntry("pages/review.py", "Review", ":material/folder_open:", CASE_ROLES),
    "returns": PageEntry("pages/returns.py", "Agency returns", ":material/assignment_turned_in:", CASE_ROLES),
    "log": PageEntry("pages/daily_log.py", "Daily log", ":material/history_edu:", CASE_ROLES),
    "meetings": PageEntry("pages/meetings.py", "Meetings", ":material/groups:", CASE_ROLES),
    "report": PageEntry("pages/report.py", "Report", ":material/description:", CASE_ROLES),
    "board": PageEntry("pages/board.py", "Board figures", ":material/bar_chart:", frozenset({"board", "manager"})),
    "admin": PageEntry("pages/admin.py", "Administration", ":material/settings:", frozenset({"admin"})),
    # The calendar feed and the emails of one account: for the case roles only (board and admin see no case dates).
    "account": PageEntry("pages/my_account.py", "My account", ":material/person:", CASE_ROLES),
}


def page_keys_for(roles: frozenset[str] | set[str] | list[str]) -> list[str]:
    """The pages these roles may open, in menu order."""
    return [key for key, entry in PAGES.items() if entry.roles & set(roles)]


def pages_for(roles: frozenset[str] | set[str] | list[str]) -> list[st.Page]:
    """The menu for these roles; the first page opens by default."""
    return [
        st.Page(PAGES[key].path, title=PAGES[key].title, icon=PAGES[key].icon, default=(i == 0))
        for i, key in enumerate(page_keys_for(roles))
    ]
