"""How the Live reviews list scales with the number of live reviews: rerunnable, in a throw-away database.

    .venv/bin/python scripts/bench_live_list.py [--server URL] [--extra 30] [--runs 20]

Loads the fictional demo partnership (10 live reviews with agency returns, about 20 closed ones), times
list_live_reviews, opens `--extra` more live reviews with returns requested, and times it again. The
ratio of the two medians, in one run on one machine, is the figure to compare.
"""
from __future__ import annotations

import argparse
import os
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench_common import scratch_database, timed
from db.models import Account, Agency
from demo.partnership import load_demo_data
from services.clock import today_in_london
from services.returns.service import record_returns_requested
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review
from services.reviews.status import list_live_reviews


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--extra", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    as_of = today_in_london()
    with scratch_database(args.server) as (_url, engine), Session(engine, expire_on_commit=False) as session:
        load_demo_data(session, as_of=as_of)
        session.commit()
        manager = session.scalars(select(Account).where(Account.username == "demo-manager")).one()
        officer = session.scalars(select(Account).where(Account.username == "demo-officer")).one()
        base = len(list_live_reviews(session, manager, as_of=as_of))
        small = timed(f"list_live_reviews: {base} live reviews", lambda: list_live_reviews(
            session, manager, as_of=as_of), args.runs)
        agency_ids = list(session.scalars(select(Agency.id)))[:6]
        for i in range(args.extra):
            received = as_of - timedelta(days=i % 20)
            review = open_review(session, officer, notification_type="serious_harm",
                                 incident_date=received - timedelta(days=3),
                                 csc_aware_date=received - timedelta(days=2),
                                 notification_received_date=received, children=[ChildEntry("QZ", 5)], as_of=as_of)
            record_returns_requested(session, officer, review_id=review.id, agency_ids=agency_ids,
                                     requested_on=max(received, review.notification_received_date), as_of=as_of)
        session.commit()
        total = len(list_live_reviews(session, manager, as_of=as_of))
        large = timed(f"list_live_reviews: {total} live reviews", lambda: list_live_reviews(
            session, manager, as_of=as_of), args.runs)
        print(f"  ratio {large / small:.2f} for {total / base:.2f} times the live reviews")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
