"""Rules of the agencies' private links, with no I/O: how long a link works, what an answer and a name may hold, the
completeness pre-check of a submitted return, and which documents are accepted.

- **Link expiry**: a link works to the end of the N-th working day after its return's due date (N is the setting
  `agency_exchange_settings.link_expiry_working_days`, by default 10: two working weeks after the 5-working-day
  deadline leave room for a late return after a chase or an agreed later date, and an officer reissues a link in one
  step when even that has passed). The expiry computed when the link is issued is kept with it and is the date the
  request email gives; a later due date (an agreed date, a send-back's new due date) moves it later, never earlier.
- **Pre-check** (what the officer's initial check starts from): the required sections answered, a date present in
  the dates and episodes (any date written as 12/03/2026, 12-03-26, 2026-03-12, 12 March 2026 or March 2026), and
  the senior manager's confirmation given (name, role, date, ticked). The agency may submit a return with sections
  unanswered (its answer may be in an attached document); only the confirmation is required to submit.
- **The report's summary, started from the return**: the answers to the form's involvement and analysis sections
  (keys `involvement` and `analysis`), each under its heading, in the form's order, trimmed to the summary's length
  limit (at a word when one ends within 40 characters of it) with an ellipsis; the officer edits it and saves it
  (nothing is saved without that).
- **Documents**: PDF or Word (.doc, .docx) only, judged by their content (the `filetype` package reads the bytes),
  never by the name or the browser's word; 1 byte to 10 MiB each; at most 10 per round. The name keeps what the
  agency chose, with its extension put right to match the content (a Word file sent as report.pdf is kept as
  report.docx).
- **The scoping form** (the Administration page saves it as a new version, never over an old one): at least one
  section for the agency to answer (free text, or dates and episodes) and at most 20 in all; the senior manager's
  confirmation exactly once and last (the agency confirms a return once it is complete, and sending needs it); every
  heading given, on one line, at most 200 characters, and no two the same (whatever their case); guidance on one line,
  at most 1,000 characters; the text gate's rules on both (services/text.py); a note of what changed, at most 500
  characters. A section carried over keeps its key; a new one gets a key made from its heading.
- **Link expiry setting**: 1 to 60 working days after the due date.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

import filetype  # type: ignore[import-untyped]  # no stubs or py.typed; one call below

from db.models_agency import (
    DEFAULT_LINK_EXPIRY_WORKING_DAYS,
    MAX_ANSWER_CHARS,
    MAX_ATTACHMENT_BYTES,
    AttachmentType,
    SectionKind,
)
from services.errors import InvalidInput
from services.text import clean_optional_text, clean_text
from services.working_days import WorkingCalendar

__all__ = [
    "DEFAULT_LINK_EXPIRY_WORKING_DAYS",
    "MAX_ANSWER_CHARS",
    "MAX_ATTACHMENTS_PER_ROUND",
    "MAX_ATTACHMENT_BYTES",
    "MAX_FORM_NOTE_CHARS",
    "MAX_GUIDANCE_CHARS",
    "MAX_HEADING_CHARS",
    "MAX_LINK_EXPIRY_WORKING_DAYS",
    "MAX_SECTIONS",
    "AcceptedFile",
    "Confirmation",
    "FormSectionDraft",
    "FormSectionSpec",
    "PreCheck",
    "SectionSpec",
    "clean_answers",
    "clean_confirmation",
    "clean_form_note",
    "clean_form_sections",
    "clean_link_expiry_days",
    "clean_person_name",
    "date_from_parts",
    "describe_form_change",
    "has_a_date",
    "judge_attachment",
    "link_expiry_date",
    "link_open_until",
    "precheck",
    "section_key",
    "size_words",
    "summary_draft",
    "token_hash",
]

MAX_ATTACHMENTS_PER_ROUND = 10
MAX_NAME_CHARS = 120
MAX_FILE_NAME_CHARS = 200
EXTENSIONS: dict[str, str] = {AttachmentType.PDF: ".pdf", AttachmentType.DOC: ".doc", AttachmentType.DOCX: ".docx"}
TYPE_WORDS: dict[str, str] = {AttachmentType.PDF: "PDF", AttachmentType.DOC: "Word document (.doc)",
                              AttachmentType.DOCX: "Word document (.docx)"}


def token_hash(token: str) -> str:
    """What the database keeps of a link's token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- expiry


def link_expiry_date(cal: WorkingCalendar, due: date, working_days: int) -> date:
    """The last day a link works: the `working_days`-th working day after the return's due date."""
    if working_days < 1:
        raise ValueError("a link works at least one working day after the due date")
    return cal.add_working_days(due, working_days)


