"""Agency returns page against hostile and careless input: the officer's crash after sending forms, stored
control characters in the checklist, and stale saves that keep the typing."""
from __future__ import annotations

from sqlalchemy import select
from streamlit.runtime.state.common import TESTING_KEY

from db.models import Agency
from tests.app.test_returns_page import AS_OF, RECEIVED, _open_checklist, _return_id, _seed, _submit


def test_recording_a_receipt_right_after_sending_forms_does_not_crash(app_db, make_app):
    officer, _, _, review_id = _seed(app_db, requested=("Demoshire Police",))
    at = _open_checklist(make_app, officer, review_id)
    with app_db() as session:
        ids = session.scalars(select(Agency.id).where(Agency.name == "GP practices")).all()
    at.multiselect(key=f"send_agencies_{review_id}_1").set_value(ids)
    at.date_input(key=f"send_date_{review_id}").set_value(RECEIVED)
    at.button(key="FormSubmitter:send_forms-Record forms sent").click().run()
    assert not at.exception, at.exception
    assert "Scoping forms recorded as sent to 1 agency." in [s.value for s in at.success]
    # The browser still holds the agencies it just sent (by label) and sends them back with the next action,
    # although they are no longer offered: the page takes that in its stride (a fresh box, a total format_func).
    assert not at.get("multiselect") or f"send_agencies_{review_id}_1" not in [m.key for m in at.multiselect]
    box = at.multiselect(key=f"send_agencies_{review_id}_2")
    at.session_state[TESTING_KEY][box.id] = str  # sent as the browser sends it: the label
    box.set_value(["GP practices", "Demoshire Police"])
    gp = _return_id(app_db, "GP practices")
    at.selectbox(key="ret_pick").set_value(gp).run()      # changing the Agency box
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.multiselect(key=f"send_agencies_{review_id}_2").value == []
    at.date_input(key=f"r{gp}_receipt_received_on").set_value(AS_OF)
    at.radio(key=f"r{gp}_receipt_signed").set_value("no")
    _submit(at, gp, "receipt_form", "Record the return received")
    assert "Return from GP practices recorded as received." in [s.value for s in at.success]
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
