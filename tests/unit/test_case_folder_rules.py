"""The case folder's pure rules against hand-worked answers: the order of a section's rows, what each row says, the
sizes as people read them, and what an upload may be."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.case_folder.rules import (
    AGENCY,
    PATH,
    REPORT,
    UPLOAD,
    FolderRow,
    arrange,
    clean_section,
    clean_title,
    judge_document,
    meeting_words,
    panel_note,
    path_note,
    removal_words,
    version_note,
)
from services.errors import InvalidInput
from services.formatting import file_size

NOON = datetime(2026, 12, 30, 12, 0, tzinfo=UTC)
MORNING = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)


def _row(source: str, source_id: int, at: datetime | None, section: str = "II") -> FolderRow:
    return FolderRow(section=section, source=source, source_id=source_id, name=f"{source} {source_id}", kind="k",
                     size="", added_by="someone", added_at=at)


def test_a_section_lists_stored_files_oldest_first_then_the_paths() -> None:
    rows = [_row(PATH, 1, MORNING), _row(REPORT, 9, NOON), _row(UPLOAD, 5, NOON), _row(AGENCY, 2, NOON),
            _row(REPORT, 3, NOON), _row(UPLOAD, 7, MORNING), _row(PATH, 4, None), _row(PATH, 0, NOON),
            _row(UPLOAD, 6, NOON, section="IV")]
    arranged = arrange(rows)
    assert list(arranged) == ["I", "II", "III", "IV"]
    assert arranged["I"] == () and arranged["III"] == ()
    # 09:00 upload; at 12:00 the upload, the agency's document, the report's versions by number; the paths, the one
    # with nobody on record last.
    assert [(r.source, r.source_id) for r in arranged["II"]] == [
        (UPLOAD, 7), (UPLOAD, 5), (AGENCY, 2), (REPORT, 3), (REPORT, 9), (PATH, 1), (PATH, 0), (PATH, 4)]
    assert [(r.source, r.source_id) for r in arranged["IV"]] == [(UPLOAD, 6)]


@pytest.mark.parametrize("size, words", [
    (1, "1 KB"), (1023, "1 KB"), (1024, "1 KB"), (2047, "1 KB"), (86016, "84 KB"), (1024 * 1024 - 1, "1023 KB"),
    (1024 * 1024, "1.0 MB"), (10 * 1024 * 1024, "10.0 MB"), (2_621_440, "2.5 MB"),
])
def test_a_size_reads_in_kilobytes_then_megabytes(size: int, words: str) -> None:
    assert file_size(size) == words


def test_what_each_row_says() -> None:
    assert meeting_words("rr_meeting", date(2026, 12, 30)) == "Rapid Review meeting held Wed 30 Dec 2026"
    assert meeting_words("pre_meet", date(2026, 12, 21)) == "Pre-meet held Mon 21 Dec 2026"
    assert version_note(1, "draft", None) == "Version 1: draft"
    assert version_note(3, "sent_to_chair", date(2027, 1, 7)) == "Version 3: sent to the JCR Chair on Thu 07 Jan 2027"
    assert panel_note(4, date(2027, 1, 12), None) == "Sent to the Panel on Tue 12 Jan 2027 (version 4)"
    assert panel_note(4, date(2027, 1, 12), date(2027, 1, 13)) == \
        "Sent to the Panel on Tue 12 Jan 2027, and to Ofsted on Wed 13 Jan 2027 (version 4)"
    assert path_note(entry_id=12) == "Daily log entry #12"
    assert path_note(entry_id=12, corrected_by=[15, 18]) == "Daily log entry #12 (corrected by #15, #18)"
    assert path_note(agency="Demoshire Police") == "Return from Demoshire Police"
    # 23:30 UTC on 4 January is still 4 January in London (GMT); 23:30 UTC on 1 July is 2 July there (BST).
    assert removal_words(datetime(2027, 1, 4, 23, 30, tzinfo=UTC), "Pat", "Wrong review") == \
        "Removed Mon 04 Jan 2027 by Pat: Wrong review"
    assert removal_words(datetime(2027, 7, 1, 23, 30, tzinfo=UTC), "Pat", "Wrong review") == \
        "Removed Fri 02 Jul 2027 by Pat: Wrong review"


def test_an_upload_needs_a_section_and_a_title() -> None:
    assert clean_section(" iii ") == "III"
    for wrong in (None, "", "V", "1"):
        with pytest.raises(InvalidInput, match="Choose the case folder section"):
            clean_section(wrong)
    assert clean_title("  Minutes   of the  meeting ") == "Minutes of the meeting"
    with pytest.raises(InvalidInput, match=r"Give the document's title\."):
        clean_title("   ")
    with pytest.raises(InvalidInput, match="at most 200"):
        clean_title("x" * 201)


def test_a_document_is_judged_by_its_content_as_an_agencys_attachment_is() -> None:
    accepted = judge_document("Minutes.PDF", b"%PDF-1.4\n%%EOF\n")
    assert (accepted.file_name, accepted.content_type, accepted.size_bytes) == ("Minutes.pdf", "application/pdf", 15)
    with pytest.raises(InvalidInput, match=r"^notes\.pdf is not a PDF or a Word document .* Attach the document as"):
        judge_document("notes.pdf", b"just some text, not a PDF")
