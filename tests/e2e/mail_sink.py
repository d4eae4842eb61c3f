"""Email followed to its reader in the browser tests: an SMTP server started by the test (aiosmtpd on a free port of
this machine) that keeps every message it accepts; the mail run (`manage.py send-due-mail`, what cron runs) in a
process of its own with the served app's environment; and, a few seconds quicker, the sending that command does
(`services.outbox.send_pending`) in the test's own process, without the morning digests.

    with mail_sink() as sink:
        env = {..., "SMTP_URL": sink.url}
        send_due_mail(env)
        [request] = [m for m in sink.received if m.subject.startswith("Rapid Review")]
"""
from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy.engine import Engine

from services import unit_of_work
from services.outbox import mail_config, send_pending

ROOT = Path(__file__).resolve().parents[2]
DIGEST_SUBJECT = "Rapid Review deadlines, "  # the morning digest's subject starts so (services/due_mail.py)


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP server accepted it: the envelope's recipients (To and Cc) and the message."""

    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        """The text, its lines ended by "\n" (SMTP carries "\r\n")."""
        content = self.message.get_content()
        return content.replace("\r\n", "\n") if isinstance(content, str) else ""

    @property
    def is_digest(self) -> bool:
        """A morning digest: queued by a mail run from RRT_DIGEST_TIME (real London time) to every account with an
        email address, so whether one comes depends on the hour the test runs."""
        return self.subject.startswith(DIGEST_SUBJECT)


@dataclass
class MailSink:
    """aiosmtpd's handler: keeps every message, in the order received. `url` is SMTP_URL for the app."""

    url: str = ""
    received: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        content = envelope.content
        data = content if isinstance(content, bytes) else (content or "").encode()
        message = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(message, EmailMessage)
        self.received.append(ReceivedMail(tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def since(self, mark: int) -> list[ReceivedMail]:
        """The messages received after the first `mark`, digests left out."""
        return [mail for mail in self.received[mark:] if not mail.is_digest]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def mail_sink() -> Iterator[MailSink]:
    """An SMTP server on 127.0.0.1 until the block ends."""
    sink = MailSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.url = f"smtp://127.0.0.1:{port}"
    try:
        yield sink
    finally:
        controller.stop()


def send_due_mail(environment: Mapping[str, str]) -> str:
    """Run `manage.py send-due-mail` as cron does, with this environment; what it printed. It must succeed."""
    done = subprocess.run([sys.executable, "manage.py", "send-due-mail"], cwd=ROOT, env=dict(environment),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def send_queued_mail(engine: Engine, sink: MailSink, sender: str) -> int:
    """Send every queued email to `sink` as `manage.py send-due-mail` does (`send_pending`, each in a transaction of
    the system's on `engine`, the app's role), without queueing digests; how many were sent. None may fail."""
    config = mail_config({"SMTP_URL": sink.url, "SMTP_FROM": sender})
    assert config is not None
    result = send_pending(lambda: unit_of_work.transaction(read_only=False, account_id=None, via="command",
                                                           bind=engine), config)
    assert result.failed == 0
    return result.sent