def link_open_until(cal: WorkingCalendar, *, issued_expiry: date, current_due: date, working_days: int) -> date:
    """The last day a link works now: the expiry it was issued with, or later when the return's due date moved on."""
    return max(issued_expiry, link_expiry_date(cal, current_due, working_days))


# ---------------------------------------------------------------- what the agency types


def clean_person_name(value: str | None, *, label: str, required: bool) -> str | None:
    """A name or a role as typed, on one line (the text gate's rules), at most 120 characters."""
    if required:
        return clean_text(value, label=label, max_length=MAX_NAME_CHARS, multiline=False, required=True)
    return clean_optional_text(value, label=label, max_length=MAX_NAME_CHARS, multiline=False)


@dataclass(frozen=True)
class SectionSpec:
    """What the rules need of a form section."""

    key: str
    kind: str
    heading: str
    required: bool


def clean_answers(sections: Sequence[SectionSpec], answers: Mapping[str, str | None]) -> dict[str, str]:
    """Each text section's answer as it will be stored (blank ones left out); an answer to no section of the form is
    ignored (the form the link was sent with decides what is asked)."""
    cleaned: dict[str, str] = {}
    for section in sections:
        if section.kind == SectionKind.CONFIRMATION:
            continue
        text = clean_text(answers.get(section.key), label=f"answer to \"{section.heading}\"",
                          max_length=MAX_ANSWER_CHARS)
        if text:
            cleaned[section.key] = text
    return cleaned


@dataclass(frozen=True)
class Confirmation:
    """The senior manager's quality confirmation."""

    name: str | None
    role: str | None
    confirmed_on: date | None
    confirmed: bool

    @property
    def given(self) -> bool:
        return bool(self.confirmed and self.name and self.role and self.confirmed_on)


def date_from_parts(day: str | None, month: str | None, year: str | None, *, label: str) -> date | None:
    """A date typed as day, month and year (GOV.UK's date input): None when all three are blank, else the date or a
    sentence naming what is wrong."""
    parts = [(part or "").strip() for part in (day, month, year)]
    if not any(parts):
        return None
    if not all(part.isdigit() for part in parts):
        raise InvalidInput(f"The {label} must be a real date, in numbers, for example 27 11 2026.")
    d, m, y = (int(part) for part in parts)
    if len(parts[2]) != 4:
        raise InvalidInput(f"The {label} must have a year of four digits, for example 2026.")
    try:
        return date(y, m, d)
    except ValueError:
        raise InvalidInput(f"The {label} must be a real date, for example 27 11 2026.") from None


def clean_confirmation(*, name: str | None, role: str | None, confirmed_on: date | None, confirmed: bool,
                       not_before: date, as_of: date, required: bool) -> Confirmation:
    """The confirmation as stored; `required` (a submission) refuses one not given in full."""
    cleaned = Confirmation(
        name=clean_person_name(name, label="senior manager's name", required=False),
        role=clean_person_name(role, label="senior manager's role", required=False),
        confirmed_on=confirmed_on, confirmed=bool(confirmed))
    if confirmed_on is not None and confirmed_on > as_of:
        raise InvalidInput(f"The date of the senior manager's confirmation ({confirmed_on:%d %b %Y}) cannot be in "
                           "the future.")
    if confirmed_on is not None and confirmed_on < not_before:
        raise InvalidInput(f"The date of the senior manager's confirmation ({confirmed_on:%d %b %Y}) cannot be "
                           f"before the form was sent ({not_before:%d %b %Y}).")
    if required:
        missing = [what for what, there in (("their name", cleaned.name), ("their role", cleaned.role),
                                            ("the date they confirmed it", cleaned.confirmed_on),
                                            ("the tick confirming it", cleaned.confirmed)) if not there]
        if missing:
            raise InvalidInput("A senior manager of your agency must confirm the return before it is submitted: "
                               f"give {_and_list(missing)}.")
    return cleaned


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ---------------------------------------------------------------- the pre-check

_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
           "|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATE = re.compile(
    r"\b(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"  # 12/03/2026, 12-03-26, 12.03.2026
    r"|\d{4}-\d{2}-\d{2}"  # 2026-03-12
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"  # 12 March 2026, 3rd Feb 2026
    rf"|(?:{_MONTHS})\.?\s+\d{{4}}"  # March 2026
    r")\b",
    re.IGNORECASE,
)


def has_a_date(text: str) -> bool:
    """Whether the text gives at least one date (see the module's docstring for the forms read)."""
    return _DATE.search(text) is not None


