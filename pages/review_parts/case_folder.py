"""The Review page's case folder: what the folder holds, per section I to IV (the documents uploaded here, the
agencies' documents, every version of the report, the file locations recorded elsewhere), each stored file as a
download read only when clicked; the form that uploads a document (minutes naming their meeting) and the one that
removes an uploaded document with a reason; and the daily log's register of file locations, as before.

Every cell and label that holds stored text goes through md_text; a download is read as the account signed in when
it is clicked (ui.state.read_later), as the returns' card does for the agencies' documents."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from services.case_folder import (
    FOLDER_SECTION_TITLES,
    CaseFolder,
    FolderFile,
    case_folder,
    case_folder_file,
    remove_case_document,
    upload_case_document,
)
from services.clock import LONDON
from services.daily_log import case_folder_register
from services.permissions import may
from ui import state
from ui.flash import flash
from ui.navigation import link_target
from ui.style import wrapping_table
from ui.widgets import FREE_TEXT_REMINDER, folded, md_text

UPLOAD_LIMIT_MB = 10  # the documents' limit (services.agency_exchange.rules): the browser refuses a bigger file too
UPLOAD_TYPES = ["pdf", "doc", "docx"]  # what the file chooser offers; the service judges the content
UPLOAD_FIELDS = ("cf_section", "cf_title", "cf_meeting")
REMOVE_FIELDS = ("cf_remove_doc", "cf_remove_reason")
NONCE = "cf_file_nonce"  # a new file box after each upload (a file box cannot be emptied through session_state)


def _when(value: datetime | None) -> str:
    return f"{value.astimezone(LONDON):%a %d %b %Y %H:%M}" if value is not None else "—"


def _download(review_id: int, file: FolderFile) -> Callable[[], bytes]:
    """The file's bytes, read only when the button is clicked (as the account signed in then)."""
    later = state.read_later(case_folder_file, review_id=review_id, source=file.source, file_id=file.id)
    return lambda: later().content


def _listing(folder: CaseFolder) -> None:
    for section in folder.sections:
        st.markdown(f"**{md_text(section.title)}**")
        if not section.rows:
            st.caption("Nothing in this section yet.")
            continue
        wrapping_table([{"Name": md_text(row.name), "Kind": md_text(row.kind), "Size": md_text(row.size or "—"),
                         "Added by": md_text(row.added_by), "When (UK)": md_text(_when(row.added_at)),
                         "About": md_text(row.note or "—")} for row in section.rows],
                       key=f"case_folder_{section.code}")
        for row in section.rows:
            if row.file is not None:
                st.download_button(f"Download {md_text(row.file.file_name)} ({md_text(row.size)})",
                                   _download(folder.review_id, row.file), file_name=row.file.file_name,
                                   mime=row.file.content_type, on_click="ignore", icon=":material/download:",
                                   key=f"cf_{section.code}_{row.file.source}_{row.file.id}")


def _upload_form(folder: CaseFolder) -> None:
    """Section, title, the minutes' meeting (if they are minutes) and the file; what was typed stays on a refusal."""
    nonce = int(st.session_state.get(NONCE, 0))
    meetings = {m.id: m.label for m in folder.meetings}
    st.markdown("**Add a document to the case folder**")
    with st.form("case_folder_upload"):
        section = st.selectbox("Section of the case folder", list(FOLDER_SECTION_TITLES), index=None,
                               placeholder="Choose a section", format_func=FOLDER_SECTION_TITLES.__getitem__,
                               key="cf_section")
        title = st.text_input("Title (what the document is, for example: Minutes of the Rapid Review meeting)",
                              key="cf_title", help=FREE_TEXT_REMINDER)
        meeting_id = st.selectbox("Minutes of a meeting? (optional)", [None, *meetings],
                                  format_func=lambda i: "Not minutes" if i is None else meetings[i], key="cf_meeting")
        upload = st.file_uploader(f"The document: PDF or Word, at most {UPLOAD_LIMIT_MB} MB", type=UPLOAD_TYPES,
                                  max_upload_size=UPLOAD_LIMIT_MB, key=f"cf_file_{nonce}")
        submitted = st.form_submit_button("Add it to the case folder", icon=":material/upload_file:")
    if submitted:
        saved = state.act(upload_case_document, review_id=folder.review_id, folder_section=section, title=title,
                          file_name=upload.name if upload is not None else None,
                          data=upload.getvalue() if upload is not None else b"", meeting_id=meeting_id)
        if saved is not None:
            for key in UPLOAD_FIELDS:
                st.session_state.pop(key, None)
            st.session_state[NONCE] = nonce + 1
            flash(f"{md_text(saved.title)} ({md_text(saved.file_name)}) is in the case folder, "
                  f"{md_text(FOLDER_SECTION_TITLES[saved.folder_section])}.")
            st.rerun()


