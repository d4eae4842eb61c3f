"""Agencies answer through their private link, on a real PostgreSQL as the app's role: one token opens one return
only; expired, revoked and ended links open nothing; drafts come back; a submission is recorded as received through
the returns service; every round is kept (the database refuses changing a submitted one); documents are judged by
their content and checked by the database; long and hostile text is handled as elsewhere."""
from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from enum import StrEnum

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry, Review
from db.models_agency import AgencyAnswer, AgencyAttachment, AgencyLink, AgencyRound, AttachmentType, SectionKind
from db.models_returns import AgencyReturn
from services.agency_exchange import (
    ConfirmationInput,
    IssuedLink,
    LinkNotFound,
    agency_document_file,
    agency_return_exchange,
    attach_agency_document,
    issue_agency_link,
    open_agency_return,
    record_forms_sent_with_links,
    reissue_agency_link,
    remove_agency_document,
    revoke_agency_link,
    save_agency_draft,
    submit_agency_return,
)
from services.errors import InvalidInput, NotAllowed
from services.returns import (
    close_return_without_receipt,
    record_final_qa,
    record_initial_check,
    record_return_received,
)
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from tests.types import MakeAccount

FRI_18_DEC = date(2026, 12, 18)  # notification received and forms sent: returns due Tue 29 Dec 2026
TUE_22_DEC = date(2026, 12, 22)
TUE_29_DEC = date(2026, 12, 29)
# Tue 29 Dec + 10 working days (1 Jan a bank holiday): Wed 13 Jan 2027 (tests/unit/test_agency_exchange_rules.py).
WED_13_JAN = date(2027, 1, 13)
CONFIRMED = ConfirmationInput(name="A Jones", role="Head of Safeguarding", confirmed_on=TUE_22_DEC, confirmed=True)
ANSWERS = {"involvement": "Health visiting since birth; 4 contacts.", "key_dates": "12/03/2026: new birth visit.",
           "analysis": "Contacts were timely, but the father's role was not explored.",
           "learning": "Ask about every adult in the household."}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# The links fixture: the links issued when the forms were sent, Agency 1's first.
Links = list[IssuedLink]
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def _review(session: Session, officer: Account, received: date = FRI_18_DEC, initials: str = "AB") -> Review:
    return open_review(session, officer, notification_type="serious_harm", incident_date=received - timedelta(days=4),
                       csc_aware_date=received - timedelta(days=3), notification_received_date=received,
                       children=[ChildEntry(initials, 5)], as_of=received)


@pytest.fixture
def agencies(session: Session) -> list[Agency]:
    rows = [Agency(name=f"Agency {i}", kind="health", contact_email=f"contact{i}@agency.example.org", active=True)
            for i in (1, 2)]
    session.add_all(rows)
    session.flush()
    return rows


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return _review(session, officer)


@pytest.fixture
def links(session: Session, officer: Account, review: Review, agencies: list[Agency]) -> Links:
    return record_forms_sent_with_links(session, officer, review_id=review.id, agency_ids=[a.id for a in agencies],
                                        requested_on=FRI_18_DEC, as_of=FRI_18_DEC)


def _log_texts(session: Session, review_id: int) -> list[str]:
    return list(session.scalars(select(LogEntry.text).where(LogEntry.review_id == review_id).order_by(LogEntry.id)))


# ---------------------------------------------------------------- one token, one return


