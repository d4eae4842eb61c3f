"""The Administration page's scoping form editor and link setting, "Issue a link" on a return's card, and the JCR
Chair's email opening the return's card, through AppTest on a real committed database.

- The editor: a section added, typed into, moved up, another removed and one renamed, then saved as version 2; what
  was typed survives every click; a refused save (a blank heading; a version saved by someone else meanwhile) shows
  its sentence and keeps everything; a heading holding `<script>` is shown as text.
- The link setting saved (and logged) from the Settings tab.
- A return asked for before links existed: its card offers "Issue a link and send the request" to the officer (not
  to the JCR Chair); the link is shown once (no email) or the request queued (email on).
- The share email's link names the review and the return; opened, the page shows that return's card first, its
  answers open.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency, LogEntry
from db.models_agency import AgencyExchangeSettings, FormSection, FormVersion
from db.models_mail import SentMail
from services.agency_exchange import (
    ConfirmationInput,
    FormSectionDraft,
    open_agency_return,
    record_forms_sent_with_links,
    save_scoping_form_version,
    submit_agency_return,
)
from services.due_mail import share_return_with_chairs
from services.returns import record_initial_check, record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.app.returns_folds import FOLD_ID
from tests.types import MakeApp, OpenSession

GUIDE_HEADINGS = ["The agency's involvement with the child and family", "Key dates and episodes",
                  "Analysis of practice", "Learning and immediate actions taken",
                  "Senior manager's quality confirmation"]
SCRIPT = "<script>alert('form')</script>"
RECEIVED = date(2026, 12, 18)  # Fri: forms sent that day are due Tue 29 Dec
AS_OF = date(2026, 12, 22)
PUBLIC = "https://tracker.example"


# ---------------------------------------------------------------- helpers


def _admin_page(app_db: OpenSession, make_app: MakeApp, username: str = "form-admin") -> tuple[AppTest, Account]:
    admin = create_account(app_db, "admin", username=username)
    at = make_app(admin).run()
    at.session_state["admin_section"] = "Scoping form"
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    return at, admin


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def _headings(at: AppTest) -> list[str]:
    """The editor's heading boxes, in the order drawn."""
    return [str(t.value) for t in at.text_input if str(t.key).startswith("sf_h_")]


def _heading_keys(at: AppTest) -> list[str]:
    return [str(t.key) for t in at.text_input if str(t.key).startswith("sf_h_")]


def _stored(app_db: OpenSession, number: int) -> list[tuple[str, str, bool]]:
    with app_db() as session:
        return [(s.heading, s.kind, s.required) for s in session.scalars(
            select(FormSection).join(FormVersion).where(FormVersion.number == number).order_by(FormSection.position))]


def _numbers(app_db: OpenSession) -> list[int]:
    with app_db() as session:
        return list(session.scalars(select(FormVersion.number).order_by(FormVersion.number)))


def _errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def _as_read(shown: str) -> str:
    return re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "")


# ---------------------------------------------------------------- the editor


