"""Contract tests for the private Streamlit uses in ui/streamlit_internals/ other than the HTTP edge's
(tests/unit/test_edge_streamlit_internals.py): one test per use, each failing by name on a Streamlit whose internals
moved (a function gone or with another signature, a protobuf field gone, a DOM name no longer in the installed
frontend bundle). Expected values come from Streamlit's own code and files, or from a script run under AppTest."""
from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import streamlit_internals
from ui.streamlit_internals import dom, testing
from ui.streamlit_internals.protocol import STREAM_PATH, Alert, BackMsg, ForwardMsg, Metric

ROOT = Path(__file__).resolve().parents[2]
STATIC = Path(st.__file__).parent / "static"


@cache
def _bundle() -> str:
    """Streamlit's installed frontend: every JavaScript and CSS file under streamlit/static."""
    files = sorted(STATIC.rglob("*.js")) + sorted(STATIC.rglob("*.css"))
    assert files, f"no frontend bundle under {STATIC}"
    return "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in files)


def _in_bundle(name: str) -> bool:
    """True when `name` is a whole string literal (any quote) in the frontend bundle."""
    return re.search(rf"""[`"']{re.escape(name)}[`"']""", _bundle()) is not None


def _run(script: Callable[[], None]) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


# --- ui/auth.py: redirect_browser ---------------------------------------------------------------------------------

def test_redirect_browser_sends_the_message_st_login_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.forward_msg_queue import ForwardMsgQueue
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    sent: list[ForwardMsg] = []
    original = ForwardMsgQueue.enqueue

    def keep(self: ForwardMsgQueue, msg: ForwardMsg) -> None:
        sent.append(msg)
        return original(self, msg)

    monkeypatch.setattr(ForwardMsgQueue, "enqueue", keep)

    def script() -> None:
        from ui.streamlit_internals import redirect_browser

        redirect_browser("/auth/session?ticket=abc&next=%2F")

    _run(script)
    assert [m.auth_redirect.url for m in sent if m.WhichOneof("type") == "auth_redirect"] == [
        "/auth/session?ticket=abc&next=%2F"]
    assert list(inspect.signature(ScriptRunContext.enqueue).parameters) == ["self", "msg"]
    # Streamlit's own st.login still sends the browser away this way, and its page still follows the message.
    login = inspect.getsource(st.login)
    assert "auth_redirect.url" in login and ".enqueue(" in login
    assert _in_bundle("authRedirect")
    streamlit_internals.redirect_browser("/nowhere")  # outside a script run: nothing, no error


# --- ui/kept.py: settable_widget_keys ------------------------------------------------------------------------------

def test_the_keys_of_the_typed_widgets_are_those_the_browser_sent_values_for() -> None:
    from streamlit.proto.WidgetStates_pb2 import WidgetState
    from streamlit.runtime.state.common import user_key_from_element_id
    from streamlit.runtime.state.session_state_proxy import get_session_state

    def script() -> None:
        import streamlit as st

        from ui.streamlit_internals import settable_widget_keys

        st.text_input("Initials", key="initials")
        st.number_input("Age", key="age", value=3)
        st.checkbox("Signed", key="signed")
        st.multiselect("Agencies", ["Police", "Health"], key="agencies")
        st.button("Save", key="save")
        st.text_input("Unkeyed")
        st.session_state["seen"] = sorted(settable_widget_keys())

    at = _run(script)
    at.text_input(key="initials").input("AB")
    at.button(key="save").click()
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["seen"] == ["age", "agencies", "initials", "signed"]  # no button, no unkeyed box
    assert user_key_from_element_id("$$ID-0123abcd-initials") == "initials"
    assert user_key_from_element_id("$$ID-0123abcd-None") is None
    values = {field.name for field in WidgetState.DESCRIPTOR.oneofs_by_name["value"].fields}
    assert values >= streamlit_internals._SETTABLE_KINDS
    assert {"trigger_value", "file_uploader_state_value"} <= values - streamlit_internals._SETTABLE_KINDS
    assert callable(get_session_state().get_widget_states)


# --- ui/return_cards.py: reruns_fragment_alone ---------------------------------------------------------------------

def test_a_run_says_which_fragments_it_reruns_alone() -> None:
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext

    field = {f.name: f for f in dataclasses.fields(ScriptRunContext)}["fragment_ids_this_run"]
    assert field.default is None  # a full run of the page
    assert "fragment_ids_this_run=fragment_ids_this_run" in inspect.getsource(script_runner.ScriptRunner)

    def script() -> None:
        import streamlit as st

        from ui.streamlit_internals import reruns_fragment_alone

        st.session_state["alone"] = reruns_fragment_alone()

    assert _run(script).session_state["alone"] is False  # a run of the whole page
    assert streamlit_internals.reruns_fragment_alone() is False  # outside any run


# --- ui/auth.py: script_session_id -------------------------------------------------------------------------------

def test_a_run_knows_the_session_it_serves() -> None:
    def script() -> None:
        import streamlit as st

        from ui.streamlit_internals import script_session_id

        st.session_state["session"] = script_session_id()

    session = _run(script).session_state["session"]
    assert isinstance(session, str) and session
    assert streamlit_internals.script_session_id() is None


