"""The SQL statements one render of a page sends (the app's engine's `before_cursor_execute`), for the tests that hold
statements per render."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, event
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext
from streamlit.testing.v1 import AppTest


def render_statements(at: AppTest) -> list[str]:
    """Run `at` once (its session kept fresh) and return the SQL it sent; the run must end without an exception."""
    import ui.state

    sent: list[str] = []

    def listener(conn: Connection, cursor: DBAPICursor, statement: str, parameters: object,
                 context: ExecutionContext | None, executemany: bool) -> None:
        sent.append(statement)

    engine = ui.state._engine()
    event.listen(engine, "before_cursor_execute", listener)
    try:
        at.session_state["last_seen_at"] = datetime.now(UTC)
        at.run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not at.exception, at.exception
    return sent