def test_sections_are_added_moved_removed_renamed_and_saved_as_a_new_version(app_db: OpenSession,
                                                                             make_app: MakeApp) -> None:
    at, admin = _admin_page(app_db, make_app)
    assert _headings(at) == GUIDE_HEADINGS
    assert _heading_keys(at) == ["sf_h_1", "sf_h_2", "sf_h_3", "sf_h_4", "sf_h_5"]
    # The confirmation cannot be moved or removed; the section above it cannot move below it.
    assert at.button(key="sf_remove_5").disabled and at.button(key="sf_up_5").disabled
    assert at.button(key="sf_down_4").disabled and at.button(key="sf_up_1").disabled

    at.text_input(key="sf_h_1").input("Involvement with the child and family")  # typed, not yet saved
    _click(at, "sf_add")  # a blank section before the confirmation
    assert _heading_keys(at) == ["sf_h_1", "sf_h_2", "sf_h_3", "sf_h_4", "sf_h_6", "sf_h_5"]
    assert _headings(at)[0] == "Involvement with the child and family"  # the click kept the typing
    at.text_input(key="sf_h_6").input("The child's lived experience")
    at.text_area(key="sf_g_6").input("What the child said and showed.")
    at.checkbox(key="sf_r_6").uncheck()
    _click(at, "sf_up_6")
    assert _headings(at) == ["Involvement with the child and family", "Key dates and episodes",
                             "Analysis of practice", "The child's lived experience",
                             "Learning and immediate actions taken", "Senior manager's quality confirmation"]
    _click(at, "sf_remove_4")  # "Learning and immediate actions taken"
    at.selectbox(key="sf_k_3").set_value("dates")
    at.text_area(key="sf_note").input("The Panel asks about the child's lived experience.")
    _click(at, "sf_save")
    assert not _errors(at), _errors(at)
    assert "Scoping form version 2 saved: requests sent from now on use it; requests already sent keep theirs." in [
        s.value for s in at.success]
    assert _numbers(app_db) == [1, 2]
    assert _stored(app_db, 2) == [
        ("Involvement with the child and family", "text", True), ("Key dates and episodes", "dates", True),
        ("Analysis of practice", "dates", True), ("The child's lived experience", "text", False),
        ("Senior manager's quality confirmation", "confirmation", True)]
    assert _stored(app_db, 1) == [(h, k, True) for h, k in zip(GUIDE_HEADINGS,
                                                                ["text", "dates", "text", "text", "confirmation"],
                                                                strict=True)]
    # The editor now starts from version 2, and the versions table lists both.
    assert _headings(at) == ["Involvement with the child and family", "Key dates and episodes",
                             "Analysis of practice", "The child's lived experience",
                             "Senior manager's quality confirmation"]
    versions = at.dataframe[-1].value
    assert list(versions["Version"]) == [2, 1]
    assert list(versions["What changed"]) == ["The Panel asks about the child's lived experience.",
                                              "The default form, drawn from the guide."]
    with app_db() as session:
        [entry] = session.scalars(select(LogEntry).where(LogEntry.text.startswith("Scoping form version 2"))).all()
        assert entry.author_id == admin.id and entry.review_id is None


def test_a_refused_save_keeps_everything_typed(app_db: OpenSession, make_app: MakeApp) -> None:
    at, _ = _admin_page(app_db, make_app)
    at.text_input(key="sf_h_1").input("Involvement")
    at.text_input(key="sf_h_2").input("   ")
    at.text_area(key="sf_g_3").input("Say what went well and why.")
    at.text_area(key="sf_note").input("Shorter headings.")
    _click(at, "sf_save")
    assert _errors(at) == ["Give the heading of section 2."]
    assert _headings(at)[:2] == ["Involvement", "   "]
    assert at.text_area(key="sf_g_3").value == "Say what went well and why."
    assert at.text_area(key="sf_note").value == "Shorter headings."
    assert _numbers(app_db) == [1]

    # Meanwhile another administrator saves version 2: this editor says so, and its save is refused, typing kept.
    with app_db() as session, session.begin():
        other = session.get(Account, create_account(app_db, "admin", username="other-admin").id)
        current = list(session.scalars(select(FormSection).join(FormVersion).where(FormVersion.number == 1)
                                       .order_by(FormSection.position)))
        save_scoping_form_version(session, other, note="Theirs.", based_on=1, sections=[
            FormSectionDraft(s.key, s.kind, s.heading, s.guidance, s.key != "learning") for s in current])
    at.text_input(key="sf_h_2").input("Key dates")
    _click(at, "sf_save")
    assert any(e.startswith("The scoping form was changed by someone else since you opened it: version 2 is now "
                            "the current one") for e in _errors(at)), _errors(at)
    assert any("was saved by someone else while you were editing version 1" in str(w.value) for w in at.warning)
    assert _headings(at)[:2] == ["Involvement", "Key dates"]
    assert at.text_area(key="sf_note").value == "Shorter headings."
    assert _numbers(app_db) == [1, 2]
    # Starting again takes the current version.
    _click(at, "sf_discard")
    assert _headings(at) == GUIDE_HEADINGS and not at.text_area(key="sf_note").value
    assert at.checkbox(key="sf_r_4").value is False  # theirs: "Learning ..." optional


def test_a_script_in_a_heading_is_shown_as_text(app_db: OpenSession, make_app: MakeApp) -> None:
    at, _ = _admin_page(app_db, make_app)
    at.text_input(key="sf_h_3").input(SCRIPT)
    at.text_area(key="sf_note").input(f"Renamed to {SCRIPT}")
    _click(at, "sf_save")
    assert not _errors(at), _errors(at)
    assert _stored(app_db, 2)[2][0] == SCRIPT
    assert at.text_input(key="sf_h_3").value == SCRIPT  # a box's value is text
    # The preview of the version draws the heading as Markdown: escaped, read back as typed.
    [shown] = [str(m.value) for m in at.markdown if "alert" in str(m.value)]
    assert "<script>" not in shown and _as_read(shown) == f"**3. {SCRIPT}**"
    assert list(at.dataframe[-1].value["What changed"])[:1] == [f"Renamed to {SCRIPT}"]


