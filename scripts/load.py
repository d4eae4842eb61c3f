"""N simultaneous signed-in users clicking through the app's pages, over Streamlit's own websocket protocol.

    .venv/bin/python scripts/load.py --url http://127.0.0.1:8501 --users 25 [--clicks 20] [--warm-up 5] \
        [--write-every 10] [--think 0 0] [--pages mixed|live] [--rounds 5] [--username demo-manager] \
        [--password-stdin] [--timeout 120]                             (or the password in RRT_LOAD_PASSWORD)

Each simulated user speaks to the running app as its browser page does, with no browser: BackMsg and ForwardMsg
(streamlit.proto) over the `/_stcore/stream` websocket. It first loads the app's address as a browser does (nginx
gives a browser with no cookie of its own a route cookie there, `rrt_route`, that keeps it on one process:
scripts/serve_workers.py), then signs in once through the app's own sign-in page (the form's widget states, then
the one-time ticket the page hands over at /auth/session, which sets the session cookie). All users sign in
together, to the same account (the demo's manager by default: sign-ins to one account must not queue behind each
other's password checks); with the route cookie the sign-ins spread over the processes although every simulated
user has the same address.

`--pages mixed` (the default): once all have signed in, each user opens one connection carrying its cookies and
clicks `--clicks` times, back to back, through the five pages in turn (Live reviews, Review, Agency returns, Daily
log, Board figures), as the menu does (a rerun request naming the page, in the same connection), with a write in
every `--write-every` clicks: the add-entry form of the Daily log page sent (a new daily log entry, which leaves
every process's kept shared reads stale), in place of that cycle's Board figures click. Users start at different
places of the cycle (user i at click i mod 9), as people do not click in step. `--think MIN MAX`: after each click
a user reads the page for a time drawn evenly between MIN and MAX seconds (each user its own seeded draw, so a run
can be repeated) before the next click, as people do; the default, 0 0, clicks back to back, which measures how
many clicks the processes serve at saturation rather than what people meet. The first `--warm-up` clicks of each
user (a fresh process imports the pages' modules and fills its shared reads) are checked for errors and printed
apart, not counted in the target.

`--pages live` (the measurement before issue 31): all load the Live reviews page together, `--rounds` times each,
each load a new connection carrying the cookie, as a page reload does; the first `--warm-up` rounds are not counted.

Prints the errors (an exception on the page, the sign-in form instead of the page, a refused sign-in or write, a
dropped connection, a timeout) and the p50/p95/max of the server-side time: from sending the rerun request to the
script's finished message, for every click and by page. Start the app first, e.g. `make run WORKERS=2` on a
database with the demo partnership (`manage.py demo-data`).
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import http.client
import os
import random
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ui.streamlit_internals.protocol import STREAM_PATH, Alert, BackMsg, ForwardMsg  # noqa: E402

COOKIE_NAME = "rrt_session"  # ui/auth.py
ROUTE_COOKIE = "rrt_route"  # scripts/serve_workers.py: keeps a signed-out browser on one process
LIVE_PAGE = "live_reviews"
LIVE_TITLE = "Live reviews"
# The five pages a user clicks through in turn: (page name in the address, the start of its title).
PAGES = {
    "live": ("live_reviews", "Live reviews"),
    "review": ("review", "Review"),
    "returns": ("returns", "Agency returns"),
    "log": ("daily_log", "Daily log"),
    "board": ("board", "Board figures"),
}
CYCLE = tuple(PAGES)
WRITE = "write"  # the Daily log's add-entry form sent
WRITE_SAVED = "added to the log"  # the flash after the entry is saved (pages/daily_log.py)
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
    its widget id (empty for what is not a widget), its label or text, and a select box's options as shown."""

    kind: str
    widget_id: str
    text: str
    options: tuple[str, ...] = ()


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
    options = tuple(new.selectbox.options) if kind == "selectbox" else ()
    return Element(kind, widget_id, text, options)


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

    def keyed(self, kind: str, key: str) -> Element | None:
        """The widget of this kind made with this key (Streamlit ends a keyed widget's id with its key)."""
        return next((e for e in self.elements if e.kind == kind and e.widget_id.endswith("-" + key)), None)

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


