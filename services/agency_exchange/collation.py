"""The Day 6 pack: every accepted return of one review collated into one Word file (.docx, A4) for the Rapid Review
meeting (domain.md's plan: "Returns collated and circulated to the JCR group", Day 6).

One part per agency asked, in agency order (by name, as the checklist and the report):
- a return answered through the agency's private link: the sections of the form the round was sent with, in that
  form's order (the heading, then the answer as paragraphs; an unanswered section says so, and whether it was
  optional), the senior manager's confirmation, the documents attached (names and sizes) and each round's status
  (received, sent back with the reason and the new due date, accepted);
- a return received by email and recorded by hand: a short part, received by email on, accepted on, and where the
  return is filed in the case folder.
Agencies whose return is not accepted (yet, or ever: no return, withdrawn) are listed at the end, so a pack built
early says what it lacks. The pack names the review by its case reference, as the report does, and says nothing
else of the child: the agencies' answers are as they sent them, under the form's guidance to use initials and roles.

Built on request for a case reader, never stored, never logged (as the report's versions and the checklist's
exports are not logged when downloaded). Pure apart from `build_day6_pack`, the read that gathers the returns.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from docx import Document
from docx.document import Document as DocxDocument
from sqlalchemy.orm import Session

from db.enums import FinalQaOutcome
from db.models import Account, Review
from services.agency_exchange.reads import RoundRead, agency_return_exchange
from services.agency_exchange.returns_api import ReturnRead, ReturnStatus, Stage, agency_due_date, list_returns
from services.agency_exchange.rules import Confirmation, size_words
from services.clock import LONDON
from services.daily_log.rules import FOLDER_SECTION_TITLES
from services.errors import InvalidInput
from services.formatting import long_date
from services.permissions import CASE_READERS, requires
from services.report.content import PROTECTIVE_MARKING
from services.settings_reads import load_calendar, load_settings
from services.word_document import (
    DOCX_MIME,
    docx_bytes,
    label_value,
    marker,
    printable_copy,
    set_core_properties,
    set_up_a4,
    write_text,
)

TITLE = "Day 6 pack: the agencies' scoping returns"
THROUGH_LINK, BY_EMAIL = "through the agency's private link", "by email"
NOT_ANSWERED, NOT_ANSWERED_OPTIONAL = "[Not answered]", "[Not answered: an optional section]"
NO_CONFIRMATION = "[The senior manager's confirmation was not given]"
NONE_ACCEPTED = "[No agency's return has been accepted yet]"
OWED_STAGES = (Stage.AWAITING, Stage.SENT_BACK)


@dataclass(frozen=True)
class PackSection:
    """One section of the form as the agency answered it (text None: not answered)."""

    heading: str
    required: bool
    text: str | None


@dataclass(frozen=True)
class PackDocument:
    file_name: str
    size_bytes: int
    round: int


@dataclass(frozen=True)
class PackPart:
    """One agency's accepted return as the pack shows it."""

    agency: str
    requested_on: date
    received_on: date | None
    resubmitted_on: date | None
    accepted_on: date | None
    by_link: bool  # the version accepted came through the agency's private link
    author: str | None  # who completed it, as the agency typed it (through the link only)
    sections: tuple[PackSection, ...]
    confirmation: Confirmation | None
    documents: tuple[PackDocument, ...]
    rounds: tuple[str, ...]  # one sentence per round, first first
    file_location: str | None


@dataclass(frozen=True)
class WaitingAgency:
    """An agency whose return is not accepted, and where it stands."""

    agency: str
    where: str


@dataclass(frozen=True)
class Day6Pack:
    """Everything the pack says."""

    partnership: str
    case_reference: str
    built_at: datetime
    built_by: str
    parts: tuple[PackPart, ...]
    not_accepted: tuple[WaitingAgency, ...]

    @property
    def asked(self) -> int:
        return len(self.parts) + len(self.not_accepted)


@dataclass(frozen=True)
class Day6PackFile:
    """The pack ready to download."""

    file_name: str
    data: bytes
    mime: str = DOCX_MIME


# ---------------------------------------------------------------- what each part says (pure)


def _sentence(text: str) -> str:
    """`text` ending with a full stop (a reason typed with its own keeps it)."""
    return text if text.endswith((".", "!", "?")) else text + "."


