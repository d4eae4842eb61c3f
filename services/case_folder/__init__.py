"""A review's case folder: the documents it holds and the paths recorded elsewhere, per section I to IV.

- `rules`: what an upload may be (section, title, a PDF or Word file judged by its content), what each row says and
  the order of a section's rows (pure);
- `reads`: the folder as its readers see it (uploads, the agencies' documents, the report's versions, the recorded
  paths) and one stored file's bytes for a download;
- `service`: uploading a document (minutes naming their meeting) and removing one with a reason.

Pages import the names below from `services.case_folder`, never from a module inside it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from services import public_name

if TYPE_CHECKING:
    from services.case_folder.reads import (
        CaseFolder,
        FolderSectionRead,
        MeetingChoice,
        case_folder,
        case_folder_file,
    )
    from services.case_folder.rules import (
        FOLDER_SECTION_TITLES,
        MAX_REASON_CHARS,
        MAX_TITLE_CHARS,
        FolderFile,
        FolderRow,
    )
    from services.case_folder.service import UploadedDocument, remove_case_document, upload_case_document

__all__ = [
    "FOLDER_SECTION_TITLES",
    "MAX_REASON_CHARS",
    "MAX_TITLE_CHARS",
    "CaseFolder",
    "FolderFile",
    "FolderRow",
    "FolderSectionRead",
    "MeetingChoice",
    "UploadedDocument",
    "case_folder",
    "case_folder_file",
    "remove_case_document",
    "upload_case_document",
]


def __getattr__(name: str) -> object:
    return public_name(__name__, name, ("rules", "reads", "service"))
