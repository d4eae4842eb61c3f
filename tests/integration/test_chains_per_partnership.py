"""Migration 0034: one hash chain per partnership (issue 30).

A second partnership is made by the owner (as tests/integration/test_partnerships.py does), and the app's role writes
to each partnership's log in turn, declaring the partnership per transaction. Expected positions, heads and sentences
are written here by hand or recomputed with hashlib from the rows' text, never taken from services.integrity."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from db.engine import ROOT_DIR
from services.integrity import (
    LOG_CANONICAL,
    ChainHead,
    VerificationResult,
    heads_text,
    parse_heads,
    verify_record,
)
from tests.integration.conftest import alembic_config, in_partnership

GENESIS = "0" * 64
CHAINS = ("daily_log", "report_versions", "record_history")


def _sha(previous: str, canonical: str) -> str:
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


_ACCOUNT = text("INSERT INTO accounts (username, display_name, roles, password_hash, active, failed_attempts)"
                " VALUES (:username, 'Sam Jones', ARRAY['officer'], 'not a hash', true, 0) RETURNING id")
_ENTRY = text("INSERT INTO daily_log (author_id, category, text, by_system) VALUES (:author, 'other', :text, true)"
              " RETURNING id, chain_position")


@pytest.fixture
def two(owner: Engine, app: Engine) -> dict[int, int]:
    """Partnership 2 made by the owner, and an officer in each partnership (made as the app's role): {partnership:
    officer's id}."""
    with owner.begin() as conn:
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES ('Westshire Safeguarding Partnership',"
                          " 'westshire')"))
    authors = {}
    for partnership in (1, 2):
        with app.begin() as conn:
            in_partnership(conn, partnership)
            authors[partnership] = conn.execute(_ACCOUNT, {"username": f"officer.{partnership}"}).scalar_one()
    return authors


def _write(app: Engine, partnership: int, author: int, words: str) -> tuple[int, int]:
    with app.begin() as conn:
        in_partnership(conn, partnership)
        row_id, position = conn.execute(_ENTRY, {"author": author, "text": words}).one()
    return int(row_id), int(position)


def _heads(conn: Connection) -> dict[tuple[int, str], tuple[int, str]]:
    return {(p, chain): (position, hash_) for p, chain, position, hash_ in conn.execute(text(
        "SELECT partnership_id, chain, position, hash FROM record_chain_heads"))}


def _verify(engine: Engine, heads: list[ChainHead] | None = None, partnership: int | None = None
            ) -> VerificationResult:
    with Session(engine) as session, session.begin():
        return verify_record(session, heads or [], partnership_id=partnership)


def test_a_new_partnership_starts_its_own_three_chains(owner: Engine, two: dict[int, int]) -> None:
    with owner.connect() as conn:
        heads = _heads(conn)
        made = conn.execute(text(
            "SELECT r.chain_position, r.chain_hash, record_history_canonical(r) FROM record_history r"
            " WHERE r.partnership_id = 2 AND r.table_name = 'partnerships'")).one()
        first_account = conn.execute(text(
            "SELECT r.chain_position, r.chain_hash, record_history_canonical(r) FROM record_history r"
            " WHERE r.partnership_id = 2 AND r.table_name = 'accounts'")).one()
    assert sorted(p for p, _ in heads) == [1, 1, 1, 2, 2, 2]
    assert heads[(2, "daily_log")] == (0, GENESIS) and heads[(2, "report_versions")] == (0, GENESIS)
    # Its first link is the record of its own making, from the genesis hash; then its settings' two rows (migration
    # 0035, made with it), then its first account.
    assert made[0] == 1 and made[1] == _sha(GENESIS, made[2])
    assert first_account[0] == 4
    assert heads[(2, "record_history")] == (4, first_account[1])


def test_each_partnership_has_unique_positions_of_its_own_not_across_the_deployment(owner: Engine) -> None:
    with owner.connect() as conn:
        unique = set(conn.execute(text(
            "SELECT t.relname || ':' || string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid"
            " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)"
            " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
            " WHERE i.indisunique AND t.relname IN ('daily_log', 'report_versions', 'record_history',"
            " 'record_chain_heads') GROUP BY i.indexrelid, t.relname")).scalars())
    assert {f"{table}:partnership_id,chain_position" for table in CHAINS} <= unique
    assert "record_chain_heads:partnership_id,chain" in unique
    assert not {f"{table}:chain_position" for table in CHAINS} & unique
    assert "record_chain_heads:chain" not in unique


