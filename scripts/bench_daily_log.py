"""How fast the daily log reads with a big log: rerunnable, in a throw-away database.

    .venv/bin/python scripts/bench_daily_log.py [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                               [--entries 5000] [--other-reviews 30] [--runs 20]
                                               [--log 1000000] [--words-only] [--keep | --reuse URL]

Creates a database on the server, migrates it, opens reviews through the services, adds `--entries` log
entries to one review (and 200 to each other review) with plain INSERTs, then times the service calls
and one full render of the Daily log page (Streamlit AppTest). Drops the database afterwards.

`--log N` then grows the log to about N entries in the national shape (198 entries a review, 270 of 4,972
reviews live: the reviews are copies made in SQL, most of them closed) with entries worded like real ones, and
times "Words in the text" with a NEW word every run, by kind of word (two letters, common words, rare words,
partial words, a word inside a longer one, no match), over every live review and over one review: median and
p95 per kind. `--keep` keeps the database and prints its URL; `--reuse URL` times a kept one again (no build).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench_common import scratch_database, timed  # noqa: E402
from db.engine import APP_CONNECTION_OPTIONS  # noqa: E402
from db.models import Account  # noqa: E402
from services.accounts import _new_account  # noqa: E402
from services.daily_log.exports import export_log_csv, export_log_xlsx  # noqa: E402
from services.daily_log.reads import case_folder_register, search_log  # noqa: E402
from services.daily_log.rules import LogFilters  # noqa: E402
from services.reviews.rules import ChildEntry  # noqa: E402
from services.reviews.service import open_review  # noqa: E402

AS_OF = date(2026, 11, 26)
SEED_SQL = """
INSERT INTO daily_log (review_id, logged_at, author_id, category, text, folder_section, file_path, by_system)
SELECT :review_id,
       :start + (g * interval '3 minutes'),
       CASE WHEN g % 3 = 0 THEN :author_a ELSE :author_b END,
       (ARRAY['communication','decision','delegation','date agreed','document filed','quality check','meeting',
              'other'])[1 + g % 8],
       'Entry ' || g || CASE WHEN g % 50 = 0 THEN ': phoned the Police safeguarding lead (initials JS)'
                             ELSE ': routine update on the review, initials only' END,
       CASE WHEN g % 100 = 0 THEN 'I' END,
       CASE WHEN g % 100 = 0 THEN 'Scoping/form ' || g || '.docx' END,
       false
FROM generate_series(1, :count) AS g
"""
# National shape (scripts/bench_pages.py NATIONAL): 198 entries a review, 270 of 4,972 reviews live.
PER_REVIEW = 198
LIVE_SHARE = 270 / 4972
CLONE_REVIEWS_SQL = """
INSERT INTO reviews (case_reference, notification_type, incident_date, csc_aware_date, notification_received_date,
                     submitted_to_panel_date, panel_response_date, ofsted_required, state, created_at,
                     created_by_id, version)
SELECT left(r.case_reference, 6) || 'NX-' || g, r.notification_type, r.incident_date, r.csc_aware_date,
       r.notification_received_date,
       CASE WHEN g > :live THEN r.notification_received_date + 10 END,
       CASE WHEN g > :live THEN r.notification_received_date + 20 END,
       false, CASE WHEN g > :live THEN 'closed' ELSE 'open' END, r.created_at, r.created_by_id, 1
