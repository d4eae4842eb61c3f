"""N simultaneous signed-in users loading the Live reviews page, over Streamlit's own websocket protocol.

    .venv/bin/python scripts/load.py --url http://127.0.0.1:8501 --users 25 [--rounds 5] [--warm-up 1] \
        [--username demo-manager] [--password-stdin] [--timeout 120]      (or the password in RRT_LOAD_PASSWORD)

Each simulated user speaks to the running app as its browser page does, with no browser: BackMsg and ForwardMsg
(streamlit.proto) over the `/_stcore/stream` websocket. It signs in once through the app's own sign-in page (the
form's widget states, then the one-time ticket the page hands over at /auth/session, which sets the session
cookie). All users sign in together, to the same account (the demo's manager by default: sign-ins to one account
must not queue behind each other's password checks). Once all have, all load the Live reviews page together,
`--rounds` times each, back to back: each load a new connection carrying the cookie, as a page reload does. The
first `--warm-up` rounds (the first page of a freshly started process imports the page's modules and fills its
shared reads) are checked for errors and printed apart, not counted in the target.

Prints the errors (an exception on the page, the sign-in form instead of the page, a refused sign-in, a dropped
connection, a timeout) and the p50/p95 of the server-side time: from sending the rerun request to the script's
finished message. Start the app first, e.g. `make run WORKERS=2` on a database with the demo partnership
(`manage.py demo-data`).
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.streamlit_internals.protocol import STREAM_PATH, Alert, BackMsg, ForwardMsg  # noqa: E402

COOKIE_NAME = "rrt_session"  # ui/auth.py
LIVE_PAGE = "live_reviews"
LIVE_TITLE = "Live reviews"
# The end of a script run the user waits for (a run ended early for a rerun is followed by another run).
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


def percentile(samples: list[float], p: float) -> float:
    """The nearest-rank p-quantile (p from 0 to 1) of a non-empty list."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def rerun_request(page_name: str, widgets: Iterable[tuple[str, str, object]] = ()) -> bytes:
    """The BackMsg a page sends to run its script: the page's address and the widgets' values, each as
    (widget id, the WidgetState field to set, its value)."""
    message = BackMsg()
    state = message.rerun_script
    state.page_name = page_name
    state.query_string = ""
    state.context_info.timezone = "Europe/London"
    state.context_info.locale = "en-GB"
    for widget_id, field, value in widgets:
        widget = state.widget_states.widgets.add()
        widget.id = widget_id
        setattr(widget, field, value)
    serialised: bytes = message.SerializeToString()
    return serialised


@dataclass(frozen=True)
class Element:
    """One element a script run drew: its kind (text_input, button, heading, exception, error for st.error...),
    its widget id (empty for what is not a widget) and its label or text."""

    kind: str
    widget_id: str
    text: str


def element_of(message: ForwardMsg) -> Element | None:
    """The element a ForwardMsg adds to the page, or None for any other message."""
    if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
        return None
    new = message.delta.new_element
    kind: str = new.WhichOneof("type") or ""
    proto = getattr(new, kind) if kind else None
    if kind == "alert" and new.alert.format == Alert.ERROR:
        kind = "error"  # st.error: a refusal or a failure the user reads
    widget_id = str(getattr(proto, "id", "") or "")
    text = ""
    for field in ("label", "body", "message"):
        value = getattr(proto, field, None)
        if isinstance(value, str) and value:
            text = value
            break
    return Element(kind, widget_id, text)


@dataclass
class Run:
    """What one script run sent back: its elements, and the address it sent the browser to (if any)."""

    elements: list[Element]
    redirect: str | None = None
    status: int | None = None

    def widget(self, kind: str, label: str) -> str:
        for element in self.elements:
            if element.kind == kind and element.text == label and element.widget_id:
                return element.widget_id
        raise RuntimeError(f"no {kind} '{label}' on the page")

    def problems(self) -> list[str]:
        """What a user would see as an error: a script that did not compile, an exception, or an error box."""
        found = ["the script did not compile"] if self.status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR else []
        for element in self.elements:
            if element.kind == "exception":
                found.append(f"exception on the page: {element.text[:120]}")
            elif element.kind == "error":
                found.append(f"error on the page: {element.text[:120]}")
        return found


async def run_script(connection: ClientConnection, request: bytes, timeout: float) -> tuple[Run, float]:
    """Send a rerun request and read until the script has finished; the run and its server-side seconds."""
    started = time.perf_counter()
    await connection.send(request)
    run = Run([])
    async with asyncio.timeout(timeout):
        while True:
            data = await connection.recv()
            message = ForwardMsg()
            message.ParseFromString(data if isinstance(data, bytes) else data.encode())
            kind = message.WhichOneof("type")
            if kind == "delta":
                element = element_of(message)
                if element is not None:
                    run.elements.append(element)
            elif kind == "auth_redirect":
                run.redirect = message.auth_redirect.url
            elif kind == "script_finished" and message.script_finished in FINISHED:
                run.status = message.script_finished
                return run, time.perf_counter() - started


def websocket_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{STREAM_PATH}"


def _open(url: str, cookie: str | None) -> connect:
    """A page's connection: the `streamlit` subprotocol, and the session cookie when signed in."""
    headers = {"Cookie": f"{COOKIE_NAME}={cookie}"} if cookie else {}
    return connect(websocket_url(url), subprotocols=[Subprotocol("streamlit")], additional_headers=headers,
                   max_size=None, open_timeout=60, ping_timeout=None)


