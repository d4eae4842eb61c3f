"""Contract tests for each private Streamlit API ui/streamlit_internals.py relies on: a Streamlit upgrade that moves
one fails here, by name."""
from __future__ import annotations

import inspect

import pytest
from streamlit import net_util
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.web import bootstrap
from streamlit.web.server import server_util

from ui import streamlit_internals


@pytest.fixture(autouse=True, scope="module")
def installed() -> None:
    streamlit_internals.install(icon_url="/app-icon.svg")


def test_no_outside_address_is_asked_for_this_machines_address(monkeypatch: pytest.MonkeyPatch) -> None:
    def outside(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Streamlit called an outside address")

    monkeypatch.setattr(net_util, "_make_blocking_http_get", outside)
    monkeypatch.setattr(net_util, "_external_ip", None)
    assert net_util.get_external_ip() is None
    # The origin check and the start-up banner look the function up on the module at each call, so the stand-in
    # is what they call: a refused origin asks nobody.
    assert "net_util.get_external_ip" in inspect.getsource(server_util.is_url_from_allowed_origins)
    assert "net_util.get_external_ip()" in inspect.getsource(bootstrap)
    assert server_util.is_url_from_allowed_origins("http://elsewhere.example") is False


def _manager() -> MediaFileManager:
    return MediaFileManager(MemoryMediaFileStorage("/media"))


def test_the_owners_of_a_file_a_run_added_are_the_sessions_holding_it() -> None:
    manager = _manager()
    url = manager.add(b"report bytes", "application/octet-stream", "1.(2).3", "report.docx",
                      is_for_static_download=True)
    file_id = url.rsplit("/", 1)[1].split(".", 1)[0]
    # Outside a script run Streamlit files it under the session "dontcare".
    assert streamlit_internals.media_file_owners(file_id, manager) == {"dontcare"}
    assert streamlit_internals.media_file_owners("0" * 64, manager) == set()
    manager.clear_session_refs("dontcare")
    assert streamlit_internals.media_file_owners(file_id, manager) == set()


def test_a_file_made_by_a_download_buttons_callable_belongs_to_the_session_that_registered_it() -> None:
    manager = _manager()
    placeholder = manager.add_deferred(lambda: b"figures,1\n", "text/csv", "1.(4).5", "figures.csv")
    url = manager.execute_deferred(placeholder)
    assert url.startswith("/media/") and url.endswith(".csv")
    assert streamlit_internals.media_file_owners(url.rsplit("/", 1)[1].split(".", 1)[0], manager) == {"dontcare"}


def test_a_media_files_name_cannot_be_computed_from_its_content() -> None:
    from streamlit.runtime import memory_media_file_storage

    storage = MemoryMediaFileStorage("/media")
    first = storage.load_and_get_id(b"known,figures\n", "text/csv", MediaFileKind.DOWNLOADABLE, "f.csv")
    again = storage.load_and_get_id(b"known,figures\n", "text/csv", MediaFileKind.DOWNLOADABLE, "f.csv")
    assert first == again  # Streamlit relies on one id per file
    assert memory_media_file_storage._calculate_file_id is not None
    wrapped = memory_media_file_storage._calculate_file_id
    original = inspect.getclosurevars(wrapped).nonlocals["original"]
    assert first != original(b"known,figures\n", "text/csv", "f.csv")
    assert len(first) == 64 and "." not in first


def test_a_material_page_icon_is_shown_from_the_apps_own_address() -> None:
    from streamlit.commands import page_config

    assert page_config._get_favicon_string(":material/fact_check:") == "/app-icon.svg"
    assert page_config._get_favicon_string("\N{BAR CHART}") == "emoji:\N{BAR CHART}"
    # set_page_config looks the function up on its module at each call.
    assert "_get_favicon_string(page_icon)" in inspect.getsource(page_config.set_page_config)