def round_lines(ret: ReturnRead, rounds: Sequence[RoundRead]) -> tuple[str, ...]:
    """Each round of a return in one sentence: when it was received and how (through the link, or by email), then
    sent back (when, the new due date, why) or accepted (when). A round between the first and the last that came by
    email has no date kept on the return (the daily log has it)."""
    linked = {r.round: r for r in rounds}
    sent_back = {b.round: b for b in ret.send_backs}
    last = ret.sent_back_count + 1
    lines = []
    for number in range(1, last + 1):
        through = linked.get(number)
        if number == 1:
            received = ret.received_date
        elif number == last:
            received = ret.resubmission_received_date
        else:
            received = through.submitted_at.astimezone(LONDON).date() if through and through.submitted_at else None
        how = THROUGH_LINK if through is not None else BY_EMAIL
        if received is not None:
            line = f"Round {number}: received {long_date(received)} {how}"
        elif number < last:
            line = f"Round {number}: received {how} (its date is in the daily log)"
        else:
            line = f"Round {number}: not received yet"
        back = sent_back.get(number)
        if back is not None:
            due = f" (new due date {long_date(back.resubmission_due_date)})" if back.resubmission_due_date else ""
            line += f"; sent back on {long_date(back.sent_back_on)}{due} for: {back.reason}"
        elif number == last and ret.final_qa_outcome == FinalQaOutcome.ACCEPTED:
            line += f"; accepted on {long_date(ret.final_qa_date)}"
        lines.append(_sentence(line))
    return tuple(lines)


def file_location(ret: ReturnRead) -> str | None:
    """Where the return is filed in the case folder: '<section title>: <path>'."""
    if not ret.file_path:
        return None
    return f"{FOLDER_SECTION_TITLES.get(ret.file_section or '', ret.file_section or '')}: {ret.file_path}"


def pack_part(ret: ReturnRead, rounds: Sequence[RoundRead]) -> PackPart:
    """One accepted return's part: its answers when the version accepted came through the link."""
    accepted = next((r for r in rounds if r.round == ret.sent_back_count + 1), None)
    documents = tuple(PackDocument(d.file_name, d.size_bytes, r.round) for r in rounds for d in r.documents)
    return PackPart(
        agency=ret.agency_name, requested_on=ret.requested_date, received_on=ret.received_date,
        resubmitted_on=ret.resubmission_received_date, accepted_on=ret.final_qa_date, by_link=accepted is not None,
        author=accepted.author_name if accepted else None,
        sections=tuple(PackSection(a.heading, a.required, a.text) for a in accepted.answers) if accepted else (),
        confirmation=accepted.confirmation if accepted else None, documents=documents,
        rounds=round_lines(ret, rounds), file_location=file_location(ret))


def waiting_agency(status: ReturnStatus, due: date) -> WaitingAgency:
    """An agency not accepted: its stage, with the date the agency owes it by while it does."""
    where = str(status.stage.value)
    if status.stage in OWED_STAGES:
        where += f", due {long_date(due)}"
    return WaitingAgency(status.agency_name, where)


def day6_pack_file_name(case_reference: str, as_of: date) -> str:
    """The download's name, as the report's versions are named: '181226AB Day 6 pack 2026-12-29.docx'."""
    return f"{case_reference} Day 6 pack {as_of:%Y-%m-%d}.docx"


# ---------------------------------------------------------------- the Word file (pure)


def _confirmation_words(confirmation: Confirmation) -> str:
    return (f"{confirmation.name}, {confirmation.role}, confirmed the quality of this return on "
            f"{long_date(confirmation.confirmed_on)}.")


def _dates_line(part: PackPart) -> str:
    text = f"Scoping form sent {long_date(part.requested_on)}; "
    if part.by_link:
        text += f"answered {THROUGH_LINK}"
    else:
        text += f"received {BY_EMAIL} on {long_date(part.received_on)}"
        if part.resubmitted_on:
            text += f", resubmitted on {long_date(part.resubmitted_on)}"
    return text + f"; accepted on {long_date(part.accepted_on)}."


