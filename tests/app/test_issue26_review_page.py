"""AppTest of the Review page for issue 26: steps with evidence are not offered as hand ticks; the Manager records
one done outside the product with a reason, shown as such; the executive findings meeting reads "not decided yet"
until the Chair decides."""
from datetime import date

from sqlalchemy import select

from db.models import Review, ReviewMilestone
from tests.app.conftest import create_account
from tests.app.test_live_and_review_pages import _milestone_rows, _review_page, _seed
from tests.types import MakeApp, OpenSession

SCOPING = "Scoping forms sent (returns due in 5 working days)"
EXEC_MEETING = "Executive findings meeting with the AD/DCS held"


def _review_id(app_db: OpenSession) -> int:
    with app_db() as session:
        return session.scalars(select(Review.id).where(Review.case_reference == "181226AB")).one()


def test_the_exec_meeting_reads_not_decided_yet_and_evidence_steps_are_not_ticked(app_db: OpenSession,
                                                                                  make_app: MakeApp) -> None:
    officer = _seed(app_db)
    at = _review_page(make_app, officer, _review_id(app_db))
    assert not at.exception
    assert _milestone_rows(at)[EXEC_MEETING]["Status"] == ":gray-badge[NOT DECIDED YET]"
    assert any("Executive findings meeting with the AD/DCS: not decided yet" in m.value for m in at.markdown)
    offered = at.selectbox(key="md_milestone").options
    assert "Case folder created" in offered
    for title in (SCOPING, "Agency returns received, checked and accepted"):
        assert title not in offered
    # The officer gets no "done outside the product" form.
    assert "Record a step done outside the product (Partnership Manager)" not in [e.label for e in at.expander]


def test_the_manager_records_a_step_done_outside_the_product(app_db: OpenSession, make_app: MakeApp) -> None:
    _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    review_id = _review_id(app_db)
    at = _review_page(make_app, manager, review_id, "outside_open")
    with app_db() as session:
        scoping_id = session.scalars(select(ReviewMilestone.id).where(
            ReviewMilestone.review_id == review_id, ReviewMilestone.key == "scoping_sent")).one()
    at.selectbox(key="mo_milestone").set_value(scoping_id)
    at.date_input(key="mo_date").set_value(date(2026, 12, 18))
    at.button(key="FormSubmitter:milestone_done_outside-Record as done outside the product").click().run()
    assert at.error and "Say why 'Scoping forms sent" in at.error[0].value
    at.text_area(key="mo_reason").set_value("Sent from the previous officer's mailbox.")
    at.button(key="FormSubmitter:milestone_done_outside-Record as done outside the product").click().run()
    assert not at.error, [e.value for e in at.error]
    row = _milestone_rows(at)[SCOPING]
    assert row["Done"] == "Fri 18 Dec by App manager, done outside the product"
    assert row["Note"] == "Done outside the product: Sent from the previous officer's mailbox."
