"""How fast the board figures are on a big synthetic partnership: rerunnable, in a throw-away database.

    .venv/bin/python scripts/bench_board.py [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                            [--reviews 3000] [--agencies 10] [--runs 10] [--keep]

Creates a database on the server, migrates it, inserts `--reviews` reviews spread over three years (with their
meeting and minutes milestones) and one return per agency per review (3,000 x 10 = 30,000 returns) with plain
INSERT ... SELECT, then times the board service for the default period (5 quarters, and the 5 before them) and
for all twelve quarters, the words/charts/CSV/pack built from the figures, and one full run of the Board
figures page (Streamlit AppTest). Drops the database afterwards unless --keep.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench_common import scratch_database, timed  # noqa: E402
from db.models import Account  # noqa: E402
from services.accounts import _new_account  # noqa: E402
from services.board.charts import board_charts  # noqa: E402
from services.board.pack import board_pack_html, figures_csv  # noqa: E402
from services.board.reads import board_figures, board_quarters  # noqa: E402
from services.board.rules import BoardFigures, Quarter, default_period  # noqa: E402
from services.board.wording import board_sections  # noqa: E402

AS_OF = date(2026, 11, 26)
START = date(2023, 11, 27)  # three years of notifications up to AS_OF

REVIEWS_SQL = """
INSERT INTO reviews (case_reference, notification_type, incident_date, csc_aware_date, sin_submitted_date,
                     notification_received_date, submitted_to_panel_date, panel_response_date, ofsted_required,
                     lcspr_decision, lcspr_reason, state, created_by_id, version)
SELECT to_char(rec, 'DDMMYY') || 'BX-' || g,
       (ARRAY['death', 'serious_harm', 'serious_harm', 'other'])[1 + g % 4],
       rec - (g % 3), rec - (g % 3),
       CASE WHEN g % 11 = 0 THEN NULL ELSE rec - (g % 3) + (g % 9) END,
       rec,
       sub,
       CASE WHEN sub + 20 <= :as_of THEN sub + 20 END,
       false,
       CASE g % 3 WHEN 0 THEN true WHEN 1 THEN false END,
       CASE WHEN g % 3 < 2 THEN 'Synthetic reasons for the decision.' END,
       CASE WHEN sub IS NULL THEN 'open' WHEN sub + 20 <= :as_of THEN 'closed' ELSE 'submitted' END,
       :author, 1
FROM (SELECT g, rec,
             CASE WHEN rec + 45 <= :as_of THEN rec + 18 + (g % 13) END AS sub
      FROM (SELECT g, (CAST(:start AS date) + (g * :span / :count))::date AS rec
            FROM generate_series(1, :count) AS g) AS spread) AS dated
"""

MILESTONES_SQL = """
INSERT INTO review_milestones (review_id, key, title, owner, done_when, optional, sort_order, done_date, done_by_id,
                               version)
SELECT r.id, m.key, m.title, 'officer', '', false, m.sort_order,
       CASE WHEN m.key = 'rr_meeting' AND r.notification_received_date + 12 <= :as_of
                 THEN r.notification_received_date + 10
            WHEN m.key = 'minutes' AND r.notification_received_date + 14 <= :as_of AND r.id % 6 <> 0
                 THEN r.notification_received_date + 10 + (r.id % 4) END,
       CASE WHEN (m.key = 'rr_meeting' AND r.notification_received_date + 12 <= :as_of)
              OR (m.key = 'minutes' AND r.notification_received_date + 14 <= :as_of AND r.id % 6 <> 0)
            THEN :author END,
       1
FROM reviews r
CROSS JOIN (VALUES ('rr_meeting', 'Rapid Review meeting held', 8),
                   ('minutes', 'Minutes saved and circulated', 9)) AS m(key, title, sort_order)
"""

RETURNS_SQL = """
INSERT INTO agency_returns (review_id, agency_id, requested_date, requested_by_id, received_date,
                            signed_by_senior_manager, signatory_role,
                            check_sufficient_information, check_dates_present, check_analysis, check_signed,
                            initial_check_outcome, initial_check_date, initial_checked_by_id,
                            final_qa_outcome, final_qa_date, final_qa_by_id,
                            sent_back_date, sent_back_reason, resubmission_due_date, sent_back_count, version)
SELECT r.id, a.id, x.req, :author, x.rcv,
       CASE WHEN x.rcv IS NOT NULL THEN true END, CASE WHEN x.rcv IS NOT NULL THEN 'Head of Service' END,
       CASE WHEN x.qa THEN true END, CASE WHEN x.qa THEN true END, CASE WHEN x.qa THEN true END,
       CASE WHEN x.qa THEN true END,
       CASE WHEN x.qa THEN 'satisfactory' END, CASE WHEN x.qa THEN x.rcv END, CASE WHEN x.qa THEN :author END,
       CASE WHEN x.qa AND x.back THEN 'sent back' WHEN x.qa THEN 'accepted' END,
       CASE WHEN x.qa THEN x.rcv END, CASE WHEN x.qa THEN :author END,
       CASE WHEN x.qa AND x.back THEN x.rcv END,
       CASE WHEN x.qa AND x.back THEN (ARRAY['Not signed by a senior manager.', 'Dates of contact missing.',
                                             'A chronology without analysis.', 'Please call the office.'])
                                      [1 + (r.id + a.id) % 4] END,
       CASE WHEN x.qa AND x.back THEN x.rcv + 5 END,
       CASE WHEN x.qa AND x.back THEN 1 ELSE 0 END,
       1
