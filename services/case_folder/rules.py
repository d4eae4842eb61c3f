"""The case folder's rules, with no I/O: what an upload may be (its section, title and file), what each row of the
folder says, and the order the rows of a section come in.

- **Sections**: I to IV, as the plan names them (services.daily_log.rules.FOLDER_SECTION_TITLES).
- **Documents**: PDF or Word only, judged by their content, 1 byte to 10 MB: the agencies' attachments' own check
  (services.agency_exchange.rules.judge_attachment), so there is one rule for every document the tracker keeps.
- **What the folder lists**, per section: the documents uploaded to it; the documents agencies attached to their
  returns through their links (section I, once the round is sent); every version of the report (section II), the one
  submitted to the National Panel again in section III ("sent to the Panel"); and the file locations recorded
  elsewhere (a daily log entry's path, a return's file location) as paths, with who recorded them.
- **Order within a section**: the stored files first, oldest first (at the same moment: uploads, then agencies'
  documents, then report versions, then by their number), then the paths, oldest first; a return's location with
  nobody on record for it last.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from db.enums import FolderSection
from db.models_folder import FolderDocument
from services.agency_exchange.rules import AcceptedFile, judge_attachment
from services.clock import LONDON
from services.daily_log.rules import FOLDER_SECTION_TITLES
from services.errors import InvalidInput
from services.formatting import long_date
from services.meetings.rules import MEETING_LABELS
from services.report.rules import STATE_LABELS
from services.text import clean_text, max_length_of

__all__ = [
    "AGENCY",
    "FOLDER_SECTION_TITLES",
    "KIND_AGENCY",
    "KIND_DOCUMENT",
    "KIND_MINUTES",
    "KIND_PATH",
    "KIND_REPORT",
    "MAX_REASON_CHARS",
    "MAX_TITLE_CHARS",
    "PATH",
    "REPORT",
    "SUBMITTED_SECTION",
    "UPLOAD",
    "FolderFile",
    "FolderRow",
    "agency_author",
    "arrange",
    "clean_reason",
    "clean_section",
    "clean_title",
    "judge_document",
    "meeting_words",
    "panel_note",
    "path_note",
    "removal_words",
    "version_note",
]

# Where a row comes from (a download names it with the row's id).
UPLOAD, AGENCY, REPORT, PATH = "upload", "agency", "report", "path"
_STORED_ORDER = {UPLOAD: 0, AGENCY: 1, REPORT: 2}

KIND_DOCUMENT = "Document"
KIND_MINUTES = "Minutes"
KIND_AGENCY = "Agency return document"
KIND_REPORT = "Report version"
KIND_PATH = "File location"

AGENCY_SECTION = FolderSection.NOTIFICATION_AND_SCOPING  # the returns' documents
REPORT_SECTION = FolderSection.RAPID_REVIEW_MEETING  # every version of the report
SUBMITTED_SECTION = FolderSection.STATUTORY_CORRESPONDENCE  # the version sent to the Panel, again

MAX_TITLE_CHARS = max_length_of(FolderDocument.title) or 200
MAX_REASON_CHARS = 500
_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class FolderFile:
    """What a download asks for: the row's source and id (the bytes are read when the button is clicked)."""

    source: str
    id: int
    file_name: str
    content_type: str


@dataclass(frozen=True)
class FolderRow:
    """One line of a section of the case folder: a stored document, or a path recorded elsewhere."""

    section: str  # "I" to "IV"
    source: str  # UPLOAD, AGENCY, REPORT or PATH
    source_id: int  # the uploaded document's, attachment's, version's, log entry's or return's id
    name: str  # the title typed at the upload, the file's name, or the path
    kind: str  # KIND_*
    size: str  # "84 KB"; blank for a path
    added_by: str  # who added or recorded it (an agency's author as typed, through its link)
    added_at: datetime | None  # None: a return's location with no log entry on record
    note: str = ""  # what it is about: the meeting, the return, the version, a removal
    file: FolderFile | None = None  # a stored file that may be downloaded (never a removed one)
    removed: bool = False

    @property
    def removable(self) -> bool:
        """An uploaded document still in the folder (the others are kept by their own steps)."""
        return self.source == UPLOAD and not self.removed


