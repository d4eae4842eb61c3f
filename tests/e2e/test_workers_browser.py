"""Two app processes behind nginx on one database (scripts/serve_workers.py): the process serving a signed-in
user stops, and the user carries on signed in on the other (issue 16)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.accounts import create_account_from_command_line
from services.clock import PINNED_TODAY_VARIABLE
from tests.e2e.conftest import PINNED_TODAY, ROOT, _free_port, sign_in, wait_for_app

sys.path.insert(0, str(ROOT / "scripts"))
from playwright.sync_api import Page
from serve_workers import NGINX, nginx_config, start_nginx, start_worker, wait_until_healthy

PASSWORD = "correct horse battery"


def _upstreams(access_log: Path) -> list[str]:
    """The app process (host:port) nginx sent each request to, in order."""
    text = access_log.read_text() if access_log.exists() else ""
    return [m.split(",")[-1].strip() for m in re.findall(r"upstream=(\S+(?:, \S+)*)", text)]


@pytest.fixture
def two_processes_behind_nginx(
        fresh_database_url: str) -> Iterator[tuple[str, dict[int, subprocess.Popen[bytes]], Path]]:
    if not os.path.exists(NGINX):
        message = "Debian's nginx is not installed (apt-get install nginx)"
        if os.environ.get("RRT_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    env = {**os.environ, "DATABASE_URL": fresh_database_url, PINNED_TODAY_VARIABLE: PINNED_TODAY.isoformat()}
    ports = [_free_port(), _free_port()]
    workers = {port: start_worker(port, env, output=subprocess.DEVNULL) for port in ports}
    folder = Path(tempfile.mkdtemp(prefix="rrt-nginx-test-"))
    nginx = None
    try:
        for port, process in workers.items():
            wait_until_healthy(f"http://127.0.0.1:{port}", process)
        port = _free_port()
        nginx = start_nginx(nginx_config(folder, listen="127.0.0.1", port=port, backends=ports))
        wait_until_healthy(f"http://127.0.0.1:{port}", nginx, seconds=20)
        yield f"http://127.0.0.1:{port}", workers, folder / "access.log"
    finally:
        for process in [*workers.values(), *([nginx] if nginx else [])]:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_user_carries_on_signed_in_when_the_process_serving_them_stops(
        fresh_database_url: str, two_processes_behind_nginx: tuple[str, dict[int, subprocess.Popen[bytes]], Path],
        page: Page) -> None:
    url, workers, access_log = two_processes_behind_nginx
    engine = create_engine(fresh_database_url)
    with Session(engine) as session, session.begin():
        create_account_from_command_line(session, username="olly", display_name="Olly Officer", roles=["officer"],
                                         password=PASSWORD)
    engine.dispose()

    sign_in(page, url, "olly", PASSWORD)
    expect(page.get_by_text("Signed in as Olly Officer")).to_be_visible()
    serving = _upstreams(access_log)[-1]
    port = int(serving.rsplit(":", 1)[1])
    assert port in workers

    workers[port].terminate()
    workers[port].wait(15)
    page.reload()
    wait_for_app(page)
    expect(page.get_by_text("Signed in as Olly Officer")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    (other,) = set(workers) - {port}
    assert _upstreams(access_log)[-1] == f"127.0.0.1:{other}"