def test_forms_sent_give_each_return_its_own_link_and_keep_only_the_hash(session: Session, links: Links, review: Review,
                                                                         agencies: list[Agency]) -> None:
    first, second = links
    assert {first.agency_name, second.agency_name} == {"Agency 1", "Agency 2"}
    assert first.expires_on == WED_13_JAN and first.token != second.token
    stored = session.execute(text("SELECT t::text FROM agency_return_links t")).scalars().all()
    assert all(first.token not in row and second.token not in row for row in stored)
    assert session.scalar(select(AgencyLink.token_hash).where(AgencyLink.id == first.link_id)) == hashlib.sha256(
        first.token.encode()).hexdigest()
    page = open_agency_return(session, token=first.token, as_of=TUE_22_DEC)
    assert (page.agency_name, page.outside_reference, page.due_date, page.open_until) == (
        first.agency_name, f"181226 no. {review.id}", TUE_29_DEC, WED_13_JAN)
    assert [s.key for s in page.sections] == ["involvement", "key_dates", "analysis", "learning", "confirmation"]
    assert open_agency_return(session, token=second.token, as_of=TUE_22_DEC).agency_name == second.agency_name
    # The log names each link by its id, never its token.
    log = "\n".join(_log_texts(session, review.id))
    assert f"(link {first.link_id})" in log and first.token not in log and second.token not in log


def test_a_token_of_one_return_never_touches_another(session: Session, officer: Account, links: Links, review: Review,
                                                     agencies: list[Agency]) -> None:
    first, second = links
    other_review = _review(session, officer, initials="CD")
    [other] = record_forms_sent_with_links(session, officer, review_id=other_review.id, agency_ids=[agencies[0].id],
                                           requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    save_agency_draft(session, token=first.token, author_name="J Smith", answers={"involvement": "Ours."},
                      confirmation=ConfirmationInput(), as_of=TUE_22_DEC)
    assert open_agency_return(session, token=second.token, as_of=TUE_22_DEC).answers == {}
    assert open_agency_return(session, token=other.token, as_of=TUE_22_DEC).answers == {}
    assert open_agency_return(session, token=other.token, as_of=TUE_22_DEC).outside_reference == (
        f"181226 no. {other_review.id}")
    rounds = session.execute(select(AgencyRound.agency_return_id)).scalars().all()
    assert rounds == [first.return_id]


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 5000, None])
def test_unknown_tokens_open_nothing(session: Session, links: Links, token: str | None) -> None:
    with pytest.raises(LinkNotFound) as caught:
        open_agency_return(session, token=token, as_of=TUE_22_DEC)
    assert str(caught.value).startswith("This link does not work.")


def test_a_link_works_to_the_end_of_its_expiry_day(session: Session, links: Links) -> None:
    token = links[0].token
    assert open_agency_return(session, token=token, as_of=WED_13_JAN).open_until == WED_13_JAN
    for step in (lambda: open_agency_return(session, token=token, as_of=WED_13_JAN + timedelta(days=1)),
                 lambda: save_agency_draft(session, token=token, author_name="J", answers={},
                                           confirmation=ConfirmationInput(), as_of=WED_13_JAN + timedelta(days=1))):
        with pytest.raises(LinkNotFound):
            step()


def test_revoked_and_reissued_links(session: Session, officer: Account, links: Links, review: Review) -> None:
    first = links[0]
    revoke_agency_link(session, officer, return_id=first.return_id, reason="Sent to the wrong address.")
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=first.token, as_of=TUE_22_DEC)
    new = reissue_agency_link(session, officer, return_id=first.return_id, reason="The right address now.",
                              as_of=TUE_22_DEC)
    assert open_agency_return(session, token=new.token, as_of=TUE_22_DEC).link_id == new.link_id
    assert session.get_one(AgencyLink, new.link_id).reissued_from_id == first.link_id
    newer = reissue_agency_link(session, officer, return_id=first.return_id, reason="Lost it.", as_of=TUE_22_DEC)
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=new.token, as_of=TUE_22_DEC)
    assert session.get_one(AgencyLink, new.link_id).revoked_reason == "Reissued: Lost it."
    log = _log_texts(session, review.id)
    assert f"Private link of Agency 1 revoked (link {first.link_id}). Reason: Sent to the wrong address." in log
    assert any(f"link {new.link_id} replaced by link {newer.link_id}" in line for line in log)
    with pytest.raises(InvalidInput, match="already has a live link"):
        issue_agency_link(session, officer, return_id=first.return_id, as_of=TUE_22_DEC)
    with pytest.raises(InvalidInput, match="reason for reissuing"):
        reissue_agency_link(session, officer, return_id=first.return_id, reason=" ", as_of=TUE_22_DEC)


