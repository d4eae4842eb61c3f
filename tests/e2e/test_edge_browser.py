"""The served app's edge in real Chromium, on the fictional demo partnership:
- a page served from another port of this host (cookies of 127.0.0.1 are shared across ports, and it counts as the
  same site) cannot open the app's websocket with a signed-in officer's cookie; the app's own page can;
- every page of every role, walked signed in, fetches nothing from any host but the app's, and breaks nothing under
  the Content-Security-Policy (Chromium reports each blocked script, style, font, image or connection).

One app server and one database serve the whole module; each role's walk is a test of its own (so that the test
workers share them out) and signs in once."""
from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from demo.cast import DEMO_ACCOUNTS
from tests.e2e.conftest import DEMO_TEST_PASSWORD, sign_in, wait_for_app
from ui.navigation import PAGES, page_keys_for

# The module's tests share a set-up of their own (module-scoped fixtures): one worker runs them all under
# `--dist loadgroup` (split between two workers, each would make it).
pytestmark = pytest.mark.xdist_group("test_edge_browser")

ROLE_ACCOUNTS = {str(roles[0]): username for username, _name, roles in DEMO_ACCOUNTS}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


ATTACKER_PAGE = """<!DOCTYPE html><html><head><title>waiting</title></head><body><script>
const socket = new WebSocket("ws://127.0.0.1:%(port)d/_stcore/stream", ["streamlit", "PLACEHOLDER_AUTH_TOKEN"]);
socket.onopen = () => { document.title = "open"; };
socket.onerror = () => { if (document.title === "waiting") document.title = "refused"; };
socket.onclose = () => { if (document.title === "waiting") document.title = "refused"; };
</script></body></html>"""


SIGN_OUT_FORM_PAGE = """<!DOCTYPE html><html><head><title>form</title></head><body>
<form id="f" method="post" action="http://127.0.0.1:%(port)d/auth/sign-out"></form>
<script>document.getElementById("f").submit();</script></body></html>"""


@pytest.fixture
def another_port(demo_app: str) -> Iterator[dict[str, str]]:
    """Small pages, served by Python's http.server on another port of 127.0.0.1: /socket.html, whose script opens a
    websocket to the app's /_stcore/stream, and /sign-out.html, which posts a form to the app's /auth/sign-out (the
    browser sends the app's cookies with both)."""
    port = urlsplit(demo_app).port
    bodies = {"/socket.html": (ATTACKER_PAGE % {"port": port}).encode(),
              "/sign-out.html": (SIGN_OUT_FORM_PAGE % {"port": port}).encode()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {name: f"http://127.0.0.1:{server.server_address[1]}{name}" for name in bodies}
    finally:
        server.shutdown()


def _socket_from(page: Page, script_origin_url: str) -> str:
    """What happened to the websocket the page at this address opened: "open" or "refused"."""
    page.goto(script_origin_url)
    page.wait_for_function("document.title !== 'waiting'", timeout=20_000)
    return page.title()


def test_a_page_on_another_port_cannot_open_the_socket_with_a_signed_in_cookie(browser: Browser, demo_app: str,
                                                                               another_port: dict[str, str]) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, demo_app, ROLE_ACCOUNTS["officer"], DEMO_TEST_PASSWORD)
        expect(page.get_by_text("Signed in as Olly Officer (demo)")).to_be_visible()
        assert any(c["name"] == "rrt_session" and c["domain"] == "127.0.0.1" for c in context.cookies())
        # The app's own page opens it (the same script, run from the app's origin)...
        assert page.evaluate("""port => new Promise(done => {
            const socket = new WebSocket(`ws://127.0.0.1:${port}/_stcore/stream`, ["streamlit", "x"]);
            socket.onopen = () => { done("open"); socket.close(); };
            socket.onerror = () => done("refused");
        })""", urlsplit(demo_app).port) == "open"
        # ...a page on another port of the same host, with the same cookie, cannot.
        assert _socket_from(context.new_page(), another_port["/socket.html"]) == "refused"
    finally:
        context.close()


def test_signing_out_takes_a_post_from_the_app_itself(
        browser: Browser, demo_app: str, another_port: dict[str, str]) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, demo_app, ROLE_ACCOUNTS["officer"], DEMO_TEST_PASSWORD)
        signed_in = page.get_by_text("Signed in as Olly Officer (demo)")
        expect(signed_in).to_be_visible()
        # A form another port of this host posts: refused; the officer is still signed in.
        other = context.new_page()
        response = other.goto(another_port["/sign-out.html"])
        other.wait_for_url(f"{demo_app}/auth/sign-out")
        assert "refused" in other.inner_text("body")
        assert response is not None
        # Following a link to the sign-out address (a GET) asks; it does not sign out.
        page.goto(f"{demo_app}/auth/sign-out")
        expect(page.get_by_role("heading", name="Sign out of the Rapid Review Tracker?")).to_be_visible()
        page.goto(demo_app)
        wait_for_app(page)
        expect(signed_in).to_be_visible()
        # Its button posts from the app's own page: signed out, the cookie gone.
        page.goto(f"{demo_app}/auth/sign-out")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{demo_app}/?signed_out=1")
        wait_for_app(page)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert not [c for c in context.cookies() if c["name"] == "rrt_session"]
    finally:
        context.close()


def _path_of(role: str, key: str) -> str:
    return "/" if key == page_keys_for([role])[0] else "/" + PAGES[key].path.removeprefix("pages/").removesuffix(".py")


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_a_signed_in_walk_of_every_page_fetches_nothing_from_outside_and_breaks_no_policy(browser: Browser,
                                                                                          demo_app: str,
                                                                                          role: str) -> None:
    outside: list[str] = []
    violations: list[str] = []
    documents: list[tuple[str, dict[str, str]]] = []
    username = ROLE_ACCOUNTS[role]
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.on("request", lambda request: outside.append(request.url)
               if urlsplit(request.url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(request.url).hostname not in LOCAL_HOSTS else None)
    page = context.new_page()
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    page.on("response", lambda response: documents.append((response.url, response.headers))
            if response.request.resource_type == "document" else None)
    try:
        sign_in(page, demo_app, username, DEMO_TEST_PASSWORD)
        for key in page_keys_for([role]):
            page.goto(demo_app + _path_of(role, key))
            wait_for_app(page)
            page.wait_for_load_state("networkidle")
            wait_for_app(page)
            expect(page.get_by_role("heading", level=1).first).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        wait_for_app(page)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        context.close()
    assert not outside, f"Fetched from outside: {sorted(set(outside))}"
    assert not violations, "\n".join(violations)
    assert documents
    for url, headers in documents:
        assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), url
        assert headers.get("referrer-policy") == "no-referrer", url
