"""AppTest of the LCSPR on the Review page, the Live reviews page and the Administration page's Settings tab, on a
real committed database: the manager starts it, the officer records a step (a refusal keeps the typing; a hostile
name is shown escaped), the JCR Chair reads it with no form, the live list shows it as stage "LCSPR", and the admin
changes a timescale (a refused one keeps the typing)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Setting
from db.models_after import Lcspr
from services.report import record_lcspr_decision
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.widgets import md_text

RECEIVED = date(2026, 11, 30)  # Mon
DECIDED = date(2026, 12, 2)  # Wed
AS_OF = date(2026, 12, 16)  # Wed
HOSTILE = "<script>alert(1)</script> [Dr](http://x.example) Reviewer"
START = "FormSubmitter:lcspr_start-Start the LCSPR"
RECORD = "FormSubmitter:lcspr_step-Record the step"


@dataclass(frozen=True)
class Seeded:
    manager: Account
    officer: Account
    chair: Account
    review_id: int
    reference: str


def _seed(app_db: OpenSession) -> Seeded:
    manager = create_account(app_db, "manager", username="morgan")
    officer = create_account(app_db, "officer", username="olly")
    chair = create_account(app_db, "chair", username="charlie")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 11, 27),
                             csc_aware_date=date(2026, 11, 27), notification_received_date=RECEIVED,
                             children=[ChildEntry("QZ", 6)], as_of=RECEIVED)
        record_lcspr_decision(session, actor, review_id=review.id, expected_version=None, decision=True,
                              reason="The criteria are met.")
        return Seeded(manager, officer, chair, review.id, review.case_reference)


def _review_page(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=AS_OF)
    at.run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    return at


def _steps_table(at: AppTest) -> dict[str, list[str]]:
    [table] = [t for t in at.table if "Step" in t.value.columns]
    return {column: list(table.value[column]) for column in table.value.columns}


def _start(make_app: MakeApp, seeded: Seeded) -> AppTest:
    at = _review_page(make_app, seeded.manager, seeded.review_id)
    at.date_input(key="lc_decided").set_value(DECIDED)
    at.button(key=START).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def test_the_manager_starts_the_lcspr_and_sees_its_steps(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _start(make_app, seeded)
    assert [s.value for s in at.success] == [f"{md_text(seeded.reference)} is now an LCSPR."]
    table = _steps_table(at)
    assert table["Step"][0] == "Reviewer commissioned" and len(table["Step"]) == 8
    # Wed 2 Dec + 20 working days (over Christmas and New Year) -> Mon 4 Jan 2027; green on Wed 16 Dec.
    assert table["Due"][0] == "Mon 4 Jan"
    assert table["Status"][0] == ":green-badge[GREEN]"
    with app_db() as session:
        assert session.scalars(select(Lcspr.decided_on)).one() == DECIDED


def test_the_officer_records_a_step_a_refusal_keeps_the_typing(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    _start(make_app, seeded)
    at = _review_page(make_app, seeded.officer, seeded.review_id)
    assert not [b for b in at.button if b.key == START]
    at.selectbox(key="lc_step").set_value("reviewer_commissioned")
    at.date_input(key="lc_date").set_value(date(2026, 12, 14))
    at.button(key=RECORD).click().run()
    assert [e.value for e in at.error] == ["Give the reviewer's name."]
    at.text_input(key="lc_reviewer").input(HOSTILE)
    at.date_input(key="lc_date").set_value(date(2026, 12, 1))
    at.button(key=RECORD).click().run()
    assert any("cannot be before the decision" in e.value for e in at.error)
    assert at.text_input(key="lc_reviewer").value == HOSTILE
    at.date_input(key="lc_date").set_value(date(2026, 12, 14))
    at.button(key=RECORD).click().run()
    assert not at.error, [e.value for e in at.error]
    table = _steps_table(at)
    assert (table["Done"][0], table["Status"][0]) == ("Mon 14 Dec", ":blue-badge[COMPLETE]")
    shown = [m.value for m in at.markdown]
    assert any(md_text(HOSTILE) in m for m in shown)
    assert not [m for m in shown if "<script>" in m or "](http" in m]


def test_the_chair_reads_the_lcspr_with_no_form(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    _start(make_app, seeded)
    at = _review_page(make_app, seeded.chair, seeded.review_id)
    assert len(_steps_table(at)["Step"]) == 8
    assert not [b for b in at.button if str(b.key).startswith("FormSubmitter:lcspr")]


def test_the_live_list_shows_the_lcspr_as_its_stage(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    _start(make_app, seeded)
    at = make_app(seeded.chair, as_of=date(2027, 1, 5))
    at.run()
    at.switch_page("pages/live_reviews.py").run()
    assert not at.exception, at.exception
    [table] = [t for t in at.table if "Stage" in t.value.columns]
    row = {column: list(table.value[column]) for column in table.value.columns}
    assert row["Stage"] == ["LCSPR"] and row["Status"] == [":red-badge[RED]"]
    assert row["Why"] == [md_text("1 step overdue: Reviewer commissioned (Mon 04 Jan)")]


def test_the_admin_changes_an_lcspr_timescale(app_db: OpenSession, make_app: MakeApp) -> None:
    admin = create_account(app_db, "admin", username="app-admin")
    at = make_app(admin).run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    assert at.number_input(key="lt_lcspr_completion_months").value == 6
    assert at.number_input(key="lt_lcspr_copies_before_days").value == 7
    at.number_input(key="lt_lcspr_copies_before_days").set_value(40)
    at.button(key="FormSubmitter:lcspr_timescales-Save the LCSPR timescales").click().run()
    assert any("at least the copies' working days" in e.value for e in at.error)
    assert at.number_input(key="lt_lcspr_copies_before_days").value == 40
    at.number_input(key="lt_lcspr_copies_before_days").set_value(10)
    at.button(key="FormSubmitter:lcspr_timescales-Save the LCSPR timescales").click().run()
    assert not at.error, [e.value for e in at.error]
    with app_db() as session:
        setting = session.get(Setting, 1)
        assert setting is not None and setting.lcspr_copies_before_days == 10
