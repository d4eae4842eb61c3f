"""The whole loop of an agency's scoping return, in real Chromium against the served app (`python -m ui.server`), a real
PostgreSQL database and a real SMTP server started here (aiosmtpd):

1. an officer signs in (browser A), opens a review on the Agency returns page and records "forms sent" for one agency;
2. the mail run (`manage.py send-due-mail`) delivers the request email to the agency: its recipients, the review's
   outside reference, the due date worked by hand, and the private link;
3. the agency, in a browser with no cookie (B), opens the link, saves a draft, comes back to it, attaches a real PDF,
   has a renamed .exe refused, answers every section with the senior manager's confirmation and submits;
4. the officer sees on the card the return received (when, by whom as typed), the pre-check, the answers and the
   document (the bytes uploaded), and emails the JCR Chair a link to it: the Chair's email carries the link and none
   of the return. From "forms sent" to shared: three clicks, each named;
5. the officer sends it back with a reason and a new due date; the agency sees the reason and its earlier answers,
   answers again and resubmits; the officer sees round 2 and accepts it after the checks the card asks for; the link
   then opens nothing;
6. the Day 6 pack (Word) downloads from the page with the agency's part, the answers accepted and both rounds.

And, with JavaScript off, the agency saves a draft and submits on the served app; a wrong, a revoked and another
review's token all get the same 404 page.

One served app, database and SMTP server for the module; "today" is pinned to Thu 26 Nov 2026 (RRT_TODAY). The first
mail run is the command itself, in a process of its own; the later ones send the same way from the test's process
(`send_pending`, a few seconds quicker). The final QA is the Partnership Manager's: the officer here holds both roles
(the officer the Manager delegates it to, domain.md "Who does what").
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Locator, Page, ViewportSize, expect
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from db.enums import WithdrawalReason
from db.models import Account, Agency, LogEntry
from db.models_agency import AgencyRound
from db.models_mail import SentMail
from db.models_returns import AgencyReturn, AgencyReturnSendBack
from services.accounts import create_account_from_command_line
from services.agency_exchange import revoke_agency_link
from services.clock import LONDON
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from tests.conftest import _create_from_template, _drop
from tests.e2e.agency_server import app_engine, seed
from tests.e2e.conftest import PINNED_TODAY, environment_for, served_app, sign_in, wait_for_app
from tests.e2e.mail_sink import MailSink, ReceivedMail, mail_sink, send_due_mail, send_queued_mail

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_agency_full_loop_browser")

PASSWORD = "correct horse battery"
AGENCY = "Demoshire Police"
CONTACT = "safeguarding@police.example.org"
JCR_REP = "jcr@police.example.org"
CHAIR_EMAIL = "chair@partnership.example"
SENDER = "tracker@partnership.example"
CHILD = "ZZ"
# Hand-worked from the pinned "today", Thu 26 Nov 2026 (no bank holiday near): the 5th working day after it is
# Thu 3 Dec (Fri 27, Mon 30, Tue 1, Wed 2, Thu 3); the link works to the 10th working day after that, Thu 17 Dec.
DUE = "Thu 03 Dec 2026"
DUE_LONG = "Thursday 3 December 2026"
LINK_UNTIL_LONG = "Thursday 17 December 2026"
# The send-back's new due date: a working day after the day it is sent back.
NEW_DUE = date(2026, 12, 2)
NEW_DUE_LONG = "Wednesday 2 December 2026"
SENT_BACK_REASON = "Add the dates of both attendances and say who made the referral to CSC."
VIEWPORT: ViewportSize = {"width": 1400, "height": 2400}
AGENCY_VIEWPORT: ViewportSize = {"width": 1280, "height": 1600}


def minimal_pdf() -> bytes:
    """A minimal valid PDF 1.4 (one A4 page with one line of text): five objects, their byte offsets in the
    cross-reference table, the trailer."""
    text = b"BT /F1 12 Tf 72 770 Td (Chronology of police contact, 20/11/2026.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


PDF = minimal_pdf()
# A Windows program (its "MZ" header and DOS stub) renamed report.pdf: refused by its content, whatever its name.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + (
    b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 400)

ROUND_1 = {
    "The agency's involvement with the child and family": "Neighbourhood officers attended the home twice; one "
                                                          "referral to CSC.",
    "Key dates and episodes": "20/11/2026: officers attended after a call from a neighbour.",
    "Analysis of practice": "The referral was made the same day; the second attendance was not linked to the first.",
    "Learning and immediate actions taken": "Attendances at one address are now linked in the log.",
}
ROUND_2 = {
    "The agency's involvement with the child and family": "Neighbourhood officers attended the home twice; PC JB "
                                                          "made the referral to CSC.",
    "Key dates and episodes": "20/11/2026: first attendance. 22/11/2026: second attendance and referral.",
    "Analysis of practice": "The second attendance was not linked to the first: the two systems did not share "
                            "the address.",
    "Learning and immediate actions taken": "Attendances at one address are now linked; the team was briefed on "
                                            "24/11/2026.",
}


# ---------------------------------------------------------------- one app, database and SMTP server for the module


@dataclass(frozen=True)
class Loop:
    """The served app, its database (the owner's address, for seeding and reading) and the SMTP server it sends to."""

    url: str
    database_url: str
    sink: MailSink

    def send_queued_mail(self) -> int:
        """What the mail run sends (no digests), sent from this process."""
        engine = app_engine(self.database_url)
        try:
            return send_queued_mail(engine, self.sink, SENDER)
        finally:
            engine.dispose()

    def mail_environment(self) -> dict[str, str]:
        """The mail run's environment: the app's, as cron gives it."""
        return {**environment_for(self.database_url, PINNED_TODAY), "SMTP_URL": self.sink.url, "SMTP_FROM": SENDER,
                "RRT_PUBLIC_URL": self.url}


@pytest.fixture(scope="module")
def loop(server_url: str, template_database: str) -> Iterator[Loop]:
    name, database_url = _create_from_template(server_url, template_database)
    try:
        with mail_sink() as sink:
            env = {**environment_for(database_url, PINNED_TODAY), "SMTP_URL": sink.url, "SMTP_FROM": SENDER,
                   "RRT_PUBLIC_URL": "{app_url}"}
            with served_app(env) as url:
                yield Loop(url, database_url, sink)
    finally:
        _drop(server_url, name)


# ---------------------------------------------------------------- seeding, through the services


@dataclass(frozen=True)
class Seeded:
    review_id: int
    case_reference: str


def _seed_review(database_url: str) -> Seeded:
    """An officer to whom the Partnership Manager delegates the final QA of returns (officer and manager roles), a JCR
    Chair with an email address, an agency with a contact and a JCR Group representative, and a review whose
    notification was received today (Day 1)."""
    engine = create_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            officer = create_account_from_command_line(session, username="olly", display_name="Olly Officer",
                                                       roles=["officer", "manager"], password=PASSWORD)
            chair = create_account_from_command_line(session, username="charlie", display_name="Charlie Chair",
                                                     roles=["chair"], password=PASSWORD)
            chair.email = CHAIR_EMAIL
            session.add(Agency(name=AGENCY, kind="police", contact_email=CONTACT, jcr_rep_email=JCR_REP,
                               active=True))
            review = open_review(session, officer, notification_type="serious_harm", incident_date=PINNED_TODAY,
                                 csc_aware_date=PINNED_TODAY, notification_received_date=PINNED_TODAY,
                                 children=[ChildEntry(CHILD, 7)], as_of=PINNED_TODAY)
            return Seeded(review.id, review.case_reference)
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the officer's side (Streamlit)


@dataclass
class OfficerClicks:
    """Every click the officer makes on the page, named, in order."""

    page: Page
    steps: list[str] = field(default_factory=list)

    def press(self, button: Locator, step: str) -> None:
        button.click()
        self.steps.append(step)
        wait_for_app(self.page)


def _expect_message(page: Page, text: str) -> None:
    expect(page.locator('[data-testid="stAlert"]').filter(has_text=text).first).to_be_visible()


def _card(page: Page) -> Locator:
    return page.locator('[class*="st-key-card_"]').filter(has_text=AGENCY).first


def _open_returns(page: Page, loop: Loop, review_id: int) -> None:
    """The review's Agency returns page, as the Chair's email and the digest link to it."""
    page.goto(f"{loop.url}/returns?review={review_id}")
    wait_for_app(page)


def _received_words(database_url: str, return_id: int, round_number: int) -> str:
    """When a round arrived, as the card says it: the time the database stored, in London."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            submitted = session.scalars(select(AgencyRound.submitted_at).where(
                AgencyRound.agency_return_id == return_id, AgencyRound.round == round_number)).one()
    finally:
        engine.dispose()
    assert submitted is not None
    return f"{submitted.astimezone(LONDON):%a %d %b %Y at %H:%M}"


# ---------------------------------------------------------------- the agency's side (plain HTML)


def _fill_answers(page: Page, answers: dict[str, str]) -> None:
    for label, text in answers.items():
        page.get_by_label(label, exact=True).fill(text)


def _fill_confirmation(page: Page) -> None:
    page.get_by_label("Senior manager's name").fill("A Jones")
    page.get_by_label("Their role").fill("Head of Safeguarding")
    page.get_by_label("Day").fill("26")
    page.get_by_label("Month").fill("11")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("The senior manager named above has checked this return and confirms its quality.").check()


def _new_agency_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=AGENCY_VIEWPORT)
    assert context.cookies() == []  # no sign-in, no earlier visit
    return context


def _one(mails: list[ReceivedMail], subject: str) -> ReceivedMail:
    found = [mail for mail in mails if mail.subject == subject]
    assert len(found) == 1, [(m.recipients, m.subject) for m in mails]
    return found[0]


def _the_return(database_url: str, review_id: int) -> int:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return session.scalars(select(AgencyReturn.id).where(AgencyReturn.review_id == review_id)).one()
    finally:
        engine.dispose()


def _assert_recorded(database_url: str, return_id: int) -> None:
    """What the database holds at the end: both receipts today, signed; one send-back round; accepted; two rounds
    sent by the agency's author as typed; every email sent; the log saying each came through the link."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            ret = session.get_one(AgencyReturn, return_id)
            assert (ret.requested_date, ret.received_date, ret.resubmission_received_date) == (
                PINNED_TODAY, PINNED_TODAY, PINNED_TODAY)
            assert (ret.signed_by_senior_manager, ret.signatory_role, ret.sent_back_count) == (
                True, "Head of Safeguarding", 1)
            assert (ret.final_qa_outcome, ret.final_qa_date, ret.shared_with_chair_date) == (
                "accepted", PINNED_TODAY, PINNED_TODAY)
            [back] = session.scalars(select(AgencyReturnSendBack).where(
                AgencyReturnSendBack.agency_return_id == return_id)).all()
            assert (back.round, back.sent_back_on, back.reason, back.resubmission_due_date) == (
                1, PINNED_TODAY, SENT_BACK_REASON, NEW_DUE)
            rounds = session.execute(select(AgencyRound.round, AgencyRound.author_name).where(
                AgencyRound.agency_return_id == return_id, AgencyRound.submitted_at.is_not(None))
                .order_by(AgencyRound.round)).all()
            assert [tuple(r) for r in rounds] == [(1, "Jo Smith"), (2, "Jo Smith")]
            unsent = session.scalar(select(func.count()).select_from(SentMail).where(SentMail.sent_at.is_(None)))
            assert unsent == 0
            through_link = session.scalars(select(LogEntry.text).where(
                LogEntry.agency_return_id == return_id, LogEntry.text.like("%submitted through its private link%"))
                .order_by(LogEntry.id)).all()
            assert [t.split(" (round")[0] for t in through_link] == [
                f"Return from {AGENCY}", f"Resubmitted return from {AGENCY}"]
    finally:
        engine.dispose()


def test_an_agency_return_from_request_to_accepted_through_the_private_link(loop: Loop, browser: Browser) -> None:
    seeded = _seed_review(loop.database_url)
    outside = f"261126 no. {seeded.review_id}"  # received 26 Nov 2026: DDMMYY, then the review's number
    assert seeded.case_reference == f"261126{CHILD}"
    officer_context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    agency_context = _new_agency_context(browser)
    try:
        # 1. Browser A: the officer signs in and opens the review's Agency returns page.
        officer = officer_context.new_page()
        sign_in(officer, loop.url, "olly", PASSWORD)
        _open_returns(officer, loop, seeded.review_id)
        expect(officer.get_by_role("heading", name=seeded.case_reference)).to_be_visible()
        # Choosing the agency (the box, then its name) is the choice itself; the clicks are counted from the button
        # that records the forms sent.
        officer.locator('[data-testid="stMultiSelect"]').filter(has_text="Agencies chosen").click()
        officer.get_by_role("option", name=AGENCY).click()
        clicks = OfficerClicks(officer)
        # While the box's list is open the rest of the page is hidden from the accessibility tree: by its text.
        clicks.press(officer.locator("button").filter(has_text="Record forms sent").first, "Record forms sent")
        _expect_message(officer, f"Scoping forms recorded as sent to 1 agency, each with its private link. The "
                                 f"request email to {AGENCY} is queued")

        # 2. The mail run delivers the request to the agency's contact, copied to its JCR Group representative.
        printed = send_due_mail(loop.mail_environment())
        assert "Emails sent: 1;" in printed or "Emails sent: 2;" in printed, printed  # 2: a digest at this hour
        request = _one(loop.sink.since(0), f"Rapid Review {outside}: scoping return requested from {AGENCY}, due "
                                           f"{DUE}")
        assert sorted(request.recipients) == sorted([CONTACT, JCR_REP])
        assert (request.message["To"], request.message["Cc"], request.message["From"]) == (CONTACT, JCR_REP, SENDER)
        assert f"Please answer by {DUE_LONG} through this private link:" in request.body
        assert f"It works until {LINK_UNTIL_LONG}." in request.body
        assert seeded.case_reference not in request.subject + request.body  # the child's initials never leave
        found = re.search(rf"^  ({re.escape(loop.url)}/agency/[A-Za-z0-9_-]{{43}})$", request.body, re.MULTILINE)
        assert found is not None, request.body
        link = found.group(1)

        # 3. Browser B, no cookie: the agency opens its link and saves a draft.
        agency = agency_context.new_page()
        agency.goto(link)
        expect(agency.get_by_role("heading", level=1)).to_have_text(f"Scoping return for Rapid Review {outside}")
        expect(agency.locator(".govuk-summary-list__row", has_text="Return due")).to_contain_text(DUE_LONG)
        agency.get_by_label("Your name").fill("Jo Smith")
        draft = dict(list(ROUND_1.items())[:2])
        _fill_answers(agency, draft)
        agency.get_by_role("button", name="Save draft").click()
        expect(agency.get_by_text("Your draft was saved")).to_be_visible()
        agency_context.close()
        # The browser closed; the link opened again later, in a new one: the draft is there.
        agency_context = _new_agency_context(browser)
        agency = agency_context.new_page()
        agency.goto(link)
        expect(agency.get_by_label("Your name")).to_have_value("Jo Smith")
        for label, text in draft.items():
            expect(agency.get_by_label(label, exact=True)).to_have_value(text)
        # A real PDF is attached; a program renamed report.pdf is refused by its content, keeping what was typed.
        agency.get_by_label("Attach a document").set_input_files(
            files=[FilePayload(name="Chronology.pdf", mimeType="application/pdf", buffer=PDF)])
        agency.get_by_role("button", name="Attach document").click()
        expect(agency.get_by_text("The document was attached and your draft saved.")).to_be_visible()
        expect(agency.locator("dt", has_text="Chronology.pdf")).to_be_visible()
        agency.get_by_label("Analysis of practice", exact=True).fill(ROUND_1["Analysis of practice"])
        agency.get_by_label("Attach a document").set_input_files(
            files=[FilePayload(name="report.pdf", mimeType="application/pdf", buffer=EXE)])
        agency.get_by_role("button", name="Attach document").click()
        expect(agency.get_by_role("heading", name="There is a problem")).to_be_visible()
        expect(agency.locator(".govuk-error-summary")).to_contain_text(
            "report.pdf is not a PDF or a Word document (judged by what the file holds, not its name).")
        expect(agency.locator("dt", has_text="report")).to_have_count(0)
        expect(agency.locator("dt", has_text="Chronology.pdf")).to_be_visible()
        expect(agency.get_by_label("Analysis of practice", exact=True)).to_have_value(
            ROUND_1["Analysis of practice"])
        # Every section answered, the senior manager's confirmation given: sent.
        _fill_answers(agency, ROUND_1)
        _fill_confirmation(agency)
        agency.get_by_role("button", name="Submit return").click()
        expect(agency.get_by_role("heading", name="Return sent")).to_be_visible()
        expect(agency.locator("form")).to_have_count(0)
        for text in ROUND_1.values():
            expect(agency.get_by_text(text, exact=True)).to_be_visible()

        # 4. Browser A: the officer opens the page again (as from the digest's link); the card shows what arrived.
        return_id = _the_return(loop.database_url, seeded.review_id)
        _open_returns(officer, loop, seeded.review_id)
        card = _card(officer)
        round_1 = (f"Round 1: received {_received_words(loop.database_url, return_id, 1)} through the agency's "
                   "link, signed by Jo Smith (as typed)")
        expect(card).to_contain_text(round_1)
        expect(card).to_contain_text("Pre-check: every required section answered, dates present, the senior "
                                     "manager's confirmation given.")
        expect(card).to_contain_text("received Thu 26 Nov 2026 (signed: Head of Safeguarding)")
        clicks.press(card.get_by_role("button", name="All four yes: record it as satisfactory"),
                     "All four yes: record it as satisfactory")
        _expect_message(officer, f"Initial check of {AGENCY}'s return recorded.")
        clicks.press(_card(officer).get_by_role("button", name="Email the JCR Chair a link to it"),
                     "Email the JCR Chair a link to it")
        _expect_message(officer, f"{AGENCY}'s return is shared with the JCR Chair: the email with its link (never "
                                 "its content) is queued")
        # From "forms sent" to shared with the Chair, the clicks the officer made (the issue: 3 or fewer).
        assert clicks.steps == ["Record forms sent", "All four yes: record it as satisfactory",
                                "Email the JCR Chair a link to it"]
        assert len(clicks.steps) <= 3

        # Read afterwards (not part of the count): the answers and the document, whose bytes are those uploaded.
        card = _card(officer)
        card.get_by_text("Read the answers and documents", exact=True).click()
        for text in ROUND_1.values():
            expect(card.get_by_text(text, exact=True)).to_be_visible()
        expect(card).to_contain_text("Senior manager's confirmation: A Jones, Head of Safeguarding, Thu 26 Nov 2026.")
        with officer.expect_download() as downloading:
            card.get_by_role("button", name=re.compile(r"Download Chronology\.pdf")).click()
        download = downloading.value
        assert download.suggested_filename == "Chronology.pdf"
        assert Path(download.path()).read_bytes() == PDF

        # The Chair's email (sent as the mail run sends, in this process: quicker): a link to the return's card on
        # the review's returns page in the tracker, nothing of the return.
        mark = len(loop.sink.received)
        assert loop.send_queued_mail() == 1
        shared_subject = f"Rapid Review {outside}: the scoping return from {AGENCY} is shared with you"
        shared = _one(loop.sink.since(mark), shared_subject)
        assert shared.recipients == (CHAIR_EMAIL,) and shared.message["To"] == CHAIR_EMAIL
        assert shared.body.startswith("Dear Charlie Chair,")
        assert f"  {loop.url}/returns?review={seeded.review_id}&return={return_id}\n" in shared.body
        for private in [*ROUND_1.values(), "Jo Smith", "A Jones", "Chronology"]:
            assert private not in shared.body, private
        assert not shared.message.is_multipart() and list(shared.message.iter_attachments()) == []

        # 5. Sent back with a reason and a new due date (final QA, as the officer the manager delegated it to).
        card = _card(officer)
        card.locator('[data-testid="stRadio"]').filter(has_text="Decision").get_by_text(
            "Send back to the agency", exact=True).click()
        card.get_by_role("textbox", name=re.compile("If sent back: the reason")).fill(SENT_BACK_REASON)
        card.locator('[data-testid="stDateInput"]').filter(has_text="If sent back: the new due date").locator(
            '[data-testid="stDateInputField"]').locator('[role="spinbutton"]').first.click()
        officer.keyboard.type(f"{NEW_DUE:%d%m%Y}")
        officer.keyboard.press("Tab")
        officer.keyboard.press("Escape")  # the calendar that opened with the field
        expect(officer.locator('[data-testid="stDateInputCalendar"]')).to_have_count(0)
        card.get_by_role("button", name="Record the final QA").click()
        wait_for_app(officer)
        _expect_message(officer, f"{AGENCY}'s return sent back.")
        expect(_card(officer)).to_contain_text("Sent back 1 time")

        # Browser B: the agency sees why and what it sent, answers again and resubmits.
        agency.goto(link)
        expect(agency.get_by_role("heading", name="Your return, round 1")).to_be_visible()
        expect(agency.locator(".govuk-warning-text")).to_contain_text(
            f"Sent back on Thursday 26 November 2026: {SENT_BACK_REASON} New due date: {NEW_DUE_LONG}.")
        expect(agency.locator(".govuk-summary-list__row", has_text="Return due")).to_contain_text(NEW_DUE_LONG)
        agency.get_by_text("What you sent in round 1").click()
        earlier = agency.locator("details")
        for text in ROUND_1.values():
            expect(earlier.get_by_text(text, exact=True)).to_be_visible()
        expect(earlier).to_contain_text("Documents: Chronology.pdf")
        agency.get_by_label("Your name").fill("Jo Smith")
        _fill_answers(agency, ROUND_2)
        _fill_confirmation(agency)
        agency.get_by_role("button", name="Submit return").click()
        expect(agency.get_by_role("heading", name="Return sent")).to_be_visible()

        # Browser A: round 2 on the card; checked, shared and accepted as the card asks, step by step.
        _open_returns(officer, loop, seeded.review_id)
        card = _card(officer)
        expect(card).to_contain_text(f"Round 2 (resubmission): received "
                                     f"{_received_words(loop.database_url, return_id, 2)} through the agency's "
                                     "link, signed by Jo Smith (as typed)")
        expect(card).to_contain_text(round_1)
        card.get_by_text("Read the answers and documents", exact=True).click()
        for text in ROUND_2.values():
            expect(card.get_by_text(text, exact=True)).to_be_visible()
        card.get_by_role("button", name="All four yes: record it as satisfactory").click()
        wait_for_app(officer)
        _expect_message(officer, f"Initial check of {AGENCY}'s return recorded.")
        _card(officer).get_by_role("button", name="Email the JCR Chair a link to it").click()
        wait_for_app(officer)
        _expect_message(officer, f"{AGENCY}'s return is shared with the JCR Chair")
        card = _card(officer)
        card.locator('[data-testid="stRadio"]').filter(has_text="Decision").get_by_text(
            "Accept", exact=True).click()
        card.get_by_role("button", name="Record the final QA").click()
        wait_for_app(officer)
        _expect_message(officer, f"{AGENCY}'s return accepted.")
        expect(officer.locator("body")).to_contain_text("returns received: 1 of 1 · accepted: 1")
        # 6. The Day 6 pack (Word): the agency's part, with the answers accepted and every round as it happened.
        with officer.expect_download() as downloading:
            officer.get_by_role("button", name="Download the Day 6 pack (Word)").click()
        pack = downloading.value
        assert pack.suggested_filename == f"{seeded.case_reference} Day 6 pack 2026-11-26.docx"
        document = docx.Document(str(pack.path()))
        paragraphs = [(p.style.name if p.style is not None else "", p.text) for p in document.paragraphs]
        assert ("Heading 1", f"1. {AGENCY}") in paragraphs
        rounds = [text for style, text in paragraphs if text.startswith("Round ")]
        assert rounds == [
            "Round 1: received Thu 26 Nov 2026 through the agency's private link; sent back on Thu 26 Nov 2026 "
            f"(new due date Wed 02 Dec 2026) for: {SENT_BACK_REASON}",
            "Round 2: received Thu 26 Nov 2026 through the agency's private link; accepted on Thu 26 Nov 2026."]
        for heading, text in ROUND_2.items():  # the answers of the round accepted, under the form's headings
            assert ("Heading 2", heading) in paragraphs and text in [t for _, t in paragraphs]

        # The Chair is told of round 2 too; the accepted return's link opens nothing now.
        mark = len(loop.sink.received)
        assert loop.send_queued_mail() == 1
        assert _one(loop.sink.since(mark), shared_subject).recipients == (CHAIR_EMAIL,)
        response = agency.goto(link)
        assert response is not None and response.status == 404
        expect(agency.get_by_role("heading", name="Page not found")).to_be_visible()

        _assert_recorded(loop.database_url, return_id)
    finally:
        agency_context.close()
        officer_context.close()


def test_with_javascript_off_an_agency_saves_and_submits_and_every_dead_token_gets_one_404(loop: Loop,
                                                                                           browser: Browser) -> None:
    engine = app_engine(loop.database_url)
    try:
        seeded = seed(engine)  # two reviews: the first asked Agency 1 and Agency 2, the second Agency 1
        context = browser.new_context(java_script_enabled=False, viewport=AGENCY_VIEWPORT)
        try:
            page = context.new_page()
            link = f"{loop.url}/agency/{seeded.tokens[0]}"
            page.goto(link)
            expect(page.get_by_role("heading", level=1)).to_have_text(
                f"Scoping return for Rapid Review {seeded.outside_reference}")
            page.get_by_label("Your name").fill("Sam Lee")
            page.get_by_label("Key dates and episodes", exact=True).fill("19/11/2026: clinic appointment missed.")
            page.get_by_role("button", name="Save draft").click()
            expect(page.get_by_text("Your draft was saved")).to_be_visible()
            page.goto(link)
            expect(page.get_by_label("Key dates and episodes", exact=True)).to_have_value(
                "19/11/2026: clinic appointment missed.")
            _fill_confirmation(page)
            page.get_by_role("button", name="Submit return").click()
            expect(page.get_by_role("heading", name="Return sent")).to_be_visible()

            # Another review's live token opens that review's return only, never the first review's.
            page.goto(f"{loop.url}/agency/{seeded.other_review_token}")
            other_heading = page.get_by_role("heading", level=1)
            expect(other_heading).to_contain_text("Scoping return for Rapid Review ")
            expect(other_heading).not_to_have_text(f"Scoping return for Rapid Review {seeded.outside_reference}")
            expect(page.locator("body")).not_to_contain_text("clinic appointment missed")

            with Session(engine) as session, session.begin():
                officer = session.scalars(select(Account).where(Account.username == "links-officer")).one()
                revoke_agency_link(session, officer, return_id=seeded.return_ids[1], reason="Sent to a colleague "
                                                                                            "who has left.")
                manager = Account(username="links-manager", display_name="Mo Manager", roles=["manager"],
                                  active=True, password_hash="not a password hash: nobody signs in here",
                                  failed_attempts=0)
                session.add(manager)
                session.flush()
                other_review_id = session.scalars(select(AgencyReturn.review_id).join(AgencyReturn.agency).where(
                    Agency.name == "Agency 1", AgencyReturn.review_id != seeded.review_id)).one()
                withdraw_review(session, manager, review_id=other_review_id, expected_version=None,
                                reason=WithdrawalReason.DUPLICATE, as_of=PINNED_TODAY)
                received = session.get_one(AgencyReturn, seeded.return_ids[0]).received_date
            assert received == PINNED_TODAY

            texts = {}
            for what, token in (("a wrong token", secrets.token_urlsafe(32)), ("a revoked token", seeded.tokens[1]),
                                ("another review's token, that review withdrawn", seeded.other_review_token)):
                response = page.goto(f"{loop.url}/agency/{token}")
                assert response is not None and response.status == 404, what
                texts[what] = page.locator("body").inner_text()
            assert len(set(texts.values())) == 1, texts
            assert "Page not found" in texts["a wrong token"]
            assert "This link does not work." in texts["a wrong token"]
        finally:
            context.close()
    finally:
        engine.dispose()
