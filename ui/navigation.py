"""The one table of the app's pages and who may open them: app.py builds the menu from it, and every
page's gate (`ui.gate.require_page`) checks it again. The services enforce the same roles once more."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
    # The recommendations and actions register across every review (issue 29): case data, never the Board.
    "actions": PageEntry("pages/actions.py", "Actions", ":material/checklist:", CASE_ROLES),
    "board": PageEntry("pages/board.py", "Board figures", ":material/bar_chart:", frozenset({"board", "manager"})),
    "admin": PageEntry("pages/admin.py", "Administration", ":material/settings:", frozenset({"admin"})),
    # The calendar feed and the emails of one account: for the case roles only (board and admin see no case dates).
    "account": PageEntry("pages/my_account.py", "My account", ":material/person:", CASE_ROLES),
}


def page_keys_for(roles: frozenset[str] | set[str] | list[str]) -> list[str]:
    """The pages these roles may open, in menu order."""
    return [key for key, entry in PAGES.items() if entry.roles & set(roles)]


MENU_KEY = "menu_pages"


def menu(roles: frozenset[str]) -> list[st.Page]:
    """The menu for these roles (the first page opens by default), made once a session and reused by every run:
    making a page finds its file."""
    kept = st.session_state.get(MENU_KEY)
    if not (isinstance(kept, tuple) and kept[0] == roles):
        pages = {key: st.Page(PAGES[key].path, title=PAGES[key].title, icon=PAGES[key].icon, default=(i == 0))
                 for i, key in enumerate(page_keys_for(roles))}
        kept = (roles, pages)
        st.session_state[MENU_KEY] = kept
    return list(kept[1].values())


CLOSED_KEY = "closed_pages"


def closed_pages(roles: frozenset[str]) -> dict[str, st.Page]:
    """For each page these roles may not open, a page hidden from the menu under that page's address which runs the
    roles' first page: a link to it (a bookmark, a colleague's /review?review=24) lands there, and app.py says why
    (closed_page_sentence). Made once a session, like the menu."""
    kept = st.session_state.get(CLOSED_KEY)
    if not (isinstance(kept, tuple) and kept[0] == roles):
        allowed = page_keys_for(roles)
        home = PAGES[allowed[0]] if allowed else None
        pages = {key: st.Page(home.path, title=home.title, icon=home.icon, url_path=Path(entry.path).stem,
                              visibility="hidden")
                 for key, entry in PAGES.items() if home is not None and key not in allowed}
        kept = (roles, pages)
        st.session_state[CLOSED_KEY] = kept
    return dict(kept[1])


def closed_page_sentence(closed_key: str, roles: frozenset[str]) -> str:
    """The one sentence shown above the roles' first page when a link led to a page they may not open."""
    home = PAGES[page_keys_for(roles)[0]]
    return f"Your roles do not open the {PAGES[closed_key].title} page; here is the {home.title} page."


def link_target(key: str) -> st.Page | str:
    """What st.page_link is given to link to the page `key`: this session's menu page, so that Streamlit does not
    find the page's file again for every link; its path when the menu has no such page (Streamlit then says so)."""
    kept = st.session_state.get(MENU_KEY)
    return kept[1].get(key, PAGES[key].path) if isinstance(kept, tuple) else PAGES[key].path


# A page's first run in a process imports what the page needs (python-docx, openpyxl, the services behind them). Some
# of those packages import each other in a cycle, and two threads importing such a package at once can hand one of
# them a half-made module: an ImportError, seen when 50 users opened the Review and Live reviews pages of a new
# process together. So each page's first run in a process is made one at a time (the others wait for it, a second
# or two); later runs are never held.
_FIRST_RUNS = threading.Lock()
_RUN_BEFORE: set[str] = set()


class RunsPage(Protocol):
    @property
    def url_path(self) -> str: ...

    def run(self) -> None: ...


def run_page(page: RunsPage) -> None:
    """Run the page chosen (app.py does): its first run in this process one at a time, any later run at once."""
    if page.url_path in _RUN_BEFORE:
        page.run()
        return
    with _FIRST_RUNS:
        try:
            page.run()  # may end in Streamlit's stop or rerun exception: its imports have run all the same
        finally:
            _RUN_BEFORE.add(page.url_path)

