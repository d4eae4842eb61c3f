"""Every page of every role, clicked in a real browser, at demo against national scale and a bare Streamlit floor.

    .venv/bin/python scripts/bench_browser.py --demo URL --national URL [--scale-5x URL] [--runs 5] [--drop]
        [--roles manager,officer,chair,board,admin]

The URLs are the owner's addresses of databases to time, never kept templates: make copies first, e.g.
    CREATE DATABASE rrt_bb_demo TEMPLATE rrt_tpl_demo;  CREATE DATABASE rrt_bb_national TEMPLATE rrt_tpl_national;
(the demo partnership, and its national copy from scripts/bench_pages.py's build_national). The script sets the
password of the demo partnership's one-role accounts (demo-manager, demo-officer, demo-chair, demo-board,
demo-admin) to bench_pages.PASSWORD in each copy, adds the app's login role, and serves the app on each copy
(`python -m ui.server`, "today" pinned to 26 Nov 2026) as scripts/bench_board_browser.py does. `--drop` drops the
copies (and their app groups) at the end.

What is timed, in Debian's Chromium (headless, Playwright), one browser context per role and scale, signed in through
the real sign-in page: click-to-rendered, from the menu click (the page's sidebar link, clicked from the role's
previous page) to the last DOM change once rendered: a script run has started since the click and has ended, no
element is left stale (Streamlit's data-stale), every plotly chart drawn (has its SVG; at least one on the Board page)
and the DOM quiet for 500 ms (bench_board_browser.wait_rendered). A role with one page (board, admin) has no menu: its
page is timed on a reload instead (navigation start to rendered), against the floor reloaded.

The floor: a bare page served by the same Streamlit with the app's .streamlit/config.toml (a title, 3 metrics, a 12x9
table: bench_pages.FLOOR_PAGE), two copies of it in one app's menu so that each floor click opens the other; and a chart
floor (bench_board_browser's 8 trivial plotly charts) for the Board page. Each page's step is interleaved: demo,
national (5x), then the matching floor (bare or chart, clicked or reloaded), page after page, role after role, round
after round, so the machine's load moves them alike. One untimed pass of every page first (the app's shared reads warm,
as on a second visit).

Printed: a markdown table of page, role, demo median, national median, national/demo, national/floor (and 5x), the
Streamlit elements on each page when rendered (stElementContainer, at each scale), the floors' medians, the pages over
national/demo 1.5x or national/floor 3x, and `uptime` before and after.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_pages import FLOOR_PAGE, PASSWORD  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db.engine import claim_app_grants  # noqa: E402
from scripts import bench_board_browser as bbb  # noqa: E402
from services.accounts import hash_password  # noqa: E402
from ui.navigation import PAGES, page_keys_for  # noqa: E402
from ui.streamlit_internals.dom import ELEMENT_CONTAINER, SIDEBAR_NAV, testid  # noqa: E402

ROLES = ("manager", "officer", "chair", "board", "admin")
CHART_PAGES = {"board": 1}  # pages with plotly charts: at least this many drawn
LOAD_TIMEOUT_S = 120
ELEMENTS_JS = f"document.querySelectorAll('{testid(ELEMENT_CONTAINER)}').length"
NATIONAL_OVER_DEMO = 1.5
NATIONAL_OVER_FLOOR = 3.0

FLOOR_APP = """
import streamlit as st

st.navigation([st.Page("floor_a.py", title="Floor A"), st.Page("floor_b.py", title="Floor B"),
               st.Page("chart_a.py", title="Chart floor A"), st.Page("chart_b.py", title="Chart floor B")]).run()
"""
# The floor app's pages by kind: a click opens the one of the kind not shown.
FLOOR_PAGES = {"page": ("Floor A", "Floor B"), "chart": ("Chart floor A", "Chart floor B")}
# Their paths in the address ("" for the first, at the app's root).
FLOOR_PATHS = {"Floor A": "", "Floor B": "floor_b", "Chart floor A": "chart_a", "Chart floor B": "chart_b"}


def account_of(role: str) -> str:
    """The demo partnership's account with only this role."""
    return f"demo-{role}"


