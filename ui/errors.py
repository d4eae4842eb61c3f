"""What a user sees when something unexpected goes wrong: one plain sentence and a short error id, never a traceback.

The server log gets the id with the exception's type and where it was raised (file, line, function, for the
exception and its causes), but never the exception's message: a message can quote what was typed, a password
hash or case data (a database error repeats the values it refused)."""
from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable

import streamlit as st
from sqlalchemy.exc import OperationalError

# The unit of work raises it (services.unit_of_work); the pages say it in the sentence below.
from services.errors import DatabaseUnavailable as DatabaseUnavailable
from ui.kept import keep_typing

logger = logging.getLogger("rrt.errors")

# "Try again", never "reload": what was typed is kept here and comes back once the database answers (ui.kept).
DATABASE_UNAVAILABLE = (
    "The database cannot be reached just now, so nothing can be shown or saved. What you typed is kept: try "
    "again in a minute (press the same button again). If it goes on, tell your administrator (the database "
    "server may be stopped, or DATABASE_URL wrong)."
)


def describe_for_log(error: BaseException) -> str:
    """The exception's type and frames, and its causes', without any message text."""
    lines: list[str] = []
    current: BaseException | None = error
    while current is not None:
        lines.append(f"{type(current).__module__}.{type(current).__qualname__}")
        lines.extend(f"  at {frame.filename}:{frame.lineno} in {frame.name}"
                     for frame in traceback.extract_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
        if current is not None:
            lines.append("caused by")
    return "\n".join(lines)


def report_unexpected(error: BaseException) -> str:
    """Log `error` under a new short id and return the id."""
    error_id = secrets.token_hex(4)
    logger.error("Unexpected error %s\n%s", error_id, describe_for_log(error))
    return error_id


def show_database_unavailable() -> None:
    """Say in one sentence that the database cannot be reached, and keep what was typed for when it is back."""
    keep_typing()
    st.error(DATABASE_UNAVAILABLE, icon=":material/cloud_off:")


def run_safely(run: Callable[[], None]) -> None:
    """Run a page; an error it did not expect becomes a plain sentence with an id (st.stop and st.rerun pass)."""
    try:
        run()
    except (DatabaseUnavailable, OperationalError):
        show_database_unavailable()
    except Exception as error:  # noqa: BLE001 - the point: one sentence and an error id instead of a traceback
        error_id = report_unexpected(error)
        st.error(
            "Something went wrong and this action was not completed. Nothing was saved by it. Try again; if it "
            f"happens again, tell your administrator the error id **{error_id}** and the time.",
            icon=":material/error:",
        )
