"""How fast the daily log reads with a big log: rerunnable, in a throw-away database.

    .venv/bin/python scripts/bench_daily_log.py [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                               [--entries 5000] [--other-reviews 30] [--runs 20] [--keep]

Creates a database on the server, migrates it, opens reviews through the services, adds `--entries` log
entries to one review (and 200 to each other review) with plain INSERTs, then times the service calls
and one full render of the Daily log page (Streamlit AppTest). Drops the database afterwards.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench_common import scratch_database, timed  # noqa: E402
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



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--other-reviews", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

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
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            total = conn.execute(text("SELECT count(*) FROM daily_log")).scalar()
        print(f"Database {make_url(url).database}: review {big.case_reference} has {args.entries + 1:,} entries; "
              f"{len(reviews)} live reviews; {total:,} entries in all.")

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