def mode_of(role: str) -> str:
    """How a role's pages are opened: by a menu click, or (one page, no menu) by a reload."""
    return "click" if len(page_keys_for({role})) > 1 else "reload"


def floor_kind(key: str) -> str:
    return "chart" if key in CHART_PAGES else "page"


@dataclass(frozen=True)
class Step:
    """One timed load: a page of a role at a scale, or (scale "floor") the floor matching that page."""
    role: str
    key: str
    scale: str


def schedule(roles: Iterable[str], scales: list[str]) -> list[Step]:
    """One round: for each role, each of its pages in menu order, each scale then the floor."""
    return [Step(role, key, scale) for role in roles for key in page_keys_for({role}) for scale in [*scales, "floor"]]


@dataclass
class Row:
    page: str
    role: str
    mode: str
    kind: str  # of floor: "page" or "chart"
    medians: dict[str, float]  # by scale
    floor: float  # the matching floor's median
    elements: dict[str, int] = field(default_factory=dict)  # Streamlit elements on the page rendered, by scale

    def ratio(self, scale: str, over: str = "demo") -> float:
        return self.medians[scale] / (self.floor if over == "floor" else self.medians[over])

    def over_targets(self) -> list[str]:
        """What this row exceeds: national/demo above 1.5x, national/floor above 3x."""
        if "national" not in self.medians:
            return []
        over = []
        if self.ratio("national") > NATIONAL_OVER_DEMO:
            over.append(f"national/demo {self.ratio('national'):.2f}x")
        if self.ratio("national", "floor") > NATIONAL_OVER_FLOOR:
            over.append(f"national/floor {self.ratio('national', 'floor'):.2f}x")
        return over


def summarise(samples: dict[Step, list[float]], floors: dict[tuple[str, str], list[float]],
              roles: Iterable[str], scales: list[str], elements: dict[Step, int] | None = None) -> list[Row]:
    """A row per page of each role: the medians by scale and the median of the floor of its kind and mode (and the
    elements each page had when last rendered)."""
    rows = []
    for role in roles:
        for key in page_keys_for({role}):
            medians = {scale: statistics.median(samples[Step(role, key, scale)]) for scale in scales}
            floor = statistics.median(floors[(floor_kind(key), mode_of(role))])
            counts = {scale: (elements or {})[Step(role, key, scale)] for scale in scales
                      if Step(role, key, scale) in (elements or {})}
            rows.append(Row(PAGES[key].title, role, mode_of(role), floor_kind(key), medians, floor, counts))
    return rows


# The app groups a copy's tables are still granted to (the group of the database it was copied from).
COPIED_GROUPS_SQL = r"""
SELECT DISTINCT g.rolname FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN pg_roles g ON g.oid = a.grantee
WHERE c.relnamespace = 'public'::regnamespace AND g.rolname LIKE 'rrt\_app\_%'
"""


def prepare(owner_url: str) -> None:
    """In this copy only: its grants made its own app group's, the demo accounts' password known, and the app's login
    role."""
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        claim_app_grants(conn, list(conn.execute(text(COPIED_GROUPS_SQL)).scalars()))
        conn.execute(text("UPDATE accounts SET password_hash = :h WHERE username = ANY(:names)"),
                     {"h": hash_password(PASSWORD), "names": [account_of(role) for role in ROLES]})
    bbb.with_app_role(engine)
    engine.dispose()


@dataclass
class Tab:
    """One signed-in (or floor) tab, its address and the path of the page it shows."""
    page: Page
    url: str
    shown: str = ""
    timeouts: int = 0
    elements: int = 0  # on the page last rendered
    notes: list[str] = field(default_factory=list)


def open_tab(browser: Browser, url: str) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    context.add_init_script(bbb.OBSERVER_JS)
    page = context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_S * 1000)
    return page


