"""Issue 26, 3: each person's digest holds what is theirs to do (the plan's owners; the Partnership Manager gets
everything, and the closed reviews waiting for Ofsted), a summary line first and a link to each item."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Account, Review
from db.models_mail import SentMail
from services.due_mail import queue_digests
from services.report.panel import record_responses, set_ofsted_required, submit_to_panel
from services.report.service import send_to_chair, sign_off
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.integration.test_report import MON_11_JAN, THU_7_JAN, TUE_12_JAN, _write_everything
from tests.integration.test_report import review as review  # the fixture, used by name (re-exported)

WED_13_JAN = date(2027, 1, 13)  # Day 8 of a review received Mon 4 Jan 2027; the next working day is Thu 14 Jan
CASE_REFERENCE = re.compile(r"\d{6}[A-Z]")
URL = "https://tracker.example.org"


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", URL + "/")


def _digests(session: Session, officer: Account, chair: Account, manager: Account,
             review: Review) -> tuple[Review, dict[str, SentMail]]:
    """`review` (received Fri 18 Dec 2026) closed on Wed 13 Jan with Ofsted's reply outstanding (sent Tue 12 Jan);
    a second review received Mon 4 Jan 2027, nothing done yet. Each account's digest of Wed 13 Jan, by role."""
    for account, address in ((officer, "olly@p.example"), (chair, "charlie@p.example"),
                             (manager, "morgan@p.example")):
        account.email = address
    _write_everything(session, officer, review)
    set_ofsted_required(session, manager, review_id=review.id, required=True)
    send_to_chair(session, officer, review_id=review.id, sent_on=THU_7_JAN, as_of=WED_13_JAN)
    sign_off(session, chair, review_id=review.id, signed_on=MON_11_JAN, as_of=WED_13_JAN)
    submit_to_panel(session, manager, review_id=review.id, submitted_on=TUE_12_JAN, ofsted_sent_on=TUE_12_JAN,
                    as_of=WED_13_JAN)
    record_responses(session, manager, review_id=review.id, panel_response_on=WED_13_JAN, agrees_with_lcspr=True,
                     further_information_asked=False, as_of=WED_13_JAN)
    fresh = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 30),
                        csc_aware_date=date(2026, 12, 31), notification_received_date=date(2027, 1, 4),
                        children=[ChildEntry("EF", 3)], as_of=date(2027, 1, 4))
    assert queue_digests(session, today=WED_13_JAN) == 3
    mails = {m.recipient_account_id: m for m in session.scalars(select(SentMail).where(SentMail.kind == "digest"))}
    return fresh, {role: mails[account.id] for role, account in
                   (("officer", officer), ("chair", chair), ("manager", manager))}


def test_the_chair_gets_what_waits_for_the_chair_with_links_and_a_summary(
        session: Session, officer: Account, chair: Account, manager: Account, review: Review, mail_on: None) -> None:
    fresh, mails = _digests(session, officer, chair, manager, review)
    body = mails["chair"].body
    # Day 1 (Mon 4 Jan): the executive meeting decision (chair), overdue; Day 7-8: the meeting (chair), due today.
    assert body.split("\n\n")[1] == "1 overdue, 1 due today, 0 due tomorrow."
    ref = fresh.case_reference
    assert (f"Overdue:\n  Mon 04 Jan  {ref}: Decision on an executive findings meeting with the AD/DCS\n"
            f"    {URL}/review?review={fresh.id}\n") in body
    assert f"  Wed 13 Jan  {ref}: Rapid Review meeting held\n    {URL}/meetings?review={fresh.id}\n" in body
    for not_the_chairs in ("Case folder created", "Returns collated", "Timeline agreed", "Scoping forms sent",
                           "Minutes", "Waiting for Ofsted"):
        assert not_the_chairs not in body


def test_the_officer_gets_officer_steps_and_not_the_chairs_or_the_managers_own(session: Session, officer: Account,
                                                                               chair: Account, manager: Account,
                                                                               review: Review, mail_on: None) -> None:
    fresh, mails = _digests(session, officer, chair, manager, review)
    body = mails["officer"].body
    ref = fresh.case_reference
    for step in ("Case folder created", "Scoping forms sent", "Returns collated",
                 "Agency returns received, checked and accepted"):
        assert f"{ref}: {step}" in body
    assert f"  Thu 14 Jan  {ref}: Minutes saved and circulated" in body
    for not_the_officers in ("Rapid Review meeting held", "Decision on an executive findings meeting",
                             "Timeline agreed", "Partner agencies informed", "Waiting for Ofsted"):
        assert not_the_officers not in body


