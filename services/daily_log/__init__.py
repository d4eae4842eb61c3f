"""The daily log: an append-only record of every action on a review, its search, exports and the case folder register.

- `rules`: what an entry and a filter may hold (pure);
- `reads`: the frozen rows, a page of a search, the case folder register, and the queries that make them;
- `service`: writing entries: a service's own entry (`append_system_entry`) and a person's (role-checked);
- `exports`: the CSV and Excel files of the entries the filters match.

The database refuses UPDATE, DELETE and TRUNCATE on `daily_log` (migration 0001). A mistake is put right
by a new entry whose `corrects_id` names the entry it corrects; both stay visible.

Pages import the names below from `services.daily_log`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.daily_log.exports import XLSX_MIME, export_log_csv, export_log_xlsx
    from services.daily_log.reads import (
        CaseFolderRegister,
        FiledDocument,
        FolderRegisterSection,
        LogPage,
        LogRow,
        case_folder_register,
        list_log_authors,
        list_milestone_choices,
        search_log,
        search_review_log,
    )
    from services.daily_log.rules import (
        DEFAULT_PAGE_SIZE,
        FOLDER_SECTION_TITLES,
        LOG_CATEGORIES,
        MAX_TEXT_LENGTH,
        PERSON_CATEGORIES,
        LogFilters,
    )
    from services.daily_log.service import add_log_entry

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FOLDER_SECTION_TITLES",
    "LOG_CATEGORIES",
    "MAX_TEXT_LENGTH",
    "PERSON_CATEGORIES",
    "XLSX_MIME",
    "CaseFolderRegister",
    "FiledDocument",
    "FolderRegisterSection",
    "LogFilters",
    "LogPage",
    "LogRow",
    "add_log_entry",
    "case_folder_register",
    "export_log_csv",
    "export_log_xlsx",
    "list_log_authors",
    "list_milestone_choices",
    "search_log",
    "search_review_log",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service", "exports"))
