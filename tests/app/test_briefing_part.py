"""AppTest of the Review page's seven-minute briefing on a real, committed database: offered to the officer and the
JCR Chair as one download, built only when clicked (a theme coded after the page was drawn is in it), as the account
signed in; hostile stored text in the file, never on the page."""
from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from docx import Document
from sqlalchemy import select

from db.models import Account
from db.models_after import PracticeTheme, ReviewTheme
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import deferred_download_callables

RECEIVED = date(2026, 12, 18)  # Fri
AS_OF = date(2027, 3, 1)
LABEL = "Download the seven-minute briefing (Word)"
HOSTILE = "<script>alert(1)</script> [link](http://x.example) learning"


def _seed(app_db: OpenSession, role: str) -> tuple[Account, int]:
    reader = create_account(app_db, role, username=f"briefing-{role}")
    with app_db() as session, session.begin():
        officer = session.merge(create_account(app_db, "officer", username=f"briefing-officer-for-{role}"))
        review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        return reader, review.id


def _code_theme(app_db: OpenSession, review_id: int, learning: str) -> None:
    with app_db() as session, session.begin():
        theme_id = session.scalars(select(PracticeTheme.id).where(PracticeTheme.name == "Neglect")).one()
        coder = session.scalars(select(Account.id).where(Account.username.like("briefing-officer%"))).first()
        session.add(ReviewTheme(review_id=review_id, theme_id=theme_id, learning=learning, coded_by_id=coder))


@pytest.mark.parametrize("role", ["officer", "chair"])
def test_the_briefing_downloads_when_clicked(app_db: OpenSession, make_app: MakeApp, role: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    deferred: list[Callable[[], Any]] = deferred_download_callables(monkeypatch)
    reader, review_id = _seed(app_db, role)
    at = make_app(reader, as_of=AS_OF)
    at.run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [str(b.proto.label) for b in at.download_button if str(b.proto.label) == LABEL] == [LABEL]
    assert any("no initials, ages or dates of the case" in c.value for c in at.caption)

    # Coded after the page was drawn: the file is built on the click, from what the tracker holds then.
    _code_theme(app_db, review_id, HOSTILE)
    files = [data for data in (d() for d in deferred) if isinstance(data, bytes) and data.startswith(b"PK")]
    assert len(files) == 1
    paragraphs = [p.text for p in Document(io.BytesIO(files[0])).paragraphs]
    assert paragraphs[0] == "Seven-minute briefing"
    assert f"Neglect: {HOSTILE}" in paragraphs
    shown = [*(m.value for m in at.markdown), *(c.value for c in at.caption)]
    assert not [s for s in shown if "<script>" in s]