def test_a_link_reissued_after_its_expiry_works_the_same_time_from_that_day(session: Session, officer: Account,
                                                                            links: Links) -> None:
    late = date(2027, 1, 20)  # a Wednesday, after Wed 13 Jan
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=links[0].token, as_of=late)
    again = reissue_agency_link(session, officer, return_id=links[0].return_id, reason="It had expired.",
                                as_of=late)
    # Wed 20 Jan 2027 + 10 working days: Thu 21 (1) ... Wed 3 Feb 2027 (10).
    assert again.expires_on == date(2027, 2, 3)
    assert open_agency_return(session, token=again.token, as_of=date(2027, 2, 3)).open_until == date(2027, 2, 3)


def test_the_chair_may_not_issue_links(session: Session, chair: Account, links: Links) -> None:
    with pytest.raises(NotAllowed):
        reissue_agency_link(session, chair, return_id=links[0].return_id, reason="x", as_of=TUE_22_DEC)


def test_a_return_that_ends_or_a_withdrawn_review_stops_the_link(session: Session, manager: Account, links: Links,
                                                                 review: Review) -> None:
    first, second = links
    close_return_without_receipt(session, manager, return_id=first.return_id, expected_version=None,
                                 ending="withdrawn", ended_on=TUE_22_DEC, reason="Asked in error.", as_of=TUE_22_DEC)
    session.expire_all()
    assert session.get_one(AgencyLink, first.link_id).revoked_reason == "The return was closed as 'withdrawn'."
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=first.token, as_of=TUE_22_DEC)
    withdraw_review(session, manager, review_id=review.id, expected_version=None, reason="duplicate",
                    as_of=TUE_22_DEC)
    session.expire_all()
    assert session.get_one(AgencyLink, second.link_id).revoked_reason == "The review was withdrawn."
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=second.token, as_of=TUE_22_DEC)


def test_an_issuer_who_can_no_longer_write_leaves_the_link_unusable(session: Session, officer: Account,
                                                                    links: Links) -> None:
    officer.active = False
    session.flush()
    with pytest.raises(LinkNotFound):
        open_agency_return(session, token=links[0].token, as_of=TUE_22_DEC)


# ---------------------------------------------------------------- drafts, documents, submission


def test_a_draft_comes_back_and_a_submission_is_recorded_received(session: Session, links: Links,
                                                                  review: Review) -> None:
    token, return_id = links[0].token, links[0].return_id
    save_agency_draft(session, token=token, author_name="  J  Smith ", answers={"involvement": "Seen twice."},
                      confirmation=ConfirmationInput(name="A Jones"), as_of=TUE_22_DEC)
    page = open_agency_return(session, token=token, as_of=TUE_22_DEC)
    assert (page.author_name, dict(page.answers), page.confirmation.name, page.may_answer) == (
        "J Smith", {"involvement": "Seen twice."}, "A Jones", True)
    attach_agency_document(session, token=token, author_name="J Smith", file_name="Chronology.pdf", data=PDF,
                           as_of=TUE_22_DEC)
    submitted = submit_agency_return(session, token=token, author_name="J Smith", answers=ANSWERS,
                                     confirmation=CONFIRMED, as_of=TUE_22_DEC)
    assert submitted.round == 1 and submitted.precheck.complete
    ret = session.get_one(AgencyReturn, return_id)
    assert (ret.received_date, ret.signed_by_senior_manager, ret.signatory_role) == (
        TUE_22_DEC, True, "Head of Safeguarding")
    log = _log_texts(session, review.id)
    assert any(line.startswith("Return received from Agency 1 on 22 Dec 2026, on time") for line in log)
    [entry] = [line for line in log if "submitted through its private link" in line]
    assert f"(link {links[0].link_id})" in entry and "by J Smith (as typed)" in entry
    assert "confirmed by A Jones, Head of Safeguarding, on 22 Dec 2026" in entry
    assert "4 of 4 sections answered, 1 document. Pre-check: every required section answered" in entry
    # Now read-only for the agency; the Partnership reads it.
    page = open_agency_return(session, token=token, as_of=TUE_22_DEC)
    assert not page.may_answer and page.received_on == TUE_22_DEC and page.submitted_at is not None
    with pytest.raises(InvalidInput, match="already been sent"):
        save_agency_draft(session, token=token, author_name="J", answers={}, confirmation=ConfirmationInput(),
                          as_of=TUE_22_DEC)


