"""What a page builds on every run, kept small whatever the partnership's size (issue 16): the worklist's chase boxes
come ten at a time and its table fifty rows at a time, and the Review page's calendar file is built only when its
button is clicked."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Account
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account, open_folded
from tests.app.test_statements_per_render import AS_OF, _more_live_reviews
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import deferred_download_callables


def _chase_buttons(at: AppTest) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("worklist_chased_")]


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_the_worklist_shows_10_late_returns_at_a_time_and_every_one_on_some_page(app_db: OpenSession,
                                                                                 make_app: MakeApp) -> None:
    _more_live_reviews(app_db, 6)  # 24 more late returns
    officer = create_account(app_db, "officer", username="chasing-officer")
    at = make_app(officer, as_of=AS_OF).run()
    at.switch_page("pages/returns.py").run()
    assert not at.exception
    assert not _chase_buttons(at)  # folded away until asked for
    open_folded(at, "chase_open")
    late = int(next(m.value for m in at.metric if m.label == "Late from the agency"))
    assert late > 10 * 2
    pages = at.selectbox(key="chase_from")
    assert pages.options == [f"{first + 1}–{min(first + 10, late)} of {late}" for first in range(0, late, 10)]
    shown = [_chase_buttons(at)]
    for first in range(10, late, 10):
        pages.set_value(first).run()
        assert not at.exception
        shown.append(_chase_buttons(at))
    assert [len(keys) for keys in shown] == [min(10, late - first) for first in range(0, late, 10)]
    assert len({key for keys in shown for key in keys}) == late


@pytest.mark.demo_data(as_of=AS_OF)  # the demo partnership, copied (tests/conftest.py)
def test_the_worklist_table_shows_50_returns_at_a_time_most_urgent_first(app_db: OpenSession,
                                                                         make_app: MakeApp) -> None:
    _more_live_reviews(app_db, 8)  # 32 more outstanding returns, all late
    officer = create_account(app_db, "officer", username="worklist-officer")
    at = make_app(officer, as_of=AS_OF).run()
    at.switch_page("pages/returns.py").run()
    assert not at.exception
    outstanding = int(next(m.value for m in at.metric if m.label == "Outstanding in all"))
    assert 50 < outstanding <= 100
    pages = at.selectbox(key="worklist_from")
    assert pages.options == ["1–50 of " + str(outstanding), f"51–{outstanding} of {outstanding}"]
    first = at.dataframe[0].value
    assert len(first) == 50
    assert list(first["RAG"])[:1] == ["RED"]  # most urgent first
    pages.set_value(50).run()
    second = at.dataframe[0].value
    assert len(second) == outstanding - 50
    shown = set(zip(first["Case reference"], first["Agency"], strict=True)) | set(
        zip(second["Case reference"], second["Agency"], strict=True))
    assert len(shown) == outstanding  # every outstanding return is on one page or the other
    # A row chosen on the second page opens that row's review.
    reference = second["Case reference"].iloc[0]
    assert reference != first["Case reference"].iloc[0]  # so the row is read from the page shown
    at.session_state["outstanding_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert at.markdown and reference in next(m.value for m in at.markdown if m.value.startswith("### "))


def test_the_review_calendar_file_is_built_only_when_clicked(app_db: OpenSession, make_app: MakeApp,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    deferred = deferred_download_callables(monkeypatch)
    officer = create_account(app_db, "officer", username="ics-later-officer")
    with app_db() as session, session.begin():
        review = open_review(session, session.merge(officer), notification_type="death",
                             incident_date=date(2026, 11, 16), csc_aware_date=date(2026, 11, 17),
                             notification_received_date=date(2026, 11, 18), children=[ChildEntry("AB", 5)],
                             as_of=AS_OF)
        review_id = review.id
    at = make_app(officer, as_of=AS_OF).run()
    at.query_params["review"] = str(review_id)
    at.switch_page("pages/review.py").run()
    assert not at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert "Add its deadlines to my calendar (.ics)" in labels
    # Not built yet: Streamlit holds each download's function until its button is clicked (the calendar file's, and
    # the seven-minute briefing's after it).
    assert len(deferred) == len(labels)
    build = deferred[labels.index("Add its deadlines to my calendar (.ics)")]
    ics = build().decode()  # as Streamlit calls it: on another thread, outside any run of the page
    assert ics.startswith("BEGIN:VCALENDAR")
    assert f"Rapid Review 181126 no. {review_id}" in ics


def test_shared_reads_are_kept_by_data_version_and_the_least_recently_used_goes_first(
        app_db: OpenSession, monkeypatch: pytest.MonkeyPatch) -> None:
    """ui.state.read_shared: the same call is read once until a write moves the data version; at most
    SHARED_READS_KEPT calls are kept, the one used longest ago forgotten first."""
    import services.unit_of_work
    import ui.state

    officer = create_account(app_db, "officer")
    reads: list[int] = []

    def count(session: Session, actor: Account, *, n: int) -> int:
        reads.append(n)
        return n * 10

    monkeypatch.setattr(services.unit_of_work, "SHARED_READS_KEPT", 2)
    monkeypatch.setattr(ui.state, "signed_in_account_id", lambda: officer.id)
    assert [ui.state.read_shared(count, n=n) for n in (1, 2, 1)] == [10, 20, 10]
    assert reads == [1, 2]  # the second 1 was kept
    ui.state.read_shared(count, n=3)  # 2 is now the one used longest ago: it goes
    ui.state.read_shared(count, n=1)
    ui.state.read_shared(count, n=2)
    assert reads == [1, 2, 3, 2]
    with app_db() as session, session.begin():  # a write moves the data version
        open_review(session, session.get(Account, officer.id), notification_type="serious_harm",
                    incident_date=AS_OF, csc_aware_date=AS_OF, notification_received_date=AS_OF,
                    children=[ChildEntry("AB", 7)], as_of=AS_OF)
    ui.state.read_shared(count, n=2)
    assert reads == [1, 2, 3, 2, 2]
