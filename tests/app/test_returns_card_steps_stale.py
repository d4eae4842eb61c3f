"""Two people on the same return card: the second save of a step someone else recorded meanwhile is refused with a
sentence, keeps what was typed and shows what was saved beside it (the card used to draw the next step's form
instead, so the second click and its typing vanished without a word)."""
from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from db.models import Account
from db.models_returns import AgencyReturn
from services.returns.service import record_final_qa, record_initial_check, record_shared_with_chair
from services.returns.service_receipts import record_return_received
from tests.app.test_returns_page import AS_OF, YES, _open_checklist, _return_id, _seed, _submit
from tests.types import CheckAnswers, MakeApp, OpenSession

STALE = "was changed by someone else since you opened it"


def _received(app_db: OpenSession, account: Account, ret_id: int, *, role: str = "DCI") -> None:
    with app_db() as session, session.begin():
        record_return_received(session, session.get(Account, account.id), return_id=ret_id, expected_version=None,
                               received_on=AS_OF, signed_by_senior_manager=True, signatory_role=role, as_of=AS_OF)


def _checked(app_db: OpenSession, account: Account, ret_id: int, *, outcome: str = "satisfactory",
             answers: CheckAnswers = YES) -> None:
    with app_db() as session, session.begin():
        record_initial_check(session, session.get(Account, account.id), return_id=ret_id, expected_version=None,
                             checked_on=AS_OF, outcome=outcome, as_of=AS_OF, **answers)


def _return(app_db: OpenSession, ret_id: int) -> AgencyReturn:
    with app_db() as session:
        ret = session.get_one(AgencyReturn, ret_id)
        session.expunge(ret)
        return ret


def _refused(at: AppTest) -> str:
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and STALE in errors[0], errors
    return errors[0]


