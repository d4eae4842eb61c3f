"""Issue 26, 2: each version of the report says what was true when it was made. The submitted version records its
submission (when, to the National Panel and to Ofsted) in its own text, and is no longer the signed version's bytes
saying "signed final"; after a resending, the signed version gives the date of the sending it signed."""
from __future__ import annotations

from docx.table import Table
from sqlalchemy.orm import Session

from db.models import Account, Review
from services.report.panel import set_ofsted_required, submit_to_panel
from services.report.reads import VersionInfo, get_version_file
from services.report.service import send_to_chair, sign_off
from tests.integration.test_report import (
    AS_OF,
    FRI_8_JAN,
    MON_11_JAN,
    THU_7_JAN,
    TUE_12_JAN,
    _document,
    _write_everything,
)
from tests.integration.test_report import review as review  # the fixture, used by name (re-exported)


def _text(session: Session, actor: Account, version_id: int) -> str:
    document = _document(get_version_file(session, actor, version_id=version_id).data)
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _signed_after_a_resending(session: Session, officer: Account, chair: Account, review: Review
                              ) -> tuple[VersionInfo, VersionInfo, VersionInfo]:
    """Sent Thu 7 Jan (version 1), sent again Fri 8 Jan after amendments (version 2), signed Mon 11 Jan (3)."""
    _write_everything(session, officer, review)
    first = send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=AS_OF)
    again = send_to_chair(session, officer, review_id=review.id, sent_on=FRI_8_JAN, as_of=AS_OF)
    signed = sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=AS_OF)
    return first, again, signed


def test_each_version_gives_the_sent_to_chair_date_true_when_it_was_made(session: Session, officer: Account,
                                                                         chair: Account, review: Review) -> None:
    first, again, signed = _signed_after_a_resending(session, officer, chair, review)
    assert "Sent to the JCR Chair: Thu 07 Jan 2027" in _text(session, chair, first.id)
    assert "Sent to the JCR Chair: Fri 08 Jan 2027" in _text(session, chair, again.id)
    signed_text = _text(session, chair, signed.id)
    # The Chair signed version 2, sent on Fri 8 Jan, not the first sending.
    assert "Sent to the JCR Chair: Fri 08 Jan 2027" in signed_text
    assert "Thu 07 Jan 2027" not in signed_text


def test_the_submitted_version_records_the_submission_to_the_panel_and_ofsted(session: Session, officer: Account,
                                                                              chair: Account, manager: Account,
                                                                              review: Review) -> None:
    set_ofsted_required(session, manager, review_id=review.id, required=True)
    _, _, signed = _signed_after_a_resending(session, officer, chair, review)
    submitted = submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN,
                                ofsted_sent_on=AS_OF, as_of=AS_OF)
    assert submitted.number == 4 and submitted.sha256 != signed.sha256
    text = _text(session, manager, submitted.id)
    paragraphs = text.splitlines()
    version_line = next(p for p in paragraphs if p.startswith("Version: "))
    assert version_line.startswith("Version: Version 4: submitted to the National Panel, made ")
    assert version_line.endswith(" by Test manager")
    assert "signed final" not in version_line
    assert ("Submission: to the National Panel on Tue 12 Jan 2027 and to Ofsted on Wed 13 Jan 2027, by Test "
            "manager. This is signed final version 3 as the JCR Chair signed it, sent to the National Panel and "
            "Ofsted.") in paragraphs
    assert "Submitted to the National Panel\nTue 12 Jan 2027" in text  # a row of the case details
    assert "Sent to Ofsted\nWed 13 Jan 2027" in text
    # The rest is the signed text, word for word: its paragraphs, its tables, and the case details with two rows more.
    signed_doc = _document(get_version_file(session, manager, version_id=signed.id).data)
    submitted_doc = _document(get_version_file(session, manager, version_id=submitted.id).data)
    assert [p.text for p in signed_doc.paragraphs if not p.text.startswith("Version: ")] == \
        [p.text for p in submitted_doc.paragraphs if not p.text.startswith(("Version: ", "Submission: "))]

    def rows(table: Table) -> list[tuple[str, ...]]:
        return [tuple(cell.text for cell in row.cells) for row in table.rows]

    assert rows(submitted_doc.tables[0]) == [*rows(signed_doc.tables[0]),
                                             ("Submitted to the National Panel", "Tue 12 Jan 2027"),
                                             ("Sent to Ofsted", "Wed 13 Jan 2027")]
    assert [rows(t) for t in submitted_doc.tables[1:]] == [rows(t) for t in signed_doc.tables[1:]]
    assert "Signed off: Test chair, JCR Chair, on Mon 11 Jan 2027" in text


def test_a_submission_without_ofsted_names_only_the_panel(session: Session, officer: Account, chair: Account,
                                                          manager: Account, review: Review) -> None:
    _signed_after_a_resending(session, officer, chair, review)
    submitted = submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, as_of=AS_OF)
    text = _text(session, manager, submitted.id)
    assert ("Submission: to the National Panel on Tue 12 Jan 2027, by Test manager. This is signed final version 3 "
            "as the JCR Chair signed it, sent to the National Panel.") in text.splitlines()
    assert "Sent to Ofsted" not in text
