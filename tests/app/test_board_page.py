"""The Board figures page through Streamlit's AppTest, signed in as a board account, on a real committed database.

The data set is the hand-built one of tests/integration/test_board.py (reviews A-K), "today" pinned to Mon 1 Feb
2027, so the default period is 2025-26 Q4 to 2026-27 Q4 (the last four complete quarters and the current one)."""
from __future__ import annotations

import json
import re
from datetime import date
from typing import TypedDict

import pytest
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency
from tests.app.conftest import create_account
from tests.integration.test_board import INITIALS, REVIEWS, SECRET_WORD, add_return, add_review
from tests.types import MakeApp, MetricTile, OpenSession
from ui.streamlit_internals.protocol import Metric as MetricProto

AS_OF = date(2027, 2, 1)
D = date


class Seeded(TypedDict):
    board: Account
    manager: Account
    secrets: list[str]  # what must never be shown: the case references, the initials, a word of a return's reason


@pytest.fixture
def seeded(app_db: OpenSession) -> Seeded:
    """Reviews A-K with a few returns, committed; a board account and a manager."""
    officer = create_account(app_db, "officer", username="app-officer")
    with app_db() as session, session.begin():
        reviews = {name: add_review(session, officer, *row, initials=INITIALS[name]) for name, row in REVIEWS.items()}
        police = Agency(name="Test Police", kind="police", active=True)
        health = Agency(name="Test Health", kind="health", active=True)
        session.add_all([police, health])
        session.flush()
        add_return(session, reviews["A"], police, officer, requested=D(2026, 12, 18), received=D(2026, 12, 29),
                   qa="accepted")
        add_return(session, reviews["A"], health, officer, requested=D(2026, 12, 18), received=D(2026, 12, 30),
                   qa="accepted", sent_back=1, resubmitted=D(2027, 1, 4),
                   reason=f"Unsigned; names {SECRET_WORD} and {INITIALS['A']}.")
        secrets = [SECRET_WORD, *(r.case_reference for r in reviews.values()), *INITIALS.values()]
    return Seeded(board=create_account(app_db, "board", username="app-board"),
                  manager=create_account(app_db, "manager", username="app-manager"), secrets=secrets)


def _board_page(make_app: MakeApp, account: Account) -> AppTest:
    at = make_app(account, as_of=AS_OF).run()
    if at.title and at.title[0].value != "Board figures":
        at.switch_page("pages/board.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Board figures"
    return at


def _words(at: AppTest) -> str:
    """The words shown: the markdown as read (md_text's escapes and word joiners are invisible)."""
    shown = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    return re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "")


def _metric(at: AppTest, title: str) -> MetricTile:
    return next(m for m in at.metric if m.label == title)


def test_the_board_sees_the_default_period_with_tiles_words_charts_and_tables(seeded: Seeded,
                                                                              make_app: MakeApp) -> None:
    at = _board_page(make_app, seeded["board"])
    assert at.selectbox(key="board_from").value == "2025-26 Q4"
    assert at.selectbox(key="board_to").value == "2026-27 Q4"
    # K (2026-27 Q2, late) is in the default period too: 5 of 9 on time.
    assert _metric(at, "Reviews at the Panel by Day 15").value == "56%"
    assert _metric(at, "Median working days to submission").value == "14 days"
    words = _words(at)
    assert "5 of 9 rapid reviews due (56%) reached the National Panel by the end of Day 15" in words
    assert "n = 9 reviews. Small numbers: one review moves a rate by 11 percentage points." in words
    assert "Figures as at 1 Feb 2027" in words
    assert [s.value for s in at.subheader][:3] == ["Headline figures", "Rapid reviews at the Panel by Day 15",
                                                   "Working days from Day 1 to submission"]
    charts = at.get("plotly_chart")
    assert len(charts) == 8
    assert len(at.dataframe) == 8
    assert len(at.get("download_button")) == 2


