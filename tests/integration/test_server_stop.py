"""Stopping the served app stops the embedded PostgreSQL it started, whether it is stopped with Ctrl-C (SIGINT, as
in a terminal) or with SIGTERM (as systemd, `kill` or a container runtime stop it), and it is a clean stop: exit
status 0, so `make run` ends without "make: *** Error 143"."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            status: int = response.status
            return status == 200
    except OSError:
        return False


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_app_stops_its_embedded_server(tmp_path: Path, stop_signal: signal.Signals) -> None:
    pgdata = tmp_path / "pgdata"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL")}
    env["RRT_DATA_DIR"] = str(pgdata)
    app = subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port),
                            "--server.address", "127.0.0.1", "--server.headless", "true"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    postmaster = None
    try:
        _wait_until(lambda: _answers(port), "the app to answer")
        # The served app starts the embedded server in the background as soon as it is launched.
        _wait_until(lambda: (pid := _postmaster_pid(pgdata)) is not None and psutil.pid_exists(pid),
                    "the embedded server to start")
        postmaster = psutil.Process(_postmaster_pid(pgdata))
        app.send_signal(stop_signal)
        assert app.wait(60) == 0  # a stop asked for is not a failure
        postmaster.wait(30)  # psutil.TimeoutExpired here: the app left its embedded server running
        assert not postmaster.is_running()
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if app.poll() is None:
            app.kill()
        if postmaster is not None and postmaster.is_running():
            postmaster.kill()
