"""The seven-minute briefing on a real PostgreSQL: a review with themes, recommendations and actions built with the
ORM models directly (db.models_after), the .docx read back with python-docx; one page's words; no child's initials,
ages or the case's dates; hostile stored text kept as text; who may build it; an LCSPR's publication address."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Agency
from db.models_after import Lcspr, PracticeTheme, Recommendation, ReviewAction, ReviewTheme
from services.briefing import build_briefing
from services.errors import InvalidInput, NotAllowed
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import MakeAccount

RECEIVED = date(2026, 12, 18)  # Fri: the case reference is 181226 + the first child's initials
AS_OF = date(2027, 3, 1)  # Mon
BUILT = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> **Bold** [link](http://x.example) & <b>"


def _theme(session: Session, name: str) -> int:
    theme_id: int = session.scalars(select(PracticeTheme.id).where(PracticeTheme.name == name)).one()
    return theme_id


def _review(session: Session, officer: Account, *, learning: str = "Call-outs were not shared with health "
            "visiting.", recommendation: str = "Agencies share domestic abuse call-outs promptly.") -> int:
    """A review of two children (AB aged 7, CD aged 11): two themes, two recommendations, three actions."""
    police = Agency(name="Demoshire Police", kind="police", active=True)
    health = Agency(name="Health visiting", kind="health", active=True)
    session.add_all([police, health])
    session.flush()
    review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                         csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                         children=[ChildEntry("AB", 7), ChildEntry("CD", 11)], as_of=RECEIVED)
    session.add_all([
        ReviewTheme(review_id=review.id, theme_id=_theme(session, "Multi-agency information sharing"),
                    learning=learning, coded_by_id=officer.id),
        ReviewTheme(review_id=review.id, theme_id=_theme(session, "Involving fathers and male carers"),
                    learning="The mother's partner was never seen by any agency.", coded_by_id=officer.id)])
    first = Recommendation(review_id=review.id, source="rapid_review", recommendation=recommendation,
                           made_on=date(2027, 1, 20), created_by_id=officer.id)
    second = Recommendation(review_id=review.id, source="panel_response",
                            recommendation="Every adult in the household is known to the agencies.",
                            made_on=date(2027, 2, 1), created_by_id=officer.id)
    session.add_all([first, second])
    session.flush()
    session.add_all([
        ReviewAction(review_id=review.id, recommendation_id=first.id, agency_id=police.id,
                     owner_account_id=officer.id, description="Share every domestic call-out within a working day.",
                     due_on=date(2027, 2, 26), status="in_progress", created_by_id=officer.id),
        ReviewAction(review_id=review.id, recommendation_id=first.id, agency_id=health.id,
                     owner_name="Pat Named-Owner", owner_email="pat@health.example",
                     description="Audit twenty records for shared call-outs.", due_on=date(2027, 2, 1),
                     status="evidence_accepted", created_by_id=officer.id),
        ReviewAction(review_id=review.id, recommendation_id=second.id, agency_id=health.id,
                     owner_name="Pat Named-Owner", description="Ask about every adult in the household.",
                     due_on=date(2027, 3, 1), status="not_started", created_by_id=officer.id)])
    session.flush()
    return review.id


def _text(data: bytes) -> tuple[list[str], list[list[str]], str]:
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    rows = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    furniture = " ".join(p.text for s in document.sections for part in (s.header, s.footer) for p in part.paragraphs)
    return paragraphs, rows, furniture


def test_the_briefing_reads_back_with_its_learning_and_actions(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review_id = _review(session, officer)
    built = build_briefing(session, officer, review_id=review_id, as_of=AS_OF, now=BUILT)
    assert built.file_name == "181226AB seven-minute briefing 2027-03-01.docx"
    paragraphs, rows, furniture = _text(built.data)
    assert paragraphs[:3] == ["Seven-minute briefing",
                              "Learning from a review by Safeguarding Children Partnership · status at Mon 01 Mar 2027",
                              "1. Background"]
    assert ("Multi-agency information sharing: Call-outs were not shared with health visiting." in paragraphs)
    assert ("Involving fathers and male carers: The mother's partner was never seen by any agency." in paragraphs)
    assert "R1. Agencies share domestic abuse call-outs promptly. (Rapid Review)" in paragraphs
    assert "R2. Every adult in the household is known to the agencies. (National Panel's response)" in paragraphs
    # By recommendation, then due date; the open action due Fri 26 Feb is overdue on Mon 1 Mar, the one due that
    # Monday is not yet.
    assert rows == [
        ["Rec.", "Action", "Agency", "Due", "Status"],
        ["R1", "Audit twenty records for shared call-outs.", "Health visiting", "Mon 01 Feb 2027",
         "Done; evidence accepted"],
        ["R1", "Share every domestic call-out within a working day.", "Demoshire Police", "Fri 26 Feb 2027",
         "In progress; overdue"],
        ["R2", "Ask about every adult in the household.", "Health visiting", "Mon 01 Mar 2027", "Not started"]]
    assert "case reference 181226AB" in furniture and "OFFICIAL-SENSITIVE" in furniture
    assert built.words <= 600
    assert len(" ".join([*paragraphs, *(c for row in rows for c in row)]).split()) <= 600


def test_no_initials_ages_case_dates_or_owners_are_in_it(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review_id = _review(session, officer)
    paragraphs, rows, furniture = _text(build_briefing(session, officer, review_id=review_id, as_of=AS_OF).data)
    # The case reference is how the partnership files the briefing; apart from it, nothing of the children.
    everything = " ".join([*paragraphs, *(c for row in rows for c in row), furniture]).replace("181226AB", "REF")
    assert not re.search(r"\bAB\b|\bCD\b", everything)
    assert not re.search(r"\b(7|11)\b|aged|years? old", everything)
    for day in ("14 Dec", "15 Dec", "18 Dec", "2026"):
        assert day not in everything
    assert "Pat" not in everything and "@" not in everything  # the actions' owners are not named


def test_hostile_stored_text_is_kept_as_text(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review_id = _review(session, officer, learning=HOSTILE + "\x0b", recommendation=HOSTILE)
    data = build_briefing(session, officer, review_id=review_id, as_of=AS_OF).data
    paragraphs, _, _ = _text(data)
    # The trailing vertical tab went with the line's whitespace.
    assert f"Multi-agency information sharing: {HOSTILE}" in paragraphs
    assert f"R1. {HOSTILE} (Rapid Review)" in paragraphs
    # Written as text: escaped in the XML, never a tag of it.
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "&lt;script&gt;" in xml and "<script>" not in xml


def test_a_published_lcspr_gives_its_address(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review_id = _review(session, officer)
    session.add(Lcspr(review_id=review_id, decided_on=date(2027, 1, 20), reviewer_name="R Author",
                      reviewer_commissioned_on=date(2027, 2, 1), draft_to_partners_on=date(2027, 6, 1),
                      final_report_on=date(2027, 7, 1), copies_sent_on=date(2027, 7, 2),
                      published_on=date(2027, 9, 1), publication_address="https://demoshire.example/lcspr/child-t",
                      created_by_id=officer.id))
    session.flush()
    paragraphs, _, _ = _text(build_briefing(session, officer, review_id=review_id, as_of=date(2027, 9, 2)).data)
    assert "The LCSPR's published report: https://demoshire.example/lcspr/child-t" in paragraphs
    assert any("whose report is published." in p for p in paragraphs)
    assert "R Author" not in " ".join(paragraphs)


def test_a_review_with_nothing_coded_says_so(session: Session, make_account: MakeAccount) -> None:
    officer = make_account("officer")
    review = open_review(session, officer, notification_type="death", incident_date=date(2026, 12, 14),
                         csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                         children=[ChildEntry("EF", 3)], as_of=RECEIVED)
    paragraphs, rows, _ = _text(build_briefing(session, officer, review_id=review.id, as_of=AS_OF).data)
    assert "[No practice themes are coded for this review yet: the learning is added when they are]" in paragraphs
    assert "[No recommendations are recorded for this review yet]" in paragraphs
    assert rows == []
    assert any("after a notification that a child died." in p for p in paragraphs)


@pytest.mark.parametrize("role", ["board", "admin"])
def test_only_case_readers_may_build_it(session: Session, make_account: MakeAccount, role: str) -> None:
    review_id = _review(session, make_account("officer"))
    with pytest.raises(NotAllowed):
        build_briefing(session, make_account(role), review_id=review_id, as_of=AS_OF)
    for reader in ("manager", "officer", "chair"):
        assert build_briefing(session, make_account(reader), review_id=review_id, as_of=AS_OF).data.startswith(b"PK")


def test_a_review_that_does_not_exist_is_refused_with_a_sentence(session: Session,
                                                                 make_account: MakeAccount) -> None:
    with pytest.raises(InvalidInput, match="That review does not exist"):
        build_briefing(session, make_account("chair"), review_id=999_999, as_of=AS_OF)
