"""The daily log's rules, without I/O: categories, file locations, what a filter may hold."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from db.enums import FolderSection, LogCategory
from services.clock import LONDON
from services.errors import InvalidInput
from services.text import clean_optional_text, clean_text

FOLDER_SECTION_TITLES: dict[str, str] = {
    FolderSection.NOTIFICATION_AND_SCOPING: "I. Notification and scoping",
    FolderSection.RAPID_REVIEW_MEETING: "II. Rapid Review meeting",
    FolderSection.STATUTORY_CORRESPONDENCE: "III. Statutory Correspondence",
    FolderSection.GENERAL_CORRESPONDENCE: "IV. General Correspondence",
}
LOG_CATEGORIES: tuple[str, ...] = tuple(c.value for c in LogCategory)
# "system" entries are written by the services for their own actions; people choose from the rest.
PERSON_CATEGORIES: tuple[str, ...] = tuple(c.value for c in LogCategory if c != LogCategory.SYSTEM)
MAX_TEXT_LENGTH = 4000
MAX_PATH_LENGTH = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_SEARCH_WORDS = 10
MAX_SEARCH_CHARS = 200


@dataclass(frozen=True)
class LogFilters:
    """What the page asks for, the same for its page of entries and its exports; None / empty means no filter.
    review_id None = all live reviews."""

    review_id: int | None = None
    categories: tuple[str, ...] = ()
    author_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    words: str = ""


def checked_filters(filters: LogFilters) -> LogFilters:
    """The filters as the search and the exports apply them: the words through the free-text gate, then the
    filters' own rules (the review's existence is checked against the database)."""
    filters = replace(filters, categories=tuple(filters.categories),
                      words=clean_text(filters.words, label="search box", max_length=MAX_SEARCH_CHARS,
                                       multiline=False))
    unknown = [c for c in filters.categories if c not in LOG_CATEGORIES]
    if unknown:
        raise InvalidInput(f"Unknown log category {', '.join(unknown)}: choose from {', '.join(LOG_CATEGORIES)}.")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(
            f"The 'from' date ({filters.date_from:%d %b %Y}) is after the 'to' date ({filters.date_to:%d %b %Y}): "
            "swap them or change one."
        )
    if len(filters.words.split()) > MAX_SEARCH_WORDS:
        raise InvalidInput(f"Search for at most {MAX_SEARCH_WORDS} words at a time.")
    return filters


def check_page_size(page_size: int) -> None:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"Show between 1 and {MAX_PAGE_SIZE} entries a page.")


def clean_entry_text(text: str | None) -> str:
    """A person's entry through the free-text gate (services.text); refused when empty or longer than the log
    keeps."""
    try:
        cleaned = clean_text(text, label="entry", max_length=MAX_TEXT_LENGTH)
    except InvalidInput as error:
        if str(error).startswith("The entry is "):  # too long: say where the full note goes
            raise InvalidInput(f"{error} Or file the full note in the case folder and record its location.") from None
        raise
    if not cleaned:
        raise InvalidInput("Write what happened: an empty entry cannot be added to the log.")
    return cleaned


def clean_file_location(folder_section: str | None, file_path: str | None) -> tuple[str | None, str | None]:
    """A file location is a case folder section and a path, both or neither."""
    section = (folder_section or "").strip().upper() or None
    path = clean_optional_text(file_path, label="file path", max_length=MAX_PATH_LENGTH, multiline=False)
    if section is not None and section not in FOLDER_SECTION_TITLES:
        raise InvalidInput("Choose the case folder section: I, II, III or IV.")
    if path is not None and section is None:
        raise InvalidInput(
            "A file location needs its case folder section: choose section I, II, III or IV for the path, "
            "or clear the path."
        )
    if section is not None and path is None:
        raise InvalidInput(
            f"Give the file's path in section {FOLDER_SECTION_TITLES[section]}, or choose no section."
        )
    return section, path


def london_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


NO_SUCH_REVIEW = "That review does not exist. Reload the page and choose it again."


# "Words in the text": each word typed matches entries with a word beginning with it, in any case. Letters and digits
# count; any other character splits a word, so "J.S." is "j" then "s", and "Scoping/form" is "scoping" then "form"
# (the database keeps each entry's words the same way: migration 0027, db.models.LogEntry.text_words).
_WORD_PART = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchWord:
    """One word as the search applies it: `prefixes` each begin a word of the entry (the index's query), and a word
    typed with other characters (punctuation, "%", "_") must also appear as typed (`literal`, any case)."""

    prefixes: tuple[str, ...]
    literal: str | None

    @property
    def tsquery(self) -> str:
        """The prefixes as a tsquery ('gp':* & 'chron':*): letters and digits only, so nothing needs quoting."""
        return " & ".join(f"'{prefix}':*" for prefix in self.prefixes)


def search_words(words: str) -> tuple[SearchWord, ...]:
    """The words of the search box, as the search applies them (see SearchWord)."""
    found = []
    for word in words.split():
        prefixes = tuple(part.lower() for part in _WORD_PART.findall(word))
        literal = None if prefixes == (word.lower(),) else word
        found.append(SearchWord(prefixes, literal))
    return tuple(found)
