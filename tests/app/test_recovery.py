"""Recovery (issue 12): the embedded server's postmaster is killed during a session; the next click shows the plain
sentence, and the click after that works again, the app having started the server itself, with no restart. A save
made while the database cannot be reached keeps what was typed in the form until the database is back and it is
saved."""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from datetime import date
from pathlib import Path

import psutil
import pytest
import streamlit as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.embedded import start_embedded_server
from db.engine import EMBEDDED_APP_ROLE, prepare_database
from db.models import LogEntry
from services.accounts import _new_account
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.app.conftest import create_account
from tests.types import MakeApp, OpenSession
from ui.errors import DATABASE_UNAVAILABLE

TODAY = date(2026, 11, 26)


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split()[0])


def test_a_killed_embedded_postmaster_is_started_again_by_the_next_click(monkeypatch: pytest.MonkeyPatch,
                                                                         make_app: MakeApp) -> None:
    folder = Path(tempfile.mkdtemp(prefix="rrt-recovery-", dir="/tmp"))  # short: the server's socket is in it
    # Exit handlers run last-registered first: this one after the server's own, which stops it and deletes pgdata.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    pgdata = folder / "pgdata"
    owner_url = start_embedded_server(pgdata, delete_on_exit=True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    monkeypatch.setenv("RRT_DATA_DIR", str(pgdata))
    st.cache_resource.clear()
    st.cache_data.clear()
    app_url = prepare_database()
    owner = create_engine(owner_url)
    account = create_account(lambda: Session(owner, expire_on_commit=False), "manager")
    owner.dispose()
    try:
        at = make_app(account).run()
        assert not at.exception and [t.value for t in at.title] == ["Live reviews"]
        app = create_engine(app_url)
        with app.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == EMBEDDED_APP_ROLE
        app.dispose()

        killed = _postmaster_pid(pgdata)
        os.kill(killed, signal.SIGKILL)
        psutil.Process(killed).wait(10) if psutil.pid_exists(killed) else None
        at.run()
        assert not at.exception
        assert [e.value for e in at.error] == [DATABASE_UNAVAILABLE]

        at.run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert [t.value for t in at.title] == ["Live reviews"]
        assert _postmaster_pid(pgdata) != killed and psutil.pid_exists(_postmaster_pid(pgdata))
    finally:
        st.cache_resource.clear()


def _accepting_connections(owner_url: str, accepting: bool) -> None:
    """Open or close the test's database to every connection, ending the ones it has: for the app, the database
    is unreachable until it is opened again."""
    url = make_url(owner_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS {str(accepting).lower()}'))
        if not accepting:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                         {"name": url.database})
    admin.dispose()


def _entries_written(owner_url: str, review_id: int) -> list[tuple[str, str, str | None, str | None]]:
    """The review's log entries written by a person (not the system), read on a new connection."""
    engine = create_engine(owner_url)
    with Session(engine) as session:
        rows = session.execute(select(LogEntry.category, LogEntry.text, LogEntry.folder_section, LogEntry.file_path)
                               .where(LogEntry.review_id == review_id, LogEntry.by_system.is_(False))).all()
    engine.dispose()
    return [(category, body, section, path) for category, body, section, path in rows]


def test_what_was_typed_survives_a_save_while_the_database_is_down_and_is_saved_once_it_is_back(
        app_db: OpenSession, fresh_database_url: str, make_app: MakeApp) -> None:
    with app_db() as session, session.begin():
        officer = _new_account(session, username="kept-officer", display_name="Kept Officer", roles=["officer"],
                               password="correct horse battery")
        review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                             csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                             children=[ChildEntry("AB", 7)], as_of=TODAY)
    typed = {"la_category": "document filed", "la_text": "Police scoping form received (officer DS).",
             "la_section": "I", "la_path": "Scoping/Police scoping form.docx"}
    at = make_app(officer, as_of=TODAY).run()
    at.switch_page("pages/daily_log.py").run()
    at.selectbox(key="log_review").set_value(review.id).run()
    at.selectbox(key="la_category").set_value(typed["la_category"])
    at.text_area(key="la_text").input(typed["la_text"])
    at.selectbox(key="la_section").set_value(typed["la_section"])
    at.text_input(key="la_path").input(typed["la_path"])

    _accepting_connections(fresh_database_url, False)
    try:
        at.button(key="la_submit").click().run()
        assert not at.exception, at.exception
        assert [e.value for e in at.error] == [DATABASE_UNAVAILABLE]
        at.run()  # a second click while it is still down: a run that drew no form the first time
        assert not at.exception and [e.value for e in at.error] == [DATABASE_UNAVAILABLE]
    finally:
        _accepting_connections(fresh_database_url, True)

    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Daily log"
    assert at.selectbox(key="log_review").value == review.id
    assert {key: at.session_state[key] for key in typed} == typed
    assert at.text_area(key="la_text").value == typed["la_text"]
    assert at.text_input(key="la_path").value == typed["la_path"]
    assert _entries_written(fresh_database_url, review.id) == []

    at.button(key="la_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _entries_written(fresh_database_url, review.id) == [
        ("document filed", "Police scoping form received (officer DS).", "I", "Scoping/Police scoping form.docx")]


