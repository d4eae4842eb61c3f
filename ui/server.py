"""Serve the app as `st.App` (Starlette) with the routes that set and clear the session cookie.

`python -m ui.server [streamlit flags]` is `streamlit run ui/server.py`: Streamlit finds the module-level `app`
below (streamlit.web.server.app_discovery) and serves it with uvicorn; the script it runs is app.py. Page
discovery from the pages/ folder is turned off: app.py declares every page through st.navigation, and Streamlit
would otherwise serve a page file without app.py's sign-in on a fresh server's first request.

Routes (each a GET the browser navigates to, never a form post):
- /auth/session?ticket=...&next=/page?query: exchanges the one-time ticket the sign-in page made for the
  session's token, sets the cookie (HttpOnly, SameSite=Lax, path /, Secure over HTTPS) and goes on to `next`.
- /auth/sign-out: ends the session on the server and clears the cookie, in every tab at once.
- /calendar/<token>.ics: an account's calendar feed (services/calendar_feed.py) for its calendar app to subscribe
  to; the token is the credential (no cookie), and an unknown or revoked one gets 404.
Organisation sign-in (OpenID Connect) is Streamlit's own st.login (its /auth/login and /oauth2callback routes),
configured by the `[auth]` section of .streamlit/secrets.toml, or by the RRT_OIDC_* environment variables below,
which build the same section (`oidc_secrets_from_environment`) for servers and tests that prefer the environment.
Both change state, so a request another site started (Sec-Fetch-Site cross-site or same-site, or an Origin that
is not this app's) is refused: nobody can be signed in as someone else, or out, by a link on another site.
"""
from __future__ import annotations

if __name__ == "__main__":
    # `python -m ui.server`: the database gets ready (the embedded server starts, the schema is checked, the app role
    # is made) in a background thread from the first moment, while Streamlit loads and starts and the browser loads
    # the page; the first page waits for it instead of doing it (db.engine.prepared_database_url).
    import signal

    from db.engine import start_preparing_database

    def _exit_on_sigterm(signal_number: int, _frame: object) -> None:
        # SIGTERM (systemd, `kill`) ends the app as Ctrl-C does, through Python's exit, so that the embedded
        # PostgreSQL is stopped on the way out (its atexit handler). Without this, the web server hands SIGTERM back
        # to the default action once it has shut down, and the process dies leaving the embedded server running.
        raise SystemExit(128 + signal_number)

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    start_preparing_database()

import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ui.auth import COOKIE_NAME, SESSION_ROUTE, SIGN_OUT_ROUTE, safe_next

ROOT = Path(__file__).resolve().parents[1]
COOKIE_MAX_AGE = 12 * 60 * 60  # the session's absolute lifetime; the server ends it anyway
# Streamlit's own OpenID Connect identity cookies: once the identity became one of our sessions they are cleared,
# so that signing out of the tracker stays signed out.
STREAMLIT_IDENTITY_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")
# The environment variables that build the [auth] secrets (all but the label are needed).
OIDC_ENVIRONMENT = {
    "server_metadata_url": "RRT_OIDC_SERVER_METADATA_URL",
    "client_id": "RRT_OIDC_CLIENT_ID",
    "client_secret": "RRT_OIDC_CLIENT_SECRET",
    "redirect_uri": "RRT_OIDC_REDIRECT_URI",
    "cookie_secret": "RRT_OIDC_COOKIE_SECRET",
}
OIDC_LABEL_VARIABLE = "RRT_OIDC_LABEL"
_LOG = logging.getLogger(__name__)
_engine: Engine | None = None


def _session() -> Session:
    global _engine
    if _engine is None:
        from db.engine import make_engine

        _engine = make_engine()
    return Session(_engine, expire_on_commit=False)


