"""The nginx configuration scripts/serve_workers.py writes keeps credentials out of its access log: a calendar feed's
address (/calendar/<token>.ics) and the one-time sign-in ticket (/auth/session?ticket=...). Read from the generated
file, checked by `nginx -t`, and shown on Debian's nginx in front of a stand-in backend."""
from __future__ import annotations

import http.server
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from serve_workers import NGINX, nginx_config, start_nginx  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _location_blocks(config: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"location\s+(\S+)\s*\{(.*?)\n\s*\}", config, re.DOTALL)}


def test_the_generated_config_does_not_log_calendar_or_ticket_addresses(tmp_path: Path) -> None:
    config = nginx_config(tmp_path, listen="127.0.0.1", port=8501, backends=[8502, 8503]).read_text()
    blocks = _location_blocks(config)
    assert set(blocks) == {"/", "/calendar/", "/auth/session"}
    for path in ("/calendar/", "/auth/session"):
        assert "access_log off;" in blocks[path]
        # Proxied exactly as everything else (the websocket headers, the browser's Host, the scheme).
        assert blocks[path].replace("access_log off;", "").split() == blocks["/"].split()
    assert "access_log off" not in blocks["/"]


class _Backend(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


def test_nginx_accepts_the_config_and_leaves_calendar_addresses_out_of_its_log(tmp_path: Path) -> None:
    if not Path(NGINX).exists():
        pytest.skip("Debian's nginx is not installed")
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = _free_port()
    config = nginx_config(tmp_path, listen="127.0.0.1", port=port, backends=[backend.server_address[1]])
    checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(config), "-e", "stderr"],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    nginx = start_nginx(config)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for path in ("/calendar/secret-feed-token.ics", "/auth/session?ticket=secret-ticket&next=/", "/review"):
            assert urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read() == b"ok"
    finally:
        nginx.terminate()
        nginx.wait(10)
        backend.shutdown()
    log = (tmp_path / "access.log").read_text()
    assert "GET /review" in log and "GET /_stcore/health" in log
    assert "secret-feed-token" not in log and "/calendar/" not in log
    assert "secret-ticket" not in log
