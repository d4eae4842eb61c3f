"""Tamper evidence (issue 12): the daily log and the report versions are hash chains the database computes.

A row changed by hand as the owner (triggers off) is found by `verify_record` and `manage.py verify` with its id; a
version whose bytes were forged with a matching size and SHA-256 is still caught by the chain.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from db.models import Account
from services.daily_log.service import append_system_entry
from services.integrity import (
    GENESIS,
    LOG_CANONICAL,
    VERSION_CANONICAL,
    VerificationResult,
    data_version,
    link,
    verify_record,
)
from services.reviews.reads import list_reviews
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from tests.conftest import as_app_role

ROOT = Path(__file__).resolve().parents[2]
FRI_18_DEC = date(2026, 12, 18)


def test_a_fresh_chain_verifies_and_the_database_and_python_agree_on_each_link(session: Session,
                                                                               officer: Account) -> None:
    before = verify_record(session)
    assert before.ok
    for words in ("first", "second", "third"):
        append_system_entry(session, officer, review_id=None, category="other", text=words)
    session.flush()
    result = verify_record(session)
    assert result.ok and result.log_entries == before.log_entries + 3
    assert result.summary() == (f"verified: {result.log_entries} log entries, {result.report_versions} report "
                                f"versions, {result.history_rows} history rows")
    # The copy of the canonical text in services.integrity is the one the migration's function computes.
    rows = session.execute(text(
        f"SELECT daily_log_canonical(r) = {LOG_CANONICAL}, chain_hash FROM daily_log r ORDER BY chain_position")).all()
    assert rows and all(same for same, _ in rows)
    assert session.execute(text(
        f"SELECT bool_and(report_versions_canonical(r) = {VERSION_CANONICAL}) FROM report_versions r")).scalar() \
        in (True, None)


def test_the_data_version_moves_with_every_write_and_not_with_a_read(session: Session, officer: Account) -> None:
    """ui.state.read_shared keeps reads under it: a write that leaves it unchanged would show stale pages."""
    name, start = data_version(session)
    assert name == session.execute(text("SELECT current_database()")).scalar()
    review = open_review(session, officer, notification_type="serious_harm", incident_date=FRI_18_DEC,
                         csc_aware_date=FRI_18_DEC, notification_received_date=FRI_18_DEC,
                         children=[ChildEntry("AB", 7)], as_of=FRI_18_DEC)
    session.flush()
    opened = data_version(session)[1]
    assert opened > start
    list_reviews(session, officer)
    assert data_version(session)[1] == opened
    append_system_entry(session, officer, review_id=review.id, category="other", text="one more")
    session.flush()
    assert data_version(session)[1] == opened + 1


def test_the_link_is_sha256_of_the_previous_hash_and_the_canonical_text() -> None:
    assert link(GENESIS, "a") == hashlib.sha256(f"{GENESIS}\na".encode()).hexdigest()


@pytest.fixture
def record(fresh_database_url: str) -> Iterator[tuple[Engine, Engine]]:
    """A committed database with an officer, a review, a Word draft and log entries, made as the app's role: its
    engines as the app's role and as the owner."""
    from services.accounts import _new_account
    from services.report.service import make_draft

    app = create_engine(as_app_role(fresh_database_url))
    with Session(app, expire_on_commit=False) as session, session.begin():
        officer = _new_account(session, username="chain-officer", display_name="Chain", roles=["officer"],
                               password="correct horse battery")
        review = open_review(session, officer, notification_type="other", incident_date=date(2026, 12, 14),
                             csc_aware_date=date(2026, 12, 15), notification_received_date=FRI_18_DEC,
                             children=[ChildEntry("EF", 12)], as_of=FRI_18_DEC)
        for n in range(3):
            append_system_entry(session, officer, review_id=review.id, category="other", text=f"note {n}")
        make_draft(session, officer, review_id=review.id, as_of=FRI_18_DEC)
    owner = create_engine(fresh_database_url)
    yield app, owner
    app.dispose()
    owner.dispose()


def _verify(engine: Engine) -> VerificationResult:
    with Session(engine) as session, session.begin():
        return verify_record(session)


def _manage_verify(*options: str) -> subprocess.CompletedProcess[str]:
    # DATABASE_URL (app role) and MIGRATION_DATABASE_URL (owner) are set by fresh_database_url.
    return subprocess.run([sys.executable, "manage.py", "verify", *options], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ), timeout=120)


