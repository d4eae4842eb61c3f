"""Serve the app as `st.App` (Starlette) with the routes that set and clear the session cookie.

`python -m ui.server [streamlit flags]` is `streamlit run ui/server.py`: Streamlit finds the module-level `app`
below (streamlit.web.server.app_discovery) and serves it with uvicorn; the script it runs is app.py. Page
discovery from the pages/ folder is turned off: app.py declares every page through st.navigation, and Streamlit
would otherwise serve a page file without app.py's sign-in on a fresh server's first request.

Routes:
- /auth/session?ticket=...&next=/page?query (GET): exchanges the one-time ticket the sign-in page made for the
  session's token, sets the cookie (HttpOnly, SameSite=Lax, path /, Secure over HTTPS) and goes on to `next`.
- /auth/sign-out: a POST from the tracker's own origin ends the session on the server and clears the cookie, in
  every tab at once. A GET or HEAD never ends a live session: it clears the cookie of one already ended (the app's
  Sign out button ends it through the websocket and then comes here) and otherwise shows a button that posts.
- /calendar/<token>.ics: an account's calendar feed (services/calendar_feed.py) for its calendar app to subscribe
  to; the token is the credential (no cookie), and an unknown or revoked one gets 404.
- /app-icon.svg: the tab's icon, served here rather than from Google's fonts.
Organisation sign-in (OpenID Connect) is Streamlit's own st.login (its /auth/login and /oauth2callback routes),
configured by the `[auth]` section of .streamlit/secrets.toml, or by the RRT_OIDC_* environment variables below,
which build the same section (`oidc_secrets_from_environment`) for servers and tests that prefer the environment.

The edge (`EdgeGuard`, middleware that sees every request and the websocket upgrade before Streamlit does): the
tracker's own origin is RRT_PUBLIC_URL when set, else the address served (Host header, scheme). The websocket opens
only from that origin (Streamlit's own check lets any port of localhost or of the machine's addresses through); a
request with another Origin (or `null`), a state-changing one with none, or one another site or port made for the
cookie routes, the files or Streamlit's endpoints is refused; /media/ files go only to the live sign-in whose tab
made them (ui/auth.py records each tab's sign-in at every run); /_stcore/metrics is off; every response carries the
security headers. Streamlit's private APIs this relies on are in ui/streamlit_internals.py.
"""
from __future__ import annotations

if __name__ == "__main__":
    # `python -m ui.server`: the database gets ready (the embedded server starts, the schema is checked, the app role
    # is made) in a background thread from the first moment, while Streamlit loads and starts and the browser loads
    # the page; the first page waits for it instead of doing it (db.engine.prepared_database_url). Then Streamlit runs
    # this file as its script (`streamlit run ui/server.py`), which imports it again as the module `server` to find
    # `app` below: none of this module's body is run here, so nothing of it is loaded or built twice.
    import runpy
    import signal
    import sys
    from pathlib import Path

    from config.settings import SettingsError, settings
    from db.engine import start_preparing_database

    try:
        settings()  # a setting that cannot be used stops the server here, in one sentence naming its variable
    except SettingsError as error:
        raise SystemExit(str(error)) from None

    def _stop_quietly(_signal_number: int, _frame: object) -> None:
        # SIGTERM (systemd, `kill`) and Ctrl-C end the app through Python's exit, so that the embedded PostgreSQL is
        # stopped on the way out (its atexit handler), with status 0: a stop asked for is not a failure (`make run`
        # then ends without "Error 143"). The web server (uvicorn) takes both signals while it serves, shuts down and
        # then raises the signal again into the handler it found, this one: without it, SIGTERM's default action
        # would kill the process leaving the embedded server running, and SIGINT would end as an "Aborted!" error.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop_quietly)
    signal.signal(signal.SIGINT, _stop_quietly)
    start_preparing_database()
    # `python -m streamlit run ui/server.py [flags]`, in this process (its command line ends the process).
    sys.argv = ["streamlit", "run", str(Path(__file__).resolve()), *sys.argv[1:]]
    runpy.run_module("streamlit", run_name="__main__")
    raise SystemExit(0)

import base64
import hashlib
import logging
import re
import threading
from collections.abc import AsyncIterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, asynccontextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from config.settings import OIDC_VARIABLES, ServerSettings, read_settings, settings
from ui import streamlit_internals
from ui.agency_site import deferred_agency_site
from ui.auth import COOKIE_NAME, SESSION_ROUTE, SIGN_OUT_ROUTE, safe_next

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

APP_ICON_ROUTE = "/app-icon.svg"
# Before Streamlit starts: it never looks up the machine's address from an outside host, the page icon comes from
# here (not Google's fonts), a download's name cannot be computed from its content, and a download made by a callable
# remembers the tab it was made for.
streamlit_internals.install(icon_url=APP_ICON_ROUTE)
streamlit_internals.serve_declared_pages_only()