# ---------------------------------------------------------------- the link setting


def test_the_link_setting_is_saved_and_logged(app_db: OpenSession, make_app: MakeApp) -> None:
    at, admin = _admin_page(app_db, make_app)
    assert at.number_input(key="lx_days").value == 10
    at.number_input(key="lx_days").set_value(15)
    _click(at, "FormSubmitter:link_expiry-Save the link setting")
    assert "The agencies' link setting is saved." in [s.value for s in at.success]
    with app_db() as session:
        assert session.scalars(select(AgencyExchangeSettings.link_expiry_working_days)).one() == 15
        assert session.scalars(select(LogEntry.text).where(LogEntry.author_id == admin.id,
                                                           LogEntry.text.startswith("Agencies'"))).all() == [
            "Agencies' private links: now working 15 working days after the return's due date (was 10). Links "
            "issued from now on get it; a link already issued keeps at least the date it was issued with."]
    assert at.number_input(key="lx_days").value == 15


# ---------------------------------------------------------------- "Issue a link" on the card


def _old_return(app_db: OpenSession) -> dict[str, Any]:
    """An officer and a chair; a review whose Demoshire Police return was asked for by the returns service alone
    (before links existed)."""
    officer = create_account(app_db, "officer", username="olly")
    chair = create_account(app_db, "chair", username="charlie")
    with app_db() as session, session.begin():
        agency = Agency(name="Demoshire Police", kind="police", contact_email="returns@police.example", active=True)
        session.add(agency)
        session.flush()
        actor = session.merge(officer)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        [ret] = record_returns_requested(session, actor, review_id=review.id, agency_ids=[agency.id],
                                         requested_on=RECEIVED, as_of=RECEIVED)
        return dict(officer=officer, chair=chair, review_id=review.id, return_id=ret.id)


def _returns_page(make_app: MakeApp, account: Account, query: dict[str, str]) -> AppTest:
    at = make_app(account, as_of=AS_OF).run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page("pages/returns.py").run()
    assert not at.exception, at.exception
    return at


def test_the_officer_issues_a_first_link_shown_once_when_no_email_can_go(app_db: OpenSession,
                                                                        make_app: MakeApp) -> None:
    seeded = _old_return(app_db)
    button = f"r{seeded['return_id']}_issue_link"
    chair = _returns_page(make_app, seeded["chair"], {"review": str(seeded["review_id"])})
    assert not [b for b in chair.button if b.key == button]
    at = _returns_page(make_app, seeded["officer"], {"review": str(seeded["review_id"])})
    assert any("No private link has been issued for this return" in str(c.value) for c in at.caption)
    _click(at, button)
    assert "A private link for Demoshire Police is issued." in [s.value for s in at.success]
    [link] = [str(c.value) for c in at.code if "/agency/" in str(c.value)]
    token = link.rsplit("/", 1)[1]
    with app_db() as session:
        assert open_agency_return(session, token=token, as_of=AS_OF).agency_name == "Demoshire Police"
        log = list(session.scalars(select(LogEntry.text).where(LogEntry.agency_return_id == seeded["return_id"])
                                   .order_by(LogEntry.id)))
        assert session.scalars(select(SentMail)).all() == []
    # Tue 29 Dec + 10 working days (Fri 1 Jan a bank holiday): Wed 13 Jan 2027.
    assert log[-1].startswith("Private link issued to Demoshire Police for its return (link ")
    assert log[-1].endswith("it works until Wed 13 Jan 2027.")
    at.run()  # shown once only; the card now has its live link and the reissue controls
    assert not [c for c in at.code if "/agency/" in str(c.value)]
    assert not [b for b in at.button if b.key == button]
    assert any("live, works until Wed 13 Jan 2027" in _as_read(str(c.value)) for c in at.caption)