def test_the_manager_gets_everything_and_the_closed_review_waiting_for_ofsted(session: Session, officer: Account,
                                                                              chair: Account, manager: Account,
                                                                              review: Review, mail_on: None) -> None:
    fresh, mails = _digests(session, officer, chair, manager, review)
    body = mails["manager"].body
    for step in ("Case folder created", "Rapid Review meeting held", "Timeline agreed",
                 "Decision on an executive findings meeting"):
        assert f"{fresh.case_reference}: {step}" in body
    assert (f"Waiting for Ofsted (closed reviews; sent on):\n  Tue 12 Jan  {review.case_reference}: Ofsted's response "
            "outstanding: sent to Ofsted Tue 12 Jan 2027; 1 working day since the submission (Tue 12 Jan 2027)\n"
            f"    {URL}/report?review={review.id}\n") in body
    assert ", 1 waiting for Ofsted." in body.split("\n\n")[1]
    assert not any(CASE_REFERENCE.search(m.subject) for m in mails.values())


def test_without_rrt_public_url_there_are_no_links(
        session: Session, officer: Account, chair: Account, manager: Account, review: Review, mail_on: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RRT_PUBLIC_URL")
    _, mails = _digests(session, officer, chair, manager, review)
    assert not any("http" in m.body for m in mails.values())


def test_the_chair_is_told_of_a_return_received_and_not_yet_shared_until_it_is(session: Session, officer: Account,
                                                                               chair: Account, manager: Account,
                                                                               review: Review, mail_on: None) -> None:
    """Received Mon 11 Jan: it should have reached the Chair that day (overdue on Wed 13 Jan); once shared, it
    leaves the Chair's digest."""
    from db.models import Agency
    from services.returns.service import record_returns_requested, record_shared_with_chair
    from services.returns.service_receipts import record_return_received

    chair.email = "charlie@p.example"
    fresh = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 30),
                        csc_aware_date=date(2026, 12, 31), notification_received_date=date(2027, 1, 4),
                        children=[ChildEntry("EF", 3)], as_of=date(2027, 1, 4))
    agency = session.scalars(select(Agency).where(Agency.name == "GP practices")).one()
    [ret] = record_returns_requested(session, officer, review_id=fresh.id, agency_ids=[agency.id],
                                     requested_on=date(2027, 1, 4), as_of=date(2027, 1, 4))
    record_return_received(session, officer, return_id=ret.id, expected_version=None, received_on=MON_11_JAN,
                           signed_by_senior_manager=True, signatory_role="Head of service", as_of=MON_11_JAN)
    queue_digests(session, today=WED_13_JAN)
    body = session.scalars(select(SentMail.body).where(SentMail.recipient_account_id == chair.id)).one()
    assert (f"  Mon 11 Jan  {fresh.case_reference}: GP practices return received Mon 11 Jan, not yet shared with the "
            f"JCR Chair\n    {URL}/returns?review={fresh.id}\n") in body
    # Overdue for the Chair: this review's Day 1 decision and the GP return; the fixture's review (received Fri 18 Dec,
    # still open) its Day 1 decision, its meeting (Day 8, Thu 31 Dec), its sign-off (Day 15, Tue 12 Jan) and its
    # police return received Mon 21 Dec and never shared: 6. Due today: this review's meeting (Day 8).
    assert body.split("\n\n")[1] == "6 overdue, 1 due today, 0 due tomorrow."

    record_shared_with_chair(session, officer, return_id=ret.id, expected_version=None, shared_on=WED_13_JAN,
                             as_of=WED_13_JAN)
    session.execute(delete(SentMail))
    queue_digests(session, today=WED_13_JAN)
    body = session.scalars(select(SentMail.body).where(SentMail.recipient_account_id == chair.id)).one()
    assert "GP practices return received Mon 11 Jan" not in body
    assert body.split("\n\n")[1] == "5 overdue, 1 due today, 0 due tomorrow."