def test_interleaved_entries_are_positions_one_to_n_of_each_partnerships_chain(
        owner: Engine, app: Engine, two: dict[int, int]) -> None:
    with owner.connect() as conn:
        start = _heads(conn)[(1, "daily_log")][0]
    written: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    for n in range(3):
        for partnership in (2, 1):
            written[partnership].append(_write(app, partnership, two[partnership], f"entry {n} of {partnership}"))
    assert [position for _, position in written[2]] == [1, 2, 3]
    assert [position for _, position in written[1]] == [start + 1, start + 2, start + 3]
    with owner.connect() as conn:
        rows = conn.execute(text(
            f"SELECT r.chain_hash, {LOG_CANONICAL} FROM daily_log r WHERE r.partnership_id = 2"
            " ORDER BY r.chain_position")).all()
        heads = _heads(conn)
    previous = GENESIS  # partnership 2's chain starts from the genesis hash, whatever partnership 1 holds
    for stored, canonical in rows:
        assert stored == _sha(previous, canonical)
        previous = stored
    assert heads[(2, "daily_log")] == (3, previous)

    for partnership in (1, 2):
        alone = _verify(app, partnership=partnership)
        assert alone.ok, alone.summary()
        assert [record.partnership_id for record in alone.partnerships] == [partnership]
    both = _verify(app)
    assert both.ok, both.summary()
    assert [(r.partnership_id, r.log_entries) for r in both.partnerships] == [(1, start + 3), (2, 3)]
    assert both.log_entries == start + 6


def test_partnership_2s_entry_changed_by_the_owner_is_reported_for_2_and_not_1(
        owner: Engine, app: Engine, two: dict[int, int]) -> None:
    for n in range(2):
        _write(app, 1, two[1], f"one's note {n}")
    target, _ = _write(app, 2, two[2], "two's note")
    _write(app, 2, two[2], "two's later note")
    with owner.begin() as conn:
        conn.execute(text("ALTER TABLE daily_log DISABLE TRIGGER daily_log_no_update_delete"))
        conn.execute(text("UPDATE daily_log SET text = 'two''s note, changed' WHERE id = :id"), {"id": target})
        conn.execute(text("ALTER TABLE daily_log ENABLE TRIGGER daily_log_no_update_delete"))

    assert _verify(app, partnership=1).ok
    alone = _verify(app, partnership=2)
    assert alone.mismatch is not None
    assert (alone.mismatch.partnership_id, alone.mismatch.table, alone.mismatch.row_id) == (2, "daily_log", target)
    both = _verify(app)
    assert [m.partnership_id for m in both.mismatches] == [2]
    assert both.summary() == (f"NOT verified: partnership 2 (westshire): daily log entry {target} does not match "
                              "the chain: it was changed after it was recorded")

    done = subprocess.run([sys.executable, "manage.py", "verify"], capture_output=True, text=True, cwd=ROOT_DIR,
                          env=dict(os.environ), timeout=120)
    assert done.returncode == 4
    assert f"partnership 2 (westshire): daily log entry {target} does not match the chain" in done.stderr
    assert "partnership 1 " not in done.stderr
    with owner.connect() as conn:  # one verification kept in each partnership, with its own finding
        kept = conn.execute(text("SELECT partnership_id, ok, log_entries FROM record_verifications ORDER BY id")).all()
    assert [(p, ok) for p, ok, _ in kept] == [(1, True), (2, False)]
    assert kept[1][2] == 1  # partnership 2's walk stopped at its first entry


