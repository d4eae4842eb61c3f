"""What is queued for sending, on PostgreSQL (each test rolled back): send-back notices once per round, chases once a
day, the Chair told of a report sent for sign-off, nothing when mail is off; subjects never carry initials."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import MailKind
from db.models import Account, Agency, Review
from db.models_mail import SentMail
from services.due_mail import email_agency_about_return, notify_chairs_of_report
from services.errors import InvalidInput
from services.outbox import queue_mail
from services.returns.service import record_final_qa, record_initial_check
from services.returns.service import record_returns_requested as request
from services.returns.service_receipts import record_return_received
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.types import MakeAccount

TODAY = date(2026, 11, 26)
CASE_REFERENCE = re.compile(r"\d{6}[A-Z]")


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")


@pytest.fixture
def review(session: Session, officer: Account) -> Review:
    return open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 12),
                       csc_aware_date=date(2026, 11, 13), notification_received_date=date(2026, 11, 16),
                       children=[ChildEntry("KV", 2)], as_of=TODAY)


@pytest.fixture
def agency(session: Session) -> Agency:
    agency = Agency(name="Queue Health", kind="health", active=True, contact_email="returns@health.example")
    session.add(agency)
    session.flush()
    return agency


def _queued(session: Session) -> list[SentMail]:
    return list(session.scalars(select(SentMail).order_by(SentMail.id)))


def test_a_sent_back_return_gets_its_notice_once_then_chases(session: Session, officer: Account, manager: Account,
                                                             review: Review, agency: Agency, mail_on: None) -> None:
    ret = request(session, officer, review_id=review.id, agency_ids=[agency.id], requested_on=date(2026, 11, 16),
                  as_of=TODAY)[0]
    record_return_received(session, officer, return_id=ret.id, expected_version=None, received_on=date(2026, 11, 20),
                           signed_by_senior_manager=False, as_of=TODAY)
    record_initial_check(session, officer, return_id=ret.id, expected_version=None, checked_on=date(2026, 11, 20),
                         sufficient_information=True, dates_present=True, analysis=True, signed=False,
                         outcome="concerns", note="Unsigned.", as_of=TODAY)
    record_final_qa(session, manager, return_id=ret.id, expected_version=None, decided_on=date(2026, 11, 23),
                    outcome="sent back", reason="Please have it signed by a senior manager.",
                    new_due_date=date(2026, 11, 30), as_of=TODAY)
    first = email_agency_about_return(session, manager, return_id=ret.id, as_of=TODAY)
    second = email_agency_about_return(session, manager, return_id=ret.id, as_of=TODAY)
    assert (first.kind, second.kind) == ("send_back", "chase")
    notice, chase = _queued(session)
    assert notice.subject == (f"Rapid Review 161126 no. {review.id}: your scoping return was sent back; "
                              "resubmission due Mon 30 Nov 2026")
    assert "Please have it signed by a senior manager." in notice.body
    assert notice.unique_key == f"send-back:{ret.id}:1" and chase.unique_key == f"chase:{ret.id}:2026-11-26"
    assert not any(CASE_REFERENCE.search(m.subject) for m in (notice, chase))
    with pytest.raises(InvalidInput, match="already sent today"):
        email_agency_about_return(session, manager, return_id=ret.id, as_of=TODAY)


def test_nothing_is_emailed_when_mail_is_off_or_the_agency_has_no_address(session: Session, officer: Account,
                                                                          review: Review, agency: Agency,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    ret = request(session, officer, review_id=review.id, agency_ids=[agency.id], requested_on=date(2026, 11, 16),
                  as_of=TODAY)[0]
    monkeypatch.delenv("SMTP_URL", raising=False)
    with pytest.raises(InvalidInput, match="does not send email"):
        email_agency_about_return(session, officer, return_id=ret.id, as_of=TODAY)
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    agency.contact_email = None
    session.flush()
    with pytest.raises(InvalidInput, match="No contact email"):
        email_agency_about_return(session, officer, return_id=ret.id, as_of=TODAY)
    assert _queued(session) == []


def test_each_chair_with_an_address_is_told_once_per_version(session: Session, officer: Account, review: Review,
                                                             make_account: MakeAccount, mail_on: None) -> None:
    chair, silent_chair = make_account("chair"), make_account("chair")
    chair.email = "chair@jcr.example"
    session.flush()
    assert notify_chairs_of_report(session, officer, review=review, version_id=1, version_number=2) == 1
    assert notify_chairs_of_report(session, officer, review=review, version_id=1, version_number=2) == 0
    [told] = _queued(session)
    assert (told.to_address, told.kind, told.recipient_account_id) == ("chair@jcr.example", "sign_off", chair.id)
    assert told.subject == f"Rapid Review 161126 no. {review.id}: report sent to you for sign-off"
    assert silent_chair.id not in {m.recipient_account_id for m in _queued(session)}


def test_a_subject_with_a_case_reference_is_never_queued(session: Session, review: Review, mail_on: None) -> None:
    with pytest.raises(ValueError, match="initials"):
        queue_mail(session, key="probe", kind=MailKind.CHASE, to="a@b.example",
                   subject=f"About {review.case_reference}", body="x")
