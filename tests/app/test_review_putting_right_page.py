"""AppTest of putting a review right (issue 26): the open form's type has no default; the Review page's "Withdraw
or correct this review" section withdraws (manager) and corrects facts, shows the sentence and keeps the typing."""
import re
from datetime import date

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.models import Account, Review
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account, open_folded
from tests.types import MakeApp, OpenSession

MONDAY, TUESDAY = date(2026, 12, 7), date(2026, 12, 8)
WITHDRAW = "FormSubmitter:withdraw_review-Withdraw the review"
CORRECT = "FormSubmitter:correct_facts-Save the correction"


def _shown(text: object) -> str:
    return re.sub(r"\\(.)", r"\1", str(text))


def _seed(open_session: OpenSession) -> tuple[Account, Account, int]:
    officer = create_account(open_session, "officer", username="olly")
    manager = create_account(open_session, "manager", username="mandy")
    with open_session() as session, session.begin():
        review = open_review(session, session.merge(officer), notification_type="death", incident_date=None,
                             csc_aware_date=None, notification_received_date=MONDAY,
                             children=[ChildEntry("AB", 7)], as_of=MONDAY)
    return officer, manager, review.id


def _review_page(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=TUESDAY).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    open_folded(at, "put_right_open")
    return at


def _count_reviews(open_session: OpenSession) -> int:
    with open_session() as session:
        return session.scalars(select(func.count()).select_from(Review)).one()


def test_the_open_form_has_no_default_type_and_refuses_a_missing_one(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = create_account(app_db, "officer", username="olly")
    at = make_app(officer, as_of=TUESDAY).run()
    open_folded(at, "new_review_open")
    assert at.selectbox(key="nr_type").value is None
    at.date_input(key="nr_received").set_value(MONDAY)
    at.text_input(key="nr_initials_1").input("EF")
    at.text_input(key="nr_age_1").input("6")
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Choose the notification type: death, serious harm or other."]
    assert _count_reviews(app_db) == 0
    assert at.text_input(key="nr_initials_1").value == "EF"  # the typing stays
    at.selectbox(key="nr_type").set_value("serious_harm")
    at.button(key="FormSubmitter:new_review-Open review").click().run()
    assert _count_reviews(app_db) == 1


def test_the_manager_withdraws_a_review_and_it_reads_as_withdrawn(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, review_id = _seed(app_db)
    at = _review_page(make_app, manager, review_id)
    at.selectbox(key=f"wd_{review_id}_reason").set_value("duplicate")
    at.button(key=WITHDRAW).click().run()
    assert not at.exception
    banner = _shown(at.error[0].value)
    assert banner.startswith("**WITHDRAWN** on Tue 08 Dec 2026 by App manager. Reason: Duplicate of another review.")
    assert "put_right_open" not in [e.key for e in at.expander if getattr(e, "key", None)]
    assert not [b for b in at.button if b.key == WITHDRAW]  # nothing writes to it any more
    live = make_app(officer, as_of=TUESDAY).run()
    assert "There are no live reviews" in " ".join(i.value for i in live.info)


def test_withdrawing_for_other_without_words_shows_the_sentence_and_keeps_the_choice(app_db: OpenSession,
                                                                                     make_app: MakeApp) -> None:
    _, manager, review_id = _seed(app_db)
    at = _review_page(make_app, manager, review_id)
    at.selectbox(key=f"wd_{review_id}_reason").set_value("other")
    at.button(key=WITHDRAW).click().run()
    assert [e.value for e in at.error] == ["Say in the note why the review is withdrawn (the reason is 'other')."]
    assert at.selectbox(key=f"wd_{review_id}_reason").value == "other"
    with app_db() as session:
        assert session.get_one(Review, review_id).state == "open"


def test_an_officer_corrects_the_first_childs_initials_and_sees_the_old_reference(app_db: OpenSession,
                                                                                  make_app: MakeApp) -> None:
    officer, _, review_id = _seed(app_db)
    at = _review_page(make_app, officer, review_id)
    assert not [b for b in at.button if b.key == WITHDRAW]  # withdrawing is the manager's
    at.text_input(key=f"cf_{review_id}_initials_1").input("ac")
    at.text_input(key=f"cf_{review_id}_age_1").input("8")
    at.text_input(key=f"cf_{review_id}_reason").input("mistyped at opening")
    at.button(key=CORRECT).click().run()
    assert not at.exception
    assert at.title[0].value == "Review 071226AC"
    page = _shown(" ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption))
    assert "Former case references (still findable): 071226AB" in page
    assert "Initials of child 1: AB → AC, by App officer" in page
    assert "Case reference: 071226AB → 071226AC" in page


def test_a_correction_with_digits_in_the_initials_shows_the_sentence_and_keeps_the_typing(app_db: OpenSession,
                                                                                          make_app: MakeApp) -> None:
    officer, _, review_id = _seed(app_db)
    at = _review_page(make_app, officer, review_id)
    at.text_input(key=f"cf_{review_id}_initials_1").input("A1")
    at.text_input(key=f"cf_{review_id}_reason").input("typo")
    at.button(key=CORRECT).click().run()
    assert "is not a set of initials" in _shown(at.error[0].value)
    assert at.text_input(key=f"cf_{review_id}_initials_1").value == "A1"
    with app_db() as session:
        assert session.get_one(Review, review_id).case_reference == "071226AB"