def test_heads_name_their_partnership_and_an_old_heads_line_is_partnership_1s(
        app: Engine, two: dict[int, int], tmp_path: Path) -> None:
    for n in range(2):
        _write(app, 1, two[1], f"one's note {n}")
        _write(app, 2, two[2], f"two's note {n}")
    kept = _verify(app)
    assert kept.ok, kept.summary()
    one, second = kept.partnerships
    written = heads_text(kept.heads)
    assert written.splitlines() == [
        f"1 daily_log {one.log_entries} {one.log_head}", f"1 report_versions 0 {GENESIS}",
        f"1 record_history {one.history_rows} {one.history_head}",
        f"2 daily_log 2 {second.log_head}", f"2 report_versions 0 {GENESIS}",
        f"2 record_history {second.history_rows} {second.history_head}"]
    assert parse_heads(written) == kept.heads
    assert _verify(app, parse_heads(written)).ok

    # A heads file written before migration 0034: three fields, partnership 1's chains.
    old = parse_heads(f"daily_log {one.log_entries} {one.log_head}\n"
                      f"record_history {one.history_rows} {one.history_head}\n")
    assert old == [ChainHead("daily_log", one.log_entries, one.log_head, 1),
                   ChainHead("record_history", one.history_rows, one.history_head, 1)]
    assert _verify(app, old).ok
    # Partnership 2's second head given without its partnership is read as partnership 1's: not on 1's chain.
    misread = _verify(app, parse_heads(f"daily_log 2 {second.log_head}\n"))
    assert [(m.partnership_id, m.table) for m in misread.mismatches] == [(1, "daily_log")]
    assert "no longer passes through the head kept for it" in misread.summary()
    # Heads kept for a partnership the database does not hold.
    gone = _verify(app, parse_heads(f"7 daily_log 1 {second.log_head}\n"))
    assert [(m.partnership_id, m.table) for m in gone.mismatches] == [(7, "partnerships")]
    for wrong in (f"0 daily_log 1 {GENESIS}", f"two daily_log 1 {GENESIS}", f"2 meetings 1 {GENESIS}",
                  f"2 daily_log 1 {GENESIS} extra"):
        with pytest.raises(ValueError, match="partnership chain position hash"):
            parse_heads(wrong)


def test_a_write_to_one_partnership_does_not_wait_for_anothers_head(app: Engine, two: dict[int, int]) -> None:
    """While one transaction holds partnership 1's log head, partnership 2's insert goes through; a second insert of
    partnership 1 waits (and here gives up at its lock timeout), as migration 0009 made every insert wait."""
    with app.connect() as holder:
        holding = holder.begin()
        in_partnership(holder, 1)
        holder.execute(_ENTRY, {"author": two[1], "text": "holds partnership 1's head"})
        with app.begin() as other:
            in_partnership(other, 2)
            other.execute(text("SET LOCAL lock_timeout = '3s'"))
            assert other.execute(_ENTRY, {"author": two[2], "text": "partnership 2 meanwhile"}).one()[1] == 1
        with pytest.raises(OperationalError, match="lock timeout"), app.begin() as same:
            in_partnership(same, 1)
            same.execute(text("SET LOCAL lock_timeout = '1s'"))
            same.execute(_ENTRY, {"author": two[1], "text": "partnership 1 meanwhile"})
        holding.commit()
    assert _verify(app).ok


def test_with_two_partnerships_a_log_entry_with_none_declared_is_refused(app: Engine, two: dict[int, int]) -> None:
    with pytest.raises(IntegrityError, match='null value in column "partnership_id" of relation "daily_log"'), \
            app.begin() as conn:
        conn.execute(_ENTRY, {"author": two[1], "text": "whose?"})


def test_the_app_role_cannot_make_or_move_a_head(app: Engine, two: dict[int, int]) -> None:
    for statement in (f"INSERT INTO record_chain_heads (partnership_id, chain, position, hash) VALUES (2, 'x', 0,"
                      f" '{GENESIS}')", "UPDATE record_chain_heads SET position = 0 WHERE partnership_id = 2"):
        with pytest.raises(DBAPIError, match="permission denied"), app.begin() as conn:
            conn.execute(text(statement))


