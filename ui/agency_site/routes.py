"""The agency's page: plain HTML served by the app's own routes (Starlette, not Streamlit), for an agency that has no
account and no websocket. GOV.UK Frontend's components (govuk-frontend-jinja macros, the govuk-frontend CSS that
`npm ci` installs), no JavaScript at all: every step is a form post.

- GET  /agency/<token>: the scoping form of the one return the link opens (or what was sent, once it was sent).
- POST /agency/<token>: one multipart form; every button first keeps what was typed (the draft), then: "Save draft",
  "Attach document" (PDF or Word, judged by content, 10 MB), "Remove" a document, or "Submit return" (the senior
  manager's confirmation required). Success answers 303 back to the page (post/redirect/get); a refusal shows the
  page again with what was typed and GOV.UK's error summary (400).
- GET  /agency/assets/...: the GOV.UK Frontend stylesheet, without the GDS Transport font (it is licensed for GOV.UK
  services only: the text falls back to Arial), and its images.
- GET  /agency/actions/<token>: the actions of one agency on one review (services/actions/agency_link.py), with a
  form per open action; POST gives evidence for one (text and at most one PDF or Word document), 303 back to the
  page, or the page again with the error (400). The same CSRF, limits, 404 page and layout as the return's page.
Any other address under /agency, and any token that opens nothing (unknown, another return's, expired, revoked,
ended), gets the same 404 page.

Protection: a double-submit CSRF token (a random cookie, HttpOnly, SameSite=Strict, path /agency, that every post
must repeat in a hidden field; a page GET sets it, so no sign-in or earlier cookie is needed); rate limits with
`limits` in the process's memory (every request per address; tokens that open nothing per address, after which that
address is refused for the hour; posts per link); a body over the document limit refused before it is read; every
user-supplied string escaped by Jinja's autoescape; strict security headers (no script may run, no referrer path
leaves the page, no framing, never cached). The database is reached through one small function,
`open_transaction`, which declares no signed-in account (`act_as(None, via="agency link")`).
"""
from __future__ import annotations

import functools
import hmac
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader, select_autoescape
from limits import RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from services import unit_of_work
from services.actions import AgencyActionsPage, give_evidence_through_link, open_agency_actions
from services.agency_exchange import (
    MAX_ANSWER_CHARS,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_ROUND,
    AgencyPage,
    ConfirmationInput,
    LinkNotFound,
    attach_agency_document,
    date_from_parts,
    open_agency_return,
    remove_agency_document,
    save_agency_draft,
    submit_agency_return,
)
from services.clock import LONDON, today_in_london
from services.errors import DatabaseUnavailable, InvalidInput, StaleRecord
from services.formatting import file_size
from ui.agency_site import AGENCY_PREFIX

CSRF_COOKIE = "rrt_agency_form"
CSRF_FIELD = "csrf_token"
CSRF_COOKIE_SECONDS = 12 * 60 * 60
ROOT = Path(__file__).resolve().parents[2]
GOVUK_DIST = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
TEMPLATES = Path(__file__).resolve().parent / "templates"
# A post holds the typed answers and at most one document: anything much larger is refused unread.
MAX_BODY_BYTES = MAX_ATTACHMENT_BYTES + 2 * 1024 * 1024
HEADERS = {
    "Cache-Control": "no-store",
    # No script runs on these pages; styles and images are the app's own; forms post only to the app.
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    # The token is in the address: only the origin ever leaves in a Referer (and forms keep a real Origin header,
    # which the app's edge requires of a post; "no-referrer" would make Chromium send `Origin: null`).
    "Referrer-Policy": "strict-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}
DONE_BANNERS = {
    "saved": "Your draft was saved. You can come back to it through the same link.",
    "attached": "The document was attached and your draft saved.",
    "removed": "The document was removed and your draft saved.",
}
_LOG = logging.getLogger(__name__)

OpenTransaction = Callable[[], AbstractContextManager[Session]]
# A request's transaction fails so when the database cannot be reached or refuses: the page says to try again.
DATABASE_ERRORS = (SQLAlchemyError, DatabaseUnavailable)


# ---------------------------------------------------------------- the database: the app's one door


def transaction_on(engine: Engine | None = None) -> OpenTransaction:
    """Transactions for the agency's requests through the unit of work (services/unit_of_work.py), on the app's
    engine or on `engine` (the tests give their own database): no account is declared, and the record of changes
    says the change came through an agency's link."""

    def transaction() -> AbstractContextManager[Session]:
        return unit_of_work.transaction(read_only=False, account_id=None, via="agency link", bind=engine)

    return transaction


open_transaction: OpenTransaction = transaction_on()


# ---------------------------------------------------------------- limits


@dataclass(frozen=True)
class AgencyLimits:
    """Rate limits, in each app process's memory (a restart forgets them)."""

    requests_per_minute: int = 60  # every request from one address (a council's proxy may put many behind one)
    misses_per_hour: int = 20  # tokens that open nothing, from one address; then the address waits out the hour
    posts_per_minute_per_link: int = 20


@dataclass
class _Limiter:
    limits: AgencyLimits
    limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    def request(self, address: str) -> bool:
        return self.limiter.hit(RateLimitItemPerMinute(self.limits.requests_per_minute), "request", address)

    def may_guess(self, address: str) -> bool:
        return self.limiter.test(RateLimitItemPerHour(self.limits.misses_per_hour), "miss", address)

    def missed(self, address: str) -> None:
        self.limiter.hit(RateLimitItemPerHour(self.limits.misses_per_hour), "miss", address)

    def post(self, token: str) -> bool:
        key = hmac.new(b"agency-post", token.encode(), "sha256").hexdigest()
        return self.limiter.hit(RateLimitItemPerMinute(self.limits.posts_per_minute_per_link), "post", key)


def client_address(request: Request) -> str:
    """Who is asking: the connection's address, or, from a proxy on this machine (nginx), the last address it added
    to X-Forwarded-For (earlier entries are the browser's own claim)."""
    peer = request.client.host if request.client else ""
    if peer in ("127.0.0.1", "::1", "") or peer.startswith("127."):
        forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1][:64]
    return peer[:64] or "local"


