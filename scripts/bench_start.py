"""Time from starting the app to its first page drawn in Chromium, the way `make run` starts it.

On the embedded server in a throw-away data folder: the first start (which creates the cluster, the roles and
the schema), then restarts of the same folder, each measured from launching `python -m ui.server` until the sign-in
form is on the screen in Debian's Chromium: alternately in a browser with an empty cache and in one that has
opened the app before (which keeps Streamlit's scripts). Each run is stopped with Ctrl-C (SIGINT), as `make run`
is, which stops the embedded server too: a restart starts it again. Prints each time, with the machine's load average
(1 minute), and the median restarts.

`--compare DIR` times another checkout of the tracker (an export of an earlier commit, say, with the same .venv and
node_modules) in the same runs: each restart starts this checkout and then that one on the same data folder and in
the same browsers, so that both meet the same load; the medians of both and their ratio are printed. The two must
share the schema (no migration between them).

    .venv/bin/python scripts/bench_start.py [--restarts 3] [--compare /tmp/rrt-before]
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
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_to_first_page(browser: Browser, data_folder: Path, port: int, root: Path = ROOT) -> float:
    """A start measured in a new browser context: an empty cache, as a browser that never opened the app."""
    context = browser.new_context()
    try:
        return _start_to_first_page_in(context, data_folder, port, root)
    finally:
        context.close()


def _start_to_first_page_in(context: BrowserContext, data_folder: Path, port: int, root: Path = ROOT) -> float:
    """The app of the checkout `root` (its own code, this interpreter: `python -m` finds the checkout's `ui` first)
    started on `data_folder` and timed to its sign-in form drawn in `context`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env["RRT_DATA_DIR"] = str(data_folder)
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port),
                               "--server.address", "127.0.0.1"], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = context.new_page()
        # Wait for the port with a plain connection, then open the page once: retrying the page itself would keep
        # Chromium drawing error pages on the two CPUs the starting app needs.
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.02)
        page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
        page.get_by_role("button", name="Create account").or_(
            page.get_by_role("button", name="Sign in")).first.wait_for(timeout=120_000)
        elapsed = time.perf_counter() - started
        page.close()
        return elapsed
    finally:
        # Stopped as `make run` is, with Ctrl-C: the app stops the embedded server on its way out, so the next
        # start starts it again (a SIGTERM would leave the server running and the restart would not start it).
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _median_line(label: str, empty_cache: list[float], kept_cache: list[float]) -> str:
    return (f"{label}restart to first page, median of {len(empty_cache)}: {statistics.median(empty_cache):.2f} s "
            f"with an empty browser cache, {statistics.median(kept_cache):.2f} s in a browser that has opened the app "
            "before")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout of the tracker, timed in the same runs, alternately with this one")
    args = parser.parse_args()
    roots = [ROOT] if args.compare is None else [ROOT, args.compare.resolve()]
    names = {ROOT: ""} if args.compare is None else {ROOT: "this checkout: ", roots[-1]: f"{roots[-1]}: "}
    folder = Path(tempfile.mkdtemp(prefix="rrt-bench-start-", dir="/tmp"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            port = _free_port()  # the same address each time, as a server's is: a browser's cache is per address
            first = _start_to_first_page(browser, folder / "pgdata", port)
            print(f"first start (new cluster, roles, schema) to first page: {first:.2f} s ({_load()})")
            # A browser that has opened the app before keeps Streamlit's scripts (served `immutable`, for a year);
            # the empty-cache case is measured alternately with it, restart by restart.
            returning = browser.new_context()
            for root in roots:
                _start_to_first_page_in(returning, folder / "pgdata", port, root)  # fills its cache (and .pyc files)
            empty_cache: dict[Path, list[float]] = {root: [] for root in roots}
            kept_cache: dict[Path, list[float]] = {root: [] for root in roots}
            for n in range(args.restarts):
                for root in roots:
                    empty_cache[root].append(_start_to_first_page(browser, folder / "pgdata", port, root))
                    kept_cache[root].append(_start_to_first_page_in(returning, folder / "pgdata", port, root))
                    print(f"{names[root]}restart {n + 1} to first page: {empty_cache[root][-1]:.2f} s with an empty "
                          f"browser cache, {kept_cache[root][-1]:.2f} s in a browser that has opened the app before "
                          f"({_load()})", flush=True)
            returning.close()
            browser.close()
        for root in roots:
            print(_median_line(names[root], empty_cache[root], kept_cache[root]))
        if args.compare is not None:
            print("ratio of the medians, this checkout / the other: "
                  f"{statistics.median(empty_cache[ROOT]) / statistics.median(empty_cache[roots[-1]]):.2f} with an "
                  f"empty browser cache, "
                  f"{statistics.median(kept_cache[ROOT]) / statistics.median(kept_cache[roots[-1]]):.2f} in a browser "
                  "that has opened the app before")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
