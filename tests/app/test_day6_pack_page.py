"""AppTest of the Agency returns page on a real committed database (tests/agency_scenarios.py): the Day 6 pack's
download button, built only when clicked; and the report's summary started from an accepted return that came through
the agency's link, saved only when the officer saves it, never over what the officer typed."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency
from db.models_returns import AgencyReturn
from services.agency_exchange import record_forms_sent_with_links
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.agency_scenarios import FRI_18_DEC, WED_23_DEC, Day6Scenario, day6_scenario
from tests.app.conftest import create_account
from tests.app.test_returns_page import _open_checklist
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import deferred_download_callables

PACK_LABEL = "Download the Day 6 pack (Word)"
START = "Start the summary from the return"
# Hand-worked from the scenario: the police's involvement and analysis of round 2, each under its heading.
POLICE_DRAFT = ("The agency's involvement with the child and family:\nTwo call-outs to the home; one referral to "
                "CSC.\n\nAnalysis of practice:\nThe second call-out was not linked to the first.")


def _seed(open_session: OpenSession) -> tuple[dict[str, Account], Day6Scenario]:
    accounts = {role: create_account(open_session, role, username=f"day6-{role}")
                for role in ("officer", "manager", "chair")}
    with open_session() as session, session.begin():
        scenario = day6_scenario(session, session.merge(accounts["officer"]), session.merge(accounts["manager"]))
    return accounts, scenario


def _page(make_app: MakeApp, account: Account, review_id: int, *, cards_open: bool = True) -> AppTest:
    at: AppTest = _open_checklist(make_app, account, review_id, as_of=WED_23_DEC, table_open=False,
                                  cards_open=cards_open)
    assert not at.error, [e.value for e in at.error]
    return at


def _summary(open_session: OpenSession, return_id: int) -> str | None:
    with open_session() as session:
        ret = session.get(AgencyReturn, return_id)
        assert ret is not None
        return ret.summary


def _start_button_keys(at: AppTest) -> list[str]:
    return [str(b.key) for b in at.button if str(b.key).endswith(f"_summary_form-{START}")]


@pytest.mark.parametrize("role", ["officer", "chair"])
def test_the_day6_pack_downloads_when_clicked(app_db: OpenSession, make_app: MakeApp, role: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    deferred: list[Callable[[], Any]] = deferred_download_callables(monkeypatch)
    accounts, scenario = _seed(app_db)
    at = _page(make_app, accounts[role], scenario.review_id, cards_open=False)  # one run: one pack offered
    assert len([b for b in at.get("download_button") if str(b.proto.label) == PACK_LABEL]) == 1
    assert "(3 of 4 accepted; 1 not accepted yet, listed at its end)" in " ".join(
        c.value for c in at.caption)
    # Built only when clicked, as Streamlit calls it (another thread, outside a run of the page), as the account.
    files = [data for data in (d() for d in deferred) if isinstance(data, bytes) and data.startswith(b"PK")]
    assert len(files) == 1
    paragraphs = [p.text for p in Document(io.BytesIO(files[0])).paragraphs]
    assert [p for p in paragraphs if p[:2] in ("1.", "2.", "3.", "4.")] == [
        "1. Demoshire Police", "2. GP practices", "3. Schools"]
    assert paragraphs[-1] == "Youth Offending Service: awaiting the return, due Tue 29 Dec 2026"
    assert "Case reference: 181226AB" in paragraphs


def test_no_pack_is_offered_before_a_return_is_accepted(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = create_account(app_db, "officer", username="day6-early")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        agency = Agency(name="Ambulance Service", kind="health", active=True)
        session.add(agency)
        session.flush()
        review = open_review(session, actor, notification_type="death", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=FRI_18_DEC,
                             children=[ChildEntry("CD", 2)], as_of=FRI_18_DEC)
        record_forms_sent_with_links(session, actor, review_id=review.id, agency_ids=[agency.id],
                                     requested_on=FRI_18_DEC, as_of=FRI_18_DEC)
    at = _page(make_app, officer, review.id)
    assert not [b for b in at.get("download_button") if str(b.proto.label) == PACK_LABEL]
    assert any("is offered here once a return is accepted" in c.value for c in at.caption)


def test_the_summary_starts_from_the_return_and_is_saved_only_by_the_officer(app_db: OpenSession,
                                                                           make_app: MakeApp) -> None:
    accounts, scenario = _seed(app_db)
    at = _page(make_app, accounts["officer"], scenario.review_id)
    # Offered on the accepted returns that came through a link (not the one by email, not the one not accepted).
    assert sorted(_start_button_keys(at)) == sorted(f"FormSubmitter:r{i}_summary_form-{START}"
                                                    for i in (scenario.police, scenario.gp))
    at.button(key=f"FormSubmitter:r{scenario.police}_summary_form-{START}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.text_area(key=f"r{scenario.police}_summary_text").value == POLICE_DRAFT
    assert any("Nothing is saved until you do." in i.value for i in at.info)
    assert _summary(app_db, scenario.police) is None  # a draft in the box, nothing saved

    edited = POLICE_DRAFT + "\nThe officer's own sentence."
    at.text_area(key=f"r{scenario.police}_summary_text").input(edited)
    at.button(key=f"FormSubmitter:r{scenario.police}_summary_form-Save the summary").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _summary(app_db, scenario.police) == edited
    # Saved: no longer offered on that card.
    assert f"FormSubmitter:r{scenario.police}_summary_form-{START}" not in _start_button_keys(at)


def test_starting_the_summary_never_replaces_what_was_typed(app_db: OpenSession, make_app: MakeApp) -> None:
    accounts, scenario = _seed(app_db)
    at = _page(make_app, accounts["officer"], scenario.review_id)
    box = f"r{scenario.gp}_summary_text"
    at.text_area(key=box).input("My own words so far.")
    at.button(key=f"FormSubmitter:r{scenario.gp}_summary_form-{START}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.text_area(key=box).value == "My own words so far."
    assert any("nothing you typed is replaced" in i.value for i in at.info)
    at.run()
    assert at.text_area(key=box).value == "My own words so far."
    assert _summary(app_db, scenario.gp) is None
