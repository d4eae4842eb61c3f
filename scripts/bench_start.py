"""Time from starting the app to its first page drawn in Chromium, the way `make run` starts it.

On the embedded server in a throw-away data folder: the first start (which creates the cluster, the roles and
the schema), then restarts of the same folder, each measured from launching `python -m ui.server` until the sign-in
form is on the screen in Debian's Chromium: alternately in a browser with an empty cache and in one that has
opened the app before (which keeps Streamlit's scripts). Each run is stopped with Ctrl-C (SIGINT), as `make run`
is, which stops the embedded server too: a restart starts it again. Prints each time and the median restarts.

    .venv/bin/python scripts/bench_start.py [--restarts 3]
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


def _start_to_first_page(browser: Browser, data_folder: Path, port: int) -> float:
    """A start measured in a new browser context: an empty cache, as a browser that never opened the app."""
    context = browser.new_context()
    try:
        return _start_to_first_page_in(context, data_folder, port)
    finally:
        context.close()


def _start_to_first_page_in(context: BrowserContext, data_folder: Path, port: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env["RRT_DATA_DIR"] = str(data_folder)
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port),
                               "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rrt-bench-start-", dir="/tmp"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            port = _free_port()  # the same address each time, as a server's is: a browser's cache is per address
            first = _start_to_first_page(browser, folder / "pgdata", port)
            print(f"first start (new cluster, roles, schema) to first page: {first:.2f} s")
            # A browser that has opened the app before keeps Streamlit's scripts (served `immutable`, for a year);
            # the empty-cache case is measured alternately with it, restart by restart.
            returning = browser.new_context()
            _start_to_first_page_in(returning, folder / "pgdata", port)  # fills its cache
            empty_cache, kept_cache = [], []
            for n in range(args.restarts):
                empty_cache.append(_start_to_first_page(browser, folder / "pgdata", port))
                kept_cache.append(_start_to_first_page_in(returning, folder / "pgdata", port))
                print(f"restart {n + 1} to first page: {empty_cache[-1]:.2f} s with an empty browser cache, "
                      f"{kept_cache[-1]:.2f} s in a browser that has opened the app before")
            returning.close()
            browser.close()
        print(f"restart to first page, median of {len(empty_cache)}: {statistics.median(empty_cache):.2f} s with an "
              f"empty browser cache, {statistics.median(kept_cache):.2f} s in a browser that has opened the app before")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
