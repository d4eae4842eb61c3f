"""What the tests (AppTest) and the benchmarks need of Streamlit's internals beyond AppTest's public API; each is
checked in tests/unit/test_streamlit_internals_contract.py."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

# What AppTest reads as the widget values the browser sent (session_state[TESTING_WIDGET_VALUES_KEY][widget id]).
TESTING_WIDGET_VALUES_KEY = "$$STREAMLIT_INTERNAL_KEY_TESTING"
# The logger that warns of a "missing ScriptRunContext" whenever session_state is read outside a script run.
SCRIPT_RUN_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def declared_pages_only_in_app_test() -> Callable[[], None]:
    """AppTest runs only the pages app.py declares, as the served app does (ui/server.py): AppTest resets Streamlit's
    "pages/ folder" detection before each run, so its second run would execute a page file directly, skipping
    app.py. Returns what undoes it."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test as app_test_module

    class DeclaredPagesOnly(PagesManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    # app_test's own import of the class (not one of its exports, hence attr-defined).
    original = app_test_module.PagesManager  # type: ignore[attr-defined]
    app_test_module.PagesManager = DeclaredPagesOnly  # type: ignore[attr-defined]

    def undo() -> None:
        app_test_module.PagesManager = original  # type: ignore[attr-defined]

    return undo


def share_script_cache_in_app_test() -> None:
    """AppTest compiles the app and the page anew on every run (a new ScriptCache each time); a served app compiles
    each script once per process and reruns the bytecode. From now on every AppTest run shares one cache, as the
    server does (for the benchmarks: what a user's click costs)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test as app_test_module
    from streamlit.testing.v1 import local_script_runner

    shared = ScriptCache()
    # Each module's own import of the class (not one of its exports), replaced by a function returning the one
    # cache (assignment).
    app_test_module.ScriptCache = local_script_runner.ScriptCache = lambda: shared  # type: ignore[attr-defined,assignment]


def quiet_bare_mode_warnings() -> None:
    """Reading session_state from outside a script run warns about "bare mode" each time; expected in a benchmark."""
    logging.getLogger(SCRIPT_RUN_CONTEXT_LOGGER).addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage())


def deferred_download_callables(monkeypatch: Any) -> list[Callable[[], Any]]:
    """The callables download buttons hand Streamlit to call when clicked (MediaFileManager.add_deferred), in the
    order they were handed over, from now until `monkeypatch` (pytest's) is undone."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    deferred: list[Callable[[], Any]] = []
    original = MediaFileManager.add_deferred

    def keep(self: MediaFileManager, data_callable: Callable[[], Any], *args: Any, **kwargs: Any) -> str:
        deferred.append(data_callable)
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return deferred
