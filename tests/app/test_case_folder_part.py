"""AppTest of the Review page's case folder on a real, committed database: an officer uploads the Rapid Review
meeting's minutes under a hostile title and sees them listed in section II, escaped, with a download of the very
bytes; a renamed program, a blank title and a too-big file each get a sentence and keep what was typed; the JCR
Chair reads the folder but is offered no form; an uploaded document is removed with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Account, Agency
from db.models_folder import FolderDocument
from services.meetings.service import record_meeting
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.streamlit_internals.testing import deferred_download_callables
from ui.widgets import md_text

RECEIVED = date(2026, 12, 18)  # Fri
MEETING = date(2026, 12, 30)  # Wed
AS_OF = date(2026, 12, 31)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
HOSTILE = "<script>alert(1)</script> Minutes [of](http://x.example) the meeting"
UPLOAD_BUTTON = "FormSubmitter:case_folder_upload-Add it to the case folder"
REMOVE_BUTTON = "FormSubmitter:case_folder_remove-Remove it from the case folder"


def _program() -> bytes:
    """A Windows program as filetype reads one: 'MZ', the PE header's offset at 0x3C, 'PE\\0\\0' there."""
    header = bytearray(b"MZ" + b"\x00" * 62)
    header[0x3C:0x40] = (64).to_bytes(4, "little")
    return bytes(header) + b"PE\x00\x00" + b"\x00" * 200


@dataclass(frozen=True)
class Seeded:
    officer: Account
    chair: Account
    review_id: int
    meeting_id: int


def _seed(app_db: OpenSession) -> Seeded:
    officer = create_account(app_db, "officer", username="olly")
    chair = create_account(app_db, "chair", username="charlie")
    with app_db() as session, session.begin():
        actor = session.merge(officer)
        police = Agency(name="Demoshire Police", kind="police", active=True)
        session.add(police)
        session.flush()
        review = open_review(session, actor, notification_type="serious_harm", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=RECEIVED,
                             children=[ChildEntry("AB", 5)], as_of=RECEIVED)
        meeting = record_meeting(session, actor, review_id=review.id, kind="rr_meeting", held_on=MEETING,
                                 agency_ids=[police.id], chair_name="JCR Chair", as_of=MEETING)
        return Seeded(officer, chair, review.id, meeting.id)


def _folder_page(make_app: MakeApp, account: Account, review_id: int) -> AppTest:
    at = make_app(account, as_of=AS_OF)
    at.run()
    at.query_params["review"] = str(review_id)
    at.session_state["case_folder_open"] = True  # as a click on "The documents, by section" opens it
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, *, section: str | None, title: str, file: tuple[str, bytes, str] | None,
            meeting_id: int | None = None) -> AppTest:
    if section is not None:
        at.selectbox(key="cf_section").set_value(section)
    at.text_input(key="cf_title").input(title)
    at.selectbox(key="cf_meeting").set_value(meeting_id)
    [uploader] = at.file_uploader
    uploader.set_value(file)
    at.button(key=UPLOAD_BUTTON).click().run()
    assert not at.exception, at.exception
    return at


def _folder_tables(at: AppTest) -> list[dict[str, list[str]]]:
    return [{column: list(t.value[column]) for column in t.value.columns} for t in at.table
            if "Name" in t.value.columns]


def _everything_shown(at: AppTest) -> list[str]:
    cells = [str(cell) for t in at.table for column in t.value.columns for cell in t.value[column]]
    return [*(m.value for m in at.markdown), *(c.value for c in at.caption), *(s.value for s in at.success),
            *(e.value for e in at.error), *(str(b.proto.label) for b in at.download_button), *cells]


