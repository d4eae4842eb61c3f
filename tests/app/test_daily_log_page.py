"""The Daily log page through Streamlit's AppTest, on a real committed database (issue 4)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypedDict

import pytest
import streamlit as st
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from db.models import Account, LogEntry, Review
from services.accounts import _new_account
from services.daily_log.service import add_log_entry
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import open_folded
from ui.widgets import md_text

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TODAY = date(2026, 11, 26)


class World(TypedDict):
    engine: Engine
    officer: Account
    review: Review


@pytest.fixture
def world(fresh_database_url: str) -> Iterator[World]:
    """An officer and one review whose log holds three entries written in separate transactions."""
    st.cache_resource.clear()
    st.cache_data.clear()
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        officer = _new_account(session, username="page-officer", display_name="Page Officer", roles=["officer"],
                               password="correct horse battery")
        review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                             csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                             children=[ChildEntry("AB", 7)], as_of=TODAY)
        session.commit()
        for words in ("First note: scoping forms sent.", "Second note: Police return received.",
                      "Third note: Chair told (initials CC)."):
            add_log_entry(session, officer, review_id=review.id, category="communication", text=words)
            session.commit()  # a new transaction, so a later server time
    yield World(engine=engine, officer=officer, review=review)
    engine.dispose()
    st.cache_resource.clear()


def _log_page(world: World) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["account_id"] = world["officer"].id
    at.session_state["last_seen_at"] = datetime.now(UTC)
    at.session_state["as_of"] = TODAY
    at.run()
    at.switch_page("pages/daily_log.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Daily log"
    return at


def _entries_shown(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Entry"])


def _texts_in_db(world: World) -> list[str]:
    with Session(world["engine"]) as session:
        return list(session.scalars(select(LogEntry.text).where(LogEntry.review_id == world["review"].id)
                                    .order_by(LogEntry.id)))


def test_entries_are_listed_newest_first(world: World) -> None:
    at = _log_page(world)
    shown = _entries_shown(at)
    assert shown[:3] == ["Third note: Chair told (initials CC).", "Second note: Police return received.",
                         "First note: scoping forms sent."]
    assert shown[3].startswith(f"Review {world['review'].case_reference} opened")
    assert any("entries 1–4 of **4**, newest first" in m.value for m in at.markdown)


def test_quick_add_puts_the_entry_at_the_top(world: World) -> None:
    at = _log_page(world)
    at.selectbox(key="log_review").set_value(world["review"].id).run()
    at.selectbox(key="la_category").set_value("document filed")
    at.text_area(key="la_text").input("Scoping form for Police saved.")
    at.selectbox(key="la_section").set_value("I")
    at.text_input(key="la_path").input("Scoping/Police scoping form.docx")
    at.button(key="la_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "added to the log of " + world["review"].case_reference in at.success[0].value
    assert _entries_shown(at)[0] == "Scoping form for Police saved."
    assert at.dataframe[0].value["File location"][0] == "I. Notification and scoping: Scoping/Police scoping form.docx"
    assert at.text_area(key="la_text").value == ""  # the form is cleared for the next entry
    assert _texts_in_db(world)[-1] == "Scoping form for Police saved."


def test_empty_text_is_refused_and_the_typed_values_stay(world: World) -> None:
    at = _log_page(world)
    before = _texts_in_db(world)
    at.selectbox(key="log_review").set_value(world["review"].id).run()
    at.selectbox(key="la_category").set_value("decision")
    at.text_area(key="la_text").input("   ")
    at.selectbox(key="la_section").set_value("II")
    at.text_input(key="la_path").input("Meeting/Agenda.docx")
    at.button(key="la_submit").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Write what happened: an empty entry cannot be added to the log."]
    assert at.selectbox(key="la_category").value == "decision"
    assert at.selectbox(key="la_section").value == "II"
    assert at.text_input(key="la_path").value == "Meeting/Agenda.docx"
    assert _texts_in_db(world) == before


def test_a_path_without_a_section_is_refused(world: World) -> None:
    at = _log_page(world)
    before = _texts_in_db(world)
    at.selectbox(key="log_review").set_value(world["review"].id).run()
    at.text_area(key="la_text").input("Return filed.")
    at.text_input(key="la_path").input("Returns/Police.docx")
    at.button(key="la_submit").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "needs its case folder section" in at.error[0].value
    assert at.text_area(key="la_text").value == "Return filed."
    assert at.text_input(key="la_path").value == "Returns/Police.docx"
    assert _texts_in_db(world) == before


def test_all_live_reviews_needs_a_review_chosen_to_add(world: World) -> None:
    at = _log_page(world)
    assert at.selectbox(key="log_review").value == 0  # all live reviews
    at.text_area(key="la_text").input("Which review?")
    at.button(key="la_submit").click().run()
    assert [e.value for e in at.error] == ["Choose the review this entry belongs to."]
    at.selectbox(key="la_review").set_value(world["review"].id)
    at.button(key="la_submit").click().run()
    assert not at.error
    assert _entries_shown(at)[0] == "Which review?"
    assert at.dataframe[0].value["Review"][0] == world["review"].case_reference


def test_correcting_an_entry_marks_the_corrected_one(world: World) -> None:
    at = _log_page(world)
    with Session(world["engine"]) as session:
        target = session.scalars(select(LogEntry.id).where(LogEntry.text.startswith("Second note"))).one()
    at.selectbox(key="lc_entry").set_value(target)
    at.text_area(key="lc_text").input("Correction: it was the Health return, not Police.")
    at.button(key="lc_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert table["Entry"][0] == "Correction: it was the Health return, not Police."
    assert table["Correction"][0] == f"Corrects #{target}"
    corrected = table[table["No."] == target]
    assert list(corrected["Correction"]) == [f"Corrected by #{table['No.'][0]}"]
    assert list(corrected["Entry"]) == ["Second note: Police return received."]  # the original is kept


def test_filters_and_export_agree(world: World) -> None:
    at = _log_page(world)
    at.text_input(key="lf_words").input("note").run()
    assert _entries_shown(at) == ["Third note: Chair told (initials CC).", "Second note: Police return received.",
                                  "First note: scoping forms sent."]
    at.button(key="log_export_prepare").click().run()
    assert not at.exception, at.exception
    exported = list(csv.reader(io.StringIO(at.session_state["log_export"]["csv"].decode("utf-8-sig"))))
    assert [row[5] for row in exported[1:]] == _entries_shown(at)
    at.date_input(key="lf_from").set_value(date(2026, 11, 27))
    at.date_input(key="lf_to").set_value(date(2026, 11, 26)).run()
    assert any("is after the 'to' date" in e.value for e in at.error)


def test_review_page_shows_the_case_folder_register(world: World) -> None:
    with Session(world["engine"]) as session:
        officer = session.merge(world["officer"])
        add_log_entry(session, officer, review_id=world["review"].id, category="document filed",
                      text="Minutes saved.", folder_section="II", file_path="Meeting/Minutes 2026-12-03.docx")
        session.commit()
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["account_id"] = world["officer"].id
    at.session_state["last_seen_at"] = datetime.now(UTC)
    at.session_state["as_of"] = TODAY
    at.run()
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    assert any(m.value == f"Case folder: **{world['review'].case_reference}**" for m in at.markdown)
    assert not [t for t in at.table if "Path" in t.value.columns]  # folded away until opened
    open_folded(at, "register_open")  # "The file locations, by section"
    sections = [m.value for m in at.markdown if m.value.startswith("**I")]
    assert sections == ["**I. Notification and scoping**", "**II. Rapid Review meeting**",
                        "**III. Statutory Correspondence**", "**IV. General Correspondence**"]
    registers = [t.value for t in at.table if "Path" in t.value.columns]
    assert len(registers) == 1
    # The cells are Markdown, every special character escaped (so a path shows as typed).
    assert list(registers[0]["Path"]) == [md_text("Meeting/Minutes 2026-12-03.docx")]
    assert list(registers[0]["Who"]) == ["Page Officer"]
    assert sum("No file location recorded yet." in c.value for c in at.caption) == 3


def test_a_nul_byte_in_the_search_box_gives_a_sentence_and_the_box_keeps_it(world: World) -> None:
    at = _log_page(world)
    at.text_input(key="lf_words").input("police\x00").run()
    assert not at.exception, at.exception
    assert at.error[0].value.startswith("The search box contains a hidden control character (U+0000")
    assert at.text_input(key="lf_words").value == "police\x00"
    at.text_input(key="lf_words").input("police").run()
    assert not at.error and _entries_shown(at) == ["Second note: Police return received."]


def test_the_log_uses_the_one_review_picker_with_all_live_reviews_first(world: World) -> None:
    at = _log_page(world)
    picker = at.selectbox(key="log_review")
    assert picker.options[0] == "All live reviews" and picker.value == 0
    assert "review" not in at.query_params
    picker.set_value(world["review"].id).run()
    assert at.query_params["review"] in (str(world["review"].id), [str(world["review"].id)])
    assert "Review" not in at.dataframe[0].value.columns  # one review: no review column
    # The review chosen here is the one the other review pages open on, and back here it stays chosen.
    at.switch_page("pages/review.py").run()
    assert at.selectbox(key="review_pick").value == world["review"].id
    at.switch_page("pages/daily_log.py").run()
    assert at.selectbox(key="log_review").value == world["review"].id
    at.selectbox(key="log_review").set_value(0).run()
    assert "review" not in at.query_params and "Review" in at.dataframe[0].value.columns


SCRIPT_PASTE = "<script>alert(1)</script>" * 400  # 10,000 characters
KEPT = "Shorten it and save again: what you typed is still in the form."
FULL_NOTE = "Or file the full note in the case folder and record its location."


@pytest.mark.parametrize("form", ["la", "lc"])  # add an entry; correct one
@pytest.mark.parametrize(("box", "typed", "sentence"), [
    ("text", "x" * 4001, f"The entry is 4,001 characters long; it can be at most 4,000. {KEPT} {FULL_NOTE}"),
    ("text", SCRIPT_PASTE, f"The entry is 10,000 characters long; it can be at most 4,000. {KEPT} {FULL_NOTE}"),
    ("path", "p" * 501, f"The file path is 501 characters long; it can be at most 500. {KEPT}"),
])
def test_a_text_longer_than_the_log_keeps_is_refused_in_words_and_stays_in_the_box(world: World, form: str, box: str,
                                                                                   typed: str,
                                                                                   sentence: str) -> None:
    """The boxes have no character limit (a browser box with one drops a longer paste whole): the save says why not."""
    at = _log_page(world)
    before = _texts_in_db(world)
    if form == "la":
        at.selectbox(key="log_review").set_value(world["review"].id).run()
    else:
        with Session(world["engine"]) as session:
            at.selectbox(key="lc_entry").set_value(
                session.scalars(select(LogEntry.id).where(LogEntry.text.startswith("Second note"))).one())
    at.text_area(key=f"{form}_text").input(typed if box == "text" else "Return filed.")
    at.selectbox(key=f"{form}_section").set_value("I")
    at.text_input(key=f"{form}_path").input(typed if box == "path" else "Returns/Police.docx")
    at.button(key=f"{form}_submit").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [sentence]
    kept = at.text_area(key=f"{form}_text") if box == "text" else at.text_input(key=f"{form}_path")
    assert kept.value == typed
    assert _texts_in_db(world) == before
