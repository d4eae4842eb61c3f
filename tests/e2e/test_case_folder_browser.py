"""Real Chromium, through the edge (issue 28): an officer uploads a PDF to the Review page's case folder (the file
goes through Streamlit's upload endpoint behind EdgeGuard), sees it listed in its section, and downloads the very
bytes; a program renamed as a PDF is refused with its sentence and the typed title stays in the box."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import FilePayload, Page, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.e2e.conftest import PINNED_TODAY, sign_in, wait_for_app
from tests.e2e.test_withdraw_browser import _choose

PASSWORD = "correct horse battery"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _program() -> bytes:
    """A Windows program as filetype reads one: 'MZ', the PE header's offset at 0x3C, 'PE\\0\\0' there."""
    header = bytearray(b"MZ" + b"\x00" * 62)
    header[0x3C:0x40] = (64).to_bytes(4, "little")
    return bytes(header) + b"PE\x00\x00" + b"\x00" * 200


def _seed(database_url: str) -> int:
    engine = create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = create_account_from_command_line(session, username="olly", display_name="Olly Officer",
                                                   roles=["officer"], password=PASSWORD)
        review = open_review(session, officer, notification_type="death", incident_date=PINNED_TODAY,
                             csc_aware_date=PINNED_TODAY, notification_received_date=PINNED_TODAY,
                             children=[ChildEntry("QX", 7)], as_of=PINNED_TODAY)
        review_id = review.id
    engine.dispose()
    return review_id


def _add(page: Page, title: str, file_name: str, data: bytes) -> None:
    page.get_by_role("textbox", name="Title (what the document is, for example: Minutes of the Rapid Review "
                                     "meeting)").fill(title)
    payload: FilePayload = {"name": file_name, "mimeType": "application/pdf", "buffer": data}
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(files=[payload])
    page.locator('[data-testid="stFileChip"]', has_text=file_name).wait_for()
    page.get_by_role("button", name="Add it to the case folder").click()
    wait_for_app(page)


def test_an_officer_uploads_a_pdf_and_downloads_the_same_bytes(app_url: str, fresh_database_url: str,
                                                               page: Page) -> None:
    review_id = _seed(fresh_database_url)
    sign_in(page, app_url, "olly", PASSWORD)
    page.goto(f"{app_url}/review?review={review_id}")
    wait_for_app(page)
    page.locator('[data-testid="stExpander"] summary', has_text="The documents, by section").click()
    page.get_by_role("button", name="Add it to the case folder").wait_for()

    _choose(page, "Section of the case folder", "IV. General Correspondence")
    _add(page, "Letter to the GP", "letter.pdf", _program())
    expect(page.get_by_text("letter.pdf is not a PDF or a Word document")).to_be_visible()
    expect(page.get_by_role("textbox", name="Title (what the document is, for example: Minutes of the Rapid "
                                             "Review meeting)")).to_have_value("Letter to the GP")

    page.locator('[data-testid="stFileChipDeleteBtn"]').first.click()
    wait_for_app(page)
    _add(page, "Letter to the GP", "letter.pdf", PDF)
    expect(page.get_by_text("is in the case folder, IV. General Correspondence.")).to_be_visible()
    expect(page.locator('[data-testid="stTable"] td', has_text="Letter to the GP")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download letter.pdf (1 KB)").click()
    download = download_info.value
    assert download.suggested_filename == "letter.pdf"
    assert Path(download.path()).read_bytes() == PDF