# ---------------------------------------------------------------- rendering


@functools.cache
def _environment() -> Environment:
    """Jinja's environment, made at the first page drawn (each template is compiled at its first use, then kept)."""
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES),
                             PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True, lstrip_blocks=True,
    )
    environment.filters["long_date"] = lambda d: f"{d:%A %-d %B %Y}" if d else ""
    environment.filters["london_time"] = lambda t: f"{t.astimezone(LONDON):%-d %B %Y at %H:%M}" if t else ""
    environment.filters["size"] = file_size
    return environment



def _page(template: str, status: int = 200, cookie: str | None = None, secure: bool = False,
          **context: Any) -> HTMLResponse:
    response = HTMLResponse(_environment().get_template(template).render(**context), status_code=status,
                            headers=HEADERS)
    if cookie is not None:
        response.set_cookie(CSRF_COOKIE, cookie, max_age=CSRF_COOKIE_SECONDS, path=AGENCY_PREFIX, httponly=True,
                            samesite="strict", secure=secure)
    return response


def not_found_page() -> HTMLResponse:
    """The one page for every address that opens nothing."""
    return _page("not_found.html", status=404)


def _too_many() -> HTMLResponse:
    response = _page("too_many.html", status=429)
    response.headers["Retry-After"] = "60"
    return response


def _unavailable() -> HTMLResponse:
    return _page("unavailable.html", status=503)


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


@dataclass
class _Typed:
    """What the form holds: from the database on a GET, as typed on a refused post."""

    author_name: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    manager_name: str = ""
    manager_role: str = ""
    day: str = ""
    month: str = ""
    year: str = ""
    confirmed: bool = False

    @classmethod
    def of(cls, page: AgencyPage) -> _Typed:
        on = page.confirmation.confirmed_on
        return cls(page.author_name or "", dict(page.answers), page.confirmation.name or "",
                   page.confirmation.role or "", str(on.day) if on else "", str(on.month) if on else "",
                   str(on.year) if on else "", page.confirmation.confirmed)

    @classmethod
    def posted(cls, form: Mapping[str, Any], page: AgencyPage) -> _Typed:
        def text(name: str) -> str:
            value = form.get(name)
            return value if isinstance(value, str) else ""

        return cls(text("author_name"), {s.key: text(f"answer-{s.key}") for s in page.sections},
                   text("manager_name"), text("manager_role"), text("confirmed_on-day"), text("confirmed_on-month"),
                   text("confirmed_on-year"), text("confirmed") == "yes")


def _field_for(message: str, page: AgencyPage) -> str:
    """The id of the field a refusal is about, for the error summary's link."""
    for section in page.sections:
        if f'"{section.heading}"' in message:
            return f"answer-{section.key}"
    if "confirmation" in message and "date" in message:
        return "confirmed_on"
    if "senior manager" in message:
        return "manager_name"
    if "document" in message or "file" in message or ".pdf" in message or ".doc" in message:
        return "document"
    return "author_name"


# ---------------------------------------------------------------- the routes


