"""The Day 6 pack on a real PostgreSQL: one Word file of a review's accepted returns, opened with python-docx and read
paragraph by paragraph against a hand-built scenario (tests/agency_scenarios.py: two agencies through their links,
one sent back then accepted; one by email; one not accepted yet); who may build it; hostile stored text."""
from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry
from db.models_agency import AgencyRound
from services.agency_exchange import ConfirmationInput, build_day6_pack, save_agency_draft
from services.errors import NotAllowed
from services.returns import record_final_qa, record_initial_check, record_return_received, record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.agency_scenarios import GP_ANSWERS, TUE_22_DEC, WED_23_DEC, day6_scenario
from tests.types import MakeAccount

BUILT = datetime(2026, 12, 23, 16, 5, tzinfo=UTC)  # 16:05 in London too (GMT in December)
NOTE = ("The agencies' answers are as they sent them; the form asks them to use initials and roles only (no names, "
        "dates of birth, addresses or NHS numbers).")

# Hand-written from the scenario: every paragraph of the pack, in order.
EXPECTED = [
    "Day 6 pack: the agencies' scoping returns",
    "Partnership: Safeguarding Children Partnership",
    "Case reference: 181226AB",
    "For: the Rapid Review meeting",
    "Built: Wed 23 Dec 2026 16:05 by Test officer, from the returns as they stood then",
    "Returns accepted: 3 of 4 agencies asked",
    NOTE,
    "1. Demoshire Police",
    "Scoping form sent Fri 18 Dec 2026; answered through the agency's private link; accepted on Wed 23 Dec 2026.",
    "Completed by K Brown (the name as the agency typed it).",
    "The agency's involvement with the child and family",
    "Two call-outs to the home; one referral to CSC.",
    "Key dates and episodes",
    "12/03/2026: call-out to the home.",
    "Analysis of practice",
    "The second call-out was not linked to the first.",
    "Learning and immediate actions taken",
    "Share call-outs with health visiting.",
    "Anything else the review should know",
    "Nothing further.",
    "Senior manager's confirmation",
    "A Jones, Head of Safeguarding, confirmed the quality of this return on Wed 23 Dec 2026.",
    "Documents attached",
    "Chronology.pdf (50 bytes), sent with round 2",
    "Rounds",
    "Round 1: received Tue 22 Dec 2026 through the agency's private link; sent back on Tue 22 Dec 2026 (new due "
    "date Tue 29 Dec 2026) for: Add the analysis of practice.",
    "Round 2: received Wed 23 Dec 2026 through the agency's private link; accepted on Wed 23 Dec 2026.",
    "File location: not recorded yet",
    "2. GP practices",
    "Scoping form sent Fri 18 Dec 2026; answered through the agency's private link; accepted on Tue 22 Dec 2026.",
    "Completed by P Patel (the name as the agency typed it).",
    "The agency's involvement with the child and family",
    "Registered since birth; three appointments.",
    "Key dates and episodes",
    "02/02/2026: six-week check.",
    "Analysis of practice",
    "Appointments were kept; no concerns noted.",
    "Learning and immediate actions taken",
    "Record who attends with the child.",
    "Anything else the review should know",
    "[Not answered: an optional section]",
    "Senior manager's confirmation",
    "A Jones, Head of Safeguarding, confirmed the quality of this return on Tue 22 Dec 2026.",
    "Documents attached",
    "None.",
    "Rounds",
    "Round 1: received Tue 22 Dec 2026 through the agency's private link; accepted on Tue 22 Dec 2026.",
    "File location: not recorded yet",
    "3. Schools",
    "Scoping form sent Fri 18 Dec 2026; received by email on Tue 22 Dec 2026; accepted on Wed 23 Dec 2026.",
    "The return came by email: it is in the case folder, not in the tracker.",
    "Rounds",
    "Round 1: received Tue 22 Dec 2026 by email; accepted on Wed 23 Dec 2026.",
    "File location: I. Notification and scoping: Scoping/Schools return.pdf",
    "Not yet accepted",
    "Not yet accepted: Youth Offending Service.",
    "Youth Offending Service: awaiting the return, due Tue 29 Dec 2026",
]


