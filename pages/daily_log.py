"""The daily log: every action on a review, newest first; quick add, corrections, filters, paging and export."""
from collections.abc import Mapping
from datetime import datetime

import pandas as pd
import streamlit as st

from services.clock import LONDON
from services.daily_log import (
    DEFAULT_PAGE_SIZE,
    FOLDER_SECTION_TITLES,
    LOG_CATEGORIES,
    MAX_TEXT_LENGTH,
    PERSON_CATEGORIES,
    XLSX_MIME,
    LogFilters,
    LogRow,
    add_log_entry,
    export_log_csv,
    export_log_xlsx,
    list_log_authors,
    list_milestone_choices,
    search_log,
    search_review_log,
)
from services.errors import ServiceError
from services.reviews import list_reviews
from ui import state
from ui.flash import flash, show_flashes
from ui.forms import already_saved, remember_saved
from ui.gate import require_page
from ui.links import review_links
from ui.widgets import FREE_TEXT_REMINDER, free_text_help, md_sentence, md_text, review_picker

require_page("log")

SCOPE_SEEN_KEY = "log_scope_seen"  # the review (None: all live) the page showed last
PAGE_KEY = "log_page_no"
EXPORT_KEY = "log_export"
# What a form's widgets go back to after a successful save (set before they are drawn, so the browser follows).
ADD_DEFAULTS = {"la_text": "", "la_path": "", "la_section": "", "la_milestone": 0, "la_review": None}
CORRECT_DEFAULTS = {"lc_entry": None, "lc_text": "", "lc_path": "", "lc_section": ""}
RESET_KEY = "log_form_reset"
# Choice lists use "" / 0 for "none": a None option would show as an empty picker after a reset.
SECTION_CHOICES = ["", *FOLDER_SECTION_TITLES]


def _first_page() -> None:
    st.session_state[PAGE_KEY] = 1


def _review_changed() -> None:
    _first_page()
    st.session_state.pop("lf_author", None)
    st.session_state.pop("la_milestone", None)


def _go_to(page: int) -> None:
    st.session_state[PAGE_KEY] = page


def _section_label(code: str) -> str:
    return FOLDER_SECTION_TITLES[code] if code else "No file location"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%a %d %b %Y %H:%M}"


def _after_write(message: str, defaults: Mapping[str, object]) -> None:
    """Clear the form that was sent (on the next run), show what happened, and go back to the newest entry."""
    st.session_state[RESET_KEY] = defaults
    st.session_state.pop(EXPORT_KEY, None)
    st.session_state[PAGE_KEY] = 1
    flash(message)
    st.rerun()


for key, value in st.session_state.pop(RESET_KEY, {}).items():
    st.session_state[key] = value

st.title("Daily log")
st.caption("Every action on a review, newest first. The log cannot be changed or deleted: a mistake is put "
           "right by a new entry that names the entry it corrects.")

reviews = state.read_by_review(list_reviews)  # every review, for the picker: a write reads its review again
by_id = reviews.by_id  # computed once for the shared list
live_ids = [r.id for r in reviews.live]
scope = review_picker(reviews, key="log_review", all_live_label="All live reviews")
if scope is not None:
    review_links(scope, here="log")
if st.session_state.get(SCOPE_SEEN_KEY, scope) != scope:
    _review_changed()  # another review (or all of them): first page, and the choices that depended on it
st.session_state[SCOPE_SEEN_KEY] = scope

show_flashes()

# ---------------------------------------------------------------- quick add

st.subheader("Add an entry")
if scope is None and not live_ids:
    st.info("There is no live review to add an entry to. Pick a review above to add to its log.")
else:
    # Kept by the review's version, as its entries (ui.state.read_for_review): no statement while it is unchanged.
    milestones = state.read_for_review(list_milestone_choices, review_id=scope) if scope is not None else []
    milestone_titles = dict(milestones)
    with st.form("log_add"):
        if scope is None:
            add_review = st.selectbox("Review", live_ids, index=None, placeholder="Choose the review",
                                      format_func=lambda i: by_id[i].case_reference, key="la_review")
        else:
            add_review = scope
        c1, c2 = st.columns([1, 2])
        category = c1.selectbox("Category", PERSON_CATEGORIES, key="la_category")
        milestone_id = c2.selectbox("About the milestone (optional)", [0, *milestone_titles], key="la_milestone",
                                    format_func=lambda i: milestone_titles.get(i, "—"),
                                    disabled=scope is None,
                                    help=None if scope is not None else "Pick one review above to link a milestone.")
        entry_text = st.text_area("What happened", key="la_text", height=100, placeholder=FREE_TEXT_REMINDER,
                                  help=free_text_help(MAX_TEXT_LENGTH))
        s1, s2 = st.columns([1, 2])
        section = s1.selectbox("Case folder section (for a file location)", SECTION_CHOICES, key="la_section",
                               format_func=_section_label)
        path = s2.text_input("File path in the case folder (optional)", key="la_path",
                             placeholder="e.g. Scoping/Police scoping form.docx")
        st.caption(FREE_TEXT_REMINDER)
        add_sent = st.form_submit_button("Add to the log", type="primary", icon=":material/add:", key="la_submit")
    add_values = (add_review, category, entry_text, section, path, milestone_id)
    if add_sent and already_saved("log_add", add_values):
        st.info("That entry was just added: it is at the top of the log.", icon=":material/info:")
    elif add_sent:
        entry = state.act(add_log_entry, review_id=add_review, category=category, text=entry_text,
                          folder_section=section, file_path=path, milestone_id=milestone_id or None)
        if entry is not None:
            remember_saved("log_add", add_values)
            where = by_id[entry.review_id].case_reference if entry.review_id is not None else "the partnership"
            _after_write(f"Entry {entry.id} added to the log of {where}.",
                         ADD_DEFAULTS)

