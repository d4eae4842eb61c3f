"""The Agency returns page: how many Streamlit elements one render sends, and how long a warm rerun takes.

    .venv/bin/python scripts/bench_returns_page.py [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
                                                   [--runs 30] [--keep] [--reuse URL]

Loads the fictional demo partnership into a throw-away database, then runs the whole app (app.py with the page) in
AppTest as a manager who is also an officer (every form of a card is offered to them):
- the checklist of the live demo review with the most agency returns (?review=<id>), and
- the outstanding view (the worklist of every live review).
For each it prints the elements of one render (every node of AppTest's element tree: each is one delta Streamlit
sends over the websocket, blocks and containers included) and the median and the minimum of `--runs` warm reruns.
The checklist is measured as it first opens (pages/returns_parts/return_cards.py: the most urgent cards open by
themselves, the rest folded to one line), with every card folded, and with `--open N`, its first N cards opened.
(Before the cards were folded, every card was drawn open: the first line's figure then.)
Figures are for comparison on one machine: run it before and after a change, with `uptime` beside it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench_common import scratch_database  # noqa: E402
from demo.partnership import load_demo_data  # noqa: E402
from services.accounts import _new_account  # noqa: E402

AS_OF = date(2026, 11, 26)
PASSWORD = "correct horse battery"
CARD_OPEN_PREFIX = "card_open_"  # pages/returns_parts/card_folds.py: a card's fold, kept under this key and its id


def count_elements(node: object) -> Counter[str]:
    """Every node under `node` in AppTest's tree, by type (the root itself not counted)."""
    counts: Counter[str] = Counter()
    for child in getattr(node, "children", {}).values():
        counts[type(child).__name__ if type(child).__name__ != "UnknownElement" else child.type] += 1
        counts += count_elements(child)
    return counts


def measure(label: str, account_id: int, runs: int, *, review: int | None, opened: tuple[int, ...] = (),
            folded: tuple[int, ...] = ()) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["account_id"] = account_id
    at.session_state["as_of"] = AS_OF

    def rerun() -> None:
        at.session_state["last_seen_at"] = datetime.now(UTC)
        at.run()
        assert not at.exception, f"{label}: {at.exception}"

    rerun()
    if review is not None:
        at.query_params["review"] = str(review)
    else:
        at.query_params["view"] = "outstanding"
    at.switch_page("pages/returns.py")
    rerun()
    for return_id in opened:
        at.session_state[f"{CARD_OPEN_PREFIX}{return_id}"] = True
    for return_id in folded:
        at.session_state[f"{CARD_OPEN_PREFIX}{return_id}"] = False
    if opened or folded:
        rerun()
    counts = count_elements(at._tree)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        rerun()
        samples.append((time.perf_counter() - started) * 1000)
    total = sum(counts.values())
    common = ", ".join(f"{n} {k}" for k, n in counts.most_common())
    print(f"{label:52} {total:4d} elements  median {statistics.median(samples):7.1f} ms  "
          f"min {min(samples):7.1f} ms  ({runs} runs)\n    {common}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("TEST_DATABASE_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--open", type=int, default=0, help="also measure the checklist with its first N cards open")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--reuse", metavar="URL", help="time a database a run with --keep kept")
    args = parser.parse_args()
    from ui.streamlit_internals.testing import quiet_bare_mode_warnings

    quiet_bare_mode_warnings()
    if args.reuse:
        return run(args.reuse, args)
    with scratch_database(args.server, keep=args.keep) as (url, engine):
        with Session(engine, expire_on_commit=False) as session:
            load_demo_data(session, as_of=AS_OF)
            _new_account(session, username="bench-returns", display_name="Bench Returns",
                         roles=["manager", "officer"], password=PASSWORD)
            session.commit()
        return run(url, args)


def run(url: str, args: argparse.Namespace) -> int:
    import streamlit as st

    from config.settings import reload_settings
    from ui.streamlit_internals.testing import declared_pages_only_in_app_test, share_script_cache_in_app_test

    declared_pages_only_in_app_test()
    share_script_cache_in_app_test()  # compiled once, as a served app does
    os.environ["DATABASE_URL"] = url
    os.environ["MIGRATION_DATABASE_URL"] = url
    reload_settings()
    st.cache_resource.clear()
    engine = create_engine(url)
    with engine.connect() as conn:
        account_id = conn.execute(text("SELECT id FROM accounts WHERE username = 'bench-returns'")).scalar_one()
        review_id, returns = conn.execute(text(
            "SELECT r.id, count(a.id) FROM reviews r JOIN agency_returns a ON a.review_id = r.id "
            "WHERE r.state <> 'closed' GROUP BY r.id ORDER BY count(a.id) DESC, r.id LIMIT 1")).one()
        return_ids = tuple(conn.execute(text("SELECT id FROM agency_returns WHERE review_id = :r ORDER BY id"),
                                        {"r": review_id}).scalars())
    engine.dispose()
    print(f"Checklist of review {review_id} ({returns} agency returns), as of {AS_OF}")
    measure(f"Checklist, review {review_id} ({returns} returns)", account_id, args.runs, review=review_id)
    measure("Checklist, every card folded", account_id, args.runs, review=review_id, folded=return_ids)
    if args.open:
        measure(f"Checklist, {args.open} card(s) opened", account_id, args.runs, review=review_id,
                opened=return_ids[:args.open])
    measure("Outstanding returns (worklist)", account_id, args.runs, review=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