def test_the_downgrade_is_refused_while_a_second_partnership_has_a_chain(owner: Engine, two: dict[int, int]) -> None:
    with owner.begin() as conn:  # else migration 0035's downgrade refuses first, for partnership 2's settings rows
        for table in ("settings", "agency_exchange_settings"):
            conn.execute(text(f"DELETE FROM {table} WHERE partnership_id = 2"))
    with pytest.raises(RuntimeError, match=r"partnership\(s\) 2 have chained rows"), owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0033")
    with owner.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0035"
        assert len(_heads(conn)) == 6


def test_the_upgrade_is_refused_when_a_second_partnership_was_made_at_0033(owner: Engine) -> None:
    with owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0033")
    with owner.begin() as conn:  # its own row is on the one chain of the deployment, under partnership 2
        conn.execute(text("INSERT INTO partnerships (name, code) VALUES ('Westshire', 'westshire')"))
    with pytest.raises(RuntimeError, match=r"record_history holds rows of partnership\(s\) 2"), \
            owner.begin() as conn:
        command.upgrade(alembic_config(conn), "0034")
    with owner.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0033"


@pytest.mark.demo_data
def test_the_demo_goes_down_to_0033_and_up_again_with_every_chain_verifying(owner: Engine) -> None:
    before = _verify(owner)
    assert before.ok and before.log_entries > 1000 and before.history_rows > 1000
    assert [r.partnership_id for r in before.partnerships] == [1]
    with owner.connect() as conn:
        heads_before = _heads(conn)
    assert sorted(heads_before) == [(1, chain) for chain in sorted(CHAINS)]

    with owner.begin() as conn:
        command.downgrade(alembic_config(conn), "0033")
    with owner.connect() as conn:
        assert conn.execute(text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'record_chain_heads_pkey'"
        )).scalar_one() == "PRIMARY KEY (chain)"
        assert _heads(conn) == heads_before
    down = _verify(owner, before.heads)
    assert down.ok, down.summary()
    with owner.begin() as conn:  # 0033's triggers chain an entry on the one chain again
        author = conn.execute(text("SELECT min(id) FROM accounts")).scalar_one()
        _, position = conn.execute(_ENTRY, {"author": author, "text": "written at 0033"}).one()
    assert position == before.log_entries + 1

    with owner.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with owner.connect() as conn:
        assert conn.execute(text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'record_chain_heads_pkey'"
        )).scalar_one() == "PRIMARY KEY (partnership_id, chain)"
    up = _verify(owner, before.heads)
    assert up.ok, up.summary()
    assert (up.log_entries, up.report_versions, up.history_rows) == (
        before.log_entries + 1, before.report_versions, before.history_rows)
    with owner.begin() as conn:  # and partnership 1 goes on where it was
        _, position = conn.execute(_ENTRY, {"author": author, "text": "written at 0034"}).one()
    assert position == before.log_entries + 2
    assert _verify(owner, before.heads).ok


def _manage_verify(*options: str) -> subprocess.CompletedProcess[str]:
    # DATABASE_URL (app role) and MIGRATION_DATABASE_URL (owner) are set by fresh_database_url.
    return subprocess.run([sys.executable, "manage.py", "verify", *options], capture_output=True, text=True,
                          cwd=ROOT_DIR, env=dict(os.environ), timeout=120)


def test_manage_verify_prints_and_keeps_each_partnerships_heads_and_verifies_one_when_asked(
        app: Engine, two: dict[int, int], tmp_path: Path) -> None:
    _write(app, 2, two[2], "two's note")
    heads = tmp_path / "rrt.heads"
    done = _manage_verify("--save-heads", str(heads))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("verified: ")
    assert [line.split(":")[0] for line in lines[1:3]] == ["chain heads of partnership 1",
                                                            "chain heads of partnership 2"]
    kept = heads.read_text().splitlines()
    assert [line.split()[:2] for line in kept] == [[p, chain] for p in ("1", "2") for chain in CHAINS]
    assert kept[3].split()[2] == "1"  # partnership 2's one entry
    assert f"log {kept[3].split()[3]}," in lines[2]

    alone = _manage_verify("--partnership", "2", "--expect-heads", str(heads))
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.splitlines()[1].startswith("chain heads: log ")  # one partnership: the line as before 0034
    missing = _manage_verify("--partnership", "9")
    assert missing.returncode == 2 and "holds no partnership 9" in missing.stderr