FROM reviews r CROSS JOIN generate_series(1, :count) AS g
WHERE r.id = :template
"""
# Entries worded like real ones: a sentence of fourteen, two-letter initials in some, per review and entry.
WORDED_LOG_SQL = """
INSERT INTO daily_log (review_id, logged_at, author_id, category, text, by_system, chain_position, chain_hash)
SELECT r.id, (r.notification_received_date + time '08:00') AT TIME ZONE 'Europe/London' + g * interval '17 minutes',
       CASE WHEN g % 3 = 0 THEN :author_a ELSE :author_b END,
       (ARRAY['communication','decision','delegation','date agreed','document filed','quality check','meeting',
              'other'])[1 + g % 8],
       (ARRAY['Phoned the GP surgery about the chronology',
              'SW visited the family home with the health visitor',
              'Emailed the Police safeguarding lead for their agency return',
              'Routine update on the review, initials only',
              'Chased the school for its return; no reply yet',
              'Decision: the Rapid Review goes to the National Panel',
              'Filed the scoping form in section I',
              'Delegated the chronology to the CSC team manager',
              'Agreed the date of the Rapid Review meeting with the chair',
              'Quality check of the agency returns: two sent back for more detail',
              'Spoke to the ambulance service about the 999 call',
              'Paediatrician''s report received and filed',
              'Minutes of the strategy meeting sent to partners',
              'Initials ' || chr(65 + (r.id + g) % 26) || chr(65 + (r.id * 7 + g) % 26)
                  || ' confirmed with the social worker'])[1 + (r.id * 31 + g * 5) % 14],
       false, h.position + row_number() OVER (ORDER BY r.id, g), repeat('0', 64)