def test_the_confirmation_is_required_to_submit_and_nothing_is_recorded_without_it(session: Session,
                                                                                   links: Links) -> None:
    token, return_id = links[0].token, links[0].return_id
    with pytest.raises(InvalidInput, match="senior manager of your agency must confirm"):
        submit_agency_return(session, token=token, author_name="J Smith", answers=ANSWERS,
                             confirmation=ConfirmationInput(name="A Jones", role="Head"), as_of=TUE_22_DEC)
    assert session.get_one(AgencyReturn, return_id).received_date is None
    with pytest.raises(InvalidInput, match="Give the name of the person completing this return"):
        submit_agency_return(session, token=token, author_name=" ", answers=ANSWERS, confirmation=CONFIRMED,
                             as_of=TUE_22_DEC)


def test_a_return_already_received_by_email_takes_no_submission(session: Session, officer: Account,
                                                                links: Links) -> None:
    record_return_received(session, officer, return_id=links[0].return_id, expected_version=None,
                           received_on=TUE_22_DEC, signed_by_senior_manager=True, signatory_role="Head",
                           as_of=TUE_22_DEC)
    page = open_agency_return(session, token=links[0].token, as_of=TUE_22_DEC)
    assert not page.may_answer and page.received_on == TUE_22_DEC
    with pytest.raises(InvalidInput, match="already been sent"):
        submit_agency_return(session, token=links[0].token, author_name="J", answers=ANSWERS,
                             confirmation=CONFIRMED, as_of=TUE_22_DEC)