def _as_owner_with_guard_off(owner: Engine, table: str, statement: str) -> None:
    guard = f"{table}_no_update_delete"
    with owner.begin() as conn:
        conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {guard}"))
        conn.execute(text(statement))
        conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {guard}"))


def test_a_log_row_changed_by_the_owner_is_reported_with_its_id(record: tuple[Engine, Engine]) -> None:
    app, owner = record
    result = _verify(app)  # first: the command's own verification is a change on the record (a history row)
    done = _manage_verify()
    assert done.returncode == 0, done.stderr
    assert result.report_versions >= 1 and result.history_rows >= 1
    expected = (f"verified: {result.log_entries} log entries, {result.report_versions} report versions, "
                f"{result.history_rows} history rows")
    assert done.stdout.splitlines()[0] == expected
    assert done.stdout.splitlines()[1] == (f"chain heads: log {result.log_head}, report versions "
                                           f"{result.versions_head}, history {result.history_head} (keep these "
                                           "elsewhere)")
    with owner.connect() as conn:
        target = conn.execute(text("SELECT id FROM daily_log WHERE text = 'note 1'")).scalar()
    _as_owner_with_guard_off(owner, "daily_log", f"UPDATE daily_log SET text = 'note one' WHERE id = {target}")

    result = _verify(app)
    assert not result.ok and result.mismatch is not None
    assert result.mismatch.table == "daily_log" and result.mismatch.row_id == target
    done = _manage_verify()
    assert done.returncode != 0
    assert f"daily log entry {target} does not match the chain" in done.stderr
    with owner.connect() as conn:
        kept = conn.execute(text("SELECT ok, problem FROM record_verifications ORDER BY id")).all()
    assert [ok for ok, _ in kept] == [True, False] and str(target) in kept[-1][1]


def test_a_log_row_deleted_by_the_owner_is_reported(record: tuple[Engine, Engine]) -> None:
    app, owner = record
    with owner.connect() as conn:
        first, last = conn.execute(text("SELECT min(id), max(id) FROM daily_log")).one()
    _as_owner_with_guard_off(owner, "daily_log", f"DELETE FROM daily_log WHERE id = {last}")
    result = _verify(app)
    assert not result.ok and result.mismatch is not None and "missing" in result.mismatch.sentence
    _as_owner_with_guard_off(owner, "daily_log", f"DELETE FROM daily_log WHERE id = {first}")
    result = _verify(app)
    assert not result.ok and result.mismatch is not None
    assert result.mismatch.row_id is not None and result.mismatch.row_id != first


def test_a_forged_version_with_matching_size_and_sha256_is_caught_by_the_chain(record: tuple[Engine, Engine]) -> None:
    app, owner = record
    with owner.connect() as conn:
        version_id, content = conn.execute(text("SELECT id, content FROM report_versions ORDER BY id LIMIT 1")).one()
    forged = bytes(content[:-1]) + bytes([content[-1] ^ 1])
    assert len(forged) == len(content)
    _as_owner_with_guard_off(
        owner, "report_versions",
        f"UPDATE report_versions SET content = decode('{forged.hex()}', 'hex'), "
        f"sha256 = '{hashlib.sha256(forged).hexdigest()}', size_bytes = {len(forged)} WHERE id = {version_id}")
    result = _verify(app)
    assert not result.ok and result.mismatch is not None
    assert result.mismatch.table == "report_versions" and result.mismatch.row_id == version_id
    assert "does not match the chain" in result.mismatch.sentence


def test_forged_bytes_alone_are_caught_by_the_files_own_hash(record: tuple[Engine, Engine]) -> None:
    app, owner = record
    _as_owner_with_guard_off(owner, "report_versions",
                             "UPDATE report_versions SET content = set_byte(content, 10, get_byte(content, 10) # 1)"
                             " WHERE id = (SELECT max(id) FROM report_versions)")
    result = _verify(app)
    assert not result.ok and result.mismatch is not None
    assert "does not match its size and SHA-256" in result.mismatch.sentence


