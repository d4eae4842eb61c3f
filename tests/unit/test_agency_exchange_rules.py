"""The agencies' link rules, worked by hand: expiry in working days (weekends, England's bank holidays, closure days),
the completeness pre-check, what a document must be, and the date input."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from services.agency_exchange.rules import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_ROUND,
    Confirmation,
    SectionSpec,
    clean_answers,
    clean_confirmation,
    date_from_parts,
    has_a_date,
    judge_attachment,
    link_expiry_date,
    link_open_until,
    precheck,
    token_hash,
)
from services.errors import InvalidInput
from services.working_days import WorkingCalendar

ENGLAND = WorkingCalendar()


# ---------------------------------------------------------------- expiry, counted on a calendar by hand

@pytest.mark.parametrize("due, days, expected", [
    # Fri 27 Nov 2026 + 3: Sat and Sun skipped -> Mon 30 Nov (1), Tue 1 Dec (2), Wed 2 Dec (3).
    (date(2026, 11, 27), 3, date(2026, 12, 2)),
    # Tue 29 Dec 2026 + 10: Wed 30 (1), Thu 31 (2), Fri 1 Jan is New Year's Day, Mon 4 (3) ... Fri 8 (7),
    # Mon 11 (8), Tue 12 (9), Wed 13 Jan 2027 (10).
    (date(2026, 12, 29), 10, date(2027, 1, 13)),
    # Thu 25 Mar 2027 + 2: Good Friday 26 Mar, the weekend and Easter Monday 29 Mar skipped -> Tue 30 (1), Wed 31 (2).
    (date(2027, 3, 25), 2, date(2027, 3, 31)),
    # Due on a Friday, one working day: the Monday.
    (date(2026, 12, 4), 1, date(2026, 12, 7)),
])
def test_a_link_works_to_the_nth_working_day_after_the_due_date(due: date, days: int, expected: date) -> None:
    assert link_expiry_date(ENGLAND, due, days) == expected


def test_closure_days_push_the_expiry_too() -> None:
    # Mon 21 Dec 2026 + 5 with the council closed 29-31 Dec: Tue 22 (1), Wed 23 (2), Thu 24 (3); 25 Dec and the
    # Boxing Day holiday moved to Mon 28 Dec, the three closure days and 1 Jan skipped; Mon 4 Jan (4), Tue 5 Jan (5).
    closed = WorkingCalendar(closures=[date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)])
    assert link_expiry_date(closed, date(2026, 12, 21), 5) == date(2027, 1, 5)
    assert link_expiry_date(ENGLAND, date(2026, 12, 21), 5) == date(2026, 12, 30)


def test_a_link_works_at_least_one_working_day_after_the_due_date() -> None:
    with pytest.raises(ValueError):
        link_expiry_date(ENGLAND, date(2026, 12, 4), 0)


def test_a_later_due_date_moves_the_expiry_later_never_earlier() -> None:
    issued = date(2027, 1, 13)  # the date the request email gave
    # An agreed due date of Fri 8 Jan 2027: + 10 -> Mon 11 (1) ... Fri 22 Jan (10).
    assert link_open_until(ENGLAND, issued_expiry=issued, current_due=date(2027, 1, 8), working_days=10) == date(
        2027, 1, 22)
    # A closure day added since cannot shorten what the email promised.
    assert link_open_until(ENGLAND, issued_expiry=issued, current_due=date(2026, 12, 23), working_days=10) == issued


def test_the_token_is_kept_as_its_sha256() -> None:
    # sha256("abc"), FIPS 180-2 appendix B.1.
    assert token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# ---------------------------------------------------------------- the pre-check

FORM = [
    SectionSpec("involvement", "text", "Involvement", True),
    SectionSpec("key_dates", "dates", "Key dates", True),
    SectionSpec("extra", "text", "Anything else", False),
    SectionSpec("confirmation", "confirmation", "Confirmation", True),
]
CONFIRMED = Confirmation("A Jones", "Head of Safeguarding", date(2026, 11, 25), True)
DATES = "12/03/2026: home visit."


@pytest.mark.parametrize("answers, confirmation, unanswered, dates, confirmed, complete", [
    ({"involvement": "Seen twice.", "key_dates": DATES}, CONFIRMED, (), True, True, True),
    ({"key_dates": DATES}, CONFIRMED, ("Involvement",), True, True, False),
    ({"involvement": "Seen.", "key_dates": "Seen in the spring."}, CONFIRMED, (), False, True, False),
    ({"involvement": "Seen.", "key_dates": "   "}, CONFIRMED, ("Key dates",), False, True, False),
    # An optional section left blank changes nothing.
    ({"involvement": "Seen.", "key_dates": DATES, "extra": ""}, CONFIRMED, (), True, True, True),
    # A date in another section does not make the dates section's date.
    ({"involvement": "Seen on 12/03/2026.", "key_dates": "Twice."}, CONFIRMED, (), False, True, False),
    ({"involvement": "Seen.", "key_dates": DATES}, Confirmation("A Jones", "Head", date(2026, 11, 25), False),
     (), True, False, False),
    ({"involvement": "Seen.", "key_dates": DATES}, Confirmation("A Jones", None, date(2026, 11, 25), True),
     (), True, False, False),
    ({}, Confirmation(None, None, None, False), ("Involvement", "Key dates"), False, False, False),
])
def test_the_precheck(
        answers: dict[str, str], confirmation: Confirmation, unanswered: tuple[str, ...], dates: bool,
        confirmed: bool, complete: bool) -> None:
    result = precheck(FORM, answers, confirmation)
    assert (result.unanswered, result.dates_present, result.confirmation_given, result.complete) == (
        unanswered, dates, confirmed, complete)


def test_the_precheck_sentences() -> None:
    assert precheck(FORM, {"involvement": "x", "key_dates": DATES}, CONFIRMED).sentence() == (
        "Pre-check: every required section answered, dates present, the senior manager's confirmation given.")
    assert precheck(FORM, {}, Confirmation(None, None, None, False)).sentence() == (
        "Pre-check: not answered: Involvement; Key dates, no date found in the dates and episodes, the senior "
        "manager's confirmation is not given.")


def test_a_form_without_a_dates_section_looks_for_dates_in_every_answer() -> None:
    form = [SectionSpec("a", "text", "A", True), SectionSpec("b", "text", "B", False)]
    assert precheck(form, {"a": "x", "b": "On 3rd Feb 2026."}, CONFIRMED).dates_present
    assert not precheck(form, {"a": "x", "b": "Often."}, CONFIRMED).dates_present
    # No confirmation section: nothing to confirm.
    assert precheck(form, {"a": "x", "b": "2026-02-03"}, Confirmation(None, None, None, False)).complete


@pytest.mark.parametrize("text, found", [
    ("12/03/2026", True), ("1/3/26", True), ("12-03-2026", True), ("12.03.2026", True), ("2026-03-12", True),
    ("12 March 2026", True), ("3rd Feb 2026", True), ("March 2026", True), ("sept 2025", True),
    ("in the spring", False), ("12/03", False), ("case 123456", False), ("2026", False), ("May we", False),
])
def test_what_counts_as_a_date(text: str, found: bool) -> None:
    assert has_a_date(text) is found


# ---------------------------------------------------------------- answers and the confirmation


def test_answers_pass_the_text_gate() -> None:
    cleaned = clean_answers(FORM, {"involvement": "  Seen.\r\nTwice.  ", "key_dates": "", "unknown": "ignored",
                                   "confirmation": "ignored"})
    assert cleaned == {"involvement": "Seen.\nTwice."}
    with pytest.raises(InvalidInput, match=r"answer to \"Involvement\" contains a hidden control character"):
        clean_answers(FORM, {"involvement": "Seen\x00."})
    assert clean_answers(FORM, {"involvement": "x" * 10_000}) == {"involvement": "x" * 10_000}
    with pytest.raises(InvalidInput, match="20,001 characters long; it can be at most 20,000"):
        clean_answers(FORM, {"involvement": "x" * 20_001})


def test_the_confirmation_is_required_only_to_submit() -> None:
    draft = clean_confirmation(name=" A  Jones ", role="", confirmed_on=None, confirmed=False,
                               not_before=date(2026, 11, 18), as_of=date(2026, 11, 26), required=False)
    assert draft == Confirmation("A Jones", None, None, False)
    with pytest.raises(InvalidInput, match="give their role, the date they confirmed it and the tick confirming it"):
        clean_confirmation(name="A Jones", role="", confirmed_on=None, confirmed=False,
                           not_before=date(2026, 11, 18), as_of=date(2026, 11, 26), required=True)
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        clean_confirmation(name="A", role="B", confirmed_on=date(2026, 11, 27), confirmed=True,
                           not_before=date(2026, 11, 18), as_of=date(2026, 11, 26), required=True)
    with pytest.raises(InvalidInput, match="before the form was sent"):
        clean_confirmation(name="A", role="B", confirmed_on=date(2026, 11, 17), confirmed=True,
                           not_before=date(2026, 11, 18), as_of=date(2026, 11, 26), required=True)


@pytest.mark.parametrize("parts, expected", [
    (("25", "11", "2026"), date(2026, 11, 25)),
    (("", "", ""), None),
    ((" 5", "1 ", "2027"), date(2027, 1, 5)),
])
def test_a_date_from_its_three_boxes(parts: tuple[str, ...], expected: date | None) -> None:
    assert date_from_parts(*parts, label="date") == expected


@pytest.mark.parametrize("parts, message", [
    (("31", "2", "2026"), "must be a real date"),
    (("25", "11", ""), "in numbers"),
    (("25", "Nov", "2026"), "in numbers"),
    (("25", "11", "26"), "four digits"),
])
def test_a_wrong_date_is_refused(parts: tuple[str, ...], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        date_from_parts(*parts, label="date")


# ---------------------------------------------------------------- documents

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# The first bytes of a Windows program: "MZ", then the DOS stub.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Scoping return")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_pdf_and_a_word_document_are_accepted_by_their_content() -> None:
    accepted = judge_attachment("Return.pdf", PDF)
    assert (accepted.file_name, accepted.content_type, accepted.size_bytes) == ("Return.pdf", "application/pdf",
                                                                                len(PDF))
    import hashlib

    assert accepted.sha256 == hashlib.sha256(PDF).hexdigest()
    word = judge_attachment("return.docx", _docx())
    assert word.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_renamed_program_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"report\.pdf is not a PDF or a Word document"):
        judge_attachment("report.pdf", EXE)


def test_a_zip_or_text_named_as_word_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    for data in (buffer.getvalue(), b"Just some text, not a document."):
        with pytest.raises(InvalidInput, match="not a PDF or a Word document"):
            judge_attachment("return.docx", data)


def test_the_extension_follows_the_content() -> None:
    assert judge_attachment("report.pdf", _docx()).file_name == "report.docx"
    assert judge_attachment("report", PDF).file_name == "report.pdf"
    assert judge_attachment("C:\\Users\\jo\\Desktop\\report.PDF", PDF).file_name == "report.pdf"
    assert judge_attachment("../../etc/passwd.pdf", PDF).file_name == "passwd.pdf"


def test_the_size_limit_and_empty_files() -> None:
    at_limit = PDF + b"\0" * (MAX_ATTACHMENT_BYTES - len(PDF))
    assert judge_attachment("big.pdf", at_limit).size_bytes == 10 * 1024 * 1024
    with pytest.raises(InvalidInput, match="at most 10 MB"):
        judge_attachment("big.pdf", at_limit + b"\0")
    with pytest.raises(InvalidInput, match="empty"):
        judge_attachment("blank.pdf", b"")
    with pytest.raises(InvalidInput, match="Choose a file"):
        judge_attachment("", PDF)


def test_at_most_ten_documents_per_round() -> None:
    assert judge_attachment("a.pdf", PDF, already_attached=MAX_ATTACHMENTS_PER_ROUND - 1)
    with pytest.raises(InvalidInput, match="At most 10 documents"):
        judge_attachment("a.pdf", PDF, already_attached=MAX_ATTACHMENTS_PER_ROUND)


def test_a_file_name_passes_the_text_gate() -> None:
    with pytest.raises(InvalidInput, match="file name contains a hidden control character"):
        judge_attachment("re\u202eport.pdf", PDF)