@dataclass(frozen=True)
class PreCheck:
    """The completeness pre-check of a round."""

    unanswered: tuple[str, ...]  # headings of the required sections left blank, in the form's order
    dates_present: bool
    confirmation_given: bool

    @property
    def complete(self) -> bool:
        return not self.unanswered and self.dates_present and self.confirmation_given

    def sentence(self) -> str:
        """One line for the log and the officer's card."""
        if self.complete:
            return "Pre-check: every required section answered, dates present, the senior manager's confirmation given."
        gaps = []
        if self.unanswered:
            gaps.append("not answered: " + "; ".join(self.unanswered))
        if not self.dates_present:
            gaps.append("no date found in the dates and episodes")
        if not self.confirmation_given:
            gaps.append("the senior manager's confirmation is not given")
        return "Pre-check: " + ", ".join(gaps) + "."


def precheck(sections: Sequence[SectionSpec], answers: Mapping[str, str], confirmation: Confirmation) -> PreCheck:
    """Required sections answered, a date present, the confirmation given. The dates are looked for in the form's
    dates sections, or in every answer when the form has none."""
    unanswered = tuple(s.heading for s in sections
                       if s.required and s.kind != SectionKind.CONFIRMATION and not answers.get(s.key, "").strip())
    date_keys = [s.key for s in sections if s.kind == SectionKind.DATES]
    looked_in = date_keys or [s.key for s in sections if s.kind != SectionKind.CONFIRMATION]
    dates_present = any(has_a_date(answers.get(key, "")) for key in looked_in)
    needs_confirmation = any(s.kind == SectionKind.CONFIRMATION for s in sections)
    return PreCheck(unanswered, dates_present, confirmation.given or not needs_confirmation)


# ---------------------------------------------------------------- the report's summary, started from the return

SUMMARY_SOURCE_KEYS = ("involvement", "analysis")
ELLIPSIS = "\u2026"
WORD_CUT_SLACK = 40  # a cut goes back at most this far to end at a word


def summary_draft(answers: Sequence[tuple[str, str, str | None]], *, max_chars: int) -> str:
    """A first draft of the report's summary of an agency's involvement from its answers, given as (section key,
    heading, text or None) in the form's order: the involvement and analysis sections' answers, each under its
    heading, trimmed to `max_chars` (at a word when one ends near the limit; an ellipsis shows where). Empty when
    neither was answered."""
    parts = [f"{heading}:\n{text.strip()}" for key, heading, text in answers
             if key in SUMMARY_SOURCE_KEYS and text and text.strip()]
    draft = "\n\n".join(parts)
    if len(draft) <= max_chars:
        return draft
    cut = draft[:max_chars - len(ELLIPSIS)]
    if not draft[len(cut)].isspace():  # the cut falls inside a word: end at the word before, unless it is far back
        space = max(cut.rfind(" "), cut.rfind("\n"))
        if space >= len(cut) - WORD_CUT_SLACK:
            cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def size_words(size_bytes: int) -> str:
    """A document's size as people read it: '820 bytes', '12 KB', '3.4 MB' (1 KB = 1,024 bytes)."""
    if size_bytes < 1024:
        return f"{size_bytes:,} byte{'' if size_bytes == 1 else 's'}"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes // 1024:,} KB"
    return f"{size_bytes / 1024 / 1024:.1f} MB"


# ---------------------------------------------------------------- documents


@dataclass(frozen=True)
class AcceptedFile:
    """A document accepted for storing."""

    file_name: str
    content_type: str
    size_bytes: int
    sha256: str


def _plain_name(file_name: str | None) -> str:
    """The name without any folder a browser sent with it (old browsers send C:\\Users\\...\\report.pdf)."""
    raw = (file_name or "").replace("\\", "/")
    return PurePosixPath(raw).name if raw.strip("/ ") else ""


def judge_attachment(file_name: str | None, data: bytes, *, already_attached: int = 0,
                     what: str = "the return") -> AcceptedFile:
    """Accept a PDF or Word document by its content, within the size limit, or refuse it with a sentence (`what`
    names the document in it: the case folder judges its uploads here too)."""
    name = clean_text(_plain_name(file_name), label="file name", max_length=None, multiline=False)
    if not name:
        raise InvalidInput("Choose a file to attach.")
    if already_attached >= MAX_ATTACHMENTS_PER_ROUND:
        raise InvalidInput(f"At most {MAX_ATTACHMENTS_PER_ROUND} documents can be attached to one return; remove "
                           "one first, or put several into one PDF.")
    if not data:
        raise InvalidInput(f"{name} is empty: choose the document again.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(f"{name} is {len(data) / 1024 / 1024:.1f} MB; a document can be at most "
                           f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB. Save it smaller (for example as a PDF) "
                           "or split it.")
    guessed = filetype.guess(data)
    content_type = str(guessed.mime) if guessed is not None else ""
    if content_type not in EXTENSIONS:
        raise InvalidInput(f"{name} is not a PDF or a Word document (judged by what the file holds, not its name). "
                           f"Attach {what} as a PDF or a Word document.")
    stem, dot, extension = name.rpartition(".")
    if dot and f".{extension.lower()}" in (".pdf", ".doc", ".docx"):
        name = stem
    name = (name or "document") + EXTENSIONS[content_type]
    if len(name) > MAX_FILE_NAME_CHARS:
        name = name[:MAX_FILE_NAME_CHARS - len(EXTENSIONS[content_type])].rstrip() + EXTENSIONS[content_type]
    return AcceptedFile(name, content_type, len(data), hashlib.sha256(data).hexdigest())