def cookie_header(cookies: dict[str, str | None]) -> dict[str, str]:
    """The Cookie header a browser sends with these cookies (those with no value left out)."""
    sent = "; ".join(f"{name}={value}" for name, value in cookies.items() if value)
    return {"Cookie": sent} if sent else {}


def _open(url: str, cookie: str | None, route: str | None = None) -> connect:
    """A page's connection: the `streamlit` subprotocol, the page's origin (the app opens its websocket only to its
    own pages: ui/server.py's EdgeGuard), the session cookie when signed in, and the route cookie."""
    headers = cookie_header({COOKIE_NAME: cookie, ROUTE_COOKIE: route})
    return connect(websocket_url(url), subprotocols=[Subprotocol("streamlit")], additional_headers=headers,
                   origin=page_origin(url), max_size=None, open_timeout=60, ping_timeout=None)


def page_origin(url: str) -> Origin:
    """The Origin a page of the app at `url` sends: its scheme, host and port."""
    parts = urlsplit(url)
    return Origin(f"{parts.scheme}://{parts.netloc}")


def cookie_set(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    """The value a response's Set-Cookie headers give the cookie `name`, if any."""
    for header, value in headers:
        if header.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def _get(url: str, path: str, route: str | None = None) -> tuple[int, list[tuple[str, str]]]:
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=60)
    try:
        connection.request("GET", path, headers=cookie_header({ROUTE_COOKIE: route}))
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


def cookie_from_ticket(url: str, path: str, route: str | None = None) -> str:
    """Follow the sign-in page's hand-over to /auth/session as the browser does; the session cookie it sets."""
    status, headers = _get(url, path, route)
    cookie = cookie_set(headers, COOKIE_NAME)
    if cookie is None:
        raise RuntimeError(f"/auth/session answered {status} with no session cookie")
    return cookie


def route_from_first_load(url: str) -> str | None:
    """Load the app's address as a browser does first; the route cookie nginx gives it (None when the app is served
    without nginx, e.g. `make run` with one process)."""
    return cookie_set(_get(url, "/")[1], ROUTE_COOKIE)


async def sign_in(url: str, username: str, password: str, timeout: float,
                  route: str | None = None) -> tuple[str, float]:
    """Sign in through the app's sign-in form; the session cookie and the server-side seconds of the form's run."""
    async with _open(url, None, route) as connection:
        form, _ = await run_script(connection, rerun_request(""), timeout)
        widgets = [(form.widget("text_input", "Username"), "string_value", username),
                   (form.widget("text_input", "Password"), "string_value", password),
                   (form.widget("button", "Sign in"), "trigger_value", True)]
        submitted, seconds = await run_script(connection, rerun_request("", widgets), timeout)
    if submitted.redirect is None:
        problems = submitted.problems()
        raise RuntimeError("sign-in refused: " + (problems[0] if problems else "no hand-over to /auth/session"))
    return await asyncio.to_thread(cookie_from_ticket, url, submitted.redirect, route), seconds


async def load_live_page(url: str, cookie: str, timeout: float, route: str | None = None) -> float:
    """Open the Live reviews page in a new connection, as a reload does; its server-side seconds."""
    async with _open(url, cookie, route) as connection:
        page, seconds = await run_script(connection, rerun_request(LIVE_PAGE), timeout)
    problems = page.problems()
    if any(e.kind == "text_input" and e.text == "Username" for e in page.elements):
        problems.append("asked to sign in again")
    if not any(e.kind == "heading" and e.text == LIVE_TITLE for e in page.elements):
        problems.append(f"no '{LIVE_TITLE}' title")
    if problems:
        raise RuntimeError("; ".join(problems))
    return seconds


def click_plan(clicks: int, *, start: int = 0, write_every: int = 10) -> list[str]:
    """What a user clicks: the five pages in turn (CYCLE), the click numbered k (from 0, the user's first being
    `start`) a write when k + 1 is a multiple of `write_every` (0: never), in place of that cycle's Board figures.
    `write_every` is a multiple of five, so a write always follows a visit of the Daily log, whose form it sends."""
    if write_every % len(CYCLE):
        raise ValueError(f"--write-every must be a multiple of {len(CYCLE)}, or 0")
    return [WRITE if write_every and (k + 1) % write_every == 0 else CYCLE[k % len(CYCLE)]
            for k in range(start, start + clicks)]