def test_the_period_filter_changes_every_figure_and_the_comparison(seeded: Seeded, make_app: MakeApp) -> None:
    at = _board_page(make_app, seeded["board"])
    at.selectbox(key="board_from").set_value("2026-27 Q3").run()
    assert not at.exception
    tile = _metric(at, "Reviews at the Panel by Day 15")
    assert tile.value == "63%"
    # The previous period of equal length is 2026-27 Q1 to Q2: K, late, 0 of 1.
    assert tile.delta == "+63 points"
    words = _words(at)
    assert "5 of 8 rapid reviews due (63%)" in words and "2026-27 Q1 to 2026-27 Q2" in words
    assert "n = 8 reviews." in words

    at.selectbox(key="board_from").set_value("2026-27 Q4").run()
    at.selectbox(key="board_to").set_value("2026-27 Q3").run()
    assert [e.value for e in at.error] == [
        "The first quarter (2026-27 Q4) comes after the last (2026-27 Q3): choose a 'from' quarter on or before "
        "the 'to' quarter."]
    assert not at.get("plotly_chart")


def test_nothing_on_the_page_names_a_case(seeded: Seeded, make_app: MakeApp) -> None:
    at = _board_page(make_app, seeded["board"])
    at.selectbox(key="board_from").set_value("2026-27 Q3").run()
    shown = [_words(at), *(m.label + m.value + (m.delta or "") for m in at.metric)]
    shown += [json.dumps(df.value.astype(str).values.tolist()) for df in at.dataframe]
    shown += [chart.proto.spec for chart in at.get("plotly_chart")]
    shown += [e.proto.label for e in at.get("download_button")]
    page = "\n".join(shown)
    assert "Test Police" in page and "Not signed by a senior manager" in page  # the figures are there...
    assert [s for s in seeded["secrets"] if s in page] == []  # ...and nothing of a case


def test_the_manager_sees_the_page_and_other_case_roles_do_not(seeded: Seeded, make_app: MakeApp,
                                                               app_db: OpenSession) -> None:
    at = _board_page(make_app, seeded["manager"])
    assert _metric(at, "Reviews at the Panel by Day 15").value == "56%"
    officer = create_account(app_db, "officer", "chair", username="app-case-reader")
    at = make_app(officer, as_of=AS_OF).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/board.py")


def test_an_empty_database_reads_plainly(app_db: OpenSession, make_app: MakeApp) -> None:
    board = create_account(app_db, "board", username="app-board-empty")
    at = _board_page(make_app, board)
    assert any("No notification was received in 2025-26 Q4 to 2026-27 Q4" in i.value for i in at.info)
    assert _metric(at, "Reviews at the Panel by Day 15").value == "—"
    assert not at.get("plotly_chart")


def test_a_change_is_coloured_by_whether_it_is_better_and_no_change_is_grey(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    # Two reviews, both at the Panel by Day 15 with minutes on the meeting's day: 2026-27 Q3's received Mon 5 Oct
    # 2026 and submitted on Day 10 (Fri 16 Oct), 2026-27 Q4's received Mon 4 Jan 2027 and submitted on Day 14
    # (Thu 21 Jan; Fri 1 Jan is a bank holiday, before Day 1). Q4 against Q3: 4 working days more to submission
    # (worse: red, up); the same 100% at the Panel by Day 15 and minutes within 24 hours (no change: grey, no
    # arrow, where Streamlit would draw "+0" as a red rise).
    officer = create_account(app_db, "officer", username="app-officer")
    with app_db() as session, session.begin():
        add_review(session, officer, D(2026, 10, 5), "serious_harm", D(2026, 10, 5), None, D(2026, 10, 16),
                   D(2026, 10, 13), D(2026, 10, 13), False, initials="QZ")
        add_review(session, officer, D(2027, 1, 4), "serious_harm", D(2027, 1, 4), None, D(2027, 1, 21),
                   D(2027, 1, 12), D(2027, 1, 12), False, initials="ZQ")
    at = _board_page(make_app, create_account(app_db, "board", username="app-board"))
    at.selectbox(key="board_from").set_value("2026-27 Q4").run()
    red, green, grey = MetricProto.MetricColor.RED, MetricProto.MetricColor.GREEN, MetricProto.MetricColor.GRAY
    up, none = MetricProto.MetricDirection.UP, MetricProto.MetricDirection.NONE
    shown = {m.label: (m.delta, m.proto.color, m.proto.direction) for m in at.metric if m.delta}
    assert shown == {
        "Reviews at the Panel by Day 15": ("+0 points", grey, none),
        "Median working days to submission": ("+4 working days", red, up),
        "Minutes within 24 hours": ("+0 points", grey, none),
    }
    assert green not in [m.proto.color for m in at.metric if m.delta]
