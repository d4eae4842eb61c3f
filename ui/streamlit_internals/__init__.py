"""The one seam between the app and Streamlit's internals: every private Streamlit API, protobuf message, route
path, cookie name and DOM name the app (or its tests and scripts) relies on is used here and nowhere else
(tests/unit/test_streamlit_seam.py fails on an import of streamlit.runtime, .web, .proto or .elements.lib, or a
`data-testid`, anywhere else). Each use has a contract test that fails, by name, on a Streamlit whose internals moved
(tests/unit/test_edge_streamlit_internals.py for the HTTP edge, tests/unit/test_streamlit_internals_contract.py for
the rest). The contract tests were run against Streamlit 1.67.0.

The HTTP edge (ui/server.py):
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
- `script_session_id`: the id of the Streamlit session (a tab's websocket) a run serves (ScriptRunContext.session_id),
  under which ui/auth.py records the tab's sign-in, so that /media/ serves a file only to the sign-in that made it.
- `INTERNAL_PREFIX`, `MEDIA_PREFIX`, `METRICS_PATH`, `STREAM_PATH`: the paths of Streamlit's own endpoints, its
  files and its websocket, which the edge guards (refuses from another site, serves only to their owner, turns off).
- `IDENTITY_COOKIES`, `is_identity_cookie`: the names of st.login's identity cookies (split into `<name>_<n>` when
  large), which the cookie routes clear once the identity became one of the tracker's sessions.
- `streamlit_index_html`: Streamlit's page (static/index.html), whose one inline script the Content-Security-Policy
  allows by its hash.
- `serve_declared_pages_only`: `PagesManager.uses_pages_directory = False`, so that Streamlit never serves a file
  of pages/ by itself (without app.py's sign-in); st.navigation sets the same, but only once app.py has run.
  (Streamlit itself is started through its public command line, `python -m streamlit run`, in ui/server.py.)

The script runs:
- `redirect_browser` (ui/auth.py): sends the browser to an address of the app with a full page load, the message
  st.login and st.logout send (ForwardMsg.auth_redirect through the run's ScriptRunContext.enqueue). Sign-in is a
  Streamlit form answered over the websocket, which cannot set an HttpOnly cookie; the browser is sent to the app's
  own route /auth/session with a one-time ticket, which sets it. A public way (the sign-in form posted to a route of
  the app, answered by a redirect) would move sign-in, the first-run page, password changes and organisation sign-in
  out of Streamlit's widgets.
- `settable_widget_keys` (ui/kept.py): the keys of the input widgets whose values the browser sent with this run
  (get_session_state().get_widget_states(), user_key_from_element_id, the WidgetState `value` oneof): a run that
  stops before drawing its forms (the database away) would otherwise lose what was typed in them.
- `reruns_fragment_alone` (ui/return_cards.py): whether this run reruns fragments only
  (ScriptRunContext.fragment_ids_this_run): a card's save reruns the card alone only when the card was rerun alone.
- `ExpanderContainer` (ui/widgets.py, for typing only): the class st.expander returns, whose `.open` says whether
  an expander drawn with `on_change="rerun"` is open.

The page (ui/style.py, dom.py): the data-testid names, class names and attributes of Streamlit's frontend that the
app's style rules and its one inline script select (each must appear in the installed frontend bundle).

Tests and scripts:
- protocol.py: the protobuf messages scripts/load.py speaks over the websocket (BackMsg, ForwardMsg, Alert), and
  those tests read (Metric's colours and directions, ForwardMsg's endings).
- testing.py: AppTest runs only the pages app.py declares (`declared_pages_only_in_app_test`), the benchmarks share
  one compiled-script cache across AppTest runs (`share_script_cache_in_app_test`) and silence the "missing
  ScriptRunContext" warning (`quiet_bare_mode_warnings`), tests set a widget's value as the browser sends it
  (`TESTING_WIDGET_VALUES_KEY`) and see the callable a download button defers (`deferred_download_callables`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamlit.elements.lib.mutable_expander_container import ExpanderContainer as ExpanderContainer

# Streamlit's own endpoints (all under INTERNAL_PREFIX but the files), as its Starlette app serves them.
INTERNAL_PREFIX = "/_stcore/"
STREAM_PATH = "/_stcore/stream"
METRICS_PATH = "/_stcore/metrics"
MEDIA_PREFIX = "/media/"
# st.login's identity cookies (each may be split into "<name>_<n>" chunks).
IDENTITY_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")
# The kinds of widget value that st.session_state may set (a button's trigger, an upload or a chat message may not).
_SETTABLE_KINDS = frozenset({"string_value", "int_value", "double_value", "bool_value", "string_array_value",
                             "int_array_value", "double_array_value"})

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

    net_util.get_external_ip = _no_external_ip


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


def __getattr__(name: str) -> Any:
    """`ExpanderContainer`, imported when first asked for (the seam itself loads no Streamlit module when imported)."""
    if name == "ExpanderContainer":
        from streamlit.elements.lib.mutable_expander_container import ExpanderContainer

        return ExpanderContainer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_identity_cookie(name: str) -> bool:
    """True for the name of one of st.login's identity cookies, or of a chunk of one."""
    return any(name == c or (name.startswith(c + "_") and name[len(c) + 1:].isdigit()) for c in IDENTITY_COOKIES)


def redirect_browser(url: str) -> None:
    """Send the browser to `url` (an address of this app) with a full page load, as st.login does; nothing outside
    a script run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    message = ForwardMsg()
    message.auth_redirect.url = url
    ctx.enqueue(message)


def settable_widget_keys() -> list[str]:
    """The keys (`key=` in the script) of the widgets whose values the browser sent with this run, for the kinds
    of value st.session_state may set (text, numbers, dates, choices, ticks; never a button's trigger, an upload or
    a chat message)."""
    from streamlit.runtime.state.common import user_key_from_element_id
    from streamlit.runtime.state.session_state_proxy import get_session_state

    keys = []
    for widget in get_session_state().get_widget_states():
        key = user_key_from_element_id(widget.id)
        if key is not None and widget.WhichOneof("value") in _SETTABLE_KINDS:
            keys.append(key)
    return keys


def reruns_fragment_alone() -> bool:
    """True when this run reruns one or more fragments alone (the page around them was not run)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def serve_declared_pages_only() -> None:
    """Streamlit serves only the pages app.py declares (st.navigation), never a file of pages/ by itself, from the
    first request of a fresh server on."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def streamlit_index_html() -> str:
    """Streamlit's page (static/index.html of the installed package); empty if it cannot be read."""
    import streamlit

    try:
        return (Path(streamlit.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    except OSError:
        return ""


def install(*, icon_url: str) -> None:
    """Everything above that changes Streamlit's behaviour, once per process."""
    serve_material_favicon_locally(icon_url)
    stop_external_ip_lookup()
    record_deferred_download_owners()
    make_media_names_unguessable()