ACTIONS_DONE = "Your evidence was sent to the Partnership. They will accept it or say what more they need."


@dataclass
class _TypedEvidence:
    """What the agency typed for one action, shown back on a refused post."""

    action_id: int | None = None
    evidence: str = ""


# What a token opens: a return's page or an agency's actions page.
_Page = TypeVar("_Page", AgencyPage, AgencyActionsPage)


class _ActionsPages:
    """The agency's actions page (GET and POST /agency/actions/<token>), mixed into AgencySite: the same limits,
    CSRF, 404 and layout as the return's page."""

    transaction: OpenTransaction
    limiter: _Limiter
    today: Callable[[], date]

    async def actions_page(self, request: Request) -> Response:
        address = client_address(request)
        if not self.limiter.request(address) or not self.limiter.may_guess(address):
            return _too_many()
        token = request.path_params["token"]
        if request.method == "POST":
            read = await self._read_post(request, token, back=f"{AGENCY_PREFIX}/actions/{token}")
            if isinstance(read, Response):
                return read
            fields, document, cookie = read
            return await run_in_threadpool(self._give, request, token, address, fields, document, cookie)
        return await run_in_threadpool(self._show_actions, request, token, address)

    async def _read_post(self, request: Request, token: str, *,
                         back: str | None = None) -> Response | tuple[dict[str, str], tuple[str, bytes] | None, str]:
        raise NotImplementedError  # AgencySite's

    def _opened(self, open_page: Callable[[str], _Page], token: str, address: str, what: str) -> _Page | Response:
        """The page a token opens; or the one 404 for a token that opens nothing (counted as a guess), or the
        unavailable page when the database does not answer."""
        try:
            return open_page(token)
        except LinkNotFound:
            self.limiter.missed(address)
            return not_found_page()
        except DATABASE_ERRORS as error:
            _LOG.error("%s not served: %s", what, type(error).__name__)
            return _unavailable()

    def _open_actions(self, token: str) -> AgencyActionsPage:
        with self.transaction() as session:
            return open_agency_actions(session, token=token, as_of=self.today())

    def _show_actions(self, request: Request, token: str, address: str) -> Response:
        page = self._opened(self._open_actions, token, address, "Agency actions page")
        if isinstance(page, Response):
            return page
        csrf, new_cookie = _form_token(request)
        banner = ACTIONS_DONE if request.query_params.get("done") == "evidence" else None
        return self._render_actions(request, page, _TypedEvidence(), csrf=csrf, cookie=new_cookie,
                                    banner=banner)

    def _render_actions(self, request: Request, page: AgencyActionsPage, typed: _TypedEvidence, *, csrf: str,
                        cookie: str | None = None, error: tuple[str, str] | None = None, banner: str | None = None,
                        status: int = 200) -> HTMLResponse:
        errors = [error] if error else []
        return _page("actions.html", status=status, cookie=cookie, secure=_secure(request), page=page, typed=typed,
                     errors=errors, field_errors={field: text for text, field in errors},
                     error_list=[{"text": text, "href": f"#{field}"} for text, field in errors],
                     csrf_field=CSRF_FIELD, csrf=csrf, banner=banner,
                     action_url=f"{AGENCY_PREFIX}/actions/{request.path_params['token']}",
                     max_mb=MAX_ATTACHMENT_BYTES // 1024 // 1024)

    def _give(self, request: Request, token: str, address: str, form: Mapping[str, str],
              document: tuple[str, bytes] | None, csrf: str) -> Response:
        page = self._opened(self._open_actions, token, address, "Agency actions page")
        if isinstance(page, Response):
            return page
        raw_id, raw_version = form.get("action_id", ""), form.get("version", "")
        action_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else None
        version = int(raw_version) if raw_version.isdigit() and len(raw_version) < 10 else None
        typed = _TypedEvidence(action_id, form.get("evidence", ""))
        field = f"evidence-{action_id}" if action_id is not None else "main-content"
        try:
            with self.transaction() as session:
                give_evidence_through_link(session, token=token, action_id=action_id or 0, expected_version=version,
                                           evidence=typed.evidence, documents=[document] if document else [],
                                           as_of=self.today())
        except LinkNotFound:
            return not_found_page()
        except (InvalidInput, StaleRecord) as refused:
            return self._render_actions(request, page, typed, csrf=csrf, error=(str(refused), field), status=400)
        except DATABASE_ERRORS as error:
            _LOG.error("Agency evidence not saved: %s", type(error).__name__)
            return _unavailable()
        return RedirectResponse(f"{AGENCY_PREFIX}/actions/{token}?done=evidence", status_code=303, headers=HEADERS)


class AgencySite(_ActionsPages):
    """The agency's routes, with their database and limits (the tests give their own)."""

    def __init__(self, *, transaction: OpenTransaction = open_transaction, limits: AgencyLimits | None = None,
                 today: Callable[[], date] = today_in_london) -> None:
        self.transaction = transaction
        self.limiter = _Limiter(limits or AgencyLimits())
        self.today = today

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/assets/govuk-frontend.css", self.stylesheet, methods=["GET"]),
            Mount("/assets/images", app=StaticFiles(directory=GOVUK_DIST / "assets" / "images", check_dir=False)),
            Route("/actions/{token}", self.actions_page, methods=["GET", "POST"]),
            Route("/{token}", self.page, methods=["GET", "POST"]),
            Route("/{rest:path}", self.nothing_here, methods=["GET", "POST"]),
        ]

    def mount(self) -> Mount:
        return Mount(AGENCY_PREFIX, routes=self.routes())

    # -- the stylesheet

    def stylesheet(self, _request: Request) -> Response:
        css = _stylesheet()
        if css is None:
            return Response("Not found.", status_code=404, media_type="text/plain")
        return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=86400",
                                                             "X-Content-Type-Options": "nosniff"})

    async def nothing_here(self, request: Request) -> Response:
        if not self.limiter.request(client_address(request)):
            return _too_many()
        return not_found_page()

    # -- the page

    async def page(self, request: Request) -> Response:
        address = client_address(request)
        if not self.limiter.request(address) or not self.limiter.may_guess(address):
            return _too_many()
        token = request.path_params["token"]
        if request.method == "POST":
            return await self._post(request, token, address)
        return await run_in_threadpool(self._get, request, token, address)

    def _open(self, token: str) -> AgencyPage:
        with self.transaction() as session:
            return open_agency_return(session, token=token, as_of=self.today())

    def _get(self, request: Request, token: str, address: str) -> Response:
        page = self._opened(self._open, token, address, "Agency page")
        if isinstance(page, Response):
            return page
        done = request.query_params.get("done", "")
        csrf, new_cookie = _form_token(request)
        return self._render(request, page, _Typed.of(page), csrf=csrf, cookie=new_cookie,
                            banner=DONE_BANNERS.get(done), sent=done == "sent")

    def _render(self, request: Request, page: AgencyPage, typed: _Typed, *, csrf: str, cookie: str | None = None,
                errors: list[tuple[str, str]] | None = None, banner: str | None = None, sent: bool = False,
                status: int = 200) -> HTMLResponse:
        return _page("form.html", status=status, cookie=cookie, secure=_secure(request), page=page, typed=typed,
                     errors=errors or [], field_errors={field: text for text, field in errors or []},
                     error_list=[{"text": text, "href": f"#{field}-day" if field == "confirmed_on" else f"#{field}"}
                                 for text, field in errors or []],
                     csrf_field=CSRF_FIELD, csrf=csrf, action=f"{AGENCY_PREFIX}/{request.path_params['token']}",
                     banner=banner, sent=sent, max_answer=MAX_ANSWER_CHARS,
                     max_mb=MAX_ATTACHMENT_BYTES // 1024 // 1024, max_documents=MAX_ATTACHMENTS_PER_ROUND)

    async def _post(self, request: Request, token: str, address: str) -> Response:
        read = await self._read_post(request, token)
        if isinstance(read, Response):
            return read
        fields, document, cookie = read
        return await run_in_threadpool(self._act, request, token, address, fields, document, cookie)

    async def _read_post(self, request: Request, token: str, *,
                         back: str | None = None) -> Response | tuple[dict[str, str], tuple[str, bytes] | None, str]:
        """A post's fields and its one document, once its length, CSRF token and the link's post limit pass; else
        the refusal to send."""
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            return _page("refused.html", status=411, reason="length")
        if int(length) > MAX_BODY_BYTES:
            return _page("refused.html", status=413, reason="size", max_mb=MAX_ATTACHMENT_BYTES // 1024 // 1024)
        async with request.form(max_files=1, max_fields=60, max_part_size=4 * MAX_ANSWER_CHARS + 1024) as form:
            cookie = request.cookies.get(CSRF_COOKIE) or ""
            sent_token = form.get(CSRF_FIELD)
            if not (_plausible_csrf(cookie) and isinstance(sent_token, str)
                    and hmac.compare_digest(cookie.encode(), sent_token.encode())):
                return _page("refused.html", status=403, reason="csrf", back=back or f"{AGENCY_PREFIX}/{token}")
            if not self.limiter.post(token):
                return _too_many()
            upload = form.get("document")
            document: tuple[str, bytes] | None = None
            if isinstance(upload, UploadFile) and upload.filename:
                document = (upload.filename, await upload.read(MAX_ATTACHMENT_BYTES + 1))
            fields = {name: value for name, value in form.multi_items() if isinstance(value, str)}
        return fields, document, cookie

    def _act(self, request: Request, token: str, address: str, form: Mapping[str, str],
             document: tuple[str, bytes] | None, csrf: str) -> Response:
        action = form.get("action", "save")
        page = self._opened(self._open, token, address, "Agency page")
        if isinstance(page, Response):
            return page
        typed = _Typed.posted(form, page)
        try:
            confirmed_on = date_from_parts(typed.day, typed.month, typed.year,
                                           label="date of the senior manager's confirmation")
        except InvalidInput as refused:
            return self._render(request, page, typed, csrf=csrf, errors=[(str(refused), "confirmed_on")], status=400)
        confirmation = ConfirmationInput(typed.manager_name, typed.manager_role, confirmed_on, typed.confirmed)
        try:
            done = self._write(token, action, form, typed, confirmation, document)
        except LinkNotFound:
            return not_found_page()
        except InvalidInput as refused:
            return self._render(request, page, typed, csrf=csrf, status=400,
                                errors=[(str(refused), _field_for(str(refused), page))])
        except DATABASE_ERRORS as error:
            _LOG.error("Agency return not saved: %s", type(error).__name__)
            return _unavailable()
        return RedirectResponse(f"{AGENCY_PREFIX}/{token}?done={done}", status_code=303, headers=HEADERS)

    def _write(self, token: str, action: str, form: Mapping[str, str], typed: _Typed,
               confirmation: ConfirmationInput, document: tuple[str, bytes] | None) -> str:
        as_of = self.today()
        with self.transaction() as session:
            if action == "submit":
                submit_agency_return(session, token=token, author_name=typed.author_name, answers=typed.answers,
                                     confirmation=confirmation, as_of=as_of)
                return "sent"
            save_agency_draft(session, token=token, author_name=typed.author_name, answers=typed.answers,
                              confirmation=confirmation, as_of=as_of)
            if action == "attach":
                if document is None:
                    raise InvalidInput("Choose a document to attach (a PDF or a Word document), then select "
                                       "\"Attach document\".")
                attach_agency_document(session, token=token, author_name=typed.author_name, file_name=document[0],
                                       data=document[1], as_of=as_of)
                return "attached"
            removed = form.get("remove", "")
            if removed.isdigit():
                remove_agency_document(session, token=token, attachment_id=int(removed), as_of=as_of)
                return "removed"
            return "saved"


_CSRF_FORMAT = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _form_token(request: Request) -> tuple[str, str | None]:
    """The form's CSRF token: the browser's cookie when it holds a plausible one, else a new one to set."""
    csrf = request.cookies.get(CSRF_COOKIE) or ""
    new_cookie = None if _plausible_csrf(csrf) else secrets.token_urlsafe(32)
    return new_cookie or csrf, new_cookie


def _plausible_csrf(value: str) -> bool:
    return bool(_CSRF_FORMAT.match(value))


_STYLESHEET: list[str] = []
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


def _stylesheet() -> str | None:
    """GOV.UK Frontend's CSS as installed by `npm ci`, served from /agency/assets: without the GDS Transport font
    (for GOV.UK services only), its images under this prefix. None when the build has not installed it."""
    if not _STYLESHEET:
        try:
            css = (GOVUK_DIST / "govuk-frontend.min.css").read_text(encoding="utf-8")
        except OSError:
            _LOG.warning("GOV.UK Frontend is not installed (run `npm ci`): the agency pages are unstyled")
            return None
        css = _FONT_FACE.sub("", css).replace("GDS Transport,arial,sans-serif", "arial,sans-serif")
        css = css.replace("url(/assets/images/", f"url({AGENCY_PREFIX}/assets/images/")
        # The agency's typed answers keep their line breaks where the page shows them back.
        _STYLESHEET.append(css + "\n.agency-answer{white-space:pre-wrap;overflow-wrap:anywhere}\n")
    return _STYLESHEET[0]


def mount_agency_site(*, transaction: OpenTransaction = open_transaction, limits: AgencyLimits | None = None,
                      today: Callable[[], date] = today_in_london) -> Mount:
    """The agency's routes under /agency, for `st.App(routes=[...])` (ui/server.py) or any Starlette app."""
    return AgencySite(transaction=transaction, limits=limits, today=today).mount()
