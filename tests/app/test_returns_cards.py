"""What a save in one agency return's card redraws (pages/returns_parts/return_cards.py): the card alone, unless
the page around it shows something of the return that the save changed. The browser test
(tests/e2e/test_returns_browser.py) shows the card rerunning alone; here, what counts as a change to the page, and
the table drawn only while open."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from db.models import Account
from pages.returns_parts.return_cards import CardPage, outside_view
from services.returns.chasing import record_chase
from services.returns.reads import ReturnStatus, list_returns
from services.returns.rules import CardStep
from services.returns.service import record_initial_check, record_summary, set_return_agreed_date
from services.returns.service_receipts import record_return_received
from tests.app.test_returns_page import AS_OF, YES, _open_checklist, _return_id, _seed
from tests.types import MakeApp, OpenSession


def _page(review_id: int, *, batched: frozenset[CardStep] = frozenset(), table_open: bool = False) -> CardPage:
    return CardPage(review_id=review_id, as_of=AS_OF, writable=True, is_manager=False, batched=batched,
                    table_open=table_open)


def test_what_a_save_changes_on_the_page_outside_the_card(app_db: OpenSession) -> None:
    officer, manager, _, review_id = _seed(app_db)
    police, gp = _return_id(app_db, "Demoshire Police"), _return_id(app_db, "GP practices")

    Statuses = dict[int, ReturnStatus]  # the review's returns by id, as the page read them

    def step(account: Account, fn: Callable[..., object], **kwargs: object) -> tuple[Statuses, Statuses]:
        """The two returns as the page read them before and after one save."""
        with app_db() as session, session.begin():
            actor = session.get(Account, account.id)
            before = {s.ret.id: s for s in list_returns(session, actor, review_id=review_id, as_of=AS_OF)}
            fn(session, actor, **kwargs)
            after = {s.ret.id: s for s in list_returns(session, actor, review_id=review_id, as_of=AS_OF)}
        return before, after

    def changed(before: Statuses, after: Statuses, return_id: int, page: CardPage) -> bool:
        return outside_view(before[return_id], page) != outside_view(after[return_id], page)

    closed, table_open = _page(review_id), _page(review_id, table_open=True)
    receipts_batched = _page(review_id, batched=frozenset({CardStep.RECEIPT}))

    # A receipt moves the counts and the review's RAG (and the return's step): the page.
    before, after = step(officer, record_return_received, return_id=police, expected_version=None,
                         received_on=AS_OF, signed_by_senior_manager=True, signatory_role="DCI", as_of=AS_OF)
    assert changed(before, after, police, closed)
    # A summary: nothing outside the card, unless the table (which shows it) is open.
    before, after = step(officer, record_summary, return_id=police, expected_version=None,
                         summary="Shared the minutes.")
    assert not changed(before, after, police, closed)
    assert changed(before, after, police, table_open)
    # A chase: only the table's 'Chased' column.
    before, after = step(officer, record_chase, return_id=gp, as_of=AS_OF)
    assert not changed(before, after, gp, closed)
    assert changed(before, after, gp, table_open)
    # A later agreed date on a return not late: same RAG and step; but a batch form holding the return saves it
    # against its version, which moved, so the page redraws the batch when the return is in one.
    before, after = step(manager, set_return_agreed_date, return_id=gp, expected_version=None,
                         agreed_on=date(2027, 1, 8), reason="Agreed by phone.")
    assert not changed(before, after, gp, closed)
    assert changed(before, after, gp, receipts_batched)
    # The initial check: the return's stage and step move on.
    before, after = step(officer, record_initial_check, return_id=police, expected_version=None, checked_on=AS_OF,
                         outcome="satisfactory", as_of=AS_OF, **YES)
    assert changed(before, after, police, closed)


def test_the_checklist_table_is_drawn_only_while_open(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db)
    at = _open_checklist(make_app, officer, review_id, table_open=False)
    assert not at.dataframe and not [b for b in at.button if b.key == "export_prepare"]
    at.session_state["checklist_table_open"] = True  # as the user opens it
    at.run()
    assert sorted(at.dataframe[0].value["Agency"]) == ["Demoshire Police", "GP practices"]
    assert [b.key for b in at.button if b.key == "export_prepare"] == ["export_prepare"]