def think_times(clicks: int, think: tuple[float, float], *, seed: int) -> list[float]:
    """The pause after each of a user's clicks: drawn evenly between think's two bounds, the same for the same seed."""
    low, high = think
    draw = random.Random(seed)
    return [draw.uniform(low, high) if high > 0 else 0.0 for _ in range(clicks)]


def write_widgets(log_page: Run, text: str) -> list[tuple[str, str, object]]:
    """The Daily log's add-entry form sent with `text`, from the page's last run: on "All live reviews" the form
    asks which review (its first, as shown), on one review's log it does not."""
    widgets: list[tuple[str, str, object]] = [
        (log_page.widget("text_area", "What happened"), "string_value", text),
        (log_page.widget("button", "Add to the log"), "trigger_value", True)]
    review_box = log_page.keyed("selectbox", "la_review")
    if review_box is not None:
        if not review_box.options:
            raise RuntimeError("no live review to add an entry to")
        widgets.insert(0, (review_box.widget_id, "string_value", review_box.options[0]))
    return widgets


def page_problems(run: Run, title: str) -> list[str]:
    """What is wrong with a page's run: an error, the sign-in form, or a title that is not the page's."""
    problems = run.problems()
    if any(e.kind == "text_input" and e.text == "Username" for e in run.elements):
        problems.append("asked to sign in again")
    if not any(e.kind == "heading" and e.text.startswith(title) for e in run.elements):
        problems.append(f"no '{title}' title")
    return problems


@dataclass
class Results:
    sign_ins: list[float]
    warm_ups: list[float]
    loads: list[float]
    errors: list[str]
    by_page: dict[str, list[float]] = dataclasses.field(default_factory=dict)


def _failure(step: str, error: Exception) -> str:
    first_line = str(error).splitlines()[0][:160] if str(error) else ""
    return f"{step}: {type(error).__name__}: {first_line}"


@dataclass(frozen=True)
class User:
    number: int
    cookie: str
    route: str | None


async def signed_in_user(args: argparse.Namespace, password: str, results: Results, number: int) -> User | None:
    """One user, signed in (its session and route cookies), or None (and an error counted) when signing in failed."""
    try:
        route = await asyncio.to_thread(route_from_first_load, args.url)
        cookie, seconds = await sign_in(args.url, args.username, password, args.timeout, route)
    except Exception as error:  # noqa: BLE001 - every failure is counted and printed; none stops the others
        results.errors.append(_failure("sign-in", error))
        return None
    results.sign_ins.append(seconds)
    return User(number, cookie, route)


async def clicking_user(args: argparse.Namespace, user: User, results: Results) -> None:
    """One user's clicks through the pages in one connection, as the menu does; a write in every `--write-every`."""
    plan = click_plan(args.clicks, start=user.number % 9, write_every=args.write_every)
    pauses = think_times(len(plan), args.think, seed=user.number)
    last: Run | None = None
    try:
        async with _open(args.url, user.cookie, user.route) as connection:
            for n, step in enumerate(plan):
                try:
                    if step == WRITE:
                        if last is None:
                            raise RuntimeError("no Daily log page to write from")
                        text = f"Phoned the school about attendance (load user {user.number}, click {n})"
                        widgets = write_widgets(last, text)
                        run_, seconds = await run_script(connection, rerun_request(PAGES["log"][0], widgets),
                                                         args.timeout)
                        problems = page_problems(run_, PAGES["log"][1])
                        if not any(WRITE_SAVED in e.text for e in run_.elements):
                            problems.append("the entry was not saved")
                    else:
                        name, title = PAGES[step]
                        run_, seconds = await run_script(connection, rerun_request(name), args.timeout)
                        problems = page_problems(run_, title)
                    last = run_
                    if problems:
                        raise RuntimeError("; ".join(problems))
                except (RuntimeError, TimeoutError) as error:
                    results.errors.append(_failure(step, error))
                    continue
                if n < args.warm_up:
                    results.warm_ups.append(seconds)
                else:
                    results.loads.append(seconds)
                    results.by_page.setdefault(step, []).append(seconds)
                await asyncio.sleep(pauses[n])
    except Exception as error:  # noqa: BLE001 - a dropped connection: counted and printed, as at sign-in
        results.errors.append(_failure("connection", error))


