"""When the database cannot be reached the app says so in plain words, never a stack trace."""
from typing import Any

import pytest
import streamlit as st

from tests.types import MakeApp, OpenSession
from ui.errors import DATABASE_UNAVAILABLE


def test_the_sentence_says_to_try_again_not_to_reload() -> None:
    """A reload used to be the advice, and a reload threw the typing away: the sentence says it is kept."""
    assert "reload" not in DATABASE_UNAVAILABLE.lower()
    assert "What you typed is kept: try again" in DATABASE_UNAVAILABLE


def test_unreachable_database_gets_a_plain_message(monkeypatch: pytest.MonkeyPatch, make_app: MakeApp) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    st.cache_resource.clear()
    at = make_app().run()
    assert not at.exception
    assert [e.value for e in at.error] == [DATABASE_UNAVAILABLE]
    st.cache_resource.clear()


def test_database_lost_while_signed_in_gets_the_same_plain_message(app_db: OpenSession, make_app: MakeApp,
                                                                   fresh_database_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.app.conftest import create_account

    account = create_account(app_db, "manager")
    at = make_app(account).run()
    assert [t.value for t in at.title] == ["Live reviews"]
    url = make_url(fresh_database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
    admin.dispose()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [DATABASE_UNAVAILABLE]


def test_an_unexpected_error_shows_one_sentence_with_an_error_id_and_no_traceback(
        app_db: OpenSession, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    import logging
    import re

    import services.report
    from services.integrity import PER_REVIEW, PerReview
    from tests.app.conftest import create_account

    def broken(*args: object, **kwargs: object) -> Any:
        raise RuntimeError("case 180626AB, child AB: this text must reach neither the page nor the log")

    account = create_account(app_db, "manager")
    # The Live reviews page's last read, a list kept review by review: broken where it looks at its reviews.
    monkeypatch.setitem(PER_REVIEW, broken, PerReview(broken, broken, list))
    monkeypatch.setattr(services.report, "list_ofsted_outstanding", broken)
    with caplog.at_level(logging.ERROR, logger="rrt.errors"):
        at = make_app(account).run()
    assert not at.exception
    [message] = [e.value for e in at.error]
    found = re.search(r"error id \*\*([0-9a-f]{8})\*\*", message)
    assert found is not None, message
    error_id = found.group(1)
    assert message.startswith("Something went wrong and this action was not completed.")
    assert "180626AB" not in message and "Traceback" not in message
    assert f"Unexpected error {error_id}" in caplog.text and "builtins.RuntimeError" in caplog.text
    assert "180626AB" not in caplog.text
