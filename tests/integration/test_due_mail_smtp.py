"""Email end to end: `manage.py send-due-mail` (what cron runs) against a real SMTP server started here (aiosmtpd),
on a committed database. Once and only once, retried after a refusal, never a case reference in a subject."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from db.models import Account, Agency, LogEntry
from db.models_mail import SentMail
from db.models_returns import AgencyReturnChase
from services.accounts import create_account_from_command_line
from services.due_mail import email_agency_about_return
from services.errors import InvalidInput
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 26)  # a Thursday; the next working day is Fri 27 Nov
CASE_REFERENCE = re.compile(r"\d{6}[A-Z]")


class Inbox:
    """An SMTP server's handler that keeps what it accepts, after refusing the first `refusals` messages."""

    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:  # aiosmtpd's hook
        if self.refusals:
            self.refusals -= 1
            return "451 4.3.0 Try again later"
        assert isinstance(envelope.content, bytes)  # aiosmtpd hands over the bytes unless asked to decode them
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    inbox = Inbox(getattr(request, "param", 0))
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


def send_due_mail(today: date = TODAY) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RRT_TODAY": today.isoformat()}
    return subprocess.run([sys.executable, "manage.py", "send-due-mail", "--digests-now"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _manager_with_a_late_day_1(engine: Engine) -> tuple[int, str]:
    """A manager with an email, and a review received Fri 20 Nov 2026 whose Day 1 steps are overdue on Thu 26 Nov."""
    with Session(engine) as session, session.begin():
        manager = create_account_from_command_line(session, username="mail-manager", display_name="Mail Manager",
                                                   roles=["manager"], password="a long password here")
        manager.email = "manager@partnership.example"
        review = open_review(session, manager, notification_type="death", incident_date=date(2026, 11, 18),
                             csc_aware_date=date(2026, 11, 19), notification_received_date=date(2026, 11, 20),
                             children=[ChildEntry("ZQ", 6)], as_of=TODAY)
        return review.id, review.case_reference


def _rows(engine: Engine) -> list[SentMail]:
    with Session(engine) as session:
        return list(session.scalars(select(SentMail).order_by(SentMail.id)))


@pytest.mark.demo_data(as_of=TODAY)  # the demo partnership, copied (tests/conftest.py)
def test_the_demo_managers_digest_arrives_once_and_only_once_on_a_working_day(db: Engine, smtp: Inbox) -> None:
    with Session(db) as session, session.begin():
        session.execute(text("UPDATE accounts SET email = 'morgan@partnership.example'"
                             " WHERE username = 'demo-manager'"))
        live = set(session.scalars(text("SELECT case_reference FROM reviews WHERE state = 'open'")))
    first = send_due_mail()
    assert first.returncode == 0, first.stderr
    assert "Digests queued: 1. Emails sent: 1" in first.stdout
    again = send_due_mail()
    assert again.returncode == 0 and "Digests queued: 0. Emails sent: 0" in again.stdout
    assert len(smtp.received) == 1
    recipients, message = smtp.received[0]
    assert recipients == ["morgan@partnership.example"]
    assert message["From"] == "tracker@partnership.example"
    assert message["Subject"].startswith("Rapid Review deadlines, Thu 26 Nov 2026: ")
    assert not CASE_REFERENCE.search(message["Subject"])
    body = message.get_content()
    assert body.startswith("Good morning Morgan Manager (demo),")
    assert any(reference in body for reference in live)
    [row] = _rows(db)
    assert (row.kind, row.attempts, row.last_error, row.unique_key.endswith(":2026-11-26")) == (
        "digest", 1, None, True)
    assert row.sent_at is not None


def test_no_digest_on_a_saturday(db: Engine, smtp: Inbox) -> None:
    _manager_with_a_late_day_1(db)
    done = send_due_mail(date(2026, 11, 28))
    assert done.returncode == 0 and "Digests queued: 0. Emails sent: 0" in done.stdout
    assert smtp.received == []


@pytest.mark.parametrize("smtp", [1], indirect=True)
def test_a_refused_send_is_retried_by_the_next_run_and_arrives_once(db: Engine, smtp: Inbox) -> None:
    _, reference = _manager_with_a_late_day_1(db)
    refused = send_due_mail()
    assert refused.returncode == 6, refused.stdout + refused.stderr
    assert "Emails sent: 0; failed (tried again on the next run): 1" in refused.stdout
    [row] = _rows(db)
    assert (row.attempts, row.sent_at) == (1, None)
    assert row.last_error is not None and row.last_error.startswith("SMTPDataError: 451")
    assert smtp.received == []
    retried = send_due_mail()
    assert retried.returncode == 0, retried.stderr
    assert "Digests queued: 0. Emails sent: 1; failed (tried again on the next run): 0" in retried.stdout
    send_due_mail()
    assert len(smtp.received) == 1
    [row] = _rows(db)
    assert (row.attempts, row.last_error) == (2, None) and row.sent_at is not None
    body = smtp.received[0][1].get_content()
    # Received Fri 20 Nov: the Day 1 steps were due that day, so they are overdue on Thu 26 Nov.
    assert f"Fri 20 Nov  {reference}: Timeline agreed" in body


def test_a_chase_of_a_late_return_is_sent_logged_and_received(db: Engine, smtp: Inbox) -> None:
    with Session(db) as session, session.begin():
        officer = create_account_from_command_line(session, username="mail-officer", display_name="Olu Officer",
                                                   roles=["officer"], password="a long password here")
        agency = Agency(name="Mail Police", kind="police", active=True, contact_email="returns@police.example",
                        jcr_rep_email="jcr@police.example")
        session.add(agency)
        session.flush()
        review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 12),
                             csc_aware_date=date(2026, 11, 13), notification_received_date=date(2026, 11, 16),
                             children=[ChildEntry("YW", 9)], as_of=TODAY)
        # Requested Mon 16 Nov: due Mon 23 Nov; on Thu 26 Nov it is 3 working days late.
        ret = record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id],
                                       requested_on=date(2026, 11, 16), as_of=TODAY)[0]
        notice = email_agency_about_return(session, officer, return_id=ret.id, as_of=TODAY)
        ids = (review.id, ret.id, officer.id, review.case_reference)
    review_id, return_id, officer_id, reference = ids
    assert notice.to == "returns@police.example"
    with Session(db) as session, session.begin(), pytest.raises(InvalidInput, match="already sent today"):
        email_agency_about_return(session, session.get(Account, officer_id), return_id=return_id, as_of=TODAY)
    done = send_due_mail()
    assert done.returncode == 0, done.stderr
    assert len(smtp.received) == 1
    recipients, message = smtp.received[0]
    assert sorted(recipients) == ["jcr@police.example", "returns@police.example"]
    assert message["Cc"] == "jcr@police.example"
    assert message["Subject"] == (f"Rapid Review 161126 no. {review_id}: scoping return from Mail Police, "
                                  "due Mon 23 Nov 2026")
    body = message.get_content()
    assert f"Rapid Review {reference}" in body and "now 3 working days late" in body
    with Session(db) as session:
        log = list(session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == return_id,
                                                               LogEntry.author_id == officer_id)
                                   .order_by(LogEntry.id)))
        chases = session.scalar(select(func.count()).select_from(AgencyReturnChase)
                                .where(AgencyReturnChase.agency_return_id == return_id))
    assert log[-1] == (f"Email sent to returns@police.example (copied to jcr@police.example): "
                       f"\"{message['Subject']}\".")
    assert any(entry.startswith("Chased Mail Police") for entry in log)
    assert chases == 1
    send_due_mail()
    assert len(smtp.received) == 1


def test_with_no_smtp_url_nothing_is_queued_or_sent(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_URL", raising=False)
    _manager_with_a_late_day_1(db)
    done = send_due_mail()
    assert done.returncode == 0 and "Email is off" in done.stdout
    assert _rows(db) == []


def test_a_smtp_url_that_cannot_be_used_is_refused_in_a_sentence(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "http://mail.example")
    done = send_due_mail()
    assert done.returncode == 2 and "SMTP_URL must look like smtp://" in done.stderr