def clean_section(value: str | None) -> str:
    """The section code, I to IV."""
    section = (value or "").strip().upper()
    if section not in FOLDER_SECTION_TITLES:
        raise InvalidInput("Choose the case folder section: I, II, III or IV.")
    return section


def clean_title(value: str | None) -> str:
    """The title the document is listed under, on one line."""
    return clean_text(value, label="document's title", max_length=MAX_TITLE_CHARS, multiline=False, required=True)


def clean_reason(value: str | None) -> str:
    """Why an uploaded document is removed (logged and kept with it)."""
    return clean_text(value, label="reason for removing the document", max_length=MAX_REASON_CHARS, required=True)


def judge_document(file_name: str | None, data: bytes) -> AcceptedFile:
    """A PDF or Word document by its content, within the limit, or a sentence saying what is wrong."""
    return judge_attachment(file_name, data, what="the document")


def meeting_words(kind: str, held_on: date) -> str:
    """The meeting minutes belong to: 'Rapid Review meeting held Wed 30 Dec 2026'."""
    return f"{MEETING_LABELS.get(kind, kind)} held {long_date(held_on)}"


def removal_words(removed_at: datetime, removed_by: str, reason: str) -> str:
    """'Removed Tue 05 Jan 2027 by Page Officer: uploaded to the wrong review' (the day in London)."""
    return f"Removed {long_date(removed_at.astimezone(LONDON).date())} by {removed_by}: {reason}"


def agency_author(author_as_typed: str) -> str:
    """Who added an agency's document: its author as they typed their name, through the agency's link."""
    return f"{author_as_typed} (as typed) through the agency link"


def version_note(number: int, state: str, step_date: date | None) -> str:
    """'Version 2: sent to the JCR Chair on Thu 07 Jan 2027'."""
    when = f" on {long_date(step_date)}" if step_date is not None else ""
    return f"Version {number}: {STATE_LABELS.get(state, state)}{when}"


def panel_note(number: int, submitted_on: date | None, ofsted_sent_on: date | None) -> str:
    """The submitted version's line in section III: 'Sent to the Panel on Tue 12 Jan 2027 (version 3)'."""
    when = f" on {long_date(submitted_on)}" if submitted_on is not None else ""
    ofsted = f", and to Ofsted on {long_date(ofsted_sent_on)}" if ofsted_sent_on is not None else ""
    return f"Sent to the Panel{when}{ofsted} (version {number})"


def path_note(*, entry_id: int | None = None, corrected_by: Iterable[int] = (), agency: str | None = None) -> str:
    """Where a path was recorded: 'Daily log entry #12 (corrected by #15)', or 'Return from Demoshire Police'."""
    if agency is not None:
        return f"Return from {agency}"
    later = ", ".join(f"#{i}" for i in corrected_by)
    return f"Daily log entry #{entry_id}" + (f" (corrected by {later})" if later else "")


def _order(row: FolderRow) -> tuple[bool, bool, datetime, int, int]:
    return (row.source == PATH, row.added_at is None, row.added_at or _EARLIEST, _STORED_ORDER.get(row.source, 3),
            row.source_id)


def arrange(rows: Iterable[FolderRow]) -> dict[str, tuple[FolderRow, ...]]:
    """The rows of each section, I to IV (every section present, empty or not), in the module's order."""
    by_section: dict[str, list[FolderRow]] = {code: [] for code in FOLDER_SECTION_TITLES}
    for row in rows:
        by_section[row.section].append(row)
    return {code: tuple(sorted(found, key=_order)) for code, found in by_section.items()}