def cross_site(request: Request) -> bool:
    """True when another site started this request (a link, a form or a script on another origin)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = f"{request.url.scheme}://{request.url.netloc}"
        return origin.rstrip("/") != own
    return False


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _clear_identity_cookies(request: Request, response: Response) -> None:
    for name in request.cookies:
        if any(name == c or (name.startswith(c + "_") and name[len(c) + 1:].isdigit())
               for c in STREAMLIT_IDENTITY_COOKIES):
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
        with _session() as session, session.begin():
            token = redeem_ticket(session, ticket=request.query_params.get("ticket", ""))
    except SQLAlchemyError as error:
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


def sign_out(request: Request) -> Response:
    """End this browser's session on the server and clear its cookie; every tab asks to sign in on its next click."""
    if cross_site(request):
        return _refused()
    from services.sessions import end

    token = request.cookies.get(COOKIE_NAME)
    if token:
        try:
            with _session() as session, session.begin():
                end(session, token=token)
        except SQLAlchemyError as error:
            # The cookie is still cleared; the session then ends on the server by idle time.
            _LOG.error("Session not ended on sign-out: %s", type(error).__name__)
    response = RedirectResponse("/?signed_out=1", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=_secure(request))
    response.headers["Cache-Control"] = "no-store"
    _clear_identity_cookies(request, response)
    return response


CALENDAR_ROUTE = "/calendar/{name}"


def calendar_feed(request: Request) -> Response:
    """The .ics of the account whose live feed token names the address; 404 for any other address."""
    from services.calendar_feed import calendar_feed_for_token
    from services.clock import today_in_london

    name = request.path_params["name"]
    token = name.removesuffix(".ics") if name.endswith(".ics") else ""
    try:
        with _session() as session, session.begin():
            feed = calendar_feed_for_token(session, token=token, as_of=today_in_london())
    except SQLAlchemyError as error:
        _LOG.error("Calendar feed not served: %s", type(error).__name__)
        return PlainTextResponse("The tracker's database cannot be reached; your calendar will try again later.",
                                 status_code=503)
    if feed is None:
        return PlainTextResponse("No calendar feed at this address: it was revoked or never existed.",
                                 status_code=404)
    return Response(feed, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                             "X-Robots-Tag": "noindex"})


def _routes() -> list[Route]:
    return [Route(SESSION_ROUTE, exchange_ticket, methods=["GET"]),
            Route(SIGN_OUT_ROUTE, sign_out, methods=["GET"]),
            Route(CALENDAR_ROUTE, calendar_feed, methods=["GET"])]


class CrossSiteGuard:
    """Refuse any request to the app's own routes (/auth/...) that changes state and came from another site:
    the same check as the routes make, for any method a route may accept later (POST, PUT, DELETE)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/auth/") and scope["method"] not in ("GET", "HEAD"):
            request = Request(scope)
            if cross_site(request) or not request.headers.get("origin"):
                await _refused()(scope, receive, send)
                return
        await self.app(scope, receive, send)


def oidc_secrets_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The `[auth]` secrets (and the button's organisation name) from RRT_OIDC_*, or None when they are not set.
    Set only some of them and the server refuses to start, saying which are missing."""
    environ = os.environ if environ is None else environ
    found = {key: environ.get(name, "").strip() for key, name in OIDC_ENVIRONMENT.items()}
    if not any(found.values()):
        return None
    missing = [OIDC_ENVIRONMENT[key] for key, value in found.items() if not value]
    if missing:
        raise SystemExit(f"Organisation sign-in is half configured: set {', '.join(missing)} too, or none of them.")
    secrets: dict[str, Any] = {"auth": found}
    label = environ.get(OIDC_LABEL_VARIABLE, "").strip()
    if label:
        secrets["organisation_sign_in"] = {"label": label}
    return secrets


# Found by `streamlit run` (app_discovery looks for a module-level `app = st.App(...)`); the script is app.py.
app = st.App(ROOT / "app.py", routes=_routes(), middleware=[Middleware(CrossSiteGuard)],
             secrets=oidc_secrets_from_environment())


# What the first page (app.py and the sign-in page) imports: loaded while Streamlit starts and the browser loads the
# page, instead of in the first page's run.
FIRST_PAGE_MODULES = ("ui.state", "services.calendar", "ui.navigation", "ui.links", "ui.kept", "ui.flash")


def _import_first_page_modules() -> None:
    import importlib

    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)


def main() -> None:
    import threading

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    # The first page's modules are imported while Streamlit starts and the browser loads the page.
    threading.Thread(target=_import_first_page_modules, name="rrt-first-page-imports", daemon=True).start()
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(Path(__file__).resolve()), *sys.argv[1:]]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