FROM reviews r
CROSS JOIN generate_series(1, :per_review) AS g
CROSS JOIN (SELECT position FROM record_chain_heads WHERE chain = 'daily_log') AS h
WHERE r.id > :after
"""
# A new word every run: each kind cycles through its own list.
WORDS: dict[str, tuple[str, ...]] = {
    "two letters": ("GP", "SW", "JS", "AB", "KM", "CP", "HV", "TR", "QX", "ZD"),
    "common": ("the", "review", "police", "with", "for", "agency", "meeting", "return", "and", "of"),
    "rare": ("ambulance", "paediatrician", "999", "strategy", "minutes", "partners", "surgery", "detail"),
    "partial": ("chron", "safegu", "polic", "paedia", "ambul", "scop", "deleg", "minut", "Revi", "SCHO"),
    "inside a word": ("view", "ology", "ance", "egat", "uard", "ater", "tegy", "hron"),
    "no match": ("zebra", "xylophone", "quokka", "wombat", "narwhal", "okapi", "ibex", "yak"),
    "two words": ("GP chronology", "police lead", "the review", "SW health", "agency return", "Rapid Panel"),
}



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--other-reviews", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--log", type=int, default=0, help="grow the log to about this many entries (national shape)")
    parser.add_argument("--reuse", metavar="URL", help="time a database kept by an earlier run (no build)")
    parser.add_argument("--words-only", action="store_true", help="time only the word searches")
    args = parser.parse_args()

    if args.reuse:
        engine = create_engine(args.reuse, connect_args={"options": APP_CONNECTION_OPTIONS})
        try:
            with Session(engine) as session:
                officer = session.scalars(select_officer()).one()
                word_searches(engine, officer.id, args.runs)
        finally:
            engine.dispose()
        return 0
    with scratch_database(args.server, keep=args.keep) as (url, engine):
        with Session(engine, expire_on_commit=False) as session:
            officer = _new_account(session, username="bench-officer", display_name="Bench Officer",
                                   roles=["officer"], password="correct horse battery")
            manager = _new_account(session, username="bench-manager", display_name="Bench Manager",
                                   roles=["manager"], password="correct horse battery")
            reviews = [
                open_review(session, officer, notification_type="serious_harm", incident_date=date(2026, 11, 2),
                            csc_aware_date=date(2026, 11, 3), notification_received_date=date(2026, 11, 4),
                            children=[ChildEntry(f"{chr(65 + i % 26)}{chr(65 + i // 26)}", 7)], as_of=AS_OF)
                for i in range(args.other_reviews + 1)
            ]
            big = reviews[0]
            start = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
            session.execute(text(SEED_SQL), dict(review_id=big.id, start=start, author_a=officer.id,
                                                 author_b=manager.id, count=args.entries))
            for other in reviews[1:]:
                session.execute(text(SEED_SQL), dict(review_id=other.id, start=start, author_a=officer.id,
                                                     author_b=manager.id, count=200))
            session.commit()
        if args.log:
            grow_log(engine, reviews[-1].id, officer.id, manager.id, args.log)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            total = conn.execute(text("SELECT count(*) FROM daily_log")).scalar()
        print(f"Database {make_url(url).database}: review {big.case_reference} has {args.entries + 1:,} entries; "
              f"{total:,} entries in all.")
        if args.log:
            # On a connection set as the app's are (no JIT), as the page meets the search.
            app_engine = create_engine(url, connect_args={"options": APP_CONNECTION_OPTIONS})
            try:
                word_searches(app_engine, officer.id, args.runs)
            finally:
                app_engine.dispose()
        if args.words_only:
            return 0

        figures = {}
        with Session(engine) as session:
            actor = session.get(type(officer), officer.id)
            one_review = LogFilters(review_id=big.id)
            page1 = search_log(session, actor, filters=one_review, page=1, page_size=50)
            assert page1.total == args.entries + 1 and len(page1.rows) == 50
            figures["page1"] = timed("search_log: one review, page 1 of 50", lambda: search_log(
                session, actor, filters=one_review, page=1, page_size=50), args.runs)
            timed("search_log: one review, last page", lambda: search_log(
                session, actor, filters=one_review, page=page1.pages, page_size=50), args.runs)
            timed("search_log: one review, words 'police phoned'", lambda: search_log(
                session, actor, filters=LogFilters(review_id=big.id, words="police phoned")), args.runs)
            two_categories_and_dates = LogFilters(review_id=big.id, categories=("decision", "meeting"),
                                                  date_from=date(2026, 11, 10), date_to=date(2026, 11, 12))
            timed("search_log: one review, 2 categories + date range", lambda: search_log(
                session, actor, filters=two_categories_and_dates), args.runs)
            timed("search_log: all live reviews, page 1 of 50", lambda: search_log(
                session, actor, filters=LogFilters(), page=1, page_size=50), args.runs)
            timed("case_folder_register: one review", lambda: case_folder_register(
                session, actor, review_id=big.id), args.runs)
            csv_runs = max(3, args.runs // 4)
            figures["csv"] = timed(f"export_log_csv: one review, all {args.entries + 1:,} entries",
                                   lambda: export_log_csv(session, actor, filters=one_review), csv_runs)
            timed(f"export_log_xlsx: one review, all {args.entries + 1:,} entries", lambda: export_log_xlsx(
                session, actor, filters=one_review), max(3, args.runs // 10))
            with session.connection() as conn:
                plan = conn.execute(text(
                    "EXPLAIN SELECT id FROM daily_log WHERE review_id = :r ORDER BY logged_at DESC, id DESC LIMIT 50"
                ), {"r": big.id}).scalars().all()
            print("  plan of page 1:", plan[1].strip() if len(plan) > 1 else plan[0])

        page_render(url, officer.id, big.id, args.runs)
    return 0


def select_officer() -> Any:
    from sqlalchemy import select
    return select(Account).where(Account.username == "bench-officer")


@contextmanager
def without_indexes(engine: Engine, table: str) -> Iterator[None]:
    """Drop a table's secondary indexes for a bulk load and build them again afterwards (as defined)."""
    with engine.begin() as conn:
        defs = conn.execute(text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t AND NOT EXISTS ("
            " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"), {"t": table}).all()
        for name, _ in defs:
            conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    with engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for _, definition in defs:
            conn.execute(text(definition))