def test_a_receipt_recorded_meanwhile_refuses_the_second_and_keeps_its_typing(app_db: OpenSession,
                                                                              make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    first = _open_checklist(make_app, officer, review_id)
    second = _open_checklist(make_app, manager, review_id)
    # The officer records it through the page, the manager fills the same card meanwhile.
    first.radio(key=f"r{ret_id}_receipt_signed").set_value("yes")
    first.text_input(key=f"r{ret_id}_receipt_role").input("DCI")
    _submit(first, ret_id, "receipt_form", "Record the return received")
    assert "Return from Demoshire Police recorded as received." in [s.value for s in first.success]
    second.date_input(key=f"r{ret_id}_receipt_received_on").set_value(date(2026, 12, 21))
    second.radio(key=f"r{ret_id}_receipt_signed").set_value("no")
    second.text_input(key=f"r{ret_id}_receipt_role").input("Head of Service")
    _submit(second, ret_id, "receipt_form", "Record the return received")
    _refused(second)
    assert second.date_input(key=f"r{ret_id}_receipt_received_on").value == date(2026, 12, 21)
    assert second.radio(key=f"r{ret_id}_receipt_signed").value == "no"
    assert second.text_input(key=f"r{ret_id}_receipt_role").value == "Head of Service"
    assert "received Tue 22 Dec 2026 (signed: DCI)" in second.code[-1].value
    ret = _return(app_db, ret_id)
    assert (ret.received_date, ret.signatory_role) == (AS_OF, "DCI")
    # The typing stays on a later run until put away.
    second.run()
    assert second.text_input(key=f"r{ret_id}_receipt_role").value == "Head of Service"
    second.button(key=f"r{ret_id}_put_away").click().run()
    assert not [w for w in second.text_input if w.key == f"r{ret_id}_receipt_role"]
    assert not second.error


def test_a_resubmission_recorded_meanwhile_refuses_the_second(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    _received(app_db, officer, ret_id)
    _checked(app_db, officer, ret_id)
    with app_db() as session, session.begin():
        record_final_qa(session, session.get(Account, manager.id), return_id=ret_id, expected_version=None,
                        decided_on=AS_OF, outcome="sent back", reason="Please sign it.",
                        new_due_date=date(2026, 12, 29), as_of=AS_OF)
    first = _open_checklist(make_app, officer, review_id)
    second = _open_checklist(make_app, manager, review_id)
    first.radio(key=f"r{ret_id}_receipt_signed").set_value("yes")
    first.text_input(key=f"r{ret_id}_receipt_role").input("Superintendent")
    _submit(first, ret_id, "receipt_form", "Record the resubmission received")
    assert not first.error, [e.value for e in first.error]
    second.radio(key=f"r{ret_id}_receipt_signed").set_value("yes")
    second.text_input(key=f"r{ret_id}_receipt_role").input("Chief Inspector")
    _submit(second, ret_id, "receipt_form", "Record the resubmission received")
    _refused(second)
    assert second.text_input(key=f"r{ret_id}_receipt_role").value == "Chief Inspector"
    assert "resubmitted Tue 22 Dec 2026" in second.code[-1].value
    assert _return(app_db, ret_id).signatory_role == "Superintendent"


def test_an_initial_check_recorded_meanwhile_refuses_the_second(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    _received(app_db, officer, ret_id)
    first = _open_checklist(make_app, officer, review_id)
    second = _open_checklist(make_app, manager, review_id)
    _submit(first, ret_id, "check_form", "All four yes: record it as satisfactory")
    assert not first.error, [e.value for e in first.error]
    second.radio(key=f"r{ret_id}_check_sufficient_information").set_value("no")
    second.text_area(key=f"r{ret_id}_check_note").input("No chronology.")
    _submit(second, ret_id, "check_form", "Record the initial check")
    _refused(second)
    assert second.radio(key=f"r{ret_id}_check_sufficient_information").value == "no"
    assert second.text_area(key=f"r{ret_id}_check_note").value == "No chronology."
    assert "checked Tue 22 Dec 2026 (satisfactory" in second.code[-1].value
    assert _return(app_db, ret_id).check_sufficient_information is True
    # Untouched, the one-click check of the second person is refused as well (not recorded twice).
    third = _open_checklist(make_app, manager, review_id)
    assert not [b for b in third.button if "check_form" in str(b.key)]


def test_an_untouched_one_click_step_recorded_meanwhile_is_refused_not_dropped(app_db: OpenSession,
                                                                               make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    _received(app_db, officer, ret_id)
    _checked(app_db, officer, ret_id)
    first = _open_checklist(make_app, officer, review_id)
    second = _open_checklist(make_app, manager, review_id)
    _submit(first, ret_id, "share_form", "Record shared with the JCR Chair")
    assert not first.error, [e.value for e in first.error]
    _submit(second, ret_id, "share_form", "Record shared with the JCR Chair")
    _refused(second)
    assert "shared with the JCR Chair Tue 22 Dec 2026" in second.code[-1].value


def test_a_final_qa_recorded_meanwhile_refuses_the_second(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    _received(app_db, officer, ret_id)
    _checked(app_db, officer, ret_id)
    with app_db() as session, session.begin():
        record_shared_with_chair(session, session.get(Account, officer.id), return_id=ret_id, expected_version=None,
                                 shared_on=AS_OF, as_of=AS_OF)
    first = _open_checklist(make_app, manager, review_id)
    second = _open_checklist(make_app, manager, review_id)
    first.radio(key=f"r{ret_id}_qa_outcome").set_value("accepted")
    _submit(first, ret_id, "qa_form", "Record the final QA")
    assert not first.error, [e.value for e in first.error]
    second.radio(key=f"r{ret_id}_qa_outcome").set_value("sent back")
    second.text_area(key=f"r{ret_id}_qa_reason").input("Needs a signature.")
    _submit(second, ret_id, "qa_form", "Record the final QA")
    _refused(second)
    assert second.text_area(key=f"r{ret_id}_qa_reason").value == "Needs a signature."
    assert _return(app_db, ret_id).final_qa_outcome == "accepted"
