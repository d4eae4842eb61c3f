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
