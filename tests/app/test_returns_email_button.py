"""The Agency returns page's "Send it from the tracker" button: shown only when the server sends email, it queues
the chase (and logs the chase) for the next mail run; the email itself is tested in tests/integration."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models_mail import SentMail
from tests.app.conftest import open_folded
from tests.app.test_returns_page import _return_id, _seed
from tests.types import MakeApp, OpenSession

LATE_DAY = date(2026, 12, 31)  # the forms sent Fri 18 Dec were due Tue 29 Dec


def test_the_send_button_queues_the_chase_once(app_db: OpenSession, make_app: MakeApp,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    officer, _, _, review_id = _seed(app_db)
    ret_id = _return_id(app_db, "Demoshire Police")
    at = make_app(officer, as_of=LATE_DAY).run()
    at.switch_page("pages/returns.py").run()
    open_folded(at, "chase_open")
    assert not at.exception
    at.button(key=f"worklist_send_{ret_id}").click().run()
    assert ("Email to Demoshire Police queued: it goes out on the next mail run and is logged when sent."
            in [s.value for s in at.success])
    at.button(key=f"worklist_send_{ret_id}").click().run()
    assert any("already sent today" in e.value for e in at.error)
    with app_db() as session:
        queued = session.scalars(select(SentMail)).all()
    assert [(m.kind, m.to_address, m.unique_key) for m in queued] == [
        ("chase", "demoshire@example.org", f"chase:{ret_id}:2026-12-31")]
    assert queued[0].subject == (f"Rapid Review 181226 no. {review_id}: scoping return from Demoshire Police, "
                                 "due Tue 29 Dec 2026")


def test_no_send_button_when_the_server_sends_no_email(app_db: OpenSession, make_app: MakeApp,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_URL", raising=False)
    officer, _, _, _ = _seed(app_db)
    ret_id = _return_id(app_db, "Demoshire Police")
    at = make_app(officer, as_of=LATE_DAY).run()
    at.switch_page("pages/returns.py").run()
    open_folded(at, "chase_open")
    assert not at.exception
    assert not [b for b in at.button if b.key == f"worklist_send_{ret_id}"]
    assert at.button(key=f"worklist_chased_{ret_id}")