def _remove_form(folder: CaseFolder) -> None:
    """An uploaded document taken out of the listing, with a reason (the record keeps it)."""
    removable = {row.source_id: f"{row.name} ({FOLDER_SECTION_TITLES[row.section]})" for row in folder.removable}
    if not removable:
        return
    st.markdown("**Remove a document uploaded here**")
    st.caption("It leaves the listing and can no longer be downloaded; the record keeps it, with who removed it, "
               "when and why.")
    with st.form("case_folder_remove"):
        document_id = st.selectbox("Document", list(removable), index=None, placeholder="Choose a document",
                                   format_func=removable.__getitem__, key="cf_remove_doc")
        reason = st.text_input("Why it is removed (logged)", key="cf_remove_reason", help=FREE_TEXT_REMINDER)
        submitted = st.form_submit_button("Remove it from the case folder", icon=":material/folder_delete:")
    if submitted:
        if document_id is None:
            st.error("Choose the document to remove.", icon=":material/error:")
            return
        saved = state.act(remove_case_document, review_id=folder.review_id, document_id=document_id, reason=reason)
        if saved is not None:
            for key in REMOVE_FIELDS:
                st.session_state.pop(key, None)
            flash(f"{md_text(saved.title)} is removed from the case folder.")
            st.rerun()


def _register(review_id: int) -> None:
    """The file locations the daily log recorded, by section, with their corrections (read only while open)."""
    register_box = folded("The file locations recorded in the daily log, by section", key="register_open",
                          icon=":material/folder:")
    if not register_box.open:
        return
    register = state.read(case_folder_register, review_id=review_id)
    for folder_section in register.sections:
        register_box.markdown(f"**{folder_section.title}**")
        if not folder_section.documents:
            register_box.caption("No file location recorded yet.")
            continue
        documents = [
            {
                "Path": md_text(document.file_path),
                "When (UK)": md_text(f"{document.logged_at.astimezone(LONDON):%a %d %b %Y %H:%M}"),
                "Who": md_text(document.author_name),
                "Log entry": md_text(f"#{document.entry_id}" + (
                    f" (corrected by {', '.join(f'#{i}' for i in document.corrected_by)})"
                    if document.corrected_by else "")),
            }
            for document in folder_section.documents
        ]
        with register_box:
            wrapping_table(documents, key=f"folder_register_{folder_section.code}")


def case_folder_part(review_id: int, case_reference: str, roles: frozenset[str]) -> None:
    """The case folder of one review on its page: the listing, the forms (managers and officers) and the register."""
    st.subheader("Case folder")
    st.markdown(f"Case folder: **{md_text(case_reference)}**")  # the folder is named by the case reference
    st.caption("By section: the documents uploaded here, the documents agencies sent through their links, every "
               "version of the report (the one sent to the Panel in III too), and the file locations recorded in the "
               "daily log or on a return. To record where a file is kept outside the tracker, add a daily log entry "
               "with the section and the file's path.")
    # Read and drawn only while open: a long-running review's folder grows with its log and its versions.
    box = folded("The documents, by section", key="case_folder_open", icon=":material/folder_open:")
    if box.open:
        folder = state.read(case_folder, review_id=review_id)
        with box:
            _listing(folder)
            if folder.accepts_uploads and may(roles, upload_case_document):
                _upload_form(folder)
            if folder.accepts_uploads and may(roles, remove_case_document):
                _remove_form(folder)
    _register(review_id)
    st.page_link(link_target("log"), label="Record a file location in the daily log", icon=":material/history_edu:",
                 query_params={"review": str(review_id)})