# ---------------------------------------------------------------- the scoping form, as the Administration page edits it

MAX_SECTIONS = 20
MAX_HEADING_CHARS = 200  # agency_form_sections.heading is String(200)
MAX_GUIDANCE_CHARS = 1_000
MAX_FORM_NOTE_CHARS = 500
MAX_KEY_CHARS = 40  # agency_form_sections.key: '^[a-z][a-z0-9_]{0,39}$'
MAX_LINK_EXPIRY_WORKING_DAYS = 60  # agency_exchange_settings: link_expiry_range, 1 to 60
_KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
KIND_WORDS: dict[str, str] = {SectionKind.TEXT: "free text", SectionKind.DATES: "dates and episodes",
                              SectionKind.CONFIRMATION: "the senior manager's confirmation"}


@dataclass(frozen=True)
class FormSectionDraft:
    """One section as the form editor holds it; `key` names the saved section it was carried over from (None for a
    section added in the editor)."""

    key: str | None
    kind: str
    heading: str | None
    guidance: str | None
    required: bool


@dataclass(frozen=True)
class FormSectionSpec:
    """One section as a form version stores it (in its order)."""

    key: str
    kind: str
    heading: str
    guidance: str
    required: bool


def section_key(heading: str, taken: Collection[str]) -> str:
    """A key for a new section, made from its heading: lower-case ASCII letters, digits and underscores, starting
    with a letter, at most 40 characters, and none of `taken` (a number is added: analysis_2)."""
    folded = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode("ascii").lower()
    stem = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    if not stem[:1].isalpha():
        stem = f"section_{stem}".rstrip("_")
    stem = stem[:MAX_KEY_CHARS].rstrip("_")
    key, number = stem, 2
    while key in taken:
        suffix = f"_{number}"
        key = stem[:MAX_KEY_CHARS - len(suffix)].rstrip("_") + suffix
        number += 1
    return key


def _numbers(positions: Sequence[int]) -> str:
    return _and_list([str(p) for p in positions])


def _clean_texts(drafts: Sequence[FormSectionDraft]) -> list[tuple[FormSectionDraft, str, str]]:
    """Each draft with its heading and guidance as they will be stored (the text gate's rules)."""
    cleaned = []
    for number, draft in enumerate(drafts, start=1):
        if draft.kind not in KIND_WORDS:
            raise InvalidInput(f"Section {number} asks for an unknown kind of answer: choose free text or dates and "
                               "episodes.")
        heading = clean_text(draft.heading, label=f"heading of section {number}", max_length=MAX_HEADING_CHARS,
                             multiline=False, required=True)
        guidance = clean_text(draft.guidance, label=f"guidance of section {number}", max_length=MAX_GUIDANCE_CHARS,
                              multiline=False)
        cleaned.append((draft, heading, guidance))
    return cleaned


def _refuse_a_misplaced_confirmation(kinds: Sequence[str]) -> None:
    """The senior manager's confirmation exactly once and last, after at least one section to answer."""
    confirmations = [n for n, kind in enumerate(kinds, start=1) if kind == SectionKind.CONFIRMATION]
    if not confirmations:
        raise InvalidInput("The senior manager's confirmation must stay on the form: an agency cannot send its "
                           "return without it.")
    if len(confirmations) > 1:
        raise InvalidInput(f"Sections {_numbers(confirmations)} are each a senior manager's confirmation; the form "
                           "can have only one.")
    if confirmations[0] != len(kinds):
        raise InvalidInput(f"The senior manager's confirmation must be the last section (it is section "
                           f"{confirmations[0]} of {len(kinds)}): the agency confirms its return once it is "
                           "complete. Move it down.")
    if len(kinds) == 1:
        raise InvalidInput("The form needs at least one section for the agency to answer, besides the senior "
                           "manager's confirmation.")


