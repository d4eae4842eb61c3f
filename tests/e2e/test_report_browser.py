"""The report in a real browser: write a section, make a Word draft, download it and open it with python-docx.

Uses the shared fixtures of tests/e2e/conftest.py: `app_url` (the app served by `python -m ui.server` on this
test's own database), `page` (Debian's Chromium) and `sign_in`. The server's "today" is the real London date, so
the review is received today."""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.text.paragraph import Paragraph
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import Agency
from db.models_report import ReportVersion
from services.clock import today_in_london
from services.report.content import APPENDIX, SECTIONS
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.e2e.conftest import sign_in, wait_for_app

PASSWORD = "correct horse battery"


def _style(paragraph: Paragraph) -> str | None:
    """The name of a paragraph's style (None when it has none)."""
    return paragraph.style.name if paragraph.style is not None else None


def _seed(database_url: str) -> str:
    from services.accounts import _new_account

    today = today_in_london()
    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = _new_account(session, username="olly", display_name="Olly Officer", roles=["officer"],
                               password=PASSWORD)
        agency = Agency(name="Demoshire Police", kind="police", active=True)
        session.add(agency)
        session.flush()
        review = open_review(session, officer, notification_type="death", incident_date=today, csc_aware_date=today,
                             notification_received_date=today, children=[ChildEntry("ZZ", 7)], as_of=today)
        record_returns_requested(session, officer, review_id=review.id, agency_ids=[agency.id], requested_on=today,
                                 as_of=today)
        reference = review.case_reference
    engine.dispose()
    return reference


def _stored_versions(database_url: str) -> list[bytes]:
    engine = create_engine(database_url)
    with Session(engine) as session:
        data = [bytes(c) for c in session.scalars(select(ReportVersion.content).order_by(ReportVersion.number))]
    engine.dispose()
    return data


def test_write_a_section_download_the_draft_and_open_it(app_url: str, fresh_database_url: str, page: Page,
                                                        tmp_path: Path) -> None:
    reference = _seed(fresh_database_url)
    sign_in(page, app_url, "olly", PASSWORD)
    page.get_by_role("link", name="Report").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=f"Rapid Review report {reference}")).to_be_visible()
    # The menu writes the chosen review into the address, which may run the page once more: a click made during
    # that run could land on a form about to be redrawn, so wait for it to settle first.
    wait_for_app(page)

    page.locator('[data-testid="stExpander"]').filter(has_text="2. Summary of the incident").locator("summary").click()
    box = page.get_by_role("textbox", name="Section 2")
    box.fill("The child was found injured at home; the police attended.")
    page.get_by_role("button", name="Save section 2").click()
    wait_for_app(page)
    expect(page.get_by_text("Section 2 saved.")).to_be_visible()

    page.get_by_role("tab", name="Word versions and sign-off").click()
    page.get_by_role("button", name="Make a Word draft of the report").click()
    wait_for_app(page)
    expect(page.get_by_text("Draft version 1 made. Download it below.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download version 1 (draft) as Word").click()
    download = download_info.value
    assert download.suggested_filename == f"{reference} Rapid Review report v1 draft.docx"
    saved = Path(tmp_path) / download.suggested_filename
    download.save_as(saved)

    document = Document(str(saved))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "OFFICIAL-SENSITIVE" in section.header.paragraphs[0].text
    assert reference in "\n".join(p.text for p in section.header.paragraphs)
    assert [p.text for p in document.paragraphs if _style(p) == "Heading 1"] == \
        [s.heading for s in SECTIONS] + [APPENDIX.heading]
    assert "The child was found injured at home; the police attended." in [p.text for p in document.paragraphs]
    assert document.tables[1].rows[1].cells[0].text == "Demoshire Police"
    # What the browser downloaded is the version kept in the database, byte for byte.
    assert saved.read_bytes() == _stored_versions(fresh_database_url)[0]
