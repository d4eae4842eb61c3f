"""The served app's HTTP and websocket edge over plain HTTP (`python -m ui.server`, ui/server.py EdgeGuard): only the
tracker's own origin (scheme, host and port) opens the websocket or reaches a route; sign-out ends a session only on
a POST from that origin; /_stcore/metrics is off; every response carries the security headers."""
from __future__ import annotations

import base64
import http.client
import os
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.sessions import start
from tests.conftest import _create_from_template, _drop
from tests.e2e.conftest import environment_for, served_app

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_edge_http")

PASSWORD = "correct horse battery"


def _host_and_port(app_url: str) -> tuple[str, int]:
    parts = urlsplit(app_url)
    assert parts.hostname is not None and parts.port is not None, app_url
    return parts.hostname, parts.port


def _request(app_url: str, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = _host_and_port(app_url)
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _websocket_status(app_url: str, headers: dict[str, str], host: str | None = None) -> int:
    """The status the server answers a websocket upgrade of /_stcore/stream with (101: opened)."""
    parts = urlsplit(app_url)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = ["GET /_stcore/stream HTTP/1.1", f"Host: {host or parts.netloc}", "Upgrade: websocket",
             "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: streamlit",
             *(f"{name}: {value}" for name, value in headers.items())]
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def _other_port_origin(app_url: str) -> str:
    host, port = _host_and_port(app_url)
    return f"http://{host}:{port + 1 if port != 65535 else 1}"


@pytest.fixture(scope="module")
def module_database(server_url: str, template_database: str) -> Iterator[str]:
    """One database for the module's served app (the owner's URL): the tests here send requests and read the
    sign-in sessions, and only the sign-out test makes one."""
    name, url = _create_from_template(server_url, template_database)
    yield url
    _drop(server_url, name)


@pytest.fixture(scope="module")
def app_url(module_database: str) -> Iterator[str]:
    """One app served for the module (its tests do not change what another reads): one start instead of four."""
    with served_app(environment_for(module_database)) as url:
        yield url


def test_the_websocket_opens_only_from_the_trackers_own_origin(app_url: str) -> None:
    own = app_url
    assert _websocket_status(app_url, {"Origin": own}) == 101
    for origin in (_other_port_origin(app_url), own.replace("127.0.0.1", "localhost"), "http://localhost",
                   "https://127.0.0.1" + own[len("http://127.0.0.1"):], "null", "https://elsewhere.example"):
        assert _websocket_status(app_url, {"Origin": origin}) == 403, origin
    assert _websocket_status(app_url, {}) == 403  # every browser sends an Origin with a websocket


def test_every_route_refuses_another_origin(app_url: str) -> None:
    foreign = _other_port_origin(app_url)
    for method, path in (("GET", "/"), ("GET", "/_stcore/health"), ("GET", "/auth/sign-out"),
                         ("POST", "/auth/sign-out"), ("GET", "/auth/session?ticket=x&next=/"),
                         ("GET", "/media/0123abcd.docx"), ("PUT", "/_stcore/upload_file/x/y"),
                         ("GET", "/calendar/not-a-token.ics")):
        for origin in (foreign, "null"):
            status, headers, _ = _request(app_url, method, path, {"Origin": origin})
            assert status == 403, (method, path, origin)
            assert headers["x-content-type-options"] == "nosniff"
    # A page on another port of this host is "same-site" to the browser: refused for Streamlit's endpoints and files.
    status, _, _ = _request(app_url, "GET", "/_stcore/host-config",
                            {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"})
    assert status == 403
    # The tracker's own origin, and a plain navigation (a link in an email), are served.
    assert _request(app_url, "GET", "/", {"Origin": app_url})[0] == 200
    assert _request(app_url, "GET", "/", {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})[0] == 200


def test_the_public_address_pins_the_origin_when_set(fresh_database_url: str) -> None:
    environment = {**os.environ, "RRT_PUBLIC_URL": "https://tracker.example.org"}
    with served_app(environment) as url:
        # Behind the proxy (scripts/serve_workers.py passes the browser's Host on).
        public = "tracker.example.org"
        assert _websocket_status(url, {"Origin": "https://tracker.example.org"}, host=public) == 101
        assert _websocket_status(url, {"Origin": "http://tracker.example.org"}, host=public) == 403
        assert _websocket_status(url, {"Origin": url}) == 403  # the address served is not the public one
        assert _request(url, "GET", "/", {"Origin": "https://tracker.example.org:8443"})[0] == 403
        assert _request(url, "GET", "/", {"Origin": "https://tracker.example.org", "Host": public})[0] == 200


def test_metrics_are_off_and_every_response_carries_the_security_headers(app_url: str) -> None:
    assert _request(app_url, "GET", "/_stcore/metrics")[0] == 404
    index = _request(app_url, "GET", "/")[2].decode()
    script = next(part.split('"', 1)[0] for part in index.split('src="./')[1:] if part.startswith("static/js/"))
    for path in ("/", "/_stcore/health", "/_stcore/metrics", "/" + script, "/favicon.png", "/no-such-page",
                 "/calendar/not-a-token.ics", "/media/0123abcd.docx"):
        status, headers, _ = _request(app_url, "GET", path)
        assert status < 500, path
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0], path
        assert headers.get("referrer-policy") == "no-referrer", path
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("x-frame-options") == "DENY", path


@pytest.fixture
def live_token(module_database: str) -> Iterator[tuple[str, Engine]]:
    engine = create_engine(module_database)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        officer = create_account_from_command_line(session, username="olly", display_name="Olly Officer",
                                                   roles=["officer"], password=PASSWORD)
        token = start(session, account_id=officer.id)
    yield token, engine
    engine.dispose()


def _ended(engine: Engine) -> list[str | None]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT ended_reason FROM sign_in_sessions")).scalars())


def test_sign_out_ends_a_session_only_on_a_post_from_the_trackers_own_origin(app_url: str,
                                                                           live_token: tuple[str, Engine]) -> None:
    token, engine = live_token
    cookie = {"Cookie": f"rrt_session={token}"}
    # A link, an image, a prefetch: GET and HEAD never end a live session; GET shows a button that posts.
    status, headers, body = _request(app_url, "GET", "/auth/sign-out", cookie)
    assert status == 200 and b'method="post"' in body and "set-cookie" not in headers
    # Its form must carry the tracker's Origin: under "no-referrer" Chromium would post `Origin: null`.
    assert headers["referrer-policy"] == "same-origin"
    assert _request(app_url, "HEAD", "/auth/sign-out", cookie)[0] == 200
    assert _ended(engine) == [None]
    # A POST from anywhere else, or from nowhere said, is refused.
    for extra in ({"Origin": "null"}, {"Origin": _other_port_origin(app_url)}, {"Origin": "https://evil.example"},
                  {}, {"Origin": app_url, "Sec-Fetch-Site": "same-site"}):
        status, headers, _ = _request(app_url, "POST", "/auth/sign-out", {**cookie, **extra})
        assert status == 403, extra
        assert "set-cookie" not in headers
    assert _ended(engine) == [None]
    # The tracker's own page posts it: the session ends and the cookie is cleared.
    status, headers, _ = _request(app_url, "POST", "/auth/sign-out",
                                  {**cookie, "Origin": app_url, "Sec-Fetch-Site": "same-origin"})
    assert status == 303 and headers["location"] == "/?signed_out=1"
    assert headers["set-cookie"].startswith("rrt_session=") and "Max-Age=0" in headers["set-cookie"]
    assert _ended(engine) == ["signed out"]
    # Once ended on the server (as the app's own Sign out button does), a GET only clears the cookie.
    status, headers, _ = _request(app_url, "GET", "/auth/sign-out", cookie)
    assert status == 303 and "Max-Age=0" in headers["set-cookie"]


class _RecordingProxy:
    """A local stand-in for the way out: every outside address the app's process asks for through its HTTP(S)
    proxy (requests, which Streamlit uses, honours HTTP_PROXY and HTTPS_PROXY) is recorded and refused."""

    def __init__(self) -> None:
        self.asked: list[bytes] = []
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen()
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                try:
                    self.asked.append(connection.recv(4096).split(b"\r\n", 1)[0])
                except OSError:
                    self.asked.append(b"(nothing said)")

    def close(self) -> None:
        self._server.close()


def test_the_server_never_calls_an_outside_address(fresh_database_url: str) -> None:
    proxy = _RecordingProxy()
    environment = {**os.environ, **{name: proxy.url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                                                                  "https_proxy")}}
    environment.pop("NO_PROXY", None)
    environment.pop("no_proxy", None)
    try:
        with served_app(environment) as url:
            # A refused origin is where Streamlit would look up the machine's external address.
            assert _websocket_status(url, {"Origin": "http://elsewhere.example"}) == 403
            assert _websocket_status(url, {"Origin": url}) == 101
            time.sleep(2)
    finally:
        proxy.close()
    assert proxy.asked == []
