"""When the database cannot be reached the app says so in plain words, never a stack trace."""
import streamlit as st


def test_unreachable_database_gets_a_plain_message(monkeypatch, make_app):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    st.cache_resource.clear()
    at = make_app().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The database cannot be reached just now, so nothing can be shown or saved. Check that the database "
        "server is running (or DATABASE_URL is right) and reload the page."
    ]
    st.cache_resource.clear()


def test_database_lost_while_signed_in_gets_the_same_plain_message(app_db, make_app, fresh_database_url):
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
    assert [e.value for e in at.error] == [
        "The database cannot be reached just now, so nothing can be shown or saved. Check that the database "
        "server is running (or DATABASE_URL is right) and reload the page."
    ]