def test_the_officer_issues_a_first_link_and_the_request_is_queued(app_db: OpenSession, make_app: MakeApp,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    seeded = _old_return(app_db)
    at = _returns_page(make_app, seeded["officer"], {"review": str(seeded["review_id"])})
    _click(at, f"r{seeded['return_id']}_issue_link")
    assert ("A private link for Demoshire Police is issued; the request email with it is queued to "
            "returns@police.example.") in [_as_read(str(s.value)) for s in at.success]
    assert not [c for c in at.code if "/agency/" in str(c.value)]
    with app_db() as session:
        [mail] = session.scalars(select(SentMail)).all()
    assert (mail.kind, mail.agency_return_id, mail.to_address) == ("request", seeded["return_id"],
                                                                   "returns@police.example")
    assert re.search(re.escape(PUBLIC) + r"/agency/[A-Za-z0-9_-]{40,}", mail.body)


# ---------------------------------------------------------------- the Chair's email opens the card


def _shared(app_db: OpenSession) -> dict[str, Any]:
    """Two agencies sent forms with links; the police answer, the officer checks it and shares it with the Chair by
    email (the GP practices have not answered)."""
    officer = create_account(app_db, "officer", username="olly")
    chair = create_account(app_db, "chair", username="charlie")
    secret = "The father was not asked about the household."
    with app_db() as session, session.begin():
        session.get_one(Account, chair.id).email = "chair@partnership.example"
        for name in ("Demoshire Police", "GP practices"):
            session.add(Agency(name=name, kind="health", contact_email=None, active=True))
        session.flush()
        actor = session.merge(officer)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        ids = list(session.scalars(select(Agency.id).order_by(Agency.name)))
        police, gp = record_forms_sent_with_links(session, actor, review_id=review.id, agency_ids=ids,
                                                  requested_on=RECEIVED, as_of=RECEIVED)
        submit_agency_return(session, token=police.token, author_name="J Smith",
                             answers={"involvement": "Seen twice.", "key_dates": "12/03/2026: visit.",
                                      "analysis": secret, "learning": "Ask about every adult."},
                             confirmation=ConfirmationInput("A Jones", "Head of Safeguarding", AS_OF, True),
                             as_of=AS_OF)
        record_initial_check(session, actor, return_id=police.return_id, expected_version=None, checked_on=AS_OF,
                             sufficient_information=True, dates_present=True, analysis=True, signed=True,
                             outcome="satisfactory", as_of=AS_OF)
        share_return_with_chairs(session, actor, return_id=police.return_id, expected_version=None, as_of=AS_OF)
        [mail] = session.scalars(select(SentMail).where(SentMail.kind == "return_shared")).all()
        return dict(chair=chair, officer=officer, review_id=review.id, police=police.return_id, gp=gp.return_id,
                    body=mail.body, secret=secret)


def _drawn(at: AppTest) -> list[tuple[str, str]]:
    """(type, text) of every markdown and caption drawn, in page order."""
    return [(node.type, str(getattr(node, "value", ""))) for node in at.main
            if getattr(node, "type", "") in ("markdown", "caption")]


def _cards(at: AppTest) -> list[Any]:
    """The agencies' cards, in page order: each a fold whose label is the card's line."""
    return [e for e in at.expander if FOLD_ID.search(str(e.proto.id or ""))]


def test_the_chairs_email_links_to_the_returns_card_and_the_page_opens_it(app_db: OpenSession, make_app: MakeApp,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    seeded = _shared(app_db)
    [link] = re.findall(re.escape(PUBLIC) + r"/\S+", seeded["body"])
    address = urlsplit(link)
    assert address.path == "/returns"
    query = {name: values[0] for name, values in parse_qs(address.query).items()}
    assert query == {"review": str(seeded["review_id"]), "return": str(seeded["police"])}
    assert seeded["secret"] not in seeded["body"] and "Seen twice" not in seeded["body"]

    at = _returns_page(make_app, seeded["chair"], query)
    cards = _cards(at)  # each card's line (a fold: pages/returns_parts/return_cards.py)
    assert [card.label.split("**")[1] for card in cards] == ["Demoshire Police", "GP practices"]
    # The opened card is the first, open, its note first in it.
    assert cards[0].proto.expanded is True
    assert cards[0].caption[0].value == "The return the link you followed opens:"
    [answers] = [e for e in at.expander if e.label == "Read the answers and documents"]
    assert answers.proto.expanded is True
    assert seeded["secret"] in [_as_read(str(m.value)) for m in answers.markdown]

    # The GP practices' card opened instead: first, and the police card after it, closed.
    at = _returns_page(make_app, seeded["chair"], {"review": str(seeded["review_id"]), "return": str(seeded["gp"])})
    names = [card.label.split("**")[1] for card in _cards(at)]
    assert names == ["GP practices", "Demoshire Police"]
    [answers] = [e for e in at.expander if e.label == "Read the answers and documents"]
    assert answers.proto.expanded is False

    # Without the return in the address, the cards keep their order and none says it was opened by a link.
    at = _returns_page(make_app, seeded["chair"], {"review": str(seeded["review_id"])})
    assert ("caption", "The return the link you followed opens:") not in _drawn(at)