ROOT = Path(__file__).resolve().parents[1]
COOKIE_MAX_AGE = 12 * 60 * 60  # the session's absolute lifetime; the server ends it anyway
# The environment variables that build the [auth] secrets (all but the label are needed): config.settings reads them.
OIDC_ENVIRONMENT = OIDC_VARIABLES
OIDC_LABEL_VARIABLE = "RRT_OIDC_LABEL"
_LOG = logging.getLogger(__name__)


def _database_errors() -> tuple[type[Exception], ...]:
    """How a route's transaction fails when the database cannot be reached or refuses: each route answers in its own
    way. (Imported at the first route that opens a transaction, not at start.)"""
    from sqlalchemy.exc import SQLAlchemyError

    from services.errors import DatabaseUnavailable

    return SQLAlchemyError, DatabaseUnavailable


def _session() -> AbstractContextManager[Session]:
    """A route's transaction, on the app's engine (services.unit_of_work): the record of changes (migration 0017)
    says a route made the change; no account is signed in to a route."""
    from services import unit_of_work

    return unit_of_work.transaction(read_only=False, account_id=None, via="route")


PUBLIC_URL_VARIABLE = "RRT_PUBLIC_URL"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an address or Origin header, the default port filled in; None when it names none."""
    parsed = urlsplit(url.strip())
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parsed.hostname:
        return None
    try:
        port = parsed.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return scheme, parsed.hostname.lower(), port


def own_origin(headers: Mapping[str, str], scheme: str) -> tuple[str, str, int] | None:
    """The tracker's own origin: RRT_PUBLIC_URL when set, else the address this request was sent to (its Host
    header, and the scheme the proxy says the browser used, else the connection's)."""
    public = settings().public_url
    if public:
        return _origin_of(public)
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    scheme = forwarded or {"ws": "http", "wss": "https"}.get(scheme, scheme)
    host = headers.get("host", "")
    return _origin_of(f"{scheme}://{host}") if host else None


def foreign_origin(headers: Mapping[str, str], scheme: str) -> bool:
    """True when the request carries an Origin that is not exactly the tracker's own (scheme, host and port);
    `Origin: null` (a sandboxed frame, a redirect across sites, a file) is never the tracker's own."""
    origin = headers.get("origin")
    if origin is None:
        return False
    own = own_origin(headers, scheme)
    return own is None or _origin_of(origin) != own


def cross_site(request: Request) -> bool:
    """True when another site started this request (a link, a form or a script on another origin, or on another
    port of the same host, which browsers count as the same site)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    return foreign_origin(request.headers, request.url.scheme)


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _clear_identity_cookies(request: Request, response: Response) -> None:
    """Streamlit's own OpenID Connect identity cookies: once the identity became one of our sessions they are
    cleared, so that signing out of the tracker stays signed out."""
    for name in request.cookies:
        if streamlit_internals.is_identity_cookie(name):
            response.delete_cookie(name, path="/")


def _refused() -> Response:
    return PlainTextResponse("This request came from another site and was refused. Open the tracker's own address.",
                             status_code=403)


def exchange_ticket(request: Request) -> Response:
    """The browser brings the one-time ticket; it leaves with the session cookie, on the page it came from."""
    if cross_site(request):
        return _refused()
    from services.sessions import redeem_ticket

    next_path = safe_next(request.query_params.get("next"))
    try:
        with _session() as session:
            token = redeem_ticket(session, ticket=request.query_params.get("ticket", ""))
    except _database_errors() as error:
        _LOG.error("Session ticket not exchanged: %s", type(error).__name__)
        token = None
    if token is None:
        # A used or late ticket: the sign-in page says what to do.
        return RedirectResponse(next_path, status_code=303)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, path="/", httponly=True, samesite="lax",
                        secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    _clear_identity_cookies(request, response)
    return response


def _session_is_live(token: str | None) -> bool:
    """True when the token names a live server-side session (touching it, as any click does); False when it does
    not, or when the database cannot say (a refusal, never a pass)."""
    from services.sessions import resume

    if not token:
        return False
    try:
        with _session() as session:
            return resume(session, token=token).account is not None
    except _database_errors() as error:
        _LOG.error("Session not checked: %s", type(error).__name__)
        return False


def _signed_out(request: Request) -> Response:
    response = RedirectResponse("/?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    _clear_identity_cookies(request, response)
    return response


SIGN_OUT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out - Rapid Review Tracker</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Sign out of the Rapid Review Tracker?</h1>
<form method="post" action="/auth/sign-out"><button type="submit">Sign out</button></form>
<p><a href="/">Back to the tracker</a></p></main></body></html>
"""