def test_an_officer_uploads_minutes_and_sees_them_listed_escaped_with_their_download(
        app_db: OpenSession, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    deferred = deferred_download_callables(monkeypatch)
    seeded = _seed(app_db)
    at = _folder_page(make_app, seeded.officer, seeded.review_id)
    assert [c.value for c in at.caption].count("Nothing in this section yet.") == 4
    assert [o for o in at.selectbox(key="cf_meeting").options] == ["Not minutes",
                                                                    "Rapid Review meeting held Wed 30 Dec 2026"]

    _upload(at, section="II", title=HOSTILE, file=("minutes.pdf", PDF, "application/pdf"),
            meeting_id=seeded.meeting_id)
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [
        f"{md_text(HOSTILE)} ({md_text('minutes.pdf')}) is in the case folder, {md_text('II. Rapid Review meeting')}."]
    assert _folder_tables(at) == [{
        "Name": [md_text(HOSTILE)], "Kind": ["Minutes"], "Size": ["1 KB"], "Added by": ["App officer"],
        "When (UK)": _folder_tables(at)[0]["When (UK)"],
        "About": [md_text("Rapid Review meeting held Wed 30 Dec 2026")]}]
    assert [c.value for c in at.caption].count("Nothing in this section yet.") == 3
    # What was typed is shown literally: no element holds the script tag or a link unescaped.
    assert not [shown for shown in _everything_shown(at) if "<script>" in shown or "](http" in shown]
    # The form starts afresh; the download is read when clicked, as the account signed in.
    assert at.text_input(key="cf_title").value == "" and at.selectbox(key="cf_section").value is None
    assert [str(b.proto.label) for b in at.download_button if "minutes" in str(b.proto.label)] == \
        [f"Download {md_text('minutes.pdf')} (1 KB)"]
    assert deferred and deferred[-1]() == PDF
    with app_db() as session:
        stored = session.scalars(select(FolderDocument)).one()
        assert (stored.title, stored.folder_section, stored.meeting_id, stored.added_by_id) == \
            (HOSTILE, "II", seeded.meeting_id, seeded.officer.id)


def test_each_mistake_gets_a_sentence_and_the_title_stays(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _folder_page(make_app, seeded.officer, seeded.review_id)

    _upload(at, section="II", title="Minutes of the meeting", file=("minutes.pdf", _program(), "application/pdf"))
    assert [e.value.replace("\\", "") for e in at.error] == [
        "minutes.pdf is not a PDF or a Word document (judged by what the file holds, not its name). Attach the "
        "document as a PDF or a Word document."]
    assert at.text_input(key="cf_title").value == "Minutes of the meeting"
    assert at.selectbox(key="cf_section").value == "II"

    _upload(at, section=None, title="   ", file=("minutes.pdf", PDF, "application/pdf"))
    assert [e.value for e in at.error] == ["Give the document's title."]

    too_big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 - 8)
    _upload(at, section=None, title="Minutes again", file=("big.pdf", too_big, "application/pdf"))
    assert [e.value.replace("\\", "") for e in at.error] == [
        "big.pdf is 10.0 MB; a document can be at most 10 MB. Save it smaller (for example as a PDF) or split it."]
    assert at.text_input(key="cf_title").value == "Minutes again"

    at.selectbox(key="cf_section").set_value(None)
    _upload(at, section=None, title="Minutes again", file=("minutes.pdf", PDF, "application/pdf"))
    assert [e.value for e in at.error] == ["Choose the case folder section: I, II, III or IV."]
    with app_db() as session:
        assert session.scalars(select(FolderDocument)).all() == []


def test_the_chair_reads_the_folder_and_is_offered_no_form(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _folder_page(make_app, seeded.chair, seeded.review_id)
    assert [m.value for m in at.markdown if m.value.startswith("**") and "." in m.value][:4] == [
        f"**{md_text(title)}**" for title in ("I. Notification and scoping", "II. Rapid Review meeting",
                                              "III. Statutory Correspondence", "IV. General Correspondence")]
    assert not [b for b in at.button if b.key in (UPLOAD_BUTTON, REMOVE_BUTTON)]
    assert not at.file_uploader


def test_an_officer_removes_an_upload_with_a_reason(app_db: OpenSession, make_app: MakeApp) -> None:
    seeded = _seed(app_db)
    at = _folder_page(make_app, seeded.officer, seeded.review_id)
    _upload(at, section="IV", title="Letter to the GP", file=("letter.pdf", PDF, "application/pdf"))
    assert not at.error, [e.value for e in at.error]

    with app_db() as session:
        document_id = session.scalars(select(FolderDocument.id)).one()
    at.selectbox(key="cf_remove_doc").set_value(document_id)
    at.button(key=REMOVE_BUTTON).click().run()
    assert [e.value for e in at.error] == ["Give the reason for removing the document."]
    at.text_input(key="cf_remove_reason").input("Filed under the wrong review.")
    at.button(key=REMOVE_BUTTON).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"{md_text('Letter to the GP')} is removed from the case folder."]
    [table] = _folder_tables(at)
    assert table["Name"] == ["Letter to the GP"]
    assert table["About"][0].replace("\\", "").endswith("by App officer: Filed under the wrong review.")
    assert not [b for b in at.download_button if "letter" in str(b.proto.label)]
    assert not [b for b in at.button if b.key == REMOVE_BUTTON]  # nothing left to remove
