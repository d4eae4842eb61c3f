"""AppTest of the Actions page and the Review page's recommendations on a real, committed database: the by-agency
summary comes first, the filters narrow the list, an opened action takes evidence (blank text refused, kept as
typed), the Manager accepts it; an officer adds a recommendation under a hostile text and sees it escaped; the Board
never opens the page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from db.models import Account, Agency
from services.actions.service import add_action, add_recommendation, give_evidence
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account, open_folded
from tests.types import MakeApp, OpenSession
from ui.navigation import page_keys_for
from ui.widgets import md_text

RECEIVED = date(2026, 11, 18)  # Wed
AS_OF = date(2026, 11, 26)  # Thu
HOSTILE = "<script>alert(1)</script> Learn [more](http://x.example)"
EVIDENCE_BUTTON = "FormSubmitter:ac_evidence_{}-Give the evidence: the action is done"


@dataclass(frozen=True)
class Seeded:
    officer: Account
    manager: Account
    board: Account
    review_id: int
    late_id: int
    done_id: int


def _seed(app_db: OpenSession) -> Seeded:
    officer = create_account(app_db, "officer", username="olly")
    manager = create_account(app_db, "manager", username="mandy")
    board = create_account(app_db, "board", username="bob")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        police = Agency(name="Demoshire Police", kind="police", active=True)
        health = Agency(name="Demoshire Health", kind="health", active=True)
        session.add_all([police, health])
        session.flush()
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 11, 16),
                             csc_aware_date=date(2026, 11, 17), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        rec = add_recommendation(session, actor, review_id=review.id, source="rapid_review",
                                 text="Share the learning.", made_on=date(2026, 11, 20), as_of=AS_OF)
        late = add_action(session, actor, recommendation_id=rec, agency_id=police.id, owner_account_id=None,
                          owner_name="J Smith", owner_email=None, description="Brief every team.",
                          due_on=date(2026, 11, 24), impact_check_on=None)
        done = add_action(session, actor, recommendation_id=rec, agency_id=health.id, owner_account_id=officer.id,
                          owner_name=None, owner_email=None, description="Audit the records.",
                          due_on=date(2026, 12, 10), impact_check_on=None)
        give_evidence(session, actor, action_id=done, expected_version=1, evidence="Audit done.", as_of=AS_OF)
        return Seeded(officer, manager, board, review.id, late, done)


def _actions_page(make_app: MakeApp, account: Account) -> AppTest:
    at = make_app(account, as_of=AS_OF)
    at.run()
    at.switch_page("pages/actions.py").run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, key_column: str) -> dict[str, list[str]]:
    [table] = [t for t in at.table if key_column in t.value.columns]
    return {column: [str(c) for c in table.value[column]] for column in table.value.columns}


def test_the_summary_comes_first_and_the_filters_narrow_the_list(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _actions_page(make_app, seeded.manager)
    assert [h.value for h in at.subheader] == ["By agency", "The actions"]
    summary = _table(at, "Done on time")
    assert summary == {"Agency": ["Demoshire Health", "Demoshire Police"], "Actions": ["1", "1"],
                       "Overdue": ["0", "1"], "Done on time": ["1", "0"], "Evidenced": ["0", "0"],
                       "Impact checked": ["0", "0"]}
    rows = _table(at, "Why")
    assert rows["Action"] == ["Brief every team\\.", "Audit the records\\."]
    assert rows["Why"][0] == md_text("Overdue: it was due Tue 24 Nov 2026, before today.")
    at.checkbox(key="ac_overdue").check().run()
    assert _table(at, "Why")["Action"] == ["Brief every team\\."]


def test_evidence_is_given_then_accepted_by_the_manager(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _actions_page(make_app, seeded.officer)
    at.selectbox(key="ac_open").set_value(seeded.late_id).run()
    at.text_area(key=f"ac_ev_text_{seeded.late_id}").input("   ")
    at.button(key=EVIDENCE_BUTTON.format(seeded.late_id)).click().run()
    assert [e.value for e in at.error] == [
        "Say what was done: evidence needs text (documents may come with it, not instead of it)."]
    at.text_area(key=f"ac_ev_text_{seeded.late_id}").input("Briefings held <b>in full</b>.")
    at.button(key=EVIDENCE_BUTTON.format(seeded.late_id)).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Evidence round 1 given for action {seeded.late_id}."]
    assert not any(b.key == f"ac_accept_{seeded.late_id}" for b in at.button)  # an officer cannot accept

    at = _actions_page(make_app, seeded.manager)
    at.selectbox(key="ac_open").set_value(seeded.late_id).run()
    assert any(md_text("Briefings held <b>in full</b>.") in m.value for m in at.markdown)
    at.button(key=f"ac_accept_{seeded.late_id}").click().run()
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"The evidence for action {seeded.late_id} is accepted."]
    assert _table(at, "Done on time")["Evidenced"] == ["0", "1"]


def test_the_board_never_opens_the_actions_page(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    assert "actions" not in page_keys_for(["board"])
    at = make_app(seeded.board, as_of=AS_OF)
    at.run()
    assert "Actions" not in [t.value for t in at.title]
    # Run as a file of its own (Streamlit's older "pages/ folder" mode), the page's own gate stops the Board.
    direct = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "pages" / "actions.py"), default_timeout=90)
    direct.session_state["account_id"] = seeded.board.id
    direct.session_state["as_of"] = AS_OF
    direct.run()
    assert not direct.table, "the Board saw the register"


def test_an_officer_adds_a_recommendation_on_the_review_page(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = make_app(seeded.officer, as_of=AS_OF)
    at.run()
    at.query_params["review"] = str(seeded.review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    open_folded(at, "rr_recs_open")
    at.selectbox(key="rr_rec_source").set_value("panel_response")
    at.text_area(key="rr_rec_text").input(HOSTILE)
    at.date_input(key="rr_rec_made").set_value(date(2026, 11, 27))
    at.button(key="FormSubmitter:rr_add_recommendation-Add the recommendation").click().run()
    assert [e.value for e in at.error] == [
        "The recommendation cannot be made in the future: Fri 27 Nov 2026 is after today."]
    assert at.text_area(key="rr_rec_text").value == HOSTILE
    at.date_input(key="rr_rec_made").set_value(AS_OF)
    at.button(key="FormSubmitter:rr_add_recommendation-Add the recommendation").click().run()
    assert not at.error, [e.value for e in at.error]
    shown = [m.value for m in at.markdown if m.value.startswith("**") and "National Panel" in m.value]
    assert len(shown) == 1 and "<script>" not in shown[0] and "\\<script\\>" in shown[0]