def sign_out(request: Request) -> Response:
    """POST (from the tracker's own origin only): end this browser's session on the server and clear its cookie,
    so every tab asks to sign in on its next click. GET or HEAD never ends a live session (a link, an image or a
    prefetch on any page could send one): it clears the cookie of a session that has already ended on the server
    (the app's Sign out button ends it through the websocket, then comes here), and otherwise shows a page whose
    button posts the sign-out."""
    if cross_site(request):
        return _refused()
    token = request.cookies.get(COOKIE_NAME)
    if request.method != "POST":
        if _session_is_live(token):
            # Under the app-wide "no-referrer" Chromium posts a form with `Origin: null`, which is refused; this page
            # (no outside link on it) says "same-origin", so its form carries the tracker's own Origin.
            return HTMLResponse(SIGN_OUT_PAGE, headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin"})
        return _signed_out(request)
    if not request.headers.get("origin"):
        return _refused()
    from services.sessions import end

    if token:
        try:
            with _session() as session:
                end(session, token=token)
        except _database_errors() as error:
            # The cookie is still cleared; the session then ends on the server by idle time.
            _LOG.error("Session not ended on sign-out: %s", type(error).__name__)
    return _signed_out(request)


CALENDAR_ROUTE = "/calendar/{name}"


def calendar_feed(request: Request) -> Response:
    """The .ics of the account whose live feed token names the address; 404 for any other address."""
    from services.calendar_feed import calendar_feed_for_token
    from services.clock import today_in_london

    name = request.path_params["name"]
    token = name.removesuffix(".ics") if name.endswith(".ics") else ""
    try:
        with _session() as session:
            feed = calendar_feed_for_token(session, token=token, as_of=today_in_london())
    except _database_errors() as error:
        _LOG.error("Calendar feed not served: %s", type(error).__name__)
        return PlainTextResponse("The tracker's database cannot be reached; your calendar will try again later.",
                                 status_code=503)
    if feed is None:
        return PlainTextResponse("No calendar feed at this address: it was revoked or never existed.",
                                 status_code=404)
    return Response(feed, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                             "X-Robots-Tag": "noindex"})


# The tab's icon: a ticked list in the theme's accent (app.py asks for :material/fact_check:, which Streamlit would
# fetch from fonts.gstatic.com on every page).
APP_ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" rx="4" fill="#0b5cad"/>'
    '<path d="M5 8h7M5 12h5M5 16h7" stroke="#fff" stroke-width="2" stroke-linecap="round"/>'
    '<path d="M13.5 13.5l2.5 2.5 4-5" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round" '
    'stroke-linejoin="round"/></svg>'
)


