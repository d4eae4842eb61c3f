"""How long the Board page takes to draw in a real browser, against its chart floor: rerunnable, in scratch databases.

    .venv/bin/python scripts/bench_board_browser.py [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
        [--scales demo,national,5x] [--runs 5] [--baseline REF [--baseline-scales demo,national]] [--keep]
        [--reuse SCALE=URL ...]

For each scale it builds a scratch database with scripts/bench_board.py's generator (reviews spread over three years,
their meeting and minutes milestones, one return per agency per review: demo 40 reviews, national 4,974 reviews /
about 49,700 returns, 5x 24,870 / about 248,700), makes a board account and the app's login role, and serves the app
on it (`python -m ui.server`, "today" pinned to 26 Nov 2026) as tests/e2e does. The tables' history triggers are off
while seeding (a hash-chained row per insert: 200 s at national scale with them, 11 s at 5x without): the history of
these databases is empty, which the board never reads. `--reuse national=URL` times a database a run with `--keep`
kept instead of building it again (the URLs are printed); every database, built or reused, is dropped at the end
unless `--keep` (build once with --keep, reuse it, and leave out --keep on the last run).

The chart floor is a bare Streamlit page served beside the app: a title and as many trivial plotly charts (three
bars, 400 px high, the mode bar off) as the Board page draws (8). It pays what any page with charts pays (Streamlit's
frame, the websocket, plotly.js loading and drawing eight charts) and nothing that depends on the figures.

Each timed load is a navigation to the page in Debian's Chromium (headless, Playwright), signed in as the board
account in its own browser context, after one untimed load (the app's shared reads warm, as on a reload). Rendered
means: Streamlit's script run has ended, no element is left stale, every `.js-plotly-plot` expected is drawn (has its
SVG) and the DOM has been quiet for 500 ms; the time is that of the last DOM change, from the navigation's start
(performance.now()). The targets are loaded one after the other in each round, N rounds (interleaved, so the
machine's load moves them alike), and the medians and the ratios to the floor are printed with `uptime` before
and after.

`--baseline REF` also serves the app as it was at git REF (exported with `git archive` to a temporary folder) on the
same databases, interleaved with the current code: "before" and "after" from one run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench_board import AS_OF, MILESTONES_SQL, RETURNS_SQL, REVIEWS_SQL, START  # noqa: E402
from bench_common import scratch_database  # noqa: E402
from db.engine import app_group_name, create_app_role  # noqa: E402
from services.accounts import _new_account  # noqa: E402
from services.clock import PINNED_TODAY_VARIABLE  # noqa: E402

SCALES = {"demo": 40, "national": 4974, "5x": 24870}
AGENCIES = 10
USERNAME, PASSWORD = "bench-board", "correct horse battery"
APP_ROLE, APP_PASSWORD = "rrt_bench_browser", "rrt-bench-browser-only"
BOARD_CHARTS = 8
SEEDED_TABLES = ("reviews", "review_milestones", "agency_returns")
QUIET_MS = 500
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

FLOOR_PAGE = f'''
import plotly.graph_objects as go
import streamlit as st

st.title("Chart floor")
for i in range({BOARD_CHARTS}):
    fig = go.Figure(go.Bar(x=["A", "B", "C"], y=[1, 2, 3]))
    fig.update_layout(height=400, title=dict(text=f"Chart {{i + 1}}", x=0))
    st.plotly_chart(fig, config={{"displayModeBar": False}}, key=f"floor_{{i}}")
'''

# Run in the page at every navigation: the time of the last DOM change, from the navigation's start; the time of the
# last click (a menu click: scripts/bench_browser.py) and whether a script run has started since.
OBSERVER_JS = """
window.__benchLast = 0;
window.__benchClick = 0;
window.__benchRan = false;
new MutationObserver(() => {
    window.__benchLast = performance.now();
    if (document.querySelector('[data-test-script-state="running"]')) { window.__benchRan = true; }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
document.addEventListener('click', () => { window.__benchClick = performance.now(); window.__benchRan = false; },
                          true);
"""
STATE_JS = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    return {idle: document.querySelector('[data-test-script-state="notRunning"]') !== null,
            stale: document.querySelectorAll('[data-stale="true"]').length,
            plots: plots.length, drawn: plots.filter(p => p.querySelector('.main-svg')).length,
            last: window.__benchLast || 0, click: window.__benchClick || 0, ran: window.__benchRan === true,
            path: window.location.pathname, now: performance.now()};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def seed(engine: Engine, reviews: int) -> str:
    """bench_board.py's partnership at this size, a board account and the app's login role; a one-line summary."""
    started = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        _new_account(session, username=USERNAME, display_name="Bench Board", roles=["board"], password=PASSWORD)
        officer = _new_account(session, username="bench-officer", display_name="Bench Officer", roles=["officer"],
                               password=PASSWORD)
        for i in range(AGENCIES):
            session.execute(text("INSERT INTO agencies (name, kind, active) VALUES (:n, 'health', true)"),
                            {"n": f"Bench Agency {i + 1:02d}"})
        common = dict(as_of=AS_OF, author=officer.id)
        # The tables' history triggers (a hash-chained row per change) make a bulk insert take minutes (200 s for
        # national, far longer at 5x): off while seeding. This database is for timing the board only, which never
        # reads the history.
        for table in SEEDED_TABLES:
            session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        session.execute(text(REVIEWS_SQL), dict(common, start=START, span=(AS_OF - START).days, count=reviews))
        session.execute(text(MILESTONES_SQL), common)
        session.execute(text(RETURNS_SQL), common)
        for table in SEEDED_TABLES:
            session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        session.commit()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
        n_reviews, n_returns = conn.execute(text(
            "SELECT (SELECT count(*) FROM reviews), (SELECT count(*) FROM agency_returns)")).one()
    return f"{n_reviews:,} reviews, {n_returns:,} returns, built in {time.perf_counter() - started:.0f} s"


def with_app_role(owner: Engine) -> None:
    create_app_role(owner, APP_ROLE, APP_PASSWORD)


def app_url_of(owner_url: str) -> str:
    return make_url(owner_url).set(username=APP_ROLE, password=APP_PASSWORD).render_as_string(hide_password=False)


def drop(server: str, url: str) -> None:
    """Drop a database and its app group (a role of the server, which would otherwise pile up run after run)."""
    name = str(make_url(url).database)
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{app_group_name(name)}"'))
    admin.dispose()


@contextmanager
def database(server: str, scale: str, reuse: str | None, keep: bool) -> Iterator[str]:
    """The owner's URL of a database at this scale: the one reused, or a new one built; dropped at the end (a reused
    one too: build once with --keep, reuse it run after run, and leave out --keep on the last) unless `keep`."""
    if reuse:
        engine = create_engine(reuse)
        with_app_role(engine)
        engine.dispose()
        print(f"{scale}: reusing {make_url(reuse).database}", flush=True)
        url = reuse
    else:
        with scratch_database(server, keep=True) as (url, engine):
            summary = seed(engine, SCALES[scale])
            with_app_role(engine)
            print(f"{scale}: {make_url(url).database}: {summary}", flush=True)
    try:
        yield url
    finally:
        if keep:
            print(f"Kept {scale}: {url}")
        else:
            drop(server, url)


@contextmanager
def served(command: list[str], cwd: Path, env: dict[str, str]) -> Iterator[str]:
    """Run a Streamlit server on a free port until the block ends; yields its address."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below, after the server stops)
    process = subprocess.Popen([*command, "--server.port", str(port), "--server.address", "127.0.0.1",
                                "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                               cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"{command} did not start:\n{output}") from error
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def app_command(owner_url: str, root: Path) -> tuple[list[str], Path, dict[str, str]]:
    env = {**os.environ, "DATABASE_URL": app_url_of(owner_url), "MIGRATION_DATABASE_URL": owner_url,
           PINNED_TODAY_VARIABLE: AS_OF.isoformat(), "PYTHONPATH": str(root)}
    return [sys.executable, "-m", "ui.server"], root, env


@dataclass
class Target:
    label: str
    url: str
    sign_in: bool
    samples: list[float] = field(default_factory=list)
    timed_out: bool = False
    context: BrowserContext | None = None


TIMEOUT_S = 300  # a load not rendered by then counts as this long (the table says "≥")


def wait_rendered(page: Page, charts: int, timeout_s: float = TIMEOUT_S, *, after_click: str | None = None) -> float:
    """Milliseconds from the navigation's start to the last DOM change once rendered: the run ended, no element left
    stale, at least `charts` plotly charts and every chart drawn, the DOM quiet for QUIET_MS.

    `after_click`, the address's path of the page a menu click opens ("/" for the menu's first page): from the last
    click instead, once a script run has started since it (seen running, or, a run too short for the browser to draw
    it running, the address moved to that page, which Streamlit does when the run starts, and the DOM changed since
    the click)."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = page.evaluate(STATE_JS)
        ran = after_click is None or state["ran"] or (
            state["path"].rstrip("/").endswith(after_click.rstrip("/")) and state["last"] > state["click"])
        if (state["idle"] and state["stale"] == 0 and ran
                and state["plots"] >= charts and state["drawn"] >= state["plots"]
                and state["now"] - state["last"] >= QUIET_MS):
            return float(state["last"]) - (float(state["click"]) if after_click is not None else 0.0)
        if time.monotonic() > deadline:
            raise TimeoutError(f"not rendered after {timeout_s:.0f} s: {state}")
        time.sleep(0.1)


def sign_in(page: Page, url: str, username: str = USERNAME, password: str = PASSWORD,
            heading: str | None = "Board figures") -> None:
    """Sign in through the app's sign-in page; wait for this heading (None: for the menu's Sign out button)."""
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    deadline = time.monotonic() + 30
    while not any(c.get("name") == "rrt_session" for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: {username} could not sign in")
        time.sleep(0.2)
    if heading is None:
        page.get_by_role("button", name="Sign out").wait_for(timeout=TIMEOUT_S * 1000)
    else:
        page.get_by_role("heading", name=heading).wait_for(timeout=TIMEOUT_S * 1000)


def load(target: Target) -> float:
    assert target.context is not None
    page = target.context.pages[0]
    page.goto(target.url)
    try:
        return wait_rendered(page, BOARD_CHARTS)
    except TimeoutError as error:
        print(f"  {target.label}: {error}", flush=True)
        target.timed_out = True
        return TIMEOUT_S * 1000.0


def report(targets: list[Target], runs: int) -> None:
    """The medians, the ratios to the floor (the first target) and the target, as a markdown table."""
    floor = statistics.median(targets[0].samples)
    print(f"\nBoard page drawn in Chromium, median of {runs} interleaved loads (floor: a bare Streamlit page "
          f"with {BOARD_CHARTS} trivial plotly charts)\n")
    print("| page | median | min | max | x floor |")
    print("|---|---:|---:|---:|---:|")
    for t in targets:
        median = statistics.median(t.samples)
        at_least = "≥ " if t.timed_out else ""
        print(f"| {t.label} | {at_least}{median / 1000:.2f} s | {min(t.samples) / 1000:.2f} s | "
              f"{max(t.samples) / 1000:.2f} s | {median / floor:.2f}x |")
    failing = [t.label for t in targets[1:] if not t.label.startswith("board demo")
               and " before" not in t.label and statistics.median(t.samples) > 2 * floor]
    print("\nTarget: the board within 2x the chart floor at national and 5x: "
          + ("met" if not failing else "NOT met for " + ", ".join(failing)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--scales", default="demo,national,5x", help="comma-separated: demo, national, 5x")
    parser.add_argument("--runs", type=int, default=5, help="rounds of timed loads (default 5)")
    parser.add_argument("--baseline", metavar="REF", help="also time the app as it was at this git ref")
    parser.add_argument("--baseline-scales", metavar="SCALES",
                        help="the scales to time the baseline at (default: every one; the old board takes minutes "
                             "a load at 5x)")
    parser.add_argument("--keep", action="store_true", help="keep the databases built (their URLs are printed)")
    parser.add_argument("--reuse", action="append", default=[], metavar="SCALE=URL",
                        help="time a kept database instead of building one")
    args = parser.parse_args()
    scales = [s for s in args.scales.split(",") if s]
    unknown = [s for s in scales if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(unknown)}")
    reuse = dict(item.split("=", 1) for item in args.reuse)

    print(f"Before: {uptime()}", flush=True)
    with ExitStack() as stack:
        roots = {"": ROOT}
        if args.baseline:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rrt-baseline-")))
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
            commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline],
                                    capture_output=True, text=True, check=True).stdout.strip()
            roots = {f" before ({commit})": folder, " after": ROOT}
        floor_folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rrt-floor-")))
        (floor_folder / "floor.py").write_text(FLOOR_PAGE)
        targets = [Target("chart floor", stack.enter_context(served(
            [sys.executable, "-m", "streamlit", "run", "floor.py"], floor_folder, dict(os.environ))), False)]
        for scale in scales:
            owner_url = stack.enter_context(database(args.server, scale, reuse.get(scale), args.keep))
            for suffix, root in roots.items():
                if " before" in suffix and args.baseline_scales and scale not in args.baseline_scales.split(","):
                    continue
                targets.append(Target(f"board {scale}{suffix}",
                                      stack.enter_context(served(*app_command(owner_url, root))), True))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        for target in targets:
            context = browser.new_context(viewport={"width": 1400, "height": 2400})
            context.add_init_script(OBSERVER_JS)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_S * 1000)
            if target.sign_in:
                sign_in(page, target.url)
            target.context = context
            warm = load(target)  # untimed: the app's shared reads are computed once, as on a reload
            print(f"  {target.label}: ready (first load {warm / 1000:.1f} s)", flush=True)
        for round_ in range(args.runs):
            for target in targets:
                target.samples.append(load(target))
            print(f"  round {round_ + 1}: " + ", ".join(f"{t.label} {t.samples[-1] / 1000:.2f} s" for t in targets),
                  flush=True)
        print(f"\nAfter: {uptime()}")
        report(targets, args.runs)
    return 0


if __name__ == "__main__":
    # Stopped with SIGTERM, still stop the servers and drop the databases (the ExitStack's clean-up).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which(CHROMIUM):
        raise SystemExit(f"Debian's Chromium is needed at {CHROMIUM} (apt-get install chromium)")
    raise SystemExit(main())