def test_what_was_typed_survives_a_reload_while_the_database_is_down(app_db: OpenSession, fresh_database_url: str,
                                                                     make_app: MakeApp,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A reload starts a new Streamlit session: what was typed before it, kept by the failed run under the hash of
    the browser's sign-in cookie, comes back into the form on the new session's first run once the database is back
    (and only for that browser)."""
    import ui.kept

    with app_db() as session, session.begin():
        officer = _new_account(session, username="reload-officer", display_name="Reload Officer",
                               roles=["officer"], password="correct horse battery")
        review = open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 19),
                             csc_aware_date=date(2026, 11, 20), notification_received_date=date(2026, 11, 23),
                             children=[ChildEntry("AB", 7)], as_of=TODAY)
    browser = {"key": "browser-one"}
    monkeypatch.setattr(ui.kept, "_browser_key", lambda: browser["key"], raising=False)
    typed = {"la_text": "Health visitor record requested.", "la_section": "I", "la_path": "Scoping/HV.docx"}
    at = make_app(officer, as_of=TODAY).run()
    at.switch_page("pages/daily_log.py").run()
    at.selectbox(key="log_review").set_value(review.id).run()
    at.text_area(key="la_text").input(typed["la_text"])
    at.selectbox(key="la_section").set_value(typed["la_section"])
    at.text_input(key="la_path").input(typed["la_path"])

    _accepting_connections(fresh_database_url, False)
    try:
        at.button(key="la_submit").click().run()
        assert [e.value for e in at.error] == [DATABASE_UNAVAILABLE]
        # The reload: a new session from the same browser, still while the database is down.
        reloaded = make_app(officer, as_of=TODAY).run()
        assert not reloaded.exception and [e.value for e in reloaded.error] == [DATABASE_UNAVAILABLE]
    finally:
        _accepting_connections(fresh_database_url, True)

    # Another browser gets nothing of it.
    browser["key"] = "browser-two"
    other = make_app(officer, as_of=TODAY).run()
    other.switch_page("pages/daily_log.py").run()
    other.selectbox(key="log_review").set_value(review.id).run()
    assert other.text_area(key="la_text").value == ""

    browser["key"] = "browser-one"
    reloaded.query_params["review"] = str(review.id)  # the reloaded address names the review, as the page set it
    reloaded.switch_page("pages/daily_log.py").run()
    assert not reloaded.exception and not reloaded.error, [e.value for e in reloaded.error]
    assert reloaded.selectbox(key="log_review").value == review.id
    assert reloaded.text_area(key="la_text").value == typed["la_text"]
    assert reloaded.text_input(key="la_path").value == typed["la_path"]
    reloaded.button(key="la_submit").click().run()
    assert not reloaded.error, [e.value for e in reloaded.error]
    assert [row[1] for row in _entries_written(fresh_database_url, review.id)] == [typed["la_text"]]
    # Taken once: a later session from the same browser starts empty.
    again = make_app(officer, as_of=TODAY).run()
    again.switch_page("pages/daily_log.py").run()
    again.selectbox(key="log_review").set_value(review.id).run()
    assert again.text_area(key="la_text").value == ""


def test_the_typing_is_kept_under_a_hash_of_the_sign_in_cookie_and_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    import ui.auth
    import ui.kept

    monkeypatch.setattr(ui.auth, "cookie_token", lambda: "secret-token")  # what ui.kept calls (auth.cookie_token)
    assert ui.kept._browser_key() == hashlib.sha256(b"secret-token").hexdigest()
    monkeypatch.setattr(ui.auth, "cookie_token", lambda: None)
    assert ui.kept._browser_key() is None
    monkeypatch.setattr(ui.kept, "_kept_by_browser", {"old": (0.0, {"la_text": "x"}), "new": (1e12, {})})
    ui.kept._drop_expired(1e12)
    assert list(ui.kept._kept_by_browser) == ["new"]


def test_a_password_typed_is_never_kept_beyond_its_session() -> None:
    from ui.kept import for_the_browser

    typed = {"sign_in_username": "olly", "sign_in_password": "secret", "first_password": "s",
             "first_password_again": "s", "ca_password": "s", "pw_12": "s", "la_text": "Police form received."}
    assert for_the_browser(typed) == {"sign_in_username": "olly", "la_text": "Police form received."}