def _open(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def _paragraphs(document: DocxDocument) -> list[str]:
    return [p.text for p in document.paragraphs]


def _styled(document: DocxDocument, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style is not None and p.style.name == style]


def test_the_pack_collates_the_accepted_returns_in_agency_and_form_order(session: Session, officer: Account,
                                                                         manager: Account) -> None:
    scenario = day6_scenario(session, officer, manager)
    log_before = session.scalar(select(LogEntry.id).order_by(LogEntry.id.desc()).limit(1))
    pack = build_day6_pack(session, officer, review_id=scenario.review_id, as_of=WED_23_DEC, now=BUILT)
    assert pack.file_name == "181226AB Day 6 pack 2026-12-23.docx"
    assert pack.mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = _open(pack.data)
    assert _paragraphs(document) == EXPECTED
    assert _styled(document, "Heading 1") == ["1. Demoshire Police", "2. GP practices", "3. Schools",
                                              "Not yet accepted"]
    assert _styled(document, "Heading 2")[:7] == [
        "The agency's involvement with the child and family", "Key dates and episodes", "Analysis of practice",
        "Learning and immediate actions taken", "Anything else the review should know",
        "Senior manager's confirmation", "Documents attached"]
    section = document.sections[0]
    width, height = section.page_width, section.page_height
    assert width is not None and height is not None
    assert (round(width.mm), round(height.mm)) == (210, 297)  # A4, to the twip
    assert [p.text for p in section.header.paragraphs] == ["OFFICIAL-SENSITIVE", "Day 6 pack · case reference 181226AB"]
    assert section.footer.paragraphs[0].text.startswith("OFFICIAL-SENSITIVE · 181226AB · Page ")
    assert document.core_properties.title == "Day 6 pack 181226AB"
    # Built on request: nothing written (no log entry, as no download of the report or the checklist is logged), and
    # the same returns built at the same moment give the same bytes.
    assert session.scalar(select(LogEntry.id).order_by(LogEntry.id.desc()).limit(1)) == log_before
    assert build_day6_pack(session, officer, review_id=scenario.review_id, as_of=WED_23_DEC, now=BUILT).data == (
        pack.data)


def test_a_pack_built_before_any_return_is_accepted_says_so(session: Session, officer: Account,
                                                            make_account: MakeAccount) -> None:
    agency = Agency(name="Ambulance Service", kind="health", active=True)
    session.add(agency)
    session.flush()
    review = open_review(session, officer, notification_type="death", incident_date=date(2026, 12, 14),
                         csc_aware_date=date(2026, 12, 15), notification_received_date=date(2026, 12, 18),
                         children=[ChildEntry("CD", 2)], as_of=date(2026, 12, 18))
    record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id],
                             requested_on=date(2026, 12, 18), as_of=date(2026, 12, 18))
    chair = make_account("chair")
    paragraphs = _paragraphs(_open(build_day6_pack(session, chair, review_id=review.id, as_of=date(2026, 12, 30),
                                                   now=BUILT).data))
    assert paragraphs[2:] == [
        "Case reference: 181226CD", "For: the Rapid Review meeting",
        "Built: Wed 23 Dec 2026 16:05 by Test chair, from the returns as they stood then",
        "Returns accepted: 0 of 1 agencies asked", NOTE, "[No agency's return has been accepted yet]",
        "Not yet accepted", "Not yet accepted: Ambulance Service.",
        "Ambulance Service: awaiting the return, due Tue 29 Dec 2026"]


@pytest.mark.parametrize("role", ["manager", "officer", "chair"])
def test_everyone_on_the_case_may_build_it(session: Session, officer: Account, manager: Account,
                                           make_account: MakeAccount, role: str) -> None:
    scenario = day6_scenario(session, officer, manager)
    pack = build_day6_pack(session, make_account(role), review_id=scenario.review_id, as_of=WED_23_DEC)
    assert "1. Demoshire Police" in _paragraphs(_open(pack.data))


@pytest.mark.parametrize("role", ["board", "admin"])
def test_the_board_and_the_admin_may_not(session: Session, officer: Account, manager: Account,
                                         make_account: MakeAccount, role: str) -> None:
    scenario = day6_scenario(session, officer, manager)
    with pytest.raises(NotAllowed, match="build the Day 6 pack"):
        build_day6_pack(session, make_account(role), review_id=scenario.review_id, as_of=WED_23_DEC)


def test_hostile_text_survives_into_the_pack_as_text(session: Session, officer: Account, manager: Account) -> None:
    script = "<script>alert('x')</script> & <b>bold</b>"
    long_answer = "Contact on 12/03/2026. " + "x" * (10_000 - 23)
    scenario = day6_scenario(session, officer, manager,
                             gp_answers={**GP_ANSWERS, "involvement": long_answer, "analysis": script})
    # Text stored before the free-text gate (here put in by hand, as an older row would hold it): control characters
    # no Word file can hold, in an answer the agency sent through its link and in an agency's name.
    save_agency_draft(session, token=scenario.youth_token, author_name="Y Young", answers={"involvement": "Draft."},
                      confirmation=ConfirmationInput(name="B Boss", role="Manager", confirmed_on=TUE_22_DEC,
                                                     confirmed=True), as_of=TUE_22_DEC)
    round_id = session.scalars(select(AgencyRound.id).where(AgencyRound.agency_return_id == scenario.youth)).one()
    session.execute(text("UPDATE agency_return_answers SET text = :t WHERE round_id = :r"),
                    {"t": "Bell\x07 and start\x01 of heading", "r": round_id})
    session.execute(text("UPDATE agency_return_rounds SET submitted_at = now() WHERE id = :r"), {"r": round_id})
    session.execute(text("UPDATE agencies SET name = 'Youth\x1bOffending' WHERE name = 'Youth Offending Service'"))
    record_return_received(session, officer, return_id=scenario.youth, expected_version=None, received_on=TUE_22_DEC,
                           signed_by_senior_manager=True, signatory_role="Manager", as_of=TUE_22_DEC)
    record_initial_check(session, officer, return_id=scenario.youth, expected_version=None, checked_on=TUE_22_DEC,
                         sufficient_information=True, dates_present=True, analysis=True, signed=True,
                         outcome="satisfactory", as_of=TUE_22_DEC)
    record_final_qa(session, manager, return_id=scenario.youth, expected_version=None, decided_on=TUE_22_DEC,
                    outcome="accepted", as_of=TUE_22_DEC)
    session.expire_all()

    pack = build_day6_pack(session, officer, review_id=scenario.review_id, as_of=WED_23_DEC, now=BUILT)
    paragraphs = _paragraphs(_open(pack.data))
    assert script in paragraphs and long_answer in paragraphs
    assert "4. Youth\ufffdOffending" in paragraphs
    assert "Bell\ufffd and start\ufffd of heading" in paragraphs
    assert paragraphs[-2:] == ["Not yet accepted", "Every agency's return is accepted."]
    # Text, never markup: the document's XML holds the script escaped.
    body = zipfile.ZipFile(io.BytesIO(pack.data)).read("word/document.xml").decode()
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in body
    assert "<script>" not in body
