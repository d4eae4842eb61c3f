"""Backup and restore (issue 12): the demo partnership survives `manage.py backup` then `manage.py restore` into an
empty database with every table's row count, every report version's bytes and a passing verify."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from db.engine import app_group_name
from tests.conftest import DEMO_AS_APP, as_app_role

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, owner_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MIGRATION_DATABASE_URL": owner_url, "DATABASE_URL": as_app_role(owner_url)}
    return subprocess.run([sys.executable, "manage.py", *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=300)


def _snapshot(url: str) -> tuple[dict[str, int], dict[int, bytes]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
        versions: dict[int, bytes] = dict(conn.execute(text("SELECT id, content FROM report_versions")).all())
    engine.dispose()
    return counts, {k: bytes(v) for k, v in versions.items()}


# The demo partnership loaded as of Thu 26 Nov 2026 by the app's role, as `manage.py demo-data` loads it.
@pytest.mark.demo_data(as_of=date(2026, 11, 26), role=DEMO_AS_APP)
def test_the_demo_partnership_round_trips_through_backup_and_restore(fresh_database_url: str, server_url: str,
                                                                     tmp_path: Path) -> None:
    before_counts, before_versions = _snapshot(fresh_database_url)
    assert before_versions and before_counts["daily_log"] > 100

    dump = tmp_path / "rrt.dump"
    done = _manage("backup", str(dump), owner_url=fresh_database_url)
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 0 and dump.read_bytes()[:5] == b"PGDMP"

    target = f"rrt_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    target_url = make_url(fresh_database_url).set(database=target).render_as_string(hide_password=False)
    try:
        done = _manage("restore", str(dump), owner_url=target_url)
        assert done.returncode == 0, done.stderr
        after_counts, after_versions = _snapshot(target_url)
        # The restore itself records one verification, which the source did not have.
        assert after_counts.pop("record_verifications") == before_counts.pop("record_verifications") + 1
        # ... and that verification is a change on the record: one history row more.
        history = before_counts.pop("record_history")
        assert after_counts.pop("record_history") == history + 1
        assert after_counts == before_counts
        assert after_versions == before_versions
        assert done.stdout.splitlines()[1] == (
            f"verified: {before_counts['daily_log']} log entries, {len(before_versions)} report versions, "
            f"{history} history rows")
        # The restored copy works as the app's role: its grants came with it.
        done = _manage("verify", owner_url=target_url)
        assert done.returncode == 0, done.stderr
        # A second restore into the now full database is refused.
        done = _manage("restore", str(dump), owner_url=target_url)
        assert done.returncode == 2 and "not empty" in done.stderr
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{app_group_name(target)}"'))  # the restored copy's own group
        admin.dispose()