def _refuse_the_same_heading_twice(headings: Sequence[str]) -> None:
    """No two headings the same, whatever their case (the agency could not tell the sections apart)."""
    seen: dict[str, list[int]] = {}
    for number, heading in enumerate(headings, start=1):
        seen.setdefault(heading.casefold(), []).append(number)
    for numbers in seen.values():
        if len(numbers) > 1:
            word = "both" if len(numbers) == 2 else "all"
            raise InvalidInput(f"Sections {_numbers(numbers)} are {word} headed \"{headings[numbers[0] - 1]}\": "
                               "give each its own heading.")


def clean_form_sections(drafts: Sequence[FormSectionDraft]) -> tuple[FormSectionSpec, ...]:
    """The sections of a new form version as they will be stored, or InvalidInput with the first thing to put right
    (the module's docstring gives the rules). Sections are numbered from 1 in the sentences, as the editor shows
    them."""
    if not drafts:
        raise InvalidInput("The form has no sections: add at least one for the agency to answer, and keep the senior "
                           "manager's confirmation last.")
    if len(drafts) > MAX_SECTIONS:
        raise InvalidInput(f"The form has {len(drafts)} sections; it can have at most {MAX_SECTIONS}. Remove some, or "
                           "merge them.")
    cleaned = _clean_texts(drafts)
    _refuse_a_misplaced_confirmation([d.kind for d, _, _ in cleaned])
    _refuse_the_same_heading_twice([heading for _, heading, _ in cleaned])
    carried = {d.key for d, _, _ in cleaned if d.key is not None and _KEY.fullmatch(d.key)}
    taken: set[str] = set()
    sections = []
    for draft, heading, guidance in cleaned:
        confirmation = draft.kind == SectionKind.CONFIRMATION
        key = draft.key if draft.key in carried and draft.key not in taken else None
        key = key or section_key("confirmation" if confirmation else heading, taken | carried)
        taken.add(key)
        sections.append(FormSectionSpec(key, draft.kind, heading, guidance, confirmation or bool(draft.required)))
    return tuple(sections)


def clean_form_note(note: str | None) -> str:
    """What changed in a new form version, and why: kept with the version and logged."""
    text = clean_text(note, label="note of what changed", max_length=MAX_FORM_NOTE_CHARS)
    if not text:
        raise InvalidInput("Say what changed in this version and why (for example 'Added a section on the child's "
                           "lived experience'): it is kept with the version.")
    return text


def _quoted(headings: Sequence[str]) -> str:
    return _and_list([f"\"{h}\"" for h in headings])


def describe_form_change(before: Sequence[FormSectionSpec], after: Sequence[FormSectionSpec]) -> str:
    """What a new version changes, for the log: sections added, removed, renamed, their guidance, whether they are
    required, what they ask for, and their order ('' when nothing changed). Sections are matched by key."""
    old = {s.key: s for s in before}
    new = {s.key: s for s in after}
    parts = []
    if added := [s.heading for s in after if s.key not in old]:
        parts.append(f"added {_quoted(added)}")
    if removed := [s.heading for s in before if s.key not in new]:
        parts.append(f"removed {_quoted(removed)}")
    both = [(old[s.key], s) for s in after if s.key in old]
    if renamed := [f"\"{o.heading}\" to \"{n.heading}\"" for o, n in both if o.heading != n.heading]:
        parts.append(f"renamed {_and_list(renamed)}")
    if kinds := [f"\"{n.heading}\" now asks for {KIND_WORDS[n.kind]}" for o, n in both if o.kind != n.kind]:
        parts.append(_and_list(kinds))
    if guided := [n.heading for o, n in both if o.guidance != n.guidance]:
        parts.append(f"guidance changed in {_quoted(guided)}")
    if optional := [n.heading for o, n in both if o.required and not n.required]:
        parts.append(f"now optional: {_quoted(optional)}")
    if required := [n.heading for o, n in both if n.required and not o.required]:
        parts.append(f"now required: {_quoted(required)}")
    if [s.key for s in before if s.key in new] != [s.key for s in after if s.key in old]:
        parts.append("sections moved")
    return "; ".join(parts)


def clean_link_expiry_days(days: int | None) -> int:
    """The link expiry setting: a whole number of working days after the due date, 1 to 60."""
    if days is None or isinstance(days, bool) or int(days) != days or not 1 <= days <= MAX_LINK_EXPIRY_WORKING_DAYS:
        raise InvalidInput(f"A link must work between 1 and {MAX_LINK_EXPIRY_WORKING_DAYS} working days after the "
                           "return's due date: give a whole number in that range.")
    return int(days)
