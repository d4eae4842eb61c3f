"""The Daily log in a real browser: sign in, add an entry, download the CSV export and find the entry in it."""

from __future__ import annotations

import csv
import io
import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.e2e.conftest import sign_in, wait_for_app

PASSWORD = "correct horse battery"


@pytest.fixture
def seeded(fresh_database_url: str) -> dict[str, str]:
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        officer = create_account_from_command_line(session, username="e2e-officer", display_name="Erin Officer",
                                                   roles=["officer"], password=PASSWORD)
        review = open_review(session, officer, notification_type="death", incident_date=date(2026, 11, 16),
                             csc_aware_date=date(2026, 11, 17), notification_received_date=date(2026, 11, 18),
                             children=[ChildEntry("EF", 5)], as_of=date(2026, 11, 26))
        session.commit()
        reference = review.case_reference
    engine.dispose()
    return {"reference": reference}


def test_add_an_entry_and_find_it_in_the_csv_export(
        seeded: dict[str, str], app_url: str, page: Page, tmp_path: Path) -> None:
    entry_text = f"Browser check {os.getpid()}: scoping form sent to Police (initials only)."
    sign_in(page, app_url, "e2e-officer", PASSWORD)
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=60_000)

    page.get_by_role("link", name="Daily log").click()
    expect(page.get_by_role("heading", name="Daily log")).to_be_visible(timeout=60_000)
    wait_for_app(page)

    page.get_by_role("combobox", name="Review").first.click()
    page.get_by_role("option", name=f"{seeded['reference']} (open)").click()
    expect(page.get_by_role("combobox", name="About the milestone (optional)")).to_be_enabled(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("textbox", name="What happened").fill(entry_text)
    page.get_by_role("button", name="Add to the log").click()
    expect(page.get_by_text(f"added to the log of {seeded['reference']}")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_role("textbox", name="What happened")).to_have_value("")  # ready for the next one
    page.screenshot(path=str(tmp_path / "daily-log.png"), full_page=True)

    page.get_by_role("button", name="Prepare the export").click()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_bytes().decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:6] == ["Entry", "Case reference", "Time (UK)", "Author", "Category", "Text"]
    found = [row for row in rows[1:] if row[5] == entry_text]
    assert len(found) == 1
    assert found[0][1] == seeded["reference"] and found[0][3] == "Erin Officer" and found[0][4] == "communication"
    assert rows[1][5] == entry_text  # newest first
