"""The Review page against lost updates (issue 11): the agreed-date and delegation forms are versioned, so a save
refused because someone else saved first keeps what was typed and shows the other person's values."""
from datetime import date

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Review, ReviewMilestone
from services.reviews.service import set_agreed_date
from tests.app.conftest import create_account, open_folded
from tests.app.test_live_and_review_pages import AS_OF, _seed
from tests.types import MakeApp, OpenSession


def _open_review_page(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=AS_OF).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    open_folded(at, "agreed_date_open", "delegate_open")  # the two forms these tests use
    assert not at.exception, at.exception
    return at


def _meeting(app_db: OpenSession) -> tuple[int, int]:
    with app_db() as session:
        review_id = session.scalars(select(Review.id).where(Review.case_reference == "211226CD")).one()
        meeting_id = session.scalars(select(ReviewMilestone.id).where(
            ReviewMilestone.review_id == review_id, ReviewMilestone.key == "rr_meeting")).one()
    return review_id, meeting_id


def test_a_stale_agreed_date_save_keeps_the_typed_reason_and_shows_the_saved_date(app_db: OpenSession,
                                                                                  make_app: MakeApp) -> None:
    _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    review_id, meeting_id = _meeting(app_db)
    at = _open_review_page(make_app, manager, review_id)
    at.selectbox(key="ad_milestone").set_value(meeting_id).run()
    typed = "Chair on leave until the 11th; agreed by phone with the police lead. " * 5
    at.date_input(key=f"ad_{meeting_id}_on").set_value(date(2027, 1, 11))
    at.text_input(key=f"ad_{meeting_id}_reason").input(typed)
    # Someone else agrees another date meanwhile.
    with app_db() as session, session.begin():
        set_agreed_date(session, session.get(Account, manager.id), milestone_id=meeting_id, expected_version=None,
                        agreed_on=date(2027, 1, 8), reason="Panel room booked.")
    at.button(key="FormSubmitter:agreed_date-Save the agreed date").click().run()
    assert not at.exception
    assert "was changed by someone else since you opened it" in at.error[0].value
    assert at.text_input(key=f"ad_{meeting_id}_reason").value == typed
    assert at.date_input(key=f"ad_{meeting_id}_on").value == date(2027, 1, 11)
    assert at.code[-1].value == "Agreed date: Fri 08 Jan 2027"
    with app_db() as session:
        assert session.get_one(ReviewMilestone, meeting_id).agreed_due_date == date(2027, 1, 8)
    # Saving again is deliberate: it goes over the other date.
    at.button(key="FormSubmitter:agreed_date-Save the agreed date").click().run()
    assert "Agreed date saved for Rapid Review meeting held." in [s.value for s in at.success]
    with app_db() as session:
        assert session.get_one(ReviewMilestone, meeting_id).agreed_due_date == date(2027, 1, 11)


def test_an_agreed_date_in_2100_is_refused_with_a_sentence_and_the_typing_kept(app_db: OpenSession,
                                                                               make_app: MakeApp) -> None:
    _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    review_id, meeting_id = _meeting(app_db)
    at = _open_review_page(make_app, manager, review_id)
    at.selectbox(key="ad_milestone").set_value(meeting_id).run()
    at.date_input(key=f"ad_{meeting_id}_on").set_value(date(2030, 1, 1))
    at.text_input(key=f"ad_{meeting_id}_reason").input("Typo in the year.")
    at.button(key="FormSubmitter:agreed_date-Save the agreed date").click().run()
    assert [e.value for e in at.error] == [
        "The agreed date (01 Jan 2030) is more than a year after the notification was received (21 Dec 2026): "
        "give a date on or before 21 Dec 2027."]
    assert at.text_input(key=f"ad_{meeting_id}_reason").value == "Typo in the year."


def test_a_stale_delegation_is_refused_not_overwritten(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = _seed(app_db)
    manager = create_account(app_db, "manager", username="pat")
    review_id, meeting_id = _meeting(app_db)
    first = _open_review_page(make_app, manager, review_id)
    second = _open_review_page(make_app, manager, review_id)
    for at in (first, second):
        at.selectbox(key="dg_milestone").set_value(meeting_id).run()
    second.selectbox(key=f"dg_{meeting_id}_account").set_value(officer.id)
    second.button(key="FormSubmitter:delegate-Save the delegation").click().run()
    assert "Delegation saved for Rapid Review meeting held." in [s.value for s in second.success]
    first.selectbox(key=f"dg_{meeting_id}_account").set_value(manager.id)
    first.button(key="FormSubmitter:delegate-Save the delegation").click().run()
    assert "was changed by someone else since you opened it" in first.error[0].value
    assert first.selectbox(key=f"dg_{meeting_id}_account").value == manager.id
    assert first.code[-1].value == "Delegated to: App officer"
    with app_db() as session:
        assert session.get_one(ReviewMilestone, meeting_id).delegated_to_id == officer.id