# ---------------------------------------------------------------- filters and the page of entries

st.subheader("Entries")
# The authors and the page of entries are the same for every case reader: shared in this process, so a click that
# changes no filter reads neither again; every live review's until anything is written (ui.state.read_shared), one
# review's until that review or the partnership changes (ui.state.read_for_review).
authors = dict(state.read_shared(list_log_authors) if scope is None else
               state.read_for_review(list_log_authors, review_id=scope))  # one review's: kept until it changes
# Two rows: each date filter wide enough to show its whole date (dd / mm / yyyy and its clear button) beside the menu.
f1, f2, f5 = st.columns([3, 2, 2])
f3, f4, _ = st.columns([1, 1, 1.5])
categories = f1.multiselect("Categories", LOG_CATEGORIES, key="lf_categories", on_change=_first_page,
                            placeholder="All categories")
if st.session_state.get("lf_author", 0) not in (0, *authors):
    del st.session_state["lf_author"]
author_id = f2.selectbox("Author", [0, *authors], key="lf_author", on_change=_first_page,
                         format_func=lambda i: authors.get(i, "Anyone")) or None
date_from = f3.date_input("From", value=None, format="DD/MM/YYYY", key="lf_from", on_change=_first_page)
date_to = f4.date_input("To", value=None, format="DD/MM/YYYY", key="lf_to", on_change=_first_page)
words = f5.text_input("Words in the text", key="lf_words", on_change=_first_page, help=(
    "Finds entries with every word typed, in any case, each word whole or its beginning (\"chron\" finds "
    "chronology, \"GP\" finds GP), not inside a longer word (\"view\" does not find review). Punctuation splits "
    "words: \"J.S.\" finds the initials J.S. as typed."))
filters = LogFilters(review_id=scope, categories=tuple(categories), author_id=author_id, date_from=date_from,
                     date_to=date_to, words=words)
page_size = st.session_state.get("lf_page_size", DEFAULT_PAGE_SIZE)

try:
    page_asked = st.session_state.get(PAGE_KEY, 1)
    # One review's page is kept by that review's version (a write to another review leaves it kept); every live
    # review's, by the whole data version.
    result = (state.read_shared(search_log, filters=filters, page=page_asked, page_size=page_size) if scope is None
              else state.read_for_review(search_review_log, review_id=scope, filters=filters, page=page_asked,
                                         page_size=page_size))
except ServiceError as error:
    st.error(md_sentence(error), icon=":material/error:")
    st.stop()
st.session_state[PAGE_KEY] = result.page

if not result.rows:
    st.info("No entry matches these filters." if result.total == 0 and any(
        (categories, author_id, date_from, date_to, words.strip())) else "The log has no entries yet.")
else:
    def _correction_note(row: LogRow) -> str:
        notes = []
        if row.corrected_by:
            notes.append("Corrected by " + ", ".join(f"#{i}" for i in row.corrected_by))
        if row.corrects_id:
            notes.append(f"Corrects #{row.corrects_id}")
        return "; ".join(notes)

    table = pd.DataFrame(
        [
            {
                "No.": row.id,
                "Time (UK)": _when(row.logged_at),
                "Review": row.case_reference,
                "Entry": row.text,
                "Category": row.category,
                "Author": row.author_name + (" (system)" if row.by_system else ""),
                "Correction": _correction_note(row),
                "File location": row.file_location,
                "Milestone": row.milestone_title or "",
            }
            for row in result.rows
        ]
    )
    if scope is not None:
        table = table.drop(columns="Review")
    corrected = [row.is_corrected for row in result.rows]
    # A corrected entry is struck through, which only a pandas Styler can say; it styles every cell of the table,
    # so only a page that holds a corrected entry gets one.
    styled = table.style.apply(
        lambda r: ["color:#6b7280;text-decoration:line-through" if corrected[r.name] and c == "Entry" else
                   ("color:#b45309;font-weight:600" if corrected[r.name] and c == "Correction" else "")
                   for c in r.index],
        axis=1,
    ) if any(corrected) else table
    st.dataframe(
        styled, hide_index=True, width="stretch", key="log_table",
        row_height=68,  # three lines: an entry's text wraps (Streamlit wraps only in rows taller than 4rem)
        placeholder="—",
        column_config={
            "No.": st.column_config.NumberColumn(width="small", format="%d"),
            "Entry": st.column_config.TextColumn(width="large"),
            # Wide enough for a milestone's title in the row's three lines.
            "Milestone": st.column_config.TextColumn(width="medium"),
        },
    )
    with st.expander("The entries on this page in full", icon=":material/notes:"):
        for row in result.rows:
            was_corrected = " (corrected)" if row.is_corrected else ""
            st.markdown(f"**#{row.id}** · {md_text(_when(row.logged_at))} · {md_text(row.author_name)}{was_corrected}: "
                        f"{md_text(row.text)}")