def timed(tab: Tab, label: str, link: str | None, path: str, charts: int) -> float:
    """Milliseconds to render the page at `path` ("" for the menu's first page): by clicking its menu link `link`,
    or (None) by a reload."""
    try:
        if link is None:
            tab.page.goto(f"{tab.url}/{path}")
            result = bbb.wait_rendered(tab.page, charts, LOAD_TIMEOUT_S)
        else:
            tab.page.locator(testid(SIDEBAR_NAV)).get_by_role("link", name=link, exact=True).click()
            result = bbb.wait_rendered(tab.page, charts, LOAD_TIMEOUT_S, after_click="/" + path)
    except TimeoutError as error:
        print(f"  {label}: {error}", flush=True)
        tab.timeouts += 1
        result = LOAD_TIMEOUT_S * 1000.0
    tab.shown = path
    tab.elements = int(tab.page.evaluate(ELEMENTS_JS))
    return result


def app_step(tab: Tab, step: Step) -> float:
    entry = PAGES[step.key]
    link = entry.title if mode_of(step.role) == "click" else None
    first = page_keys_for({step.role})[0] == step.key  # the menu's first page is at the app's root
    return timed(tab, f"{entry.title} {step.role} {step.scale}", link, "" if first else Path(entry.path).stem,
                 CHART_PAGES.get(step.key, 0))


def floor_step(tab: Tab, kind: str, mode: str) -> float:
    first, second = FLOOR_PAGES[kind]
    title = second if tab.shown == FLOOR_PATHS[first] else first
    return timed(tab, f"floor {kind} {mode}", title if mode == "click" else None, FLOOR_PATHS[title],
                 bbb.BOARD_CHARTS if kind == "chart" else 0)


def run(browser: Browser, apps: dict[str, str], floor_url: str, roles: list[str], runs: int) -> list[Row]:
    scales = list(apps)
    tabs: dict[tuple[str, str], Tab] = {}
    for role in roles:
        for scale, url in apps.items():
            page = open_tab(browser, url)
            bbb.sign_in(page, url, account_of(role), PASSWORD, heading=None)
            tabs[(role, scale)] = Tab(page, url)
    floor = Tab(open_tab(browser, floor_url), floor_url)
    floor.page.goto(floor_url)
    bbb.wait_rendered(floor.page, 0, LOAD_TIMEOUT_S)
    floor.shown = ""
    steps = schedule(roles, scales)
    samples: dict[Step, list[float]] = {step: [] for step in steps if step.scale != "floor"}
    elements: dict[Step, int] = {}
    floors: dict[tuple[str, str], list[float]] = {}
    for round_ in range(runs + 1):  # round 0 is the untimed warm pass
        started = time.monotonic()
        for step in steps:
            kind, mode = floor_kind(step.key), mode_of(step.role)
            if step.scale == "floor":
                ms = floor_step(floor, kind, mode)
                if round_:
                    floors.setdefault((kind, mode), []).append(ms)
            else:
                ms = app_step(tabs[(step.role, step.scale)], step)
                elements[step] = tabs[(step.role, step.scale)].elements
                if round_:
                    samples[step].append(ms)
        print(f"  round {round_}{' (warm, untimed)' if not round_ else ''}: {time.monotonic() - started:.0f} s; "
              f"{uptime_short()}", flush=True)
    timeouts = {f"{role} {scale}": tab.timeouts for (role, scale), tab in tabs.items() if tab.timeouts}
    if timeouts or floor.timeouts:
        print(f"Loads not rendered within {LOAD_TIMEOUT_S} s (counted as that long): {timeouts}, "
              f"floor {floor.timeouts}")
    return summarise(samples, floors, roles, scales, elements)


def uptime_short() -> str:
    return "load average " + bbb.uptime().rsplit("load average:", 1)[-1].strip()