def app_icon(_request: Request) -> Response:
    return Response(APP_ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


def _routes() -> list[BaseRoute]:
    return [Route(APP_ICON_ROUTE, app_icon, methods=["GET"]),
            Route(SESSION_ROUTE, exchange_ticket, methods=["GET"]),
            Route(SIGN_OUT_ROUTE, sign_out, methods=["GET", "POST"]),
            Route(CALENDAR_ROUTE, calendar_feed, methods=["GET"]),
            deferred_agency_site()]


def _script_hashes(html: str) -> list[str]:
    """The CSP hashes of the inline scripts in this HTML."""
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'" for body in bodies]


def _inline_script_hashes() -> list[str]:
    """The only inline scripts that may run, allowed by their hashes: the one line of Streamlit's own index.html
    (setting window.prerenderReady, 1.67) and the app's own menu-closing script (ui/style.py, drawn by st.html)."""
    from ui.style import CLOSE_MENU_AFTER_CHOOSING

    return _script_hashes(streamlit_internals.streamlit_index_html()) + _script_hashes(CLOSE_MENU_AFTER_CHOOSING)


# Measured in Chromium (tests/e2e/test_edge_browser.py walks every page of every role under it with no violation):
# scripts are the app's own files plus two inline ones allowed by hash (above); Streamlit's styles are inline
# (emotion, and ui/style.py's rules), its icons and fonts its own files or data: URLs, and its websocket the page's
# own address ('self' covers ws: and wss: of the same host and port).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' " + " ".join(_inline_script_hashes()),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}
# Off: Streamlit's process metrics (sessions, caches) are nobody's business outside the server.
CLOSED_PATHS = (streamlit_internals.METRICS_PATH,)
MEDIA_PREFIX = streamlit_internals.MEDIA_PREFIX
# Paths another site (or another port of this host) may not even navigate to: the cookie routes and the files.
GUARDED_PREFIXES = ("/auth/", MEDIA_PREFIX, streamlit_internals.INTERNAL_PREFIX)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _edge_refusal(request: Request) -> Response | None:
    """Why this HTTP request is refused at the edge, as the response to send, or None to let it through."""
    if foreign_origin(request.headers, request.url.scheme):
        return _refused()
    if request.method not in SAFE_METHODS and not request.headers.get("origin"):
        return _refused()  # browsers send Origin with every other method: a request without one is no page's
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site in ("cross-site", "same-site") and (
            request.headers.get("sec-fetch-mode") != "navigate" or request.url.path.startswith(GUARDED_PREFIXES)):
        return _refused()
    return None


def media_belongs_to(token: str | None, file_id: str) -> bool:
    """True when the media file was made by a tab running under the sign-in session this cookie token names
    (ui/auth.py records, at every run, the sign-in each tab runs under). The session's liveness is checked apart."""
    from services.sessions import token_hash
    from ui.auth import sign_in_of_tab
    from ui.streamlit_internals import media_file_owners

    if not token or not file_id:
        return False
    hashed = token_hash(token)
    return any(sign_in_of_tab(owner) == hashed for owner in media_file_owners(file_id))


def _not_found() -> Response:
    return PlainTextResponse("Not found.", status_code=404, headers={"Cache-Control": "no-store"})


class EdgeGuard:
    """Every request and the websocket, before Streamlit sees them:
    - the websocket (/_stcore/stream) opens only from a page of the tracker's own origin (scheme, host and port;
      RRT_PUBLIC_URL when set), so no page on another port or host can run the app with a signed-in cookie;
    - a request with another Origin, a state-changing request without one, or a request another site (or port) made
      for the cookie routes, the files or Streamlit's endpoints is refused (403);
    - /media/<file> (every download) is served only to the live sign-in whose tab made it, else 404, never cached;
    - /_stcore/metrics is off (404);
    - every HTTP response carries the security headers (CSP, frame-ancestors 'none', no referrer, nosniff)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: C901 - the edge's rules, each a short check in the order they apply
        if scope["type"] == "websocket":
            headers = Headers(scope=scope)
            if headers.get("origin") is None or foreign_origin(headers, scope.get("scheme", "ws")):
                await send({"type": "websocket.close", "code": 1008})  # before accepting: an HTTP 403
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if scope["path"].startswith(MEDIA_PREFIX):
                    headers["cache-control"] = "no-store"
            await send(message)

        request = Request(scope)
        refusal = _edge_refusal(request)
        path = scope["path"]
        if refusal is None and path in CLOSED_PATHS:
            refusal = _not_found()
        if refusal is None and path.startswith(MEDIA_PREFIX):
            token = request.cookies.get(COOKIE_NAME)
            file_id = PurePosixPath(path).name.split(".", 1)[0]
            if not (media_belongs_to(token, file_id) and await run_in_threadpool(_session_is_live, token)):
                refusal = _not_found()
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def oidc_secrets_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The `[auth]` secrets (and the button's organisation name) from RRT_OIDC_* in the server's settings (or in
    `environ` when given), or None when they are not set. Set only some of them and the server refuses to start,
    saying which are missing."""
    try:
        found: ServerSettings = settings() if environ is None else read_settings(environ)
    except ValueError as error:  # config.settings.SettingsError: one sentence naming the variable
        raise SystemExit(str(error)) from None
    auth = found.oidc_secrets()
    if not auth:
        return None
    secrets: dict[str, Any] = {"auth": auth}
    if found.oidc_label:
        secrets["organisation_sign_in"] = {"label": found.oidc_label}
    return secrets


# What the first page (app.py and the sign-in page) imports beyond what a start has loaded: imported in the background
# from the moment the server is up, while the browser loads Streamlit's scripts, instead of in the first page's run.
FIRST_PAGE_MODULES = ("services.unit_of_work", "ui.state", "services.settings_reads", "services.accounts",
                      "services.sign_in_throttle", "demo.cast", "ui.errors", "ui.navigation", "ui.links", "ui.kept",
                      "ui.flash", "ui.style", "ui.widgets")


def _import_first_page_modules() -> None:
    import importlib

    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)


@asynccontextmanager
async def _lifespan(_app: st.App) -> AsyncIterator[None]:
    """Once Streamlit's runtime has started (the server listens right after): the first page's modules start
    loading in a thread of their own."""
    threading.Thread(target=_import_first_page_modules, name="rrt-first-page-imports", daemon=True).start()
    yield


# Found by `streamlit run` (app_discovery looks for a module-level `app = st.App(...)`); the script is app.py.
app = st.App(ROOT / "app.py", routes=_routes(), middleware=[Middleware(EdgeGuard)], lifespan=_lifespan,
             secrets=oidc_secrets_from_environment())