# --- ui/widgets.py: ExpanderContainer -----------------------------------------------------------------------------

def test_an_expander_drawn_to_rerun_says_whether_it_is_open() -> None:
    from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

    def script() -> None:
        import streamlit as st

        from ui.streamlit_internals import ExpanderContainer

        box = st.expander("Open a new review", key="folded", on_change="rerun")
        st.session_state["kind"] = isinstance(box, ExpanderContainer)
        st.session_state["open"] = box.open

    at = _run(script)
    assert at.session_state["kind"] is True and at.session_state["open"] is False
    at.session_state["folded"] = True
    at.run()
    assert at.session_state["open"] is True
    assert isinstance(inspect.getattr_static(ExpanderContainer, "open"), property)


# --- ui/server.py: serve_declared_pages_only, streamlit_index_html, paths, cookies --------------------------------

def test_the_pages_folder_is_not_served_once_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import script_runner

    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "page.py").write_text("")
    (tmp_path / "app.py").write_text("")
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is True  # what Streamlit decides by itself: a pages/ folder is there
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    streamlit_internals.serve_declared_pages_only()
    PagesManager(str(tmp_path / "app.py"))
    assert PagesManager.uses_pages_directory is False
    assert "if PagesManager.uses_pages_directory:" in inspect.getsource(script_runner.ScriptRunner)


def test_streamlit_is_started_by_its_public_command_line() -> None:
    import runpy

    main = Path(st.__file__).parent / "__main__.py"
    assert 'main(prog_name="streamlit")' in main.read_text(encoding="utf-8")
    server = (ROOT / "ui" / "server.py").read_text(encoding="utf-8")
    assert 'runpy.run_module("streamlit", run_name="__main__")' in server
    assert callable(runpy.run_module)


def test_the_app_module_is_what_streamlit_run_serves() -> None:
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "ui" / "server.py")
    assert found.is_asgi_app and found.app_name == "app"


def test_streamlits_page_has_one_inline_script() -> None:
    page = streamlit_internals.streamlit_index_html()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", page, flags=re.DOTALL)
    assert len(scripts) == 1 and "prerenderReady" in scripts[0]


def test_the_guarded_paths_are_streamlits_own() -> None:
    from streamlit.web.server.starlette import starlette_app, starlette_routes, starlette_websocket

    assert f"/{starlette_routes.BASE_ROUTE_CORE}/" == streamlit_internals.INTERNAL_PREFIX
    assert f"/{starlette_routes.BASE_ROUTE_MEDIA}/" == streamlit_internals.MEDIA_PREFIX
    assert f"/{starlette_routes.ROUTE_METRICS}" == streamlit_internals.METRICS_PATH
    assert STREAM_PATH == streamlit_internals.STREAM_PATH == f"/{starlette_websocket._ROUTE_WEBSOCKET_STREAM}"
    assert {streamlit_internals.INTERNAL_PREFIX, streamlit_internals.MEDIA_PREFIX} <= set(
        starlette_app._RESERVED_ROUTE_PREFIXES)


def test_st_logins_identity_cookies_are_recognised_whole_and_in_chunks() -> None:
    from streamlit import auth_util
    from streamlit.web.server.starlette import starlette_server_config

    names = (starlette_server_config.USER_COOKIE_NAME, starlette_server_config.TOKENS_COOKIE_NAME)
    assert names == streamlit_internals.IDENTITY_COOKIES
    set_names: list[str] = []
    auth_util.set_cookie_with_chunks(lambda name, _value: set_names.append(name), lambda _name, value: value.encode(),
                                     names[0], {"email": "x" * 20_000}, cookie_attr_size=100)
    assert len(set_names) > 2  # the cookie was split
    assert all(streamlit_internals.is_identity_cookie(name) for name in set_names)
    assert not streamlit_internals.is_identity_cookie("rrt_session")
    assert not streamlit_internals.is_identity_cookie("_streamlit_user_x")


# --- ui/style.py: DOM names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*dom.TEST_IDS, dom.MARKDOWN_BADGE_CLASS, dom.SIDEBAR_COLLAPSED_ATTRIBUTE])
def test_each_dom_name_the_style_selects_is_in_streamlits_frontend(name: str) -> None:
    assert _in_bundle(name), f"{name} is no longer in Streamlit's frontend: ui/style.py's rule for it is dead"


def test_a_keyed_elements_class_is_the_prefix_and_its_key() -> None:
    assert re.search(rf"`{re.escape(dom.KEY_CLASS_PREFIX)}`\+\w+\.trim\(\)", _bundle())
    assert dom.keyed("rag_counts") == ".st-key-rag_counts"
    assert dom.keyed_from("cards_on_phone_") == '[class*="st-key-cards_on_phone_"]'
    assert dom.testid(dom.SIDEBAR) == '[data-testid="stSidebar"]'