def test_every_round_is_kept(session: Session, officer: Account, manager: Account, links: Links,
                             review: Review) -> None:
    token, return_id = links[0].token, links[0].return_id
    submit_agency_return(session, token=token, author_name="J Smith", answers={**ANSWERS, "analysis": ""},
                         confirmation=CONFIRMED, as_of=TUE_22_DEC)
    record_initial_check(session, officer, return_id=return_id, expected_version=None, checked_on=TUE_22_DEC,
                         sufficient_information=False, dates_present=True, analysis=False, signed=True,
                         outcome="concerns", note="No analysis.", as_of=TUE_22_DEC)
    record_final_qa(session, manager, return_id=return_id, expected_version=None, decided_on=TUE_22_DEC,
                    outcome="sent back", reason="Add the analysis of practice.", new_due_date=TUE_29_DEC,
                    as_of=TUE_22_DEC)
    page = open_agency_return(session, token=token, as_of=TUE_22_DEC)
    assert page.round == 2 and page.may_answer and page.answers == {}
    [earlier] = page.earlier
    assert (earlier.round, earlier.sent_back_reason, earlier.new_due_date, earlier.author_name) == (
        1, "Add the analysis of practice.", TUE_29_DEC, "J Smith")
    assert ("Analysis of practice", ANSWERS["analysis"]) not in earlier.answers
    assert ("Key dates and episodes", ANSWERS["key_dates"]) in earlier.answers
    wed_23 = date(2026, 12, 23)
    submit_agency_return(session, token=token, author_name="K Brown", answers=ANSWERS, confirmation=CONFIRMED,
                         as_of=wed_23)
    ret = session.get_one(AgencyReturn, return_id)
    assert (ret.received_date, ret.resubmission_received_date) == (TUE_22_DEC, wed_23)
    exchange = agency_return_exchange(session, officer, return_id=return_id)
    assert [(r.round, r.author_name, r.precheck.unanswered) for r in exchange.rounds] == [
        (1, "J Smith", ("Analysis of practice",)), (2, "K Brown", ())]
    assert [a.text for a in exchange.rounds[0].answers if a.key == "analysis"] == [None]
    assert any(line.startswith("Resubmitted return from Agency 1 (round 2) submitted") for line in
               _log_texts(session, review.id))
    # The database keeps the first round as it was sent, whoever asks.
    first_round = session.scalar(select(AgencyRound.id).where(AgencyRound.round == 1,
                                                              AgencyRound.agency_return_id == return_id))
    for statement in (
        "UPDATE agency_return_answers SET text = 'rewritten' WHERE round_id = :r",
        "DELETE FROM agency_return_answers WHERE round_id = :r",
        "UPDATE agency_return_rounds SET author_name = 'Someone else' WHERE id = :r",
        "DELETE FROM agency_return_rounds WHERE id = :r",
        "INSERT INTO agency_return_answers (round_id, section_id, text)"
        " SELECT :r, id, 'late addition' FROM agency_form_sections WHERE key = 'analysis' LIMIT 1",
    ):
        with pytest.raises(DBAPIError, match="submitted"), session.begin_nested():
            session.execute(text(statement), {"r": first_round})


def test_documents_are_judged_by_content_and_kept_with_their_hash(session: Session, officer: Account, chair: Account,
                                                                  links: Links) -> None:
    token = links[0].token
    with pytest.raises(InvalidInput, match=r"report\.pdf is not a PDF or a Word document"):
        attach_agency_document(session, token=token, author_name="J Smith", file_name="report.pdf", data=EXE,
                               as_of=TUE_22_DEC)
    assert session.scalar(select(AgencyAttachment.id)) is None
    kept = attach_agency_document(session, token=token, author_name="J Smith", file_name="report.pdf", data=PDF,
                                  as_of=TUE_22_DEC)
    removed = attach_agency_document(session, token=token, author_name="J Smith", file_name="old.pdf", data=PDF,
                                     as_of=TUE_22_DEC)
    remove_agency_document(session, token=token, attachment_id=removed, as_of=TUE_22_DEC)
    page = open_agency_return(session, token=token, as_of=TUE_22_DEC)
    assert [(a.file_name, a.size_bytes, a.added_by_name) for a in page.attachments] == [("report.pdf", len(PDF),
                                                                                         "J Smith")]
    # Another return's link cannot take it off.
    with pytest.raises(InvalidInput, match="not attached to this return"):
        remove_agency_document(session, token=links[1].token, attachment_id=kept, as_of=TUE_22_DEC)
    # The database refuses bytes that do not match their hash or size, and a type that is no document.
    for column, value in (("sha256", "0" * 64), ("size_bytes", 3), ("content_type", "application/x-msdownload")):
        with pytest.raises(DBAPIError, match="violates check constraint"), session.begin_nested():
            session.execute(text(f"UPDATE agency_return_attachments SET {column} = :v WHERE id = :id"),
                            {"v": value, "id": kept})
    # A draft is the agency's: the Partnership sees that one is being written, not what it holds.
    with pytest.raises(InvalidInput, match="has not sent it yet"):
        agency_document_file(session, chair, attachment_id=kept)
    exchange = agency_return_exchange(session, chair, return_id=links[0].return_id)
    assert exchange.rounds == () and exchange.draft_saved_at is not None
    submit_agency_return(session, token=token, author_name="J Smith", answers=ANSWERS, confirmation=CONFIRMED,
                         as_of=TUE_22_DEC)
    file = agency_document_file(session, chair, attachment_id=kept)
    assert (file.file_name, file.content_type, file.content) == ("report.pdf", "application/pdf", PDF)
    [sent] = agency_return_exchange(session, chair, return_id=links[0].return_id).rounds
    assert [d.sha256 for d in sent.documents] == [hashlib.sha256(PDF).hexdigest()]
    with pytest.raises(DBAPIError, match="kept as they were sent"), session.begin_nested():
        session.execute(text("DELETE FROM agency_return_attachments WHERE id = :id"), {"id": kept})


