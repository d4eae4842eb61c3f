"""The scoping request emailed with the agency's private link: "forms sent" queues one email per agency to its
contact, copied to its JCR Group representative, naming the review by its outside reference and the due date, with
the link built on RRT_PUBLIC_URL; `manage.py send-due-mail` delivers it to a real SMTP server (aiosmtpd) once, and
the link in it opens that agency's return. Without the public address (or mail, or a contact) nothing is queued and
the link is handed back to be sent by hand."""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry
from db.models_mail import SentMail
from db.models_returns import AgencyReturn
from services.accounts import create_account_from_command_line
from services.agency_exchange import ConfirmationInput, LinkNotFound, open_agency_return, submit_agency_return
from services.due_mail import ScopingRequest, reissue_and_send_link, send_scoping_requests, share_return_with_chairs
from services.errors import InvalidInput
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.integration.test_due_mail_smtp import Inbox, _free_port, send_due_mail

TODAY = date(2026, 11, 26)  # Thu: forms sent today are due Thu 3 Dec 2026 (5 working days)
DUE_WORDS = "Thu 03 Dec 2026"
EXPIRY_WORDS = "Thursday 17 December 2026"  # Thu 3 Dec + 10 working days (the default setting)
PUBLIC = "https://tracker.partnership.example"
CASE_REFERENCE = re.compile(r"\d{6}[A-Z]")
LINK = re.compile(re.escape(PUBLIC) + r"/agency/([A-Za-z0-9_-]+)")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("SMTP_FROM", "tracker@partnership.example")
    yield inbox
    controller.stop()


@pytest.fixture
def db(fresh_database_url: str) -> Iterator[Engine]:
    engine = create_engine(fresh_database_url)
    yield engine
    engine.dispose()


def _forms_sent(engine: Engine, *, contact: str | None = "returns@police.example",
                jcr: str | None = "jcr@police.example") -> tuple[int, int, str, list[ScopingRequest]]:
    """An officer sends the scoping form to one agency on a review received Mon 16 Nov 2026, today."""
    with Session(engine) as session, session.begin():
        officer = create_account_from_command_line(session, username="req-officer", display_name="Olu Officer",
                                                   roles=["officer"], password="a long password here")
        agency = Agency(name="Mail Police", kind="police", active=True, contact_email=contact, jcr_rep_email=jcr)
        session.add(agency)
        session.flush()
        review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 12),
                             csc_aware_date=date(2026, 11, 13), notification_received_date=date(2026, 11, 16),
                             children=[ChildEntry("YW", 9)], as_of=TODAY)
        sent = send_scoping_requests(session, officer, review_id=review.id, agency_ids=[agency.id],
                                     requested_on=TODAY, as_of=TODAY)
        return review.id, officer.id, review.case_reference, sent