def grow_log(engine: Engine, template_id: int, author_a: int, author_b: int, entries: int) -> None:
    """About `entries` more log entries in the national shape: copies of one review, 198 entries each."""
    started = time.perf_counter()
    count = max(1, round(entries / PER_REVIEW))
    live = max(1, round(count * LIVE_SHARE))
    with engine.begin() as conn:
        after = conn.execute(text("SELECT max(id) FROM reviews")).scalar()
        conn.execute(text(CLONE_REVIEWS_SQL), dict(template=template_id, count=count, live=live))
    with without_indexes(engine, "daily_log"), engine.begin() as conn:
        # The chain trigger updates one head row per insert: off for the load, its head moved once after.
        conn.execute(text("ALTER TABLE daily_log DISABLE TRIGGER daily_log_chain"))
        conn.execute(text(WORDED_LOG_SQL), dict(per_review=PER_REVIEW, after=after, author_a=author_a,
                                                author_b=author_b))
        conn.execute(text("UPDATE record_chain_heads SET position = (SELECT max(chain_position) FROM daily_log)"
                          " WHERE chain = 'daily_log'"))
        conn.execute(text("ALTER TABLE daily_log ENABLE TRIGGER daily_log_chain"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE daily_log"))
        conn.execute(text("VACUUM ANALYZE reviews"))
    print(f"  log grown by {count * PER_REVIEW:,} entries in {count:,} reviews ({live:,} of them live) "
          f"in {time.perf_counter() - started:.0f} s")


def word_searches(engine: Engine, account_id: int, runs: int) -> None:
    """"Words in the text" with a new word every run, per kind of word: over every live review (the page's
    first scope) and over one review of the national shape; median and p95 of each kind."""
    with Session(engine) as session:
        actor = session.get(Account, account_id)
        assert actor is not None
        counts = session.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE review_id IN (SELECT id FROM reviews WHERE state IN"
            " ('open', 'submitted'))) FROM daily_log")).one()
        one = session.execute(text(
            "SELECT l.review_id FROM daily_log l JOIN reviews r ON r.id = l.review_id WHERE r.state = 'open'"
            " GROUP BY l.review_id HAVING count(*) = :n ORDER BY l.review_id DESC LIMIT 1"), {"n": PER_REVIEW}).scalar()
        print(f"Word searches: {counts[0]:,} entries, {counts[1]:,} of them in live reviews; "
              f"a new word each run ({runs} runs a kind)")
        print(f"  {'scope':22} {'kind of word':16} {'median':>9} {'p95':>9} {'max':>9}   matches (first words)")
        for scope, review_id in (("every live review", None), (f"one review ({PER_REVIEW})", one)):
            for kind, words in WORDS.items():
                samples, found = [], []
                search_log(session, actor, filters=LogFilters(review_id=review_id, words=words[-1]))  # warm-up
                for n in range(runs):
                    word = words[n % len(words)]
                    started = time.perf_counter()
                    result = search_log(session, actor, filters=LogFilters(review_id=review_id, words=word))
                    samples.append((time.perf_counter() - started) * 1000)
                    if n < 3:
                        found.append(f"{word}={'>' if result.capped else ''}{result.total:,}")
                samples.sort()
                p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
                print(f"  {scope:22} {kind:16} {statistics.median(samples):7.1f}ms {p95:7.1f}ms "
                      f"{samples[-1]:7.1f}ms   {', '.join(found)}")
                session.rollback()


def page_render(url: str, account_id: int, review_id: int, runs: int) -> None:
    """One full run of the Daily log page script for the big review (AppTest, no browser)."""
    os.environ["DATABASE_URL"] = url
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.streamlit_internals.testing import quiet_bare_mode_warnings

    quiet_bare_mode_warnings()
    from config.settings import reload_settings

    reload_settings()  # the settings are read once per process: DATABASE_URL has just changed

    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["account_id"] = account_id
    at.session_state["last_seen_at"] = datetime.now(UTC)
    at.run()
    at.switch_page("pages/daily_log.py").run()
    at.selectbox(key="log_review").set_value(review_id).run()
    assert not at.exception, at.exception

    def rerun() -> None:
        at.session_state["last_seen_at"] = datetime.now(UTC)
        at.run()

    timed("Daily log page, whole script run (AppTest), page 1", rerun, max(3, runs // 4))
    at.button(key="log_older").click().run()
    timed("Daily log page, whole script run (AppTest), page 2", rerun, max(3, runs // 4))
    st.cache_resource.clear()


if __name__ == "__main__":
    raise SystemExit(main())
