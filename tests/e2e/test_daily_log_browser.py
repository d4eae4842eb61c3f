"""The Daily log in a real browser: sign in, add an entry, download the CSV export and find the entry in it."""
from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import _new_account
from services.reviews import ChildEntry, open_review

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery"
IDLE = '[data-test-script-state="notRunning"]'


def _require_browser():
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem:
        if os.environ.get("RRT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Browser tests are required (RRT_REQUIRE_BROWSER=1) but {problem}.")
        pytest.skip(f"No browser: {problem}.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def start_app_server(database_url: str, *, timeout: float = 90.0) -> Iterator[str]:
    """Run `streamlit run app.py` on a free port against `database_url`; yield its base URL; stop it after."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    log = tempfile.NamedTemporaryFile(prefix="rrt-e2e-streamlit-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "streamlit"), "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {process.returncode}: {Path(log.name).read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start in {timeout:.0f}s: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
        os.unlink(log.name)


@pytest.fixture
def seeded(fresh_database_url):
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        officer = _new_account(session, username="e2e-officer", display_name="Erin Officer", roles=["officer"],
                               password=PASSWORD)
        review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 16),
                             csc_aware_date=date(2026, 11, 17), notification_received_date=date(2026, 11, 18),
                             children=[ChildEntry("EF", 5)], as_of=date(2026, 11, 26))
        session.commit()
        reference = review.case_reference
    engine.dispose()
    return {"url": fresh_database_url, "reference": reference}


def _settle(page):
    page.wait_for_selector(IDLE, state="attached", timeout=60_000)


def test_add_an_entry_and_find_it_in_the_csv_export(seeded, tmp_path):
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    entry_text = f"Browser check {os.getpid()}: scoping form sent to Police (initials only)."
    with start_app_server(seeded["url"]) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2600}, accept_downloads=True)
            page.goto(base, wait_until="domcontentloaded")
            _settle(page)
            page.get_by_role("textbox", name="Username").fill("e2e-officer")
            page.get_by_role("textbox", name="Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Signed in as")).to_be_visible(timeout=60_000)
            _settle(page)

            page.get_by_role("link", name="Daily log").click()
            expect(page.get_by_role("heading", name="Daily log")).to_be_visible(timeout=60_000)
            _settle(page)

            page.get_by_role("combobox", name="Review").first.click()
            page.get_by_role("option", name=f"{seeded['reference']} (open)").click()
            expect(page.get_by_role("combobox", name="About the milestone (optional)")).to_be_enabled(timeout=60_000)
            _settle(page)
            page.get_by_role("textbox", name="What happened").fill(entry_text)
            page.get_by_role("button", name="Add to the log").click()
            expect(page.get_by_text(f"added to the log of {seeded['reference']}")).to_be_visible(timeout=60_000)
            _settle(page)
            expect(page.get_by_role("textbox", name="What happened")).to_have_value("")  # ready for the next one
            page.screenshot(path=str(tmp_path / "daily-log.png"), full_page=True)

            page.get_by_role("button", name="Prepare the export").click()
            expect(page.get_by_role("button", name="Download CSV")).to_be_visible(timeout=60_000)
            _settle(page)
            with page.expect_download(timeout=60_000) as download_info:
                page.get_by_role("button", name="Download CSV").click()
            download = download_info.value
            assert download.suggested_filename.endswith(".csv")
            content = Path(download.path()).read_bytes().decode("utf-8-sig")
        finally:
            browser.close()

    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:6] == ["Entry", "Case reference", "Time (UK)", "Author", "Category", "Text"]
    found = [row for row in rows[1:] if row[5] == entry_text]
    assert len(found) == 1
    assert found[0][1] == seeded["reference"] and found[0][3] == "Erin Officer" and found[0][4] == "communication"
    assert rows[1][5] == entry_text  # newest first
