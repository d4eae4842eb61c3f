"""Serve the app as several processes behind nginx, all on one PostgreSQL (the production set-up, issue 16).

    DATABASE_URL=... [MIGRATION_DATABASE_URL=...] .venv/bin/python scripts/serve_workers.py --workers 4 \
        [--port 8501] [--host 127.0.0.1]            (or: make run WORKERS=4)

Migrates once as the owner, starts `--workers` app processes (`python -m ui.server`) on 127.0.0.1, ports
port+1 ... port+N, writes an nginx configuration into a temporary folder and runs Debian's nginx in the foreground
on `--host:--port`. nginx keeps each browser on one process (Streamlit keeps a tab's state, its downloads and
uploads in the process that serves its websocket): a signed-in browser by its session cookie (which changes only
with a full page load, at sign-in and sign-out), a signed-out one by a route cookie nginx gives it on its first
request (`rrt_route`, a random value: nginx's $request_id), not by its address: users behind one address (a
council's proxy) then spread their sign-ins, and their password checks, over the processes. The route cookie is no
credential (the sign-in is the session cookie's; the sign-in ticket is kept in PostgreSQL, so /auth/session may
land on any process). When a process does not answer,
nginx sends the browser to another; the sign-in is a server-side session in PostgreSQL (services/sessions.py)
read from the cookie, so the user carries on signed in there. A process that exits is started again. Ctrl-C (or
SIGTERM) stops everything.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

NGINX_CONFIG = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$remote_addr "$request" $status $request_time s upstream=$upstream_addr';
    access_log {folder}/access.log upstream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 50m;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # One browser, one process (see the module's docstring): a signed-in browser by its session cookie, a
    # signed-out one by its route cookie (given on its first request: that request goes by the value it is given),
    # so that users behind one address (a council's proxy) spread over the processes, signing in too.
    map $cookie_rrt_route $signed_out_key {{ '' $request_id; default $cookie_rrt_route; }}
    map $cookie_rrt_session $sticky_key {{ '' $signed_out_key; default $cookie_rrt_session; }}
    # Set only when the browser has none (an empty value adds no header).
    map $cookie_rrt_route $route_cookie {{ '' "rrt_route=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ''; }}
    upstream rrt_app {{
        hash $sticky_key;
{servers}
    }}
    server {{
        listen {listen}:{port};
        add_header Set-Cookie $route_cookie;
        location / {{
{proxy}
        }}
        # A calendar feed's address is its credential (services/calendar_feed.py), and the sign-in ticket's is a
        # one-time credential: neither goes into the access log.
        location /calendar/ {{
            access_log off;
{proxy}
        }}
        location /auth/session {{
            access_log off;
{proxy}
        }}
    }}
}}
"""


PROXY = """\
            proxy_pass http://rrt_app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 1d;
            proxy_next_upstream error timeout http_502 http_503;"""


def nginx_config(folder: Path, *, listen: str, port: int, backends: list[int]) -> Path:
    """Write the configuration for nginx on listen:port in front of the app processes on `backends`."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in backends)
    path = folder / "nginx.conf"
    path.write_text(NGINX_CONFIG.format(folder=folder, listen=listen, port=port, servers=servers, proxy=PROXY))
    return path


def start_nginx(config: Path) -> subprocess.Popen[bytes]:
    """nginx in the foreground, as a child of this process, with everything it writes in the config's folder."""
    return subprocess.Popen([NGINX, "-p", str(config.parent), "-c", str(config), "-e", "stderr",
                             "-g", "daemon off;"])


# Each worker reads .streamlit/config.toml like `make run` (no full garbage collection after every script run, etc.).
WORKER_OPTIONS = ("--server.headless", "true")


def start_worker(port: int, env: dict[str, str] | None = None,
                 output: int | None = None) -> subprocess.Popen[bytes]:
    """One app process on 127.0.0.1:port."""
    return subprocess.Popen([sys.executable, "-m", "ui.server", "--server.port", str(port),
                             "--server.address", "127.0.0.1", *WORKER_OPTIONS],
                            cwd=ROOT, env=env if env is not None else dict(os.environ), stdout=output,
                            stderr=subprocess.STDOUT if output is not None else None)


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not start") from None
            time.sleep(0.3)


def main() -> int:  # noqa: C901 - a script's main: parse, start the workers and nginx, supervise, stop, in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        print("Set DATABASE_URL: several processes share one PostgreSQL server (the embedded one is for one "
              "process).", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from db.engine import prepare_database

    prepare_database()  # once, before the processes start (each then finds the database at head)
    ports = [args.port + i for i in range(1, args.workers + 1)]
    workers = {port: start_worker(port) for port in ports}
    for port, process in workers.items():
        wait_until_healthy(f"http://127.0.0.1:{port}", process)
    folder = Path(tempfile.mkdtemp(prefix="rrt-nginx-"))
    nginx = start_nginx(nginx_config(folder, listen=args.host, port=args.port, backends=ports))
    print(f"Serving on http://{args.host}:{args.port} with {args.workers} processes (ports {ports[0]}-{ports[-1]}).")
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and nginx.poll() is None:
            for port, process in list(workers.items()):
                if process.poll() is not None:
                    print(f"The process on port {port} exited ({process.returncode}); starting it again.")
                    workers[port] = start_worker(port)
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for process in [nginx, *workers.values()]:
            if process.poll() is None:
                process.terminate()
        for process in [nginx, *workers.values()]:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