def cookie_from_ticket(url: str, path: str) -> str:
    """Follow the sign-in page's hand-over to /auth/session as the browser does; the session cookie it sets."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith(COOKIE_NAME + "="):
                return value.split(";", 1)[0].split("=", 1)[1]
        raise RuntimeError(f"/auth/session answered {response.status} with no session cookie")
    finally:
        connection.close()


async def sign_in(url: str, username: str, password: str, timeout: float) -> tuple[str, float]:
    """Sign in through the app's sign-in form; the session cookie and the server-side seconds of the form's run."""
    async with _open(url, None) as connection:
        form, _ = await run_script(connection, rerun_request(""), timeout)
        widgets = [(form.widget("text_input", "Username"), "string_value", username),
                   (form.widget("text_input", "Password"), "string_value", password),
                   (form.widget("button", "Sign in"), "trigger_value", True)]
        submitted, seconds = await run_script(connection, rerun_request("", widgets), timeout)
    if submitted.redirect is None:
        problems = submitted.problems()
        raise RuntimeError("sign-in refused: " + (problems[0] if problems else "no hand-over to /auth/session"))
    return await asyncio.to_thread(cookie_from_ticket, url, submitted.redirect), seconds


async def load_live_page(url: str, cookie: str, timeout: float) -> float:
    """Open the Live reviews page in a new connection, as a reload does; its server-side seconds."""
    async with _open(url, cookie) as connection:
        page, seconds = await run_script(connection, rerun_request(LIVE_PAGE), timeout)
    problems = page.problems()
    if any(e.kind == "text_input" and e.text == "Username" for e in page.elements):
        problems.append("asked to sign in again")
    if not any(e.kind == "heading" and e.text == LIVE_TITLE for e in page.elements):
        problems.append(f"no '{LIVE_TITLE}' title")
    if problems:
        raise RuntimeError("; ".join(problems))
    return seconds


@dataclass
class Results:
    sign_ins: list[float]
    warm_ups: list[float]
    loads: list[float]
    errors: list[str]


def _failure(step: str, error: Exception) -> str:
    first_line = str(error).splitlines()[0][:160] if str(error) else ""
    return f"{step}: {type(error).__name__}: {first_line}"


async def signed_in_user(args: argparse.Namespace, password: str, results: Results) -> str | None:
    """One user's session cookie, or None (and an error counted) when signing in failed."""
    try:
        cookie, seconds = await sign_in(args.url, args.username, password, args.timeout)
    except Exception as error:  # noqa: BLE001 - every failure is counted and printed; none stops the others
        results.errors.append(_failure("sign-in", error))
        return None
    results.sign_ins.append(seconds)
    return cookie


async def loading_user(args: argparse.Namespace, cookie: str, results: Results) -> None:
    for round_ in range(args.warm_up + args.rounds):
        try:
            seconds = await load_live_page(args.url, cookie, args.timeout)
            (results.loads if round_ >= args.warm_up else results.warm_ups).append(seconds)
        except Exception as error:  # noqa: BLE001 - counted and printed, as at sign-in
            results.errors.append(_failure("live page", error))


def report(args: argparse.Namespace, results: Results, wall: float) -> str:
    lines = [f"{args.users} users, {args.rounds} timed loads of the live page each after {args.warm_up} untimed, "
             f"{wall:.1f} s in all: "
             f"{len(results.errors)} errors"]
    lines += [f"   {error}" for error in results.errors]
    for label, samples in (("sign-in (form's run)", results.sign_ins), ("live page, warm-up", results.warm_ups),
                           ("live page (server-side)", results.loads)):
        if samples:
            lines.append(f"  {label:24} p50 {statistics.median(samples):6.2f} s   p95 "
                         f"{percentile(samples, 0.95):6.2f} s   max {max(samples):6.2f} s   ({len(samples)} samples)")
    return "\n".join(lines)


async def run(args: argparse.Namespace, password: str) -> int:
    """All users sign in at once; once every one has, all load the live page at once, `--rounds` times each."""
    results = Results([], [], [], [])
    started = time.perf_counter()
    cookies = await asyncio.gather(*(signed_in_user(args, password, results) for _ in range(args.users)))
    await asyncio.gather(*(loading_user(args, cookie, results) for cookie in cookies if cookie is not None))
    print(report(args, results, time.perf_counter() - started))
    met = not results.errors and bool(results.loads) and percentile(results.loads, 0.95) <= args.target
    print(f"target (0 errors, live page p95 <= {args.target} s): {'met' if met else 'NOT met'}")
    return 0 if met else 1


PASSWORD_VARIABLE = "RRT_LOAD_PASSWORD"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm-up", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--username", default="demo-manager")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one script run may take")
    parser.add_argument("--target", type=float, default=1.5, help="p95 of the live page, seconds")
    args = parser.parse_args()
    # The demo's password is made at random by each load (`manage.py demo-data` prints it once): give it on standard
    # input, or in RRT_LOAD_PASSWORD (read by this benchmark only, never by the app).
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        print(f"Give the password of --username on standard input (--password-stdin) or in {PASSWORD_VARIABLE}: "
              "the demo's is printed by `manage.py demo-data` when it loads.", file=sys.stderr)
        return 2
    return asyncio.run(run(args, password))


if __name__ == "__main__":
    raise SystemExit(main())