p1, p2, p3, p4 = st.columns([1, 1, 1.2, 3], vertical_alignment="bottom")
p1.button("Newer", icon=":material/chevron_left:", key="log_newer", disabled=result.page <= 1,
          on_click=_go_to, args=(result.page - 1,))
p2.button("Older", icon=":material/chevron_right:", icon_position="right", key="log_older",
          disabled=result.page >= result.pages, on_click=_go_to, args=(result.page + 1,))
p3.selectbox("Entries a page", [25, 50, 100, 200], index=[25, 50, 100, 200].index(page_size), key="lf_page_size",
             on_change=_first_page)
p4.markdown(f"Page **{result.page}** of **{result.pages}** · entries {result.first_number:,}–{result.last_number:,} "
            + ("of **more than " if result.capped else "of **") + f"{result.total:,}**, newest first")
if result.capped:
    st.caption(f"More than {result.total:,} entries match, too many to count them all. Narrow the search (another "
               "word, one review, a category or dates) to find the rest; Older counts on as you page back.")

# ---------------------------------------------------------------- correct an entry

if result.rows:
    with st.expander("Correct an entry", icon=":material/edit_note:"):
        st.caption("A correction is a new entry that names the entry it puts right; both stay in the log and the "
                   "corrected one is marked. Choose from the entries on this page (use the filters to find it).")
        on_page = {row.id: row for row in result.rows}
        with st.form("log_correct"):
            target_id = st.selectbox(
                "Entry to correct", list(on_page), index=None, placeholder="Choose the entry", key="lc_entry",
                format_func=lambda i: f"#{i} · {_when(on_page[i].logged_at)} · {on_page[i].author_name} · "
                f"{on_page[i].text[:80]}",
            )
            c_category = st.selectbox("Category", PERSON_CATEGORIES, key="lc_category")
            c_text = st.text_area("The correct version", key="lc_text", placeholder=FREE_TEXT_REMINDER,
                                  help=free_text_help(MAX_TEXT_LENGTH))
            k1, k2 = st.columns([1, 2])
            c_section = k1.selectbox("Case folder section (if the file location was wrong)", SECTION_CHOICES,
                                     key="lc_section", format_func=_section_label)
            c_path = k2.text_input("Correct file path (optional)", key="lc_path")
            st.caption(FREE_TEXT_REMINDER)
            correct_sent = st.form_submit_button("Add the correction", key="lc_submit")
        if correct_sent:
            correct_values = (target_id, c_category, c_text, c_section, c_path)
            if target_id is None:
                st.error("Choose the entry to correct.", icon=":material/error:")
            elif already_saved("log_correct", correct_values):
                st.info("That correction was just added: it is at the top of the log.", icon=":material/info:")
            else:
                fix = state.act(add_log_entry, review_id=on_page[target_id].review_id, category=c_category,
                                text=c_text, folder_section=c_section, file_path=c_path, corrects_id=target_id)
                if fix is not None:
                    remember_saved("log_correct", correct_values)
                    _after_write(f"Entry {fix.id} added, correcting entry {target_id}.", CORRECT_DEFAULTS)

# ---------------------------------------------------------------- export

st.subheader("Export")
st.caption("The export holds every entry these filters match (all pages), newest first, as the page shows them.")
signature = (scope, tuple(categories), author_id, date_from, date_to, words.strip(), result.total)
prepared = st.session_state.get(EXPORT_KEY)
if prepared and prepared["signature"] != signature:
    prepared = None
if st.button("Prepare the export", icon=":material/download:", key="log_export_prepare",
             disabled=result.total == 0):
    prepared = {
        "signature": signature,
        "csv": state.read(export_log_csv, filters=filters),  # built here, when the button is clicked
        "xlsx": state.read(export_log_xlsx, filters=filters),
        "prepared_at": datetime.now(LONDON),
    }
    st.session_state[EXPORT_KEY] = prepared
if prepared:
    stem = f"daily-log-{by_id[scope].case_reference if scope else 'live-reviews'}-{prepared['prepared_at']:%Y-%m-%d}"
    d1, d2, d3 = st.columns([1, 1, 3], vertical_alignment="center")
    d1.download_button("Download CSV", data=prepared["csv"], file_name=f"{stem}.csv", mime="text/csv",
                       icon=":material/table_view:", key="log_download_csv", on_click="ignore")
    d2.download_button("Download Excel", data=prepared["xlsx"], file_name=f"{stem}.xlsx",
                       mime=XLSX_MIME,
                       icon=":material/grid_on:", key="log_download_xlsx", on_click="ignore")
    d3.caption(f"Prepared {prepared['prepared_at']:%H:%M:%S}: "
               + ("every matching entry." if result.capped else f"{result.total:,} entries."))
