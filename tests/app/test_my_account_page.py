"""My account: the calendar feed turned on (its address shown once), then off; email as the server sends it; the
Review page's one-off .ics download; no page for board members."""
from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models_mail import CalendarFeed
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.widgets import md_text

AS_OF = date(2026, 12, 23)


def _infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def test_the_feed_address_is_shown_once_then_the_feed_is_turned_off(app_db: OpenSession, make_app: MakeApp,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMTP_URL", raising=False)
    officer = create_account(app_db, "officer", username="feed-officer")
    at = make_app(officer, as_of=AS_OF).run()
    at.switch_page("pages/my_account.py").run()
    assert not at.exception
    assert "Your calendar feed is off." in _infos(at)
    assert "does not send email" in " ".join(c.value for c in at.caption)
    at.button(key="feed_on").click().run()
    [address] = [c.value for c in at.code]
    assert address.startswith("http") and "/calendar/" in address and address.endswith(".ics")
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    with app_db() as session:
        stored = session.scalars(select(CalendarFeed).where(CalendarFeed.account_id == officer.id)).all()
    assert [f.token_hash for f in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    at.run()  # shown once: the next run no longer has it
    assert [c.value for c in at.code] == []
    assert "Your calendar feed is on" in _infos(at)
    at.button(key="feed_off").click().run()
    assert "no longer works" in _infos(at) and "Your calendar feed is off." in _infos(at)
    with app_db() as session:
        assert session.scalars(select(CalendarFeed.revoked_at).where(CalendarFeed.account_id == officer.id)).one()


def test_the_digest_address_is_named_when_mail_is_on(app_db: OpenSession, make_app: MakeApp,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:9")
    manager = create_account(app_db, "manager", username="mail-manager")
    with app_db() as session, session.begin():
        session.merge(manager).email = "manager@partnership.example"
    at = make_app(manager, as_of=AS_OF).run()
    at.switch_page("pages/my_account.py").run()
    assert any(md_text("manager@partnership.example") in m.value for m in at.markdown)


def test_the_review_page_offers_its_deadlines_as_a_calendar_file(app_db: OpenSession, make_app: MakeApp) -> None:
    officer = create_account(app_db, "officer", username="ics-officer")
    with app_db() as session, session.begin():
        review = open_review(session, session.merge(officer), notification_type="death",
                             incident_date=date(2026, 12, 14), csc_aware_date=date(2026, 12, 15),
                             notification_received_date=date(2026, 12, 18), children=[ChildEntry("AB", 5)],
                             as_of=AS_OF)
        review_id = review.id
    at = make_app(officer, as_of=AS_OF).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception
    # The calendar file first; the seven-minute briefing's download comes later on the page.
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels[0] == "Add its deadlines to my calendar (.ics)"
    assert f"In calendars and email subjects: Rapid Review 181226 no. {review_id}" in [c.value for c in at.caption]


def test_board_members_have_no_account_page(app_db: OpenSession, make_app: MakeApp) -> None:
    board = create_account(app_db, "board", username="feed-board")
    at = make_app(board, as_of=AS_OF).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/my_account.py").run()
