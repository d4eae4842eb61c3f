"""Agency returns page against hostile and careless input: the officer's crash after sending forms, stored
control characters in the checklist, and stale saves that keep the typing."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select, text

from db.models import Account, Agency
from db.models_returns import AgencyReturn
from services.returns.exports import CHECKLIST_COLUMNS, export_checklist
from services.returns.service import record_summary
from services.returns.service_receipts import record_return_received
from tests.app.test_returns_page import AS_OF, RECEIVED, _open_checklist, _return_id, _seed, _submit
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import TESTING_WIDGET_VALUES_KEY


def test_recording_a_receipt_right_after_sending_forms_does_not_crash(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, _, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    at = _open_checklist(make_app, officer, review_id)
    with app_db() as session:
        ids = session.scalars(select(Agency.id).where(Agency.name == "GP practices")).all()
    at.multiselect(key=f"send_agencies_{review_id}_1").set_value(list(ids))
    at.date_input(key=f"send_date_{review_id}").set_value(RECEIVED)
    at.button(key="FormSubmitter:send_forms-Record forms sent").click().run()
    assert not at.exception, at.exception
    assert "Scoping forms recorded as sent to 1 agency, each with its private link." in [s.value for s in at.success]
    # The browser still holds the agencies it just sent (by label) and sends them back with the next action,
    # although they are no longer offered: the page takes that in its stride (a fresh box, a total format_func).
    assert not at.get("multiselect") or f"send_agencies_{review_id}_1" not in [m.key for m in at.multiselect]
    box = at.multiselect(key=f"send_agencies_{review_id}_2")
    at.session_state[TESTING_WIDGET_VALUES_KEY][box.id] = str  # sent as the browser sends it: the label
    box.set_value(["GP practices", "Demoshire Police"])
    gp = _return_id(app_db, "GP practices")
    at.run()      # the next action (each agency now has its own card: there is no Agency box to change)
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.multiselect(key=f"send_agencies_{review_id}_2").value == []
    at.date_input(key=f"r{gp}_receipt_received_on").set_value(AS_OF)
    at.radio(key=f"r{gp}_receipt_signed").set_value("no")
    _submit(at, gp, "receipt_form", "Record the return received")
    assert "Return from GP practices recorded as received." in [s.value for s in at.success]
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def test_a_review_with_control_characters_in_its_summaries_stays_fully_usable(app_db: OpenSession,
                                                                              make_app: MakeApp) -> None:
    """Issue 11: a summary with \\v (Word's Shift+Enter) used to lock the review's page for everyone, because the
    Excel file was built on every render. One summary is saved through the service (\\v becomes a new line), one is
    stored raw with \\x01 (as older data may be); the page renders, every form is reachable, both files build."""
    officer, manager, _, review_id = _seed(app_db)
    police, gp = _return_id(app_db, "Demoshire Police"), _return_id(app_db, "GP practices")
    with app_db() as session, session.begin():
        actor = session.get(Account, officer.id)
        for ret_id in (police, gp):
            record_return_received(session, actor, return_id=ret_id, expected_version=None, received_on=AS_OF,
                                   signed_by_senior_manager=False, as_of=AS_OF)
        record_summary(session, actor, return_id=police, expected_version=None, summary="Known.\vTwice.")
        session.execute(text("UPDATE agency_returns SET summary = :s, initial_check_note = NULL, "
                             "signatory_role = NULL, agreed_due_date = :d, agreed_reason = :r WHERE id = :id"),
                        {"s": "Raw\x01summary\x0b", "d": date(2027, 1, 5), "r": "Phone\x01call", "id": gp})
    with app_db() as session:
        assert session.get_one(AgencyReturn, police).summary == "Known.\nTwice."
    at = _open_checklist(make_app, manager, review_id)
    assert not at.error, [e.value for e in at.error]
    for ret_id in (police, gp):
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        forms = {b.key for b in at.button if str(b.key).startswith(f"FormSubmitter:r{ret_id}_")}
        assert forms == {f"FormSubmitter:r{ret_id}_{name}" for name in (
            "agreed_form-Save the agreed date", "agreed_form-Clear the agreed date",
            "ending_form-Close the return", "check_form-Record the initial check",
            "file_form-Save the file location", "summary_form-Save the summary")}
        # Both receipts are unsigned: "All four yes" (signed among them) is offered only for a signed receipt.
    assert at.text_area(key=f"r{gp}_summary_text").value == "Raw\x01summary\x0b"
    at.button(key="export_prepare").click().run()
    assert not at.exception and not at.error
    downloads = at.download_button
    assert [b.label for b in downloads] == ["Download Excel", "Download CSV"]
    with app_db() as session:
        xlsx = export_checklist(session, session.get(Account, manager.id), review_id=review_id, as_of=AS_OF,
                                file_format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert isinstance(sheet, Worksheet)
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=4)}
    summaries = {name: row[CHECKLIST_COLUMNS.index("Summary of involvement and learning")].value
                 for name, row in rows.items()}
    assert summaries == {"Demoshire Police": "Known.\nTwice.", "GP practices": "Raw\ufffdsummary\n"}
    # A step still saves on that review.
    at.text_input(key=f"r{police}_file_path").input("I/Police return.docx")
    _submit(at, police, "file_form", "Save the file location")
    assert "File location of Demoshire Police's return saved." in [s.value for s in at.success]


def test_a_stale_summary_save_keeps_1080_characters_typed(app_db: OpenSession, make_app: MakeApp) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    with app_db() as session, session.begin():
        record_return_received(session, session.get(Account, officer.id), return_id=ret_id, expected_version=None,
                               received_on=AS_OF, signed_by_senior_manager=False, as_of=AS_OF)
    first = _open_checklist(make_app, officer, review_id)
    typed = ("The agency knew the family. " * 40)[:1080]
    first.text_area(key=f"r{ret_id}_summary_text").input(typed)
    with app_db() as session, session.begin():
        record_summary(session, session.get(Account, manager.id), return_id=ret_id, expected_version=None,
                       summary="The manager's summary.")
    _submit(first, ret_id, "summary_form", "Save the summary")
    assert "was changed by someone else since you opened it" in first.error[0].value
    assert first.text_area(key=f"r{ret_id}_summary_text").value == typed
    assert first.code[-1].value == "The manager's summary."


# ---------------------------------------------------------------- a text longer than the return keeps

SCRIPT_PASTE = "<script>alert(1)</script>" * 400  # 10,000 characters
KEPT = "Shorten it and save again: what you typed is still in the form."
CARD_BOXES = {  # a card's form: its button, and the box (the boxes have no character limit: see test_text_boxes)
    "receipt": ("Record the return received", "receipt_role", "text_input"),
    "summary": ("Save the summary", "summary_text", "text_area"),
    "ending": ("Close the return", "ending_reason", "text_input"),
    "agreed": ("Save the agreed date", "agreed_reason", "text_input"),
}


def _stored(open_session: OpenSession, ret_id: int) -> tuple[int, date | None, str | None, str | None, str | None,
                                                              date | None]:
    with open_session() as session:
        ret = session.get_one(AgencyReturn, ret_id)
        return ret.version, ret.received_date, ret.signatory_role, ret.summary, ret.ended_as, ret.agreed_due_date


@pytest.mark.parametrize(("form", "typed", "sentence"), [
    ("receipt", "R" * 121, f"The signatory's role is 121 characters long; it can be at most 120. {KEPT}"),
    ("receipt", SCRIPT_PASTE, f"The signatory's role is 10,000 characters long; it can be at most 120. {KEPT}"),
    ("summary", "s" * 4001, f"The summary is 4,001 characters long; it can be at most 4,000. {KEPT}"),
    ("summary", SCRIPT_PASTE, f"The summary is 10,000 characters long; it can be at most 4,000. {KEPT}"),
    ("ending", "e" * 2001, f"The reason is 2,001 characters long; it can be at most 2,000. {KEPT}"),
    ("agreed", "a" * 2001, f"The reason the date was agreed is 2,001 characters long; it can be at most 2,000. {KEPT}"),
])
def test_a_text_longer_than_the_return_keeps_is_refused_in_words_and_stays_in_the_card(
        app_db: OpenSession, make_app: MakeApp, form: str, typed: str, sentence: str) -> None:
    officer, manager, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    ret_id = _return_id(app_db, "Demoshire Police")
    if form == "summary":
        with app_db() as session, session.begin():
            record_return_received(session, session.get(Account, officer.id), return_id=ret_id,
                                   expected_version=None, received_on=AS_OF, signed_by_senior_manager=False,
                                   as_of=AS_OF)
    before = _stored(app_db, ret_id)
    at = _open_checklist(make_app, manager, review_id)
    if form == "receipt":
        at.date_input(key=f"r{ret_id}_receipt_received_on").set_value(AS_OF)
        at.radio(key=f"r{ret_id}_receipt_signed").set_value("yes")
    elif form == "ending":
        at.radio(key=f"r{ret_id}_ending_ending").set_value("withdrawn")
        at.date_input(key=f"r{ret_id}_ending_on").set_value(AS_OF)
    elif form == "agreed":
        at.date_input(key=f"r{ret_id}_agreed_on").set_value(date(2027, 1, 5))
    label, box, kind = CARD_BOXES[form]
    getattr(at, kind)(key=f"r{ret_id}_{box}").input(typed)
    _submit(at, ret_id, f"{form}_form", label)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [sentence]
    assert getattr(at, kind)(key=f"r{ret_id}_{box}").value == typed
    assert _stored(app_db, ret_id) == before


@pytest.mark.parametrize(("typed", "length"), [("R" * 121, "121"), (SCRIPT_PASTE, "10,000")])
def test_a_role_longer_than_the_return_keeps_is_refused_in_the_batch_and_stays_in_the_box(
        app_db: OpenSession, make_app: MakeApp, typed: str, length: str) -> None:
    officer, _, _, review_id = _seed(app_db)
    police, gp = _return_id(app_db, "Demoshire Police"), _return_id(app_db, "GP practices")
    before = [_stored(app_db, rid) for rid in (police, gp)]
    at = _open_checklist(make_app, officer, review_id)
    for rid in (police, gp):
        at.checkbox(key=f"batch_r{rid}_pick").check()
    at.radio(key=f"batch_r{police}_signed").set_value("yes")
    at.radio(key=f"batch_r{gp}_signed").set_value("no")
    at.text_input(key=f"batch_r{police}_role").input(typed)
    at.button(key="FormSubmitter:batch_receipts-Record the receipts ticked").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        f"Demoshire Police: The signatory's role is {length} characters long; it can be at most 120. {KEPT} Nothing "
        "was saved: put it right (or untick it) and save again."]
    assert at.text_input(key=f"batch_r{police}_role").value == typed
    assert [_stored(app_db, rid) for rid in (police, gp)] == before