def test_the_board_may_not_read_the_answers(session: Session, make_account: MakeAccount, links: Links) -> None:
    with pytest.raises(NotAllowed):
        agency_return_exchange(session, make_account("board"), return_id=links[0].return_id)
    with pytest.raises(NotAllowed):
        agency_document_file(session, make_account("admin"), attachment_id=1)


def test_long_and_hostile_text_is_handled_as_elsewhere(session: Session, links: Links) -> None:
    token = links[0].token
    long_answer = "Contact on 12/03/2026. " + "x" * (10_000 - 23)
    save_agency_draft(session, token=token, author_name="J Smith", answers={"involvement": long_answer},
                      confirmation=ConfirmationInput(), as_of=TUE_22_DEC)
    assert open_agency_return(session, token=token, as_of=TUE_22_DEC).answers["involvement"] == long_answer
    assert session.scalar(select(AgencyAnswer.text)) == long_answer
    # Pasted line breaks become new lines; a hidden control character is refused with a sentence; nothing saved.
    save_agency_draft(session, token=token, author_name="J Smith", answers={"involvement": "One\x0bTwo\r\nThree"},
                      confirmation=ConfirmationInput(), as_of=TUE_22_DEC)
    assert session.scalar(select(AgencyAnswer.text)) == "One\nTwo\nThree"
    with pytest.raises(InvalidInput, match=r"answer to \"Analysis of practice\" contains a hidden control character "
                                           r"\(U\+0007"):
        save_agency_draft(session, token=token, author_name="J Smith", answers={"analysis": "Bell\x07"},
                          confirmation=ConfirmationInput(), as_of=TUE_22_DEC)
    with pytest.raises(InvalidInput, match="name of the person completing this return contains a hidden control"):
        save_agency_draft(session, token=token, author_name="J\u202eSmith", answers={},
                          confirmation=ConfirmationInput(), as_of=TUE_22_DEC)
    with pytest.raises(InvalidInput, match="at most 20,000"):
        save_agency_draft(session, token=token, author_name="J Smith", answers={"analysis": "y" * 20_001},
                          confirmation=ConfirmationInput(), as_of=TUE_22_DEC)


# ---------------------------------------------------------------- the database's vocabularies


@pytest.mark.parametrize("table, name, column, enum", [
    ("agency_form_sections", "section_kind_known", "kind", SectionKind),
    ("agency_return_attachments", "attachment_type_known", "content_type", AttachmentType),
])
def test_the_database_accepts_exactly_the_vocabularies_values(session: Session, table: str, name: str, column: str,
                                                              enum: type[StrEnum]) -> None:
    definition: str = session.scalars(text(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE t.relname = :table AND c.conname = :name"), {"table": table, "name": name}).one()
    check = re.fullmatch(r"CHECK \((.*)\)", definition, re.S)
    assert check is not None, definition
    expression = check.group(1)

    def accepts(value: str) -> bool:
        accepted: bool = session.scalars(text(
            f"SELECT ({expression}) IS NOT FALSE FROM (SELECT CAST(:v AS varchar) AS {column}) AS probe"),
            {"v": value}).one()
        return accepted

    assert all(accepts(v.value) for v in enum)
    assert not any(accepts(stranger) for stranger in ("", "application/x-msdownload", "text/html", "TEXT",
                                                      *(f"{v.value}x" for v in enum)))