def print_report(rows: list[Row], floors: dict[str, float], scales: list[str], runs: int) -> None:
    extra = [s for s in scales if s not in ("demo", "national")]
    print(f"\nClick-to-rendered in Chromium, median of {runs} interleaved loads per page (floor: a bare Streamlit page "
          "with a title, 3 metrics and a 12x9 table; the Board page against a chart floor of 8 trivial charts; "
          "'reload' rows are a role's only page, timed on a reload against the floor reloaded)\n")
    head = ["page", "role", "demo", "national", "national/demo", "national/floor"]
    for scale in extra:
        head += [scale, f"{scale}/demo", f"{scale}/floor"]
    head += ["elements (" + "/".join(scales) + ")"]
    print("| " + " | ".join(head) + " |")
    print("|---|---|" + "---:|" * (len(head) - 2))
    for row in rows:
        cells = [row.page + (" (reload)" if row.mode == "reload" else ""), row.role,
                 f"{row.medians['demo'] / 1000:.2f} s"]
        if "national" in row.medians:
            cells += [f"{row.medians['national'] / 1000:.2f} s", f"{row.ratio('national'):.2f}x",
                      f"{row.ratio('national', 'floor'):.2f}x"]
        else:
            cells += ["", "", ""]
        for scale in extra:
            cells += [f"{row.medians[scale] / 1000:.2f} s", f"{row.ratio(scale):.2f}x",
                      f"{row.ratio(scale, 'floor'):.2f}x"]
        cells += ["/".join(str(row.elements.get(scale, "")) for scale in scales)]
        print("| " + " | ".join(cells) + " |")
    print("\nFloors (medians): " + ", ".join(f"{name} {ms / 1000:.2f} s" for name, ms in floors.items()))
    over = [(row, row.over_targets()) for row in rows]
    print(f"\nOver national/demo {NATIONAL_OVER_DEMO}x or national/floor {NATIONAL_OVER_FLOOR}x:")
    for row, what in over:
        if what:
            print(f"- {row.page} ({row.role}): {', '.join(what)}")
    if not any(what for _, what in over):
        print("- none")


def drop_copies(server: str, urls: Iterable[str]) -> None:
    for url in urls:
        bbb.drop(server, url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", required=True, metavar="URL", help="a copy of the demo database (owner's URL)")
    parser.add_argument("--national", metavar="URL", help="a copy of the national database")
    parser.add_argument("--scale-5x", metavar="URL", help="a copy at 5x the national figures")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated roles (default: every role)")
    parser.add_argument("--drop", action="store_true",
                        help="drop the databases given (and their app groups) at the end")
    args = parser.parse_args()
    urls = {"demo": args.demo, "national": args.national, "5x": args.scale_5x}
    urls = {scale: url for scale, url in urls.items() if url}
    roles = [role for role in args.roles.split(",") if role]
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        parser.error(f"unknown role(s): {', '.join(unknown)}")
    server = make_url(args.demo).set(database="postgres").render_as_string(hide_password=False)

    print(f"Before: {bbb.uptime()}", flush=True)
    with ExitStack() as stack:
        if args.drop:
            stack.callback(drop_copies, server, list(urls.values()))
        for url in urls.values():
            prepare(url)
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rrt-floor-")))
        (folder / "floor.py").write_text(FLOOR_APP)
        (folder / ".streamlit").mkdir()  # the app's Streamlit settings (no file watcher, the toolbar, the theme)
        shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
        for name in ("floor_a", "floor_b"):
            (folder / f"{name}.py").write_text(FLOOR_PAGE)
        for name in ("chart_a", "chart_b"):
            (folder / f"{name}.py").write_text(bbb.FLOOR_PAGE)
        floor_url = stack.enter_context(bbb.served([sys.executable, "-m", "streamlit", "run", "floor.py"], folder,
                                                   dict(os.environ)))
        apps = {scale: stack.enter_context(bbb.served(*bbb.app_command(url, ROOT))) for scale, url in urls.items()}
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=bbb.CHROMIUM, args=bbb.CHROMIUM_ARGS)
        stack.callback(browser.close)
        rows = run(browser, apps, floor_url, roles, args.runs)
        print(f"\nAfter: {bbb.uptime()}")
        print_report(rows, floor_medians(rows), list(urls), args.runs)
    return 0


def floor_medians(rows: list[Row]) -> dict[str, float]:
    """The floors the rows were compared with, once each, by kind and mode."""
    return {f"{row.kind} floor, {row.mode}": row.floor for row in rows}


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which(bbb.CHROMIUM):
        raise SystemExit(f"Debian's Chromium is needed at {bbb.CHROMIUM} (apt-get install chromium)")
    raise SystemExit(main())