def test_forms_sent_email_the_agency_its_private_link_once(db: Engine, smtp: Inbox,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    review_id, officer_id, reference, [request] = _forms_sent(db)
    assert (request.agency_name, request.emailed_to, request.cc) == (
        "Mail Police", "returns@police.example", "jcr@police.example")
    done = send_due_mail()
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(smtp.received) == 1
    recipients, message = smtp.received[0]
    assert sorted(recipients) == ["jcr@police.example", "returns@police.example"]
    assert message["Cc"] == "jcr@police.example"
    assert message["Subject"] == (f"Rapid Review 161126 no. {review_id}: scoping return requested from Mail Police, "
                                  f"due {DUE_WORDS}")
    body = message.get_content()
    assert not CASE_REFERENCE.search(message["Subject"]) and reference not in body
    assert "Please answer by Thursday 3 December 2026 through this private link:" in body
    assert f"It works until {EXPIRY_WORDS}." in body
    [token] = LINK.findall(body)
    # The link in the email opens this agency's return, and only that.
    with Session(db) as session:
        page = open_agency_return(session, token=token, as_of=TODAY)
        assert (page.agency_name, page.outside_reference, page.due_date) == (
            "Mail Police", f"161126 no. {review_id}", date(2026, 12, 3))
        log = list(session.scalars(select(LogEntry.text).where(LogEntry.review_id == review_id)
                                   .order_by(LogEntry.id)))
        [row] = session.scalars(select(SentMail)).all()
    assert (row.kind, row.agency_return_id) == ("request", request.return_id)
    assert log[-1] == (f"Email sent to returns@police.example (copied to jcr@police.example): "
                       f"\"{message['Subject']}\".")
    assert not any(token in entry for entry in log)
    assert send_due_mail().returncode == 0
    assert len(smtp.received) == 1  # never twice

    # A reissued link is emailed too; the old one stops at once.
    with Session(db) as session, session.begin():
        again = reissue_and_send_link(session, session.get(Account, officer_id), return_id=request.return_id,
                                      reason="Sent to a colleague who left.", as_of=TODAY)
    assert again.emailed_to == "returns@police.example"
    assert send_due_mail().returncode == 0
    assert len(smtp.received) == 2
    message = smtp.received[1][1]
    assert message["Subject"].endswith(f"due {DUE_WORDS} (new link)")
    [new_token] = LINK.findall(message.get_content())
    assert new_token != token
    with Session(db) as session:
        assert open_agency_return(session, token=new_token, as_of=TODAY).agency_name == "Mail Police"
        with pytest.raises(LinkNotFound):
            open_agency_return(session, token=token, as_of=TODAY)


def test_without_the_public_address_no_email_and_the_link_comes_back(db: Engine, smtp: Inbox,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RRT_PUBLIC_URL", raising=False)
    _, _, _, [request] = _forms_sent(db)
    assert (request.url, request.emailed_to) == (None, None)
    assert re.fullmatch(r"/agency/[A-Za-z0-9_-]{40,}", request.path)
    with Session(db) as session:
        assert session.scalars(select(SentMail)).all() == []
        assert open_agency_return(session, token=request.path.removeprefix("/agency/"),
                                  as_of=TODAY).agency_name == "Mail Police"
    assert send_due_mail().returncode == 0
    assert smtp.received == []


def test_an_agency_with_no_contact_gets_no_email(db: Engine, smtp: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    _, _, _, [request] = _forms_sent(db, contact=None)
    assert request.emailed_to is None and request.url is not None and request.url.startswith(PUBLIC + "/agency/")
    assert send_due_mail().returncode == 0
    assert smtp.received == []


def test_sharing_a_return_emails_each_chair_a_link_never_the_content(db: Engine, smtp: Inbox,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    review_id, officer_id, reference, [request] = _forms_sent(db)
    secret = "The father was not asked about the household."
    with Session(db) as session, session.begin():
        for username, email, active in (("chair-one", "chair@partnership.example", True),
                                        ("chair-gone", "old-chair@partnership.example", False),
                                        ("chair-no-mail", None, True)):
            chair = create_account_from_command_line(session, username=username, display_name=f"Chair {username}",
                                                     roles=["chair"], password="a long password here")
            chair.email, chair.active = email, active
        submit_agency_return(session, token=request.path.removeprefix("/agency/"), author_name="J Smith",
                             answers={"involvement": "Seen twice.", "key_dates": "12/03/2026: visit.",
                                      "analysis": secret, "learning": "Ask."},
                             confirmation=ConfirmationInput(name="A Jones", role="Head of Safeguarding",
                                                            confirmed_on=TODAY, confirmed=True), as_of=TODAY)
        queued = share_return_with_chairs(session, session.get(Account, officer_id), return_id=request.return_id,
                                          expected_version=None, as_of=TODAY)
    assert queued == ["chair@partnership.example"]
    with Session(db) as session:
        assert session.get_one(AgencyReturn, request.return_id).shared_with_chair_date == TODAY
    assert send_due_mail().returncode == 0
    # (the morning digest goes out on the same run: `send-due-mail --digests-now`)
    [(recipients, message)] = [m for m in smtp.received if "shared with you" in str(m[1]["Subject"])]
    assert recipients == ["chair@partnership.example"]
    assert message["Subject"] == (f"Rapid Review 161126 no. {review_id}: the scoping return from Mail Police is "
                                  "shared with you")
    body = message.get_content()
    assert f"{PUBLIC}/returns?review={review_id}" in body
    assert secret not in body and "Seen twice" not in body and reference not in body
    # Shared once: a second share is refused and nothing more is queued.
    with Session(db) as session, session.begin(), pytest.raises(InvalidInput, match="already shared"):
        share_return_with_chairs(session, session.get(Account, officer_id), return_id=request.return_id,
                                 expected_version=None, as_of=TODAY)


def test_sharing_is_refused_and_not_recorded_when_no_email_can_go(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    monkeypatch.delenv("SMTP_URL", raising=False)
    _, officer_id, _, [request] = _forms_sent(db)
    with Session(db) as session, session.begin(), pytest.raises(InvalidInput, match="does not send email"):
        share_return_with_chairs(session, session.get(Account, officer_id), return_id=request.return_id,
                                 expected_version=None, as_of=TODAY)
    with Session(db) as session:
        assert session.get_one(AgencyReturn, request.return_id).shared_with_chair_date is None
