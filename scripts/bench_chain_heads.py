"""What one hash chain per partnership (migration 0034) costs and saves: rerunnable, in a throw-away database.

    .venv/bin/python scripts/bench_chain_heads.py [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                                 [--runs 500] [--transactions 200] [--hold-ms 5] [--prefix rrt_bench]

1. One daily-log entry per transaction, committed, on one connection: the median time at revision 0033 (one chain of
   each for the deployment) and at head (0034: the head of the row's partnership), so the insert's own cost is seen
   unchanged.
2. Two connections at once, each `--transactions` transactions of one entry then `--hold-ms` of further work before
   the commit (a chain's head stays locked until the commit): wall time with both in partnership 1 (as every insert of
   the deployment was before 0034) and with one in each partnership (0034: no shared head).

Runs as the database's owner (no app role); the database is made with `--prefix` and dropped afterwards.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from bench_common import timed  # noqa: E402
from db.engine import ROOT_DIR  # noqa: E402

_ACCOUNT = text("INSERT INTO accounts (username, display_name, roles, password_hash, active, failed_attempts)"
                " VALUES (:username, 'Bench', ARRAY['officer'], 'not a hash', true, 0) RETURNING id")
_ENTRY = text("INSERT INTO daily_log (author_id, category, text, by_system) VALUES (:author, 'other', :text, true)")
_IN = text("SELECT set_config('rrt.partnership_id', :p, true)")


def _migrate(engine: Engine, revision: str) -> None:
    config = Config(str(ROOT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT_DIR / "db" / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _one_entry(engine: Engine, partnership: int, author: int, hold_ms: float = 0) -> None:
    with engine.begin() as conn:
        conn.execute(_IN, {"p": str(partnership)})
        conn.execute(_ENTRY, {"author": author, "text": "a bench entry"})
        if hold_ms:
            conn.execute(text("SELECT pg_sleep(:s)"), {"s": hold_ms / 1000})


def _two_at_once(engine: Engine, pairs: list[tuple[int, int]], transactions: int, hold_ms: float) -> float:
    def run(partnership: int, author: int) -> None:
        for _ in range(transactions):
            _one_entry(engine, partnership, author, hold_ms)

    workers = [threading.Thread(target=run, args=pair) for pair in pairs]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--transactions", type=int, default=200)
    parser.add_argument("--hold-ms", type=float, default=5)
    parser.add_argument("--prefix", default="rrt_bench")
    args = parser.parse_args()

    name = f"{args.prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(args.server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(args.server).set(database=name), pool_size=4)
    try:
        _migrate(engine, "0033")
        with engine.begin() as conn:
            first = conn.execute(_ACCOUNT, {"username": "bench.1"}).scalar_one()
        print("1. one entry per transaction, one connection:")
        at_0033 = timed("revision 0033 (one chain for the deployment)", lambda: _one_entry(engine, 1, first),
                        args.runs)
        _migrate(engine, "head")
        at_head = timed("head (0034: the partnership's own chain)", lambda: _one_entry(engine, 1, first), args.runs)
        print(f"  head / 0033: {at_head / at_0033:.2f}")

        with engine.begin() as conn:
            conn.execute(text("INSERT INTO partnerships (name, code) VALUES ('Bench Two', 'bench-two')"))
            conn.execute(_IN, {"p": "2"})
            second = conn.execute(_ACCOUNT, {"username": "bench.2"}).scalar_one()
        print(f"2. two connections at once, {args.transactions} transactions each, {args.hold_ms:g} ms held after "
              "the insert:")
        same = _two_at_once(engine, [(1, first), (1, first)], args.transactions, args.hold_ms)
        print(f"  both in partnership 1 (one head, as before 0034): {same:8.0f} ms")
        apart = _two_at_once(engine, [(1, first), (2, second)], args.transactions, args.hold_ms)
        print(f"  one in each partnership (a head each):            {apart:8.0f} ms   ({same / apart:.2f}x faster)")
        with engine.connect() as conn:
            print("  positions:", dict(conn.execute(text(
                "SELECT partnership_id, max(chain_position) FROM daily_log GROUP BY 1 ORDER BY 1")).all()))
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
