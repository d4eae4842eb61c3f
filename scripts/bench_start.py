"""Time from starting the app to its first page drawn in Chromium, the way `make run` starts it.

On the embedded server in a throw-away data folder: the first start (which creates the cluster, the roles and
the schema), then restarts of the same folder, each measured from launching `python -m ui.server` until the sign-in
form is on the screen in Debian's Chromium. Each run is stopped with Ctrl-C (SIGINT), as `make run` is, which stops
the embedded server too: a restart starts it again. Prints each time and the median restart.

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

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_to_first_page(browser, data_folder: Path) -> float:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env["RRT_DATA_DIR"] = str(data_folder)
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port),
                               "--server.address", "127.0.0.1"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = browser.new_page()
        deadline = time.monotonic() + 120
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/", timeout=2000)
                break
            except Exception:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.05)
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
            first = _start_to_first_page(browser, folder / "pgdata")
            print(f"first start (new cluster, roles, schema) to first page: {first:.2f} s")
            restarts = []
            for n in range(args.restarts):
                restarts.append(_start_to_first_page(browser, folder / "pgdata"))
                print(f"restart {n + 1} to first page: {restarts[-1]:.2f} s")
            browser.close()
        print(f"restart to first page, median of {len(restarts)}: {statistics.median(restarts):.2f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
