"""Sharing several returns with the JCR Chair at once is sending them when the tracker sends email: the batch form's
"Email the JCR Chair links to the ticked returns" queues one email per return to each Chair (a link, never the
content) and records each as shared today; without mail the form records a date, as before."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Account
from db.models_mail import SentMail
from db.models_returns import AgencyReturn
from services.returns import record_initial_check, record_return_received
from tests.app.test_returns_page import AS_OF, YES, _open_checklist, _return_id, _seed
from tests.types import MakeApp, OpenSession

PUBLIC = "https://tracker.example"
EMAIL_BUTTON = "FormSubmitter:batch_share-Email the JCR Chair links to the ticked returns"
AGENCIES = ("Demoshire Police", "GP practices")


def _two_returns_checked(app_db: OpenSession) -> tuple[Account, Account, int, list[int]]:
    """Two returns received and checked: both are due to be shared with the Chair, who has an address."""
    officer, _, chair, review_id = _seed(app_db)
    ids = [_return_id(app_db, name) for name in AGENCIES]
    with app_db() as session, session.begin():
        session.get_one(Account, chair.id).email = "chair@partnership.example"
        actor = session.get_one(Account, officer.id)
        for rid in ids:
            record_return_received(session, actor, return_id=rid, expected_version=None, received_on=AS_OF,
                                   signed_by_senior_manager=True, signatory_role="Head of Service", as_of=AS_OF)
            record_initial_check(session, actor, return_id=rid, expected_version=None, checked_on=AS_OF,
                                 outcome="satisfactory", note="", as_of=AS_OF, **YES)
    return officer, chair, review_id, ids


def test_with_mail_on_the_ticked_returns_are_emailed_to_the_chair_and_recorded_shared_today(
        app_db: OpenSession, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    officer, _, review_id, ids = _two_returns_checked(app_db)
    at = _open_checklist(make_app, officer, review_id)
    assert "**2 returns are to be shared with the JCR Chair**" in [m.value for m in at.markdown]
    at.button(key=EMAIL_BUTTON).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert ("Emailed to the JCR Chair (a link to each return, never its content) and recorded as shared today: "
            "Demoshire Police, GP practices.") in [s.value for s in at.success]
    with app_db() as session:
        assert [session.get_one(AgencyReturn, rid).shared_with_chair_date for rid in ids] == [AS_OF, AS_OF]
        mails = session.execute(select(SentMail.to_address, SentMail.agency_return_id, SentMail.body)
                                .where(SentMail.kind == "return_shared").order_by(SentMail.agency_return_id)).all()
    assert [(m.to_address, m.agency_return_id) for m in mails] == [("chair@partnership.example", rid) for rid in ids]
    for mail, rid in zip(mails, ids, strict=True):
        assert f"{PUBLIC}/returns?review={review_id}&return={rid}" in mail.body


def test_with_mail_on_an_unticked_return_is_neither_emailed_nor_recorded(
        app_db: OpenSession, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    officer, _, review_id, [police, gp] = _two_returns_checked(app_db)
    at = _open_checklist(make_app, officer, review_id)
    at.checkbox(key=f"batch_s{gp}").uncheck()
    at.button(key=EMAIL_BUTTON).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with app_db() as session:
        assert [session.get_one(AgencyReturn, rid).shared_with_chair_date for rid in (police, gp)] == [AS_OF, None]
        emailed = list(session.scalars(select(SentMail.agency_return_id).where(SentMail.kind == "return_shared")))
    assert emailed == [police]


def test_without_mail_the_batch_records_a_date_and_offers_no_email(app_db: OpenSession, make_app: MakeApp,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_URL", raising=False)
    officer, _, review_id, _ = _two_returns_checked(app_db)
    at = _open_checklist(make_app, officer, review_id)
    keys = [str(b.key) for b in at.button if str(b.key).startswith("FormSubmitter:batch_share-")]
    assert keys == ["FormSubmitter:batch_share-Share the ticked returns with the JCR Chair"]
