"""AppTest of the Agency returns page on the demo partnership: each agency's card is one line until opened, so a
review's checklist draws a bounded number of elements; opening a folded card draws its next step's form, and a save
in it works."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.enums import ReviewState
from db.models import Account, Review
from db.models_returns import AgencyReturn
from tests.app.returns_folds import card_folds, open_cards
from tests.conftest import DEMO_AS_OF
from tests.types import MakeApp, OpenSession

# Measured with scripts/bench_returns_page.py on the demo's review with the most agencies (6): 235 elements with every
# card drawn open (as before the cards were folded), 142 with the two most urgent open, 60 with every card folded.
# A hand-set bound between the folded page and the old one.
MOST_ELEMENTS = 160


def _elements(node: object) -> int:
    """Every node of AppTest's tree under `node`: each one delta Streamlit sends."""
    return sum(1 + _elements(child) for child in getattr(node, "children", {}).values())


def _biggest_live_review(app_db: OpenSession) -> tuple[Account, int, list[int]]:
    with app_db() as session:
        manager = session.scalars(select(Account).where(Account.username == "demo-manager")).one()
        review_id = session.scalars(
            select(Review.id).join(AgencyReturn, AgencyReturn.review_id == Review.id)
            .where(Review.state != ReviewState.CLOSED).group_by(Review.id)
            .order_by(func.count(AgencyReturn.id).desc(), Review.id).limit(1)).one()
        received = list(session.scalars(select(AgencyReturn.id).where(
            AgencyReturn.review_id == review_id, AgencyReturn.received_date.is_not(None)).order_by(AgencyReturn.id)))
        count = session.scalar(select(func.count(AgencyReturn.id)).where(AgencyReturn.review_id == review_id))
    assert count == 6  # the demo's biggest live review: six agencies asked
    return manager, review_id, received


def _checklist(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=DEMO_AS_OF).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/returns.py").run()
    assert not at.exception, at.exception
    return at


def _forms_of(at: AppTest, return_id: int) -> set[str]:
    keys = {str(b.key).split(":")[1].split("-")[0] for b in at.button if str(b.key).startswith("FormSubmitter:")}
    return {k for k in keys if k.startswith(f"r{return_id}_")}


@pytest.mark.demo_data
def test_the_checklist_draws_a_line_per_folded_card_and_opening_one_gives_its_form_that_saves(
        app_db: OpenSession, make_app: MakeApp) -> None:
    manager, review_id, received = _biggest_live_review(app_db)
    at = _checklist(make_app, manager, review_id)
    folds = card_folds(at)
    assert len(folds) == 6
    assert sorted(folds.values()) == [False, False, False, False, True, True]  # the two most urgent open
    assert _elements(at._tree) <= MOST_ELEMENTS

    # A folded card of a return received: no form is built until it is opened; opened, its forms are there, the
    # file location among them (the step after acceptance, or under 'More' before it).
    folded = [i for i in received if not folds[f"card_open_{i}"]]
    assert folded, "the demo review has a folded card of a return received"
    return_id = folded[0]
    assert _forms_of(at, return_id) == set()
    open_cards(at, return_id)
    assert card_folds(at)[f"card_open_{return_id}"] is True
    assert f"r{return_id}_file_form" in _forms_of(at, return_id)

    at.text_input(key=f"r{return_id}_file_path").input("I. Notification and scoping/Return.docx")
    at.button(key=f"FormSubmitter:r{return_id}_file_form-Save the file location").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with app_db() as session:
        assert session.get_one(AgencyReturn, return_id).file_path == "I. Notification and scoping/Return.docx"
    # The card stays open after its save, and says where the return is filed.
    assert card_folds(at)[f"card_open_{return_id}"] is True
    assert any("I. Notification and scoping/Return.docx" in c.value.replace("\\", "") for c in at.caption)
