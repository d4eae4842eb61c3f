"""AppTest of the Review page's folded part "Agencies' links to their actions" (issue 29), on a real committed
database: an officer issues an agency's link and sees its full address once (not on the next run), the address opens
the agency's actions; the Manager revokes a link with a reason; a refusal (no reason) keeps the reason's box and
the agency chosen; the JCR Chair sees the list and no form; a hostile agency name is shown escaped."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency
from db.models_after import AgencyActionLink
from services.actions import add_action, add_recommendation, issue_agency_action_link, open_agency_actions
from services.agency_exchange.rules import token_hash
from services.agency_exchange.service import LinkNotFound
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account, open_folded
from tests.types import MakeApp, OpenSession
from ui.widgets import md_text

RECEIVED = date(2026, 11, 16)  # Mon
AS_OF = date(2026, 11, 26)  # Thu
POLICE_DUE = date(2026, 12, 10)  # Thu
HEALTH_DUE = date(2026, 12, 17)  # Thu
HOSTILE = "<script>alert(1)</script> [Trust](http://x.example) **NHS**"
PUBLIC = "https://tracker.example"
ISSUE = "FormSubmitter:al_form-Issue a link"
REISSUE = "FormSubmitter:al_form-Reissue the link"
REVOKE = "FormSubmitter:al_form-Revoke the link"
ADDRESS = re.compile(r"^https://tracker\.example/agency/actions/([A-Za-z0-9_-]{40,})$")


@dataclass(frozen=True)
class Seeded:
    officer: Account
    manager: Account
    chair: Account
    review_id: int
    police_id: int
    hostile_id: int


def _seed(app_db: OpenSession) -> Seeded:
    officer = create_account(app_db, "officer", username="olly")
    manager = create_account(app_db, "manager", username="mandy")
    chair = create_account(app_db, "chair", username="charlie")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        police = Agency(name="Demoshire Police", kind="police", active=True)
        hostile = Agency(name=HOSTILE, kind="health", active=True)
        session.add_all([police, hostile])
        session.flush()
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 11, 12),
                             csc_aware_date=date(2026, 11, 13), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        rec = add_recommendation(session, actor, review_id=review.id, source="rapid_review",
                                 text="Share the learning.", made_on=date(2026, 11, 20), as_of=AS_OF)
        add_action(session, actor, recommendation_id=rec, agency_id=police.id, owner_account_id=None,
                   owner_name="J Smith", owner_email=None, description="Brief every team.", due_on=POLICE_DUE,
                   impact_check_on=None)
        add_action(session, actor, recommendation_id=rec, agency_id=hostile.id, owner_account_id=None,
                   owner_name="K Jones", owner_email=None, description="Audit the records.", due_on=HEALTH_DUE,
                   impact_check_on=None)
        return Seeded(officer, manager, chair, review.id, police.id, hostile.id)


def _issue_in_service(app_db: OpenSession, seeded: Seeded, agency_id: int) -> str:
    with app_db() as session, session.begin():
        return issue_agency_action_link(session, session.merge(seeded.officer), review_id=seeded.review_id,
                                        agency_id=agency_id, as_of=AS_OF).token


def _part(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=AS_OF)
    at.run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    open_folded(at, "al_open")
    assert not at.exception, at.exception
    return at


def _table(at: AppTest) -> dict[str, list[str]]:
    [table] = [t for t in at.table if "Works until" in t.value.columns]
    return {column: [str(v) for v in table.value[column]] for column in table.value.columns}


def _texts(at: AppTest) -> str:
    return "\n".join([*(m.value for m in at.markdown), *(c.value for c in at.caption), *(s.value for s in at.success),
                      *(w.value for w in at.warning), *(e.value for e in at.error)])


def _live_links(app_db: OpenSession, review_id: int) -> list[AgencyActionLink]:
    with app_db() as session:
        return list(session.scalars(select(AgencyActionLink).where(AgencyActionLink.review_id == review_id,
                                                                   AgencyActionLink.revoked_at.is_(None))))


def test_the_officer_issues_a_link_and_sees_its_address_only_once(app_db: OpenSession, make_app: MakeApp,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    seeded = _seed(app_db)
    at = _part(make_app, seeded.officer, seeded.review_id)
    table = _table(at)
    # Sorted by name (lower case): "<script>..." sorts before "demoshire police".
    assert table["Agency"] == [md_text(HOSTILE), md_text("Demoshire Police")]
    assert table["Actions"] == ["1", "1"] and table["Open"] == ["1", "1"]
    assert table["Link"] == ["No link", "No link"]
    assert not at.code
    at.selectbox(key="al_agency").set_value(seeded.police_id)
    at.button(key=ISSUE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "A private link for Demoshire Police to its actions is issued." in [s.value for s in at.success]
    [code] = at.code
    found = ADDRESS.match(code.value)
    assert found, code.value
    token = found.group(1)
    assert any("shown only this once" in w.value for w in at.warning)
    # The latest due date is Thu 10 Dec 2026; the setting's default working days after it is the link's last day,
    # as the service works it: the list shows the same day the service stored.
    [link] = _live_links(app_db, seeded.review_id)
    assert link.token_hash == token_hash(token) and link.agency_id == seeded.police_id
    table = _table(at)
    assert table["Link"][1] == md_text(f"Link {link.id}: live")
    assert table["Works until"][1] == f"{link.expires_on:%a %d %b %Y}"
    assert "by App officer" in table["Issued"][1].replace("\\", "")
    # The address opens the agency's own actions.
    with app_db() as session:
        page = open_agency_actions(session, token=token, as_of=AS_OF)
    assert page.agency_name == "Demoshire Police" and [a.description for a in page.actions] == ["Brief every team."]
    # The next run shows it no more.
    at.run()
    assert not at.exception, at.exception
    assert not at.code
    assert not any("shown only this once" in w.value for w in at.warning)
    assert token not in _texts(at)


def test_without_a_public_address_the_link_is_still_shown_once_as_a_path(app_db: OpenSession,
                                                                         make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _part(make_app, seeded.officer, seeded.review_id)
    at.selectbox(key="al_agency").set_value(seeded.police_id)
    at.button(key=ISSUE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [code] = at.code
    assert re.search(r"/agency/actions/[A-Za-z0-9_-]{40,}$", code.value), code.value


def test_issuing_twice_is_refused_and_reissuing_replaces_the_link(app_db: OpenSession, make_app: MakeApp,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    seeded = _seed(app_db)
    old = _issue_in_service(app_db, seeded, seeded.police_id)
    at = _part(make_app, seeded.officer, seeded.review_id)
    at.selectbox(key="al_agency").set_value(seeded.police_id)
    at.button(key=ISSUE).click().run()
    assert not at.exception
    assert any("already has a live action link" in e.value for e in at.error)
    assert not at.code
    at.text_input(key="al_reason").input("Sent to a colleague who has left")
    at.button(key=REISSUE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    [code] = at.code
    found = ADDRESS.match(code.value)
    assert found and found.group(1) != old
    assert at.text_input(key="al_reason").value == ""
    with app_db() as session:
        with pytest.raises(LinkNotFound):
            open_agency_actions(session, token=old, as_of=AS_OF)
        assert open_agency_actions(session, token=found.group(1), as_of=AS_OF).agency_name == "Demoshire Police"


def test_the_manager_revokes_a_link_with_a_reason(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    token = _issue_in_service(app_db, seeded, seeded.police_id)
    at = _part(make_app, seeded.manager, seeded.review_id)
    assert _table(at)["Link"][1].startswith("Link ")
    at.selectbox(key="al_agency").set_value(seeded.police_id)
    at.text_input(key="al_reason").input("The agency asked us to stop it")
    at.button(key=REVOKE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "The action link of Demoshire Police is revoked: it opens nothing now." in [s.value for s in at.success]
    assert _table(at)["Link"] == ["No link", "No link"]
    assert not at.code
    with app_db() as session:
        with pytest.raises(LinkNotFound):
            open_agency_actions(session, token=token, as_of=AS_OF)
        [link] = session.scalars(select(AgencyActionLink)).all()
    assert link.revoked_reason == "The agency asked us to stop it"


def test_a_refusal_keeps_what_was_typed(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _part(make_app, seeded.officer, seeded.review_id)
    # Revoking a link that was never issued is refused: the reason typed and the agency chosen stay.
    at.selectbox(key="al_agency").set_value(seeded.police_id)
    at.text_input(key="al_reason").input("Typed with care")
    at.button(key=REVOKE).click().run()
    assert not at.exception
    assert [e.value for e in at.error if "has no live action link for this review to revoke" in e.value]
    assert at.text_input(key="al_reason").value == "Typed with care"
    assert at.selectbox(key="al_agency").value == seeded.police_id
    # A blank reason to reissue is refused too, and the agency chosen stays.
    at.text_input(key="al_reason").input("")
    at.button(key=REISSUE).click().run()
    assert not at.exception and at.error
    assert at.selectbox(key="al_agency").value == seeded.police_id
    assert not at.code and _live_links(app_db, seeded.review_id) == []
    # No agency chosen: a sentence, nothing issued.
    at.selectbox(key="al_agency").set_value(None)
    at.text_input(key="al_reason").input("Still here")
    at.button(key=ISSUE).click().run()
    assert [e.value for e in at.error] == ["Choose the agency whose link this is."]
    assert at.text_input(key="al_reason").value == "Still here"
    assert _live_links(app_db, seeded.review_id) == []


def test_the_chair_sees_the_list_and_no_buttons(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    _issue_in_service(app_db, seeded, seeded.police_id)
    at = _part(make_app, seeded.chair, seeded.review_id)
    table = _table(at)
    assert table["Agency"] == [md_text(HOSTILE), md_text("Demoshire Police")]
    assert table["Link"][0] == "No link" and table["Link"][1].startswith("Link ")
    assert not [b for b in at.button if "al_form" in str(b.key)]
    assert not [s for s in at.selectbox if s.key == "al_agency"]
    assert not [t for t in at.text_input if t.key == "al_reason"]


def test_a_hostile_agency_name_is_escaped(app_db: OpenSession, make_app: MakeApp,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RRT_PUBLIC_URL", PUBLIC)
    seeded = _seed(app_db)
    at = _part(make_app, seeded.officer, seeded.review_id)
    assert _table(at)["Agency"][0] == md_text(HOSTILE)
    at.selectbox(key="al_agency").set_value(seeded.hostile_id)
    at.button(key=ISSUE).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert f"A private link for {md_text(HOSTILE)} to its actions is issued." in [s.value for s in at.success]
    [warning] = [w for w in at.warning if "shown only this once" in w.value]
    assert md_text(HOSTILE) in warning.value and "<script>" not in warning.value
    assert "<script>" not in _texts(at)