def test_two_inserts_at_once_never_share_a_predecessor(record: tuple[Engine, Engine]) -> None:
    app, _owner = record
    with Session(app) as first:
        first.begin()
        actor = first.get_one(Account, first.execute(text("SELECT min(id) FROM accounts")).scalar())
        append_system_entry(first, actor, review_id=None, category="other", text="first of two")
        first.flush()

        def second_insert() -> None:
            with Session(app) as second, second.begin():
                other = second.get_one(Account, actor.id)
                append_system_entry(second, other, review_id=None, category="other", text="second of two")

        worker = threading.Thread(target=second_insert)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the second insert should wait for the chain's head"
        first.commit()
        worker.join(10)
    result = _verify(app)
    assert result.ok, result.summary()


def _rewrite_log_entry_and_every_later_hash(owner: Engine, row_id: int, new_text: str) -> None:
    """What the owner can do with the triggers off: change an entry, then recompute its hash, every later one and
    the chain's head with the database's own canonical text, so that the chain is whole again."""
    with owner.begin() as conn:
        conn.execute(text("ALTER TABLE daily_log DISABLE TRIGGER daily_log_no_update_delete"))
        conn.execute(text("UPDATE daily_log SET text = :text WHERE id = :id"), {"text": new_text, "id": row_id})
        position = conn.execute(text("SELECT chain_position FROM daily_log WHERE id = :id"),
                                {"id": row_id}).scalar_one()
        previous = conn.execute(text("SELECT chain_hash FROM daily_log WHERE chain_position = :p"),
                                {"p": position - 1}).scalar() or GENESIS
        later = conn.execute(text("SELECT r.id, daily_log_canonical(r) FROM daily_log r WHERE r.chain_position >= :p"
                                  " ORDER BY r.chain_position"), {"p": position}).all()
        for later_id, canonical in later:
            previous = hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()
            conn.execute(text("UPDATE daily_log SET chain_hash = :hash WHERE id = :id"),
                         {"hash": previous, "id": later_id})
        conn.execute(text("UPDATE record_chain_heads SET hash = :hash WHERE chain = 'daily_log'"), {"hash": previous})
        conn.execute(text("ALTER TABLE daily_log ENABLE TRIGGER daily_log_no_update_delete"))


def test_a_chain_rewritten_by_the_owner_passes_a_plain_verify_but_not_one_given_the_heads_kept(
        record: tuple[Engine, Engine], tmp_path: Path) -> None:
    app, owner = record
    heads = tmp_path / "rrt.heads"
    kept = _verify(app)
    done = _manage_verify("--save-heads", str(heads))
    assert done.returncode == 0, done.stderr
    assert heads.read_text().splitlines() == [f"1 daily_log {kept.log_entries} {kept.log_head}",  # partnership 1
                                              f"1 report_versions {kept.report_versions} {kept.versions_head}",
                                              f"1 record_history {kept.history_rows} {kept.history_head}"]
    with Session(app) as session, session.begin():  # the record goes on growing after the heads were kept
        actor = session.get_one(Account, session.execute(text("SELECT min(id) FROM accounts")).scalar())
        append_system_entry(session, actor, review_id=None, category="other", text="after the backup")
    assert _manage_verify("--expect-heads", str(heads)).returncode == 0

    with owner.connect() as conn:
        target = conn.execute(text("SELECT id FROM daily_log WHERE text = 'note 1'")).scalar_one()
    _rewrite_log_entry_and_every_later_hash(owner, target, "note one")
    plain = _manage_verify()
    assert plain.returncode == 0 and plain.stdout.startswith("verified: "), plain.stderr  # the chain is whole again
    anchored = _manage_verify("--expect-heads", str(heads))
    assert anchored.returncode == 4
    assert "the daily log entries were rewritten at or before daily log entry" in anchored.stderr, anchored.stderr
    assert f"(position {kept.log_entries})" in anchored.stderr


def test_a_heads_file_is_read_line_by_line_and_a_wrong_line_is_refused() -> None:
    from services.integrity import ChainHead, parse_heads

    good = "# kept with rrt-2026-11-29.dump\ndaily_log 12 " + "a" * 64 + "\nreport_versions 0 " + GENESIS + "\n"
    assert parse_heads(good) == [ChainHead("daily_log", 12, "a" * 64), ChainHead("report_versions", 0, GENESIS)]
    for wrong in ("daily_log 12", "meetings 3 " + "a" * 64, "daily_log -1 " + "a" * 64, "daily_log 1 xyz", ""):
        with pytest.raises(ValueError):
            parse_heads(wrong)