FROM reviews r
CROSS JOIN agencies a
CROSS JOIN LATERAL (
    SELECT r.notification_received_date + ((r.id + a.id) % 2) AS req,
           CASE WHEN (r.id * 7 + a.id) % 17 = 0 THEN NULL
                ELSE LEAST(r.notification_received_date + ((r.id + a.id) % 2) + ((r.id * 3 + a.id) % 10), :as_of)
           END AS rcv,
           (r.id + a.id) % 5 <> 0 AND (r.id * 7 + a.id) % 17 <> 0 AS qa,
           (r.id * 5 + a.id) % 7 = 0 AS back
) AS x
WHERE x.req <= :as_of
"""



def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--reviews", type=int, default=3000)
    parser.add_argument("--agencies", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    args = parser.parse_args()

    with scratch_database(args.server, keep=args.keep) as (url, engine):
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session:
            board = _new_account(session, username="bench-board", display_name="Bench Board", roles=["board"],
                                 password="correct horse battery")
            officer = _new_account(session, username="bench-officer", display_name="Bench Officer",
                                   roles=["officer"], password="correct horse battery")
            for i in range(args.agencies):
                session.execute(text("INSERT INTO agencies (name, kind, active) VALUES (:n, 'health', true)"),
                                {"n": f"Bench Agency {i + 1:02d}"})
            common = dict(as_of=AS_OF, author=officer.id)
            session.execute(text(REVIEWS_SQL), dict(common, start=START, span=(AS_OF - START).days,
                                                    count=args.reviews))
            session.execute(text(MILESTONES_SQL), common)
            session.execute(text(RETURNS_SQL), common)
            session.commit()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
            counts = conn.execute(text(
                "SELECT (SELECT count(*) FROM reviews), (SELECT count(*) FROM agency_returns),"
                " (SELECT count(*) FROM review_milestones WHERE done_date IS NOT NULL)")).one()
        print(f"Database {make_url(url).database}: {counts[0]:,} reviews, {counts[1]:,} agency returns, "
              f"{counts[2]:,} meetings and minutes done ({START:%d %b %Y} to {AS_OF:%d %b %Y}); seeded in "
              f"{time.perf_counter() - started:.1f} s.")

        with Session(engine) as session:
            actor = session.get(Account, board.id)
            assert actor is not None
            period = default_period(AS_OF)
            every = (Quarter.of(START), Quarter.of(AS_OF))

            def default_figures() -> BoardFigures:
                return board_figures(session, actor, first_quarter=period.first, last_quarter=period.last,
                                     as_of=AS_OF)

            figures = default_figures()
            print(f"  default period {period.label}: {figures.current.total.notified:,} notifications, "
                  f"{figures.current.returns_total.returns:,} returns; on time "
                  f"{figures.current.total.on_time_rate.percent:.1f}%")
            timed(f"board_figures: default period ({len(period.quarters)} quarters + the 5 before)",
                  default_figures, args.runs)
            all_figures = board_figures(session, actor, first_quarter=every[0], last_quarter=every[1], as_of=AS_OF)
            assert all_figures.current.total.notified == counts[0]
            assert all_figures.current.returns_total.returns == counts[1]
            timed(f"board_figures: every quarter ({every[0].label} to {every[1].label}) + as many before",
                  lambda: board_figures(session, actor, first_quarter=every[0], last_quarter=every[1], as_of=AS_OF),
                  args.runs)
            timed("board_quarters (the filter's choices)", lambda: board_quarters(session, actor, as_of=AS_OF),
                  args.runs)
            timed("board_sections (words and tables)", lambda: board_sections(figures), args.runs)
            timed("board_charts (8 plotly figures)", lambda: board_charts(figures), args.runs)
            timed("figures_csv", lambda: figures_csv(figures), args.runs)
            pack_runs = max(3, args.runs // 3)
            timed("board_pack_html (with plotly.js embedded)", lambda: board_pack_html(figures), pack_runs)
            print(f"  board pack size: {len(board_pack_html(figures).encode()) / 1e6:.1f} MB with charts, "
                  f"{len(board_pack_html(figures, include_charts=False).encode()) / 1e3:.0f} kB without")

        page_render(url, board.id, args.runs)
    return 0


def page_render(url: str, account_id: int, runs: int) -> None:
    """One full run of the Board figures page script (AppTest, no browser)."""
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
    at.session_state["as_of"] = AS_OF
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Board figures"

    def rerun() -> None:
        at.session_state["last_seen_at"] = datetime.now(UTC)
        at.run()

    timed("Board figures page, whole script run (AppTest)", rerun, max(3, runs // 2))
    st.cache_resource.clear()


if __name__ == "__main__":
    raise SystemExit(main())
