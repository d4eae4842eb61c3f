"""Every private Streamlit (1.67) API the app's HTTP edge relies on, in this one module, each with a contract test
in tests/unit/test_edge_streamlit_internals.py: an upgrade that moves one of them fails there, by name, instead of
quietly reopening a hole.

- `stop_external_ip_lookup`: Streamlit asks http(s)://checkip.amazonaws.com for the machine's external address
  (streamlit.net_util.get_external_ip) when it prints its addresses at start in headless mode and whenever a
  websocket's origin is not one it knows. The server must never call an outside address: the look-up answers
  "none" (the origin is pinned by ui/server.py anyway).
- `media_file_owners`: the Streamlit sessions a /media/ file belongs to, from the MediaFileManager's
  `_files_by_session_and_coord` (files a run added) and, for a download whose data was a callable (made when the
  button is clicked, `execute_deferred`, and left unmapped by Streamlit), the session that registered the callable,
  recorded by the wrapper `record_deferred_download_owners` installs.
- `make_media_names_unguessable`: a media file's name is Streamlit's fingerprint of its content
  (memory_media_file_storage._calculate_file_id), which anyone who can guess the content (a CSV of known figures)
  can compute; it becomes an HMAC of that fingerprint under a secret made when the process starts.
- `serve_material_favicon_locally`: for a `:material/...:` page icon Streamlit's page asks fonts.gstatic.com for the
  icon's SVG (an outside fetch from every page, naming the app's icon); commands.page_config._get_favicon_string
  answers the app's own icon address instead, which the page uses as it is.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

_installed: set[str] = set()
_install_lock = threading.Lock()
# Downloads made from a callable: file id -> the Streamlit sessions whose button made it (oldest dropped first).
_DEFERRED_OWNERS: OrderedDict[str, set[str]] = OrderedDict()
_DEFERRED_OWNERS_KEPT = 10_000
_deferred_lock = threading.Lock()
_MEDIA_NAME_SECRET = secrets.token_bytes(32)


def _no_external_ip() -> None:
    return None


def stop_external_ip_lookup() -> None:
    """Streamlit never asks an outside host for this machine's address (its callers look the function up on the
    module at each call: streamlit.web.server.server_util, streamlit.web.bootstrap)."""
    from streamlit import net_util

    net_util.get_external_ip = _no_external_ip  # type: ignore[assignment]


def record_deferred_download_owners() -> None:
    """Wrap MediaFileManager.execute_deferred so that the file a download button's callable makes is recorded as
    belonging to the session that registered the callable."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    with _install_lock:
        if "deferred" in _installed:
            return
        _installed.add("deferred")
    original: Callable[[Any, str], str] = MediaFileManager.execute_deferred

    def execute_deferred(self: Any, file_id: str) -> str:
        with self._lock:
            entry = self._deferred_callables.get(file_id)
            owner = entry["session_id"] if entry else None
        url = original(self, file_id)
        if owner:
            made = PurePosixPath(url).stem
            with _deferred_lock:
                _DEFERRED_OWNERS.setdefault(made, set()).add(owner)
                _DEFERRED_OWNERS.move_to_end(made)
                while len(_DEFERRED_OWNERS) > _DEFERRED_OWNERS_KEPT:
                    _DEFERRED_OWNERS.popitem(last=False)
        return url

    MediaFileManager.execute_deferred = execute_deferred  # type: ignore[method-assign]


def make_media_names_unguessable() -> None:
    """A media file's id becomes HMAC-SHA256(process secret, Streamlit's content fingerprint): the same file still
    gets the same id in this process (Streamlit relies on that), and nobody can compute it from the content."""
    from streamlit.runtime import memory_media_file_storage

    with _install_lock:
        if "names" in _installed:
            return
        _installed.add("names")
    original: Callable[..., str] = memory_media_file_storage._calculate_file_id

    def calculate_file_id(data: bytes, mimetype: str, filename: str | None = None) -> str:
        fingerprint = original(data, mimetype, filename)
        return hmac.new(_MEDIA_NAME_SECRET, fingerprint.encode(), hashlib.sha256).hexdigest()

    memory_media_file_storage._calculate_file_id = calculate_file_id


def serve_material_favicon_locally(icon_url: str) -> None:
    """A `:material/...:` page icon is shown from `icon_url` (on the app's own origin) instead of Google's fonts."""
    from streamlit.commands import page_config

    with _install_lock:
        if "favicon" in _installed:
            return
        _installed.add("favicon")
    original: Callable[[Any], str] = page_config._get_favicon_string

    def get_favicon_string(page_icon: Any) -> str:
        found = original(page_icon)
        return icon_url if found.startswith(":material") else found

    page_config._get_favicon_string = get_favicon_string


def media_file_owners(file_id: str, manager: Any = None) -> set[str]:
    """The ids of the Streamlit sessions the media file `file_id` (its name without the extension) belongs to; empty
    when no session holds it (or no Streamlit runtime runs in this process). `manager`: the runtime's, unless given."""
    from streamlit.runtime import Runtime

    if manager is None:
        if not Runtime.exists():
            return set()
        manager = Runtime.instance().media_file_mgr
    with manager._lock:
        owners = {session_id for session_id, by_coordinates in manager._files_by_session_and_coord.items()
                  if file_id in by_coordinates.values()}
    with _deferred_lock:
        owners |= _DEFERRED_OWNERS.get(file_id, set())
    return owners


def script_session_id() -> str | None:
    """The id of the Streamlit session whose script run calls this (None outside a run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def install(*, icon_url: str) -> None:
    """Everything above that changes Streamlit's behaviour, once per process."""
    serve_material_favicon_locally(icon_url)
    stop_external_ip_lookup()
    record_deferred_download_owners()
    make_media_names_unguessable()
