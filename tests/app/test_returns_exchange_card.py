"""AppTest of a return's card for a return answered through the agency's private link, on a real committed database:
the receipt (when, signed by the author as typed, through the link), the completeness pre-check, the answers and the
documents for the officer and the JCR Chair; the officer reissues (with a reason) and revokes the link from the
card."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, LogEntry
from db.models_agency import AgencyRound
from db.models_mail import SentMail
from db.models_returns import AgencyReturn
from services.agency_exchange import (
    ConfirmationInput,
    LinkNotFound,
    attach_agency_document,
    open_agency_return,
    record_forms_sent_with_links,
    submit_agency_return,
)
from services.clock import LONDON
from services.returns import record_final_qa, record_initial_check
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.app.test_returns_page import _open_checklist, _submit
from ui.streamlit_internals.testing import deferred_download_callables

RECEIVED = date(2026, 12, 18)  # Fri: forms sent that day are due Tue 29 Dec
AS_OF = date(2026, 12, 22)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
ANSWERS = {"involvement": "Health visiting since birth, four contacts", "key_dates": "12/03/2026 new birth visit",
           "analysis": "Contacts were timely but the father was not asked about", "learning": "Ask about every adult"}
CONFIRMED = ConfirmationInput(name="A Jones", role="Head of Safeguarding", confirmed_on=AS_OF, confirmed=True)


def _seed(open_session: Any) -> dict[str, Any]:
    """An officer and a chair; one review; forms sent to two agencies with links; the police answer through theirs
    with a PDF (the GP practices have not)."""
    officer = create_account(open_session, "officer", username="olly")
    chair = create_account(open_session, "chair", username="charlie")
    with open_session() as session, session.begin():
        for name in ("Demoshire Police", "GP practices"):
            session.add(Agency(name=name, kind="health", contact_email=f"{name.split()[0].lower()}@example.org",
                               active=True))
        session.flush()
        actor = session.merge(officer)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        ids = list(session.scalars(select(Agency.id).order_by(Agency.name)))
        police, gp = record_forms_sent_with_links(session, actor, review_id=review.id, agency_ids=ids,
                                                  requested_on=RECEIVED, as_of=RECEIVED)
        attach_agency_document(session, token=police.token, author_name="J Smith", file_name="Chronology.pdf",
                               data=PDF, as_of=AS_OF)
        submit_agency_return(session, token=police.token, author_name="J Smith", answers=ANSWERS,
                             confirmation=CONFIRMED, as_of=AS_OF)
        submitted_at = session.scalar(select(AgencyRound.submitted_at).where(
            AgencyRound.agency_return_id == police.return_id))
        return dict(officer=officer, chair=chair, review_id=review.id, police=police, gp=gp,
                    submitted_at=submitted_at)


def _texts(at: AppTest) -> str:
    """Everything drawn as text, Markdown escapes taken out."""
    parts = [*(m.value for m in at.markdown), *(c.value for c in at.caption), *(s.value for s in at.success),
             *(w.value for w in at.warning)]
    return "\n".join(parts).replace("\\", "")


def _download_labels(at: AppTest) -> list[str]:
    return [str(b.proto.label).replace("\\", "") for b in at.get("download_button")]


@pytest.mark.parametrize("role", ["officer", "chair"])
def test_the_card_shows_what_arrived_through_the_link(app_db: Any, make_app: Any, role: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    deferred = deferred_download_callables(monkeypatch)
    seeded = _seed(app_db)
    at = _open_checklist(make_app, seeded[role], seeded["review_id"])
    texts = _texts(at)
    when = seeded["submitted_at"].astimezone(LONDON)
    assert (f"Round 1: received {when:%a %d %b %Y at %H:%M} through the agency's link, signed by J Smith "
            "(as typed)") in texts
    assert ("Pre-check: every required section answered, dates present, the senior manager's confirmation given."
            in texts)
    for answer in ANSWERS.values():
        assert answer in texts
    assert "Senior manager's confirmation: A Jones, Head of Safeguarding, Tue 22 Dec 2026." in texts
    assert _download_labels(at) == ["Download Chronology.pdf (1 KB)"]
    # The document is read only when clicked, as Streamlit calls it (another thread, outside a page run).
    assert deferred and deferred[-1]() == PDF
    # The GP practices' link is live and nothing has arrived through it.
    assert "Private link 2: live, works until" in texts
    reissue = [b for b in at.button if b.key == f"FormSubmitter:r{seeded['gp'].return_id}_link_form-Reissue the link"]
    assert len(reissue) == (1 if role == "officer" else 0)


def test_the_officer_reissues_then_revokes_the_link_from_the_card(app_db: Any, make_app: Any) -> None:
    seeded = _seed(app_db)
    gp = seeded["gp"]
    at = _open_checklist(make_app, seeded["officer"], seeded["review_id"])
    # A reason is required; nothing changes without one.
    _submit(at, gp.return_id, "link_form", "Reissue the link")
    assert any("reason" in e.value.lower() for e in at.error), [e.value for e in at.error]
    with app_db() as session:
        assert open_agency_return(session, token=gp.token, as_of=AS_OF).agency_name == "GP practices"

    at.text_input(key=f"r{gp.return_id}_link_reason").input("Sent to a colleague who has left")
    _submit(at, gp.return_id, "link_form", "Reissue the link")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "A new link for GP practices is made; the old one no longer works." in [s.value for s in at.success]
    [new_link] = [c.value for c in at.code if "/agency/" in c.value]
    new_token = new_link.rsplit("/", 1)[1]
    with app_db() as session:
        assert open_agency_return(session, token=new_token, as_of=AS_OF).agency_name == "GP practices"
        with pytest.raises(LinkNotFound):
            open_agency_return(session, token=gp.token, as_of=AS_OF)
        log = list(session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == gp.return_id)))
    assert any("reissued" in line and "Reason: Sent to a colleague who has left" in line for line in log)
    assert not any(new_token in line for line in log)

    at.run()  # shown once only
    assert not [c.value for c in at.code if "/agency/" in c.value]
    at.text_input(key=f"r{gp.return_id}_link_reason").input("The agency asked us to stop it")
    _submit(at, gp.return_id, "link_form", "Revoke the link")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "The private link of GP practices is revoked: it opens nothing now." in [s.value for s in at.success]
    assert "stopped" in _texts(at) and "(The agency asked us to stop it)" in _texts(at)
    with app_db() as session, pytest.raises(LinkNotFound):
        open_agency_return(session, token=new_token, as_of=AS_OF)


def test_the_officer_checks_then_emails_the_chair_a_link_from_the_card(app_db: Any, make_app: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", "https://tracker.example")
    seeded = _seed(app_db)
    police = seeded["police"].return_id
    with app_db() as session, session.begin():
        session.get(Account, seeded["chair"].id).email = "chair@partnership.example"
    at = _open_checklist(make_app, seeded["officer"], seeded["review_id"])
    # The return arrived checked for completeness: the initial check is one click, the share one more.
    _submit(at, police, "check_form", "All four yes: record it as satisfactory")
    assert not at.exception and not at.error, [e.value for e in at.error]
    _submit(at, police, "share_form", "Email the JCR Chair a link to it")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("shared with the JCR Chair: the email with its link" in s.value for s in at.success)
    with app_db() as session:
        assert session.get(AgencyReturn, police).shared_with_chair_date == AS_OF
        [mail] = session.scalars(select(SentMail).where(SentMail.kind == "return_shared")).all()
    assert (mail.to_address, mail.agency_return_id) == ("chair@partnership.example", police)
    assert f"https://tracker.example/returns?review={seeded['review_id']}" in mail.body
    assert ANSWERS["analysis"] not in mail.body


def test_each_round_is_on_the_card_after_a_send_back(app_db: Any, make_app: Any) -> None:
    seeded = _seed(app_db)
    police = seeded["police"]
    manager = create_account(app_db, "manager", username="morgan")
    with app_db() as session, session.begin():
        record_initial_check(session, session.merge(seeded["officer"]), return_id=police.return_id,
                             expected_version=None, checked_on=AS_OF, sufficient_information=False,
                             dates_present=True, analysis=False, signed=True, outcome="concerns",
                             note="Thin analysis.", as_of=AS_OF)
        record_final_qa(session, session.merge(manager), return_id=police.return_id, expected_version=None,
                        decided_on=AS_OF, outcome="sent back", reason="Add the analysis of practice.",
                        new_due_date=date(2026, 12, 29), as_of=AS_OF)
        # The second round leaves a required section blank: the pre-check says so.
        submit_agency_return(session, token=police.token, author_name="K Brown",
                             answers={**ANSWERS, "learning": "", "analysis": "Now with the analysis"},
                             confirmation=CONFIRMED, as_of=date(2026, 12, 23))
    at = _open_checklist(make_app, seeded["officer"], seeded["review_id"], as_of=date(2026, 12, 23))
    texts = _texts(at)
    assert "Round 2 (resubmission): received" in texts and "signed by K Brown (as typed)" in texts
    assert "Round 1: received" in texts and "signed by J Smith (as typed)" in texts
    assert texts.index("Round 2 (resubmission)") < texts.index("Round 1: received")  # the latest first
    assert "Now with the analysis" in texts and ANSWERS["analysis"] in texts  # every round's text kept
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert "Pre-check: not answered: Learning and immediate actions taken." in warnings, warnings