def test_the_browser_tests_dom_names_are_in_streamlits_frontend() -> None:
    """The browser tests select Streamlit's elements by their data-testid (tests/e2e, the seam's one exception for
    DOM names): each must still be in the frontend, so that an upgrade fails here by name, not as a time-out."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "tests" / "e2e").glob("*.py")):
        for name in re.findall(r"""data-testid=\\?["']([A-Za-z0-9_-]+)\\?["']""", path.read_text(encoding="utf-8")):
            found.setdefault(name, path.name)
    assert len(found) >= 10  # the scan still finds them
    missing = {name: where for name, where in found.items() if not _in_bundle(name)}
    assert not missing, f"no longer in Streamlit's frontend: {missing}"


# --- scripts/load.py and tests: protocol --------------------------------------------------------------------------

def test_the_messages_load_py_speaks_have_their_fields() -> None:
    rerun = BackMsg().rerun_script
    assert {"page_name", "query_string", "context_info", "widget_states"} <= set(rerun.DESCRIPTOR.fields_by_name)
    assert {"timezone", "locale"} <= set(rerun.context_info.DESCRIPTOR.fields_by_name)
    assert "id" in rerun.widget_states.widgets.add().DESCRIPTOR.fields_by_name
    kinds = {field.name for field in ForwardMsg.DESCRIPTOR.oneofs_by_name["type"].fields}
    assert {"delta", "script_finished", "auth_redirect"} <= kinds
    assert "new_element" in {f.name for f in ForwardMsg().delta.DESCRIPTOR.oneofs_by_name["type"].fields}
    assert {"FINISHED_SUCCESSFULLY", "FINISHED_WITH_COMPILE_ERROR"} <= set(
        ForwardMsg.ScriptFinishedStatus.keys())
    assert {"ERROR", "SUCCESS"} <= set(Alert.Format.keys())
    assert {"RED", "GREEN", "GRAY"} <= set(Metric.MetricColor.keys())
    assert {"UP", "NONE"} <= set(Metric.MetricDirection.keys())


# --- tests and benchmarks: testing.py -----------------------------------------------------------------------------

def test_app_test_runs_only_the_declared_pages_when_asked(tmp_path: Path) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test as app_test_module

    # app_test's own import of the class, not one of its exports (attr-defined), as ui/streamlit_internals/testing.py
    assert app_test_module.PagesManager is PagesManager  # type: ignore[attr-defined]
    run = inspect.getsource(app_test_module.AppTest._run)
    assert run.index("PagesManager.uses_pages_directory = None") < run.index("PagesManager(")
    (tmp_path / "pages").mkdir()
    (tmp_path / "app.py").write_text("")
    undo = testing.declared_pages_only_in_app_test()
    try:
        PagesManager.uses_pages_directory = None
        app_test_module.PagesManager(str(tmp_path / "app.py"))  # type: ignore[attr-defined]
        assert PagesManager.uses_pages_directory is False
    finally:
        undo()
        PagesManager.uses_pages_directory = None
    assert app_test_module.PagesManager is PagesManager


def test_app_test_makes_its_script_cache_where_the_benchmarks_share_one() -> None:
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test as app_test_module
    from streamlit.testing.v1 import local_script_runner

    # Each module's own import of the class, not one of its exports (attr-defined)
    assert app_test_module.ScriptCache is ScriptCache  # type: ignore[attr-defined]
    assert local_script_runner.ScriptCache is ScriptCache  # type: ignore[attr-defined]
    assert list(inspect.signature(ScriptCache).parameters) == []
    assert "ScriptCache()" in inspect.getsource(app_test_module.AppTest._run)


def test_the_bare_mode_warning_comes_from_the_logger_the_benchmarks_quiet() -> None:
    from streamlit.runtime.scriptrunner_utils import script_run_context

    assert script_run_context.__name__ == testing.SCRIPT_RUN_CONTEXT_LOGGER
    assert script_run_context._LOGGER.name == testing.SCRIPT_RUN_CONTEXT_LOGGER
    assert "missing ScriptRunContext" in inspect.getsource(script_run_context)


def test_app_test_reads_the_browsers_widget_values_under_its_testing_key() -> None:
    from streamlit.runtime.state import common

    assert testing.TESTING_WIDGET_VALUES_KEY == common.TESTING_KEY

    def script() -> None:
        import streamlit as st

        names = {1: "Police", 2: "Health"}
        st.session_state["chosen"] = st.multiselect("Agencies", [1, 2], format_func=names.__getitem__, key="agencies")

    at = _run(script)
    box = at.multiselect(key="agencies")
    at.session_state[testing.TESTING_WIDGET_VALUES_KEY][box.id] = str  # the labels, as the browser sends them
    box.set_value(["Health"]).run()
    assert not at.exception, at.exception
    assert at.session_state["chosen"] == [2]


def test_a_download_buttons_callable_is_seen_when_handed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    assert list(inspect.signature(MediaFileManager.add_deferred).parameters)[:2] == ["self", "data_callable"]
    deferred = testing.deferred_download_callables(monkeypatch)

    def build() -> bytes:
        return b"BEGIN:VCALENDAR"

    MediaFileManager(MemoryMediaFileStorage("/media")).add_deferred(build, "text/calendar", "1.(4).5", "r.ics")
    assert deferred == [build]
