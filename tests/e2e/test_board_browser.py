"""Real Chromium: a board member signs in, sees the board figures in charts and in words, and downloads the CSV
and the printable board pack; no case reference, initials or free text reaches the screen or the files.

The served app's "today" is the real London date, so the three reviews are placed relative to it, inside the
default period (the last four complete quarters and the current one)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect
from plotly.offline import get_plotlyjs
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.clock import today_in_london
from services.working_days import WorkingCalendar
from tests.e2e.conftest import sign_in, wait_for_app
from tests.integration.test_board import SECRET_WORD, add_review

PASSWORD = "correct horse battery"


def _seed(url: str) -> list[str]:
    """Three submitted reviews: Day 15 (on time), Day 17 (late), Day 12 (on time). Returns what must not show."""
    today, cal = today_in_london(), WorkingCalendar()
    engine = create_engine(url)
    secrets = [SECRET_WORD]
    with Session(engine) as session, session.begin():
        officer = create_account_from_command_line(session, username="olly", display_name="Olly",
                                                   roles=["officer"], password=PASSWORD)
        create_account_from_command_line(session, username="bobbie.board", display_name="Bobbie Board",
                                         roles=["board"], password=PASSWORD)
        for days_ago, submitted_on_day, initials in ((60, 15, "QZX"), (100, 17, "XQJ"), (140, 12, "ZJQ")):
            received = cal.next_working_day(today - timedelta(days=days_ago))
            review = add_review(session, officer, received, "serious_harm", received, received,
                                cal.day_n(received, submitted_on_day), received + timedelta(days=8),
                                received + timedelta(days=9), True, initials=initials)
            secrets += [review.case_reference, initials]
    engine.dispose()
    return secrets


def test_the_board_sees_charts_and_words_and_downloads_the_figures(fresh_database_url: str, app_url: str, page: Page,
                                                                   tmp_path: Path) -> None:
    secrets = _seed(fresh_database_url)
    sign_in(page, app_url, "bobbie.board", PASSWORD)
    page.get_by_role("heading", name="Board figures").wait_for()
    wait_for_app(page)
    # Metrics and plotly charts are drawn by components that load after the script has finished.
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(5)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    expect(charts).to_have_count(8)
    page.get_by_text("Reviews at the Panel by Day 15", exact=True).wait_for()

    body = page.inner_text("body")
    assert "2 of 3 rapid reviews due (67%) reached the National Panel by the end of Day 15" in body
    assert "n = 3 reviews. Small numbers: one review moves a rate by 33 percentage points." in body
    assert "Reviews at the Panel by Day 15" in body and "67%" in body
    charts.first.locator(".main-svg").first.wait_for()  # drawn by plotly.js, not just a placeholder
    charts.nth(1).scroll_into_view_if_needed()
    charts.nth(1).locator(".main-svg").first.wait_for()
    assert [s for s in secrets if s in body] == []

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the figures (CSV)").click()
    csv_path = tmp_path / download.value.suggested_filename
    download.value.save_as(csv_path)
    assert csv_path.name.startswith("board-figures-") and csv_path.suffix == ".csv"
    figures = csv_path.read_text(encoding="utf-8-sig")
    assert figures.startswith("Figure,Row,Measure,Value")
    assert "Rapid reviews at the Panel by Day 15" in figures and ",On time (%),66.7" in figures
    assert [s for s in secrets if s in figures] == []

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the board pack (HTML)").click()
    pack_path = tmp_path / download.value.suggested_filename
    download.value.save_as(pack_path)
    pack = Path(pack_path).read_text(encoding="utf-8")
    assert "<h1>Rapid review timeliness: board pack</h1>" in pack and "2 of 3 rapid reviews due (67%)" in pack
    assert [s for s in secrets if s in pack.replace(get_plotlyjs(), "")] == []

    # The pack opens offline in the same browser and draws its charts.
    page.goto(pack_path.as_uri())
    page.locator(".main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() == 8
