"""Shared parts of the benchmark scripts: a throw-away migrated database and a median timer."""
from __future__ import annotations

import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from db.engine import upgrade_to_head  # noqa: E402


def timed(label: str, fn: Callable[[], object], runs: int) -> float:
    """Median milliseconds of `runs` calls after one warm-up call; prints a line."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    median = statistics.median(samples)
    print(f"  {label:58} median {median:8.1f} ms   max {max(samples):8.1f} ms   ({runs} runs)")
    return median


@contextmanager
def scratch_database(server_url: str, *, keep: bool = False) -> Iterator[tuple[str, Engine]]:
    """A new database migrated to head on `server_url`, dropped afterwards unless `keep`."""
    name = f"rrt_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        upgrade_to_head(engine)
        yield url, engine
    finally:
        engine.dispose()
        if keep:
            print(f"Kept {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
