"""The Board page's "After the Rapid Review" view through AppTest, on the hand-built data set of
tests/integration/test_board_after.py (committed), "today" Mon 1 Feb 2027: the default period 2025-26 Q4 to 2026-27
Q4 covers the financial years 2025-26 and 2026-27."""
from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from db.models import Account
from tests.app.conftest import create_account
from tests.integration.test_board_after import AS_OF, Built, build
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import deferred_download_callables

YEARLY = "Download the yearly report section for {} (Word)"


def _seed(app_db: OpenSession) -> Built:
    counter = iter(range(1, 100))
    with app_db() as session, session.begin():
        def make(*roles: str, username: str | None = None) -> Account:
            account = Account(username=username or f"after-{next(counter)}", display_name="After test",
                              roles=list(roles), active=True, password_hash="not-used", failed_attempts=0)
            session.add(account)
            session.flush()
            return account
        return build(session, make)


def _after_view(make_app: MakeApp, account: Account) -> AppTest:
    at = make_app(account, as_of=AS_OF).run()
    if at.title and at.title[0].value != "Board figures":
        at.switch_page("pages/board.py").run()
    assert not at.exception, at.exception
    at.radio(key="board_view").set_value("After the Rapid Review").run()
    assert not at.exception, at.exception
    return at


def _plain(markdown: str) -> str:
    """Text as shown: md_text's escapes and word joiners are invisible."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def _words(at: AppTest) -> str:
    shown = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])
    return re.sub(r"\\(.)", r"\1", shown).replace("\u2060", "")


def test_the_board_sees_the_section_with_a_chart_and_a_table_for_each_figure(app_db: OpenSession,
                                                                            make_app: MakeApp) -> None:
    built = _seed(app_db)
    at = _after_view(make_app, create_account(app_db, "board", username="after-board"))
    assert [h.value for h in at.header] == ["After the Rapid Review"]
    assert [re.sub(r"\\(.)", r"\1", s.value) for s in at.subheader] == [  # md_text's escapes read as shown
        "From notification to published LCSPR", "LCSPR final report within 6 months",
        "The National Panel's agreement with the LCSPR decisions", "Actions by owning agency", "Impact checked",
        "Practice themes by year", "The yearly report's section on reviews"]
    assert len(at.get("plotly_chart")) == 6 and len(at.dataframe) == 6
    words = _words(at)
    assert "6 notifications received in 2025-26 to 2026-27: 5 Rapid Reviews submitted to the National Panel, 4 " \
           "LCSPRs started and 1 published." in words
    assert "Done on time: 50% (2 of 4). 1 overdue now (not done, due before today)." in words
    actions = at.dataframe[3].value
    assert actions.values.tolist()[-1] == ["All agencies", 6, 5, 2, 1, 1, 50.0, 2, 1]
    # Nothing of a case on the screen.
    shown = [words, *(json.dumps(df.value.astype(str).values.tolist()) for df in at.dataframe)]
    shown += [chart.proto.spec for chart in at.get("plotly_chart")]
    page = "\n".join(shown)
    assert "Test Police" in page and "Domestic abuse" in page
    assert [s for s in built.secrets() if s in page] == []


def test_the_yearly_report_downloads_when_clicked(app_db: OpenSession, make_app: MakeApp,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")  # tables only: quick, and the same everywhere
    deferred: list[Callable[[], Any]] = deferred_download_callables(monkeypatch)
    _seed(app_db)
    at = _after_view(make_app, create_account(app_db, "manager", username="after-manager"))
    assert at.selectbox(key="board_yearly_year").value == "2025-26"
    labels = [_plain(str(b.proto.label)) for b in at.get("download_button")]
    assert labels[-1] == YEARLY.format("2025-26")  # after the CSV and the board pack
    files = [data for data in (d() for d in deferred) if isinstance(data, bytes) and data.startswith(b"PK")]
    assert len(files) == 1
    document = Document(io.BytesIO(files[0]))
    assert document.paragraphs[0].text == "Reviews in 2025-26"
    tables = {"|".join(c.text for c in t.rows[0].cells): [[c.text for c in r.cells] for r in t.rows[1:]]
              for t in document.tables}
    assert tables["Year|Panel responses|Agreed|Did not agree|Agreed (%)"] == [["2025-26", "3", "2", "1", "66.7"]]

    at.selectbox(key="board_yearly_year").set_value("2026-27").run()
    assert _plain(str(at.get("download_button")[-1].proto.label)) == YEARLY.format("2026-27")


def test_the_default_view_is_the_timeliness_one(app_db: OpenSession, make_app: MakeApp) -> None:
    _seed(app_db)
    at = make_app(create_account(app_db, "board", username="after-default"), as_of=AS_OF).run()
    if at.title and at.title[0].value != "Board figures":
        at.switch_page("pages/board.py").run()
    assert at.radio(key="board_view").value == "Rapid Review timeliness"
    assert not at.header