async def loading_user(args: argparse.Namespace, user: User, results: Results) -> None:
    for round_ in range(args.warm_up + args.rounds):
        try:
            seconds = await load_live_page(args.url, user.cookie, args.timeout, user.route)
            (results.loads if round_ >= args.warm_up else results.warm_ups).append(seconds)
        except Exception as error:  # noqa: BLE001 - counted and printed, as at sign-in
            results.errors.append(_failure("live page", error))


def _figures(label: str, samples: list[float]) -> str:
    return (f"  {label:28} p50 {statistics.median(samples):6.2f} s   p95 {percentile(samples, 0.95):6.2f} s   "
            f"max {max(samples):6.2f} s   ({len(samples)} samples)")


def report(args: argparse.Namespace, results: Results, wall: float) -> str:
    if args.pages == "live":
        what = f"{args.rounds} timed loads of the live page each after {args.warm_up} untimed"
        timed = "live page (server-side)"
    else:
        low, high = args.think
        pace = f"a pause of {low:g}-{high:g} s after each" if high > 0 else "back to back"
        what = (f"{args.clicks} clicks each through five pages ({pace}), a write in every {args.write_every}, the "
                f"first {args.warm_up} untimed")
        timed = "every click (server-side)"
    lines = [f"{args.users} users, {what}, {wall:.1f} s in all: {len(results.errors)} errors"]
    lines += [f"   {error}" for error in results.errors]
    for label, samples in (("sign-in (form's run)", results.sign_ins), ("warm-up", results.warm_ups),
                           (timed, results.loads)):
        if samples:
            lines.append(_figures(label, samples))
    for step in (*CYCLE, WRITE):
        if results.by_page.get(step):
            lines.append(_figures(f"  {step}", results.by_page[step]))
    return "\n".join(lines)


async def run(args: argparse.Namespace, password: str) -> int:
    """All users sign in at once; once every one has, all click (or load the live page) at once."""
    results = Results([], [], [], [])
    started = time.perf_counter()
    users = await asyncio.gather(*(signed_in_user(args, password, results, n) for n in range(args.users)))
    signed_in = [user for user in users if user is not None]
    if args.pages == "live":
        await asyncio.gather(*(loading_user(args, user, results) for user in signed_in))
    else:
        await asyncio.gather(*(clicking_user(args, user, results) for user in signed_in))
    print(report(args, results, time.perf_counter() - started))
    met = not results.errors and bool(results.loads) and percentile(results.loads, 0.95) <= args.target
    print(f"target (0 errors, p95 <= {args.target} s): {'met' if met else 'NOT met'}")
    return 0 if met else 1


PASSWORD_VARIABLE = "RRT_LOAD_PASSWORD"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--pages", choices=("mixed", "live"), default="mixed",
                        help="five pages in turn with writes (default), or reloads of the live page only")
    parser.add_argument("--clicks", type=int, default=20, help="clicks per user (mixed)")
    parser.add_argument("--write-every", type=int, default=10, help="a write in this many clicks (mixed; 0: none)")
    parser.add_argument("--think", type=float, nargs=2, default=(0.0, 0.0), metavar=("MIN", "MAX"),
                        help="seconds a user reads a page before the next click, drawn evenly (mixed; default 0 0)")
    parser.add_argument("--rounds", type=int, default=5, help="loads of the live page per user (live)")
    parser.add_argument("--warm-up", type=int, default=None,
                        help="untimed clicks (mixed, default 5) or rounds (live, default 1) first")
    parser.add_argument("--username", default="demo-manager")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one script run may take")
    parser.add_argument("--target", type=float, default=1.5, help="p95 of the timed clicks, seconds")
    args = parser.parse_args()
    if args.warm_up is None:
        args.warm_up = 5 if args.pages == "mixed" else 1
    if not 0 <= args.think[0] <= args.think[1]:
        parser.error("--think needs 0 <= MIN <= MAX")
    if args.write_every % len(CYCLE):
        parser.error(f"--write-every must be a multiple of {len(CYCLE)}, or 0")
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