def _linked_part(document: DocxDocument, part: PackPart) -> None:
    if part.author:
        document.add_paragraph(f"Completed by {part.author} (the name as the agency typed it).")
    for section in part.sections:
        document.add_heading(section.heading, level=2)
        write_text(document, section.text, empty=NOT_ANSWERED if section.required else NOT_ANSWERED_OPTIONAL)
    document.add_heading("Senior manager's confirmation", level=2)
    if part.confirmation is not None and part.confirmation.given:
        document.add_paragraph(_confirmation_words(part.confirmation))
    else:
        marker(document, NO_CONFIRMATION)
    document.add_heading("Documents attached", level=2)
    if not part.documents:
        document.add_paragraph("None.")
    for d in part.documents:
        document.add_paragraph(f"{d.file_name} ({size_words(d.size_bytes)}), sent with round {d.round}",
                               style="List Bullet")


def _part(document: DocxDocument, number: int, part: PackPart) -> None:
    document.add_heading(f"{number}. {part.agency}", level=1)
    document.add_paragraph().add_run(_dates_line(part)).italic = True
    if part.by_link:
        _linked_part(document, part)
    else:
        document.add_paragraph("The return came by email: it is in the case folder, not in the tracker.")
    document.add_heading("Rounds", level=2)
    for line in part.rounds:
        document.add_paragraph(line, style="List Bullet")
    label_value(document, "File location", part.file_location or "not recorded yet")


def day6_pack_docx(pack: Day6Pack) -> bytes:
    """The pack as .docx bytes: A4, marked OFFICIAL-SENSITIVE with the case reference, page numbers, one part per
    accepted return, then the agencies not yet accepted. Every text goes through services.text.printable first."""
    pack = printable_copy(pack)
    document = Document()
    set_up_a4(document, marking=PROTECTIVE_MARKING, header_line=f"Day 6 pack · case reference {pack.case_reference}",
              footer_reference=pack.case_reference)
    built = f"{pack.built_at.astimezone(LONDON):%a %d %b %Y %H:%M} by {pack.built_by}"
    set_core_properties(document, title=f"Day 6 pack {pack.case_reference}", subject=pack.partnership,
                        author=pack.built_by, marking=PROTECTIVE_MARKING, comments=f"Built {built}", revision=1,
                        made_at=pack.built_at)
    document.add_paragraph(TITLE, style="Title")
    label_value(document, "Partnership", pack.partnership)
    label_value(document, "Case reference", pack.case_reference)
    label_value(document, "For", "the Rapid Review meeting")
    label_value(document, "Built", f"{built}, from the returns as they stood then")
    label_value(document, "Returns accepted", f"{len(pack.parts)} of {pack.asked} agencies asked")
    note = document.add_paragraph()
    note.add_run("The agencies' answers are as they sent them; the form asks them to use initials and roles only "
                 "(no names, dates of birth, addresses or NHS numbers).").italic = True
    if not pack.parts:
        marker(document, NONE_ACCEPTED)
    for number, part in enumerate(pack.parts, start=1):
        _part(document, number, part)
    document.add_heading("Not yet accepted", level=1)
    if not pack.not_accepted:
        document.add_paragraph("Every agency's return is accepted.")
    else:
        document.add_paragraph("Not yet accepted: " + ", ".join(w.agency for w in pack.not_accepted) + ".")
        for waiting in pack.not_accepted:
            document.add_paragraph(f"{waiting.agency}: {waiting.where}", style="List Bullet")
    return docx_bytes(document, pack.built_at)


# ---------------------------------------------------------------- the read


@requires(*CASE_READERS, action="build the Day 6 pack")
def build_day6_pack(session: Session, actor: Account, *, review_id: int, as_of: date,
                    now: datetime | None = None) -> Day6PackFile:
    """The Day 6 pack of one review, built now from its returns as they stand (not stored)."""
    review = session.get(Review, review_id)
    if review is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    cal = load_calendar(session)
    parts, waiting = [], []
    for status in list_returns(session, actor, review_id=review_id, as_of=as_of):
        if status.stage is Stage.ACCEPTED:
            rounds = agency_return_exchange(session, actor, return_id=status.ret.id).rounds
            parts.append(pack_part(status.ret, rounds))
        else:
            waiting.append(waiting_agency(status, agency_due_date(cal, status.ret)))
    pack = Day6Pack(partnership=load_settings(session).partnership_name, case_reference=review.case_reference,
                    built_at=now or datetime.now(UTC), built_by=actor.display_name, parts=tuple(parts),
                    not_accepted=tuple(waiting))
    return Day6PackFile(day6_pack_file_name(review.case_reference, as_of), day6_pack_docx(pack))
