"""The Live reviews page's "Waiting for Ofsted" and "LCSPRs in progress" kept review by review (issue 31,
services.unit_of_work.read_by_review), and the Daily log's page of one review kept by that review's version
(read_for_review): a write to another review reads neither list's parts again; a write to a review in a list reads
that review's part alone; after random writes that move reviews into and out of the lists the kept reads equal fresh
ones.

On a copy of the demo partnership as of Thu 26 Nov 2026 (demo/partnership.py, demo/lcspr.py): one closed review waits
for Ofsted's reply (W); two closed reviews became LCSPRs, one early in its steps and on the live list (L), one
published and off it (P); the live reviews are in neither list. The reviews are found here by their rows, not by the
services under test.
"""
from __future__ import annotations

import functools
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from db.models import Account
from services import unit_of_work
from services.daily_log import add_log_entry
from services.daily_log.reads import search_log, search_review_log
from services.daily_log.rules import LogFilters
from services.integrity import PER_REVIEW, PerReview
from services.lcspr.reads import list_live_lcsprs
from services.report.reads import list_ofsted_outstanding
from services.settings import add_closure_day, list_closure_days
from tests.conftest import DEMO_AS_OF

AS_OF = DEMO_AS_OF  # Thu 26 Nov 2026: the day the demo copy was loaded for


def _one(owner: Engine, sql: str) -> int:
    with owner.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


@pytest.fixture
def demo(database: Engine) -> dict[str, int]:
    """The manager's id and the reviews of the module's docstring, found by their rows."""
    return {
        "manager": _one(database, "SELECT id FROM accounts WHERE username = 'demo-manager'"),
        "admin": _one(database, "SELECT min(id) FROM accounts WHERE 'admin' = ANY (roles)"),
        "W": _one(database, "SELECT id FROM reviews WHERE state = 'closed' AND ofsted_required"
                            " AND ofsted_response_date IS NULL"),
        "L": _one(database, "SELECT review_id FROM lcsprs WHERE published_on IS NULL"),
        "P": _one(database, "SELECT review_id FROM lcsprs WHERE published_on IS NOT NULL"),
        "X": _one(database, "SELECT min(id) FROM reviews WHERE state = 'open'"),
        # A closed review in neither list, with no report version (the demo's history): its Ofsted reply asked for
        # and not recorded, it is among the reviews "Waiting for Ofsted" may hold, and shows nothing (no report sent).
        "C": _one(database, "SELECT min(r.id) FROM reviews r WHERE r.state = 'closed' AND r.withdrawn_on IS NULL"
                            " AND NOT r.ofsted_required AND r.submitted_to_panel_date IS NOT NULL"
                            " AND NOT EXISTS (SELECT 1 FROM lcsprs l WHERE l.review_id = r.id)"
                            " AND NOT EXISTS (SELECT 1 FROM report_versions v WHERE v.review_id = r.id)"),
    }


def _log(manager: int, review_id: int) -> None:
    unit_of_work.write(manager, add_log_entry, review_id=review_id, category="communication",
                       text="Phoned the school's safeguarding lead (test entry)")


def _update(manager: int, sql: str, **values: Any) -> None:
    """A change saved as the app's role saves one (tracked tables: the record of changes moves the review's version)."""
    with unit_of_work.transaction(read_only=False, account_id=manager) as session:
        session.execute(text(sql), values)


def _waiting(manager: int, review_id: int, waiting: bool) -> None:
    """Ofsted's reply asked for and not recorded (waiting), or recorded on the day of the submission."""
    response = "NULL" if waiting else "submitted_to_panel_date"
    _update(manager, f"UPDATE reviews SET ofsted_required = true, ofsted_response_date = {response} WHERE id = :id",
            id=review_id)


def _not_published(manager: int, review_id: int, reason: str | None) -> None:
    """The LCSPR's draft and final report on its decision's day and decided not to be published (finished: off the
    live list), or none of the three (back on it)."""
    on = "NULL" if reason is None else "decided_on"
    _update(manager, f"UPDATE lcsprs SET draft_to_partners_on = {on}, final_report_on = {on},"
                     " not_published_reason = :reason WHERE review_id = :id", reason=reason, id=review_id)


def _counting_parts(monkeypatch: pytest.MonkeyPatch, fn: Any) -> list[tuple[int, ...]]:
    """The review ids each read of `fn`'s parts asks for."""
    asked: list[tuple[int, ...]] = []
    made = PER_REVIEW[fn]

    @functools.wraps(made.part)  # its name: each list's parts are kept by their service's name
    def part(session: Session, actor: Account, *, review_ids: tuple[int, ...], **kwargs: Any) -> Any:
        asked.append(tuple(sorted(review_ids)))
        return made.part(session, actor, review_ids=review_ids, **kwargs)

    monkeypatch.setitem(PER_REVIEW, fn, PerReview(made.versions, part, made.combine))
    return asked


@pytest.mark.demo_data(as_of=AS_OF)
def test_a_write_to_another_review_reads_neither_lists_parts_and_one_to_a_listed_review_reads_its_part(
        demo: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    manager, w, lcspr, x = demo["manager"], demo["W"], demo["L"], demo["X"]
    ofsted = _counting_parts(monkeypatch, list_ofsted_outstanding)
    lcsprs = _counting_parts(monkeypatch, list_live_lcsprs)

    def both() -> tuple[list[int], list[int]]:
        return ([o.review_id for o in unit_of_work.read_by_review(manager, list_ofsted_outstanding, as_of=AS_OF)],
                [x.review_id for x in unit_of_work.read_by_review(manager, list_live_lcsprs, as_of=AS_OF)])

    assert both() == ([w], [lcspr])
    # The first read: every review each list may hold (the LCSPRs' list: both LCSPRs, the published one's part empty).
    assert ofsted == [(w,)] and lcsprs == [tuple(sorted((lcspr, demo["P"])))]
    _log(manager, x)
    assert both() == ([w], [lcspr])
    assert len(ofsted) == 1 and len(lcsprs) == 1  # a live review written: no part of either list read again
    _log(manager, w)
    assert both() == ([w], [lcspr])
    assert ofsted[-1] == (w,) and len(ofsted) == 2 and len(lcsprs) == 1  # W's part alone, the LCSPRs' kept
    _log(manager, lcspr)
    assert both() == ([w], [lcspr])
    assert lcsprs[-1] == (lcspr,) and len(lcsprs) == 2 and len(ofsted) == 2


@pytest.mark.demo_data(as_of=AS_OF)
def test_reviews_join_and_leave_the_kept_lists_as_their_rows_change(demo: dict[str, int]) -> None:
    manager, w, c, lcspr, published = demo["manager"], demo["W"], demo["C"], demo["L"], demo["P"]

    def both() -> tuple[list[int], list[int]]:
        return ([o.review_id for o in unit_of_work.read_by_review(manager, list_ofsted_outstanding, as_of=AS_OF)],
                [x.review_id for x in unit_of_work.read_by_review(manager, list_live_lcsprs, as_of=AS_OF)])

    assert both() == ([w], [lcspr])
    _update(manager, "UPDATE reviews SET ofsted_response_date = :on WHERE id = :id", on=AS_OF, id=w)
    _waiting(manager, c, True)
    _update(manager, "UPDATE lcsprs SET published_on = NULL, publication_address = NULL WHERE review_id = :id",
            id=published)
    _not_published(manager, lcspr, "The family asked")
    # W answered leaves (C waits, with no report sent to show); the published LCSPR unpublished joins, L decided not
    # to be published leaves.
    assert both() == ([], [published])
    _update(manager, "UPDATE reviews SET ofsted_response_date = NULL WHERE id = :id", id=w)
    assert both() == ([w], [published])


@pytest.mark.demo_data(as_of=AS_OF)
def test_one_reviews_page_of_the_log_is_kept_through_a_write_to_another_review(
        demo: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    manager, w, x = demo["manager"], demo["W"], demo["X"]
    searches: list[int] = []

    @functools.wraps(search_review_log)  # its name and roles: kept as the service itself is
    def counted(session: Session, actor: Account, *, review_id: int, **kwargs: Any) -> Any:
        searches.append(review_id)
        return search_review_log(session, actor, review_id=review_id, **kwargs)

    def page() -> list[int]:
        return [row.id for row in unit_of_work.read_for_review(
            manager, counted, review_id=w, filters=LogFilters(review_id=w)).rows]

    first = page()
    _log(manager, x)
    assert page() == first and searches == [w]  # another review written: kept
    _log(manager, w)
    after = page()
    assert searches == [w, w]  # W written: read again, the new entry first
    assert after[0] not in first and after[1:] == first[:len(after) - 1]


def _kept_equals_fresh(manager: int, logs_of: tuple[int, ...]) -> None:
    for fn in (list_ofsted_outstanding, list_live_lcsprs):
        assert unit_of_work.read_by_review(manager, fn, as_of=AS_OF) == unit_of_work.read(
            manager, fn, as_of=AS_OF), fn.__name__
    for review_id in logs_of:
        filters = LogFilters(review_id=review_id)
        assert unit_of_work.read_for_review(manager, search_review_log, review_id=review_id,
                                            filters=filters) == unit_of_work.read(manager, search_log, filters=filters)


@pytest.mark.demo_data(as_of=AS_OF)
def test_after_random_writes_the_kept_lists_equal_fresh_ones(demo: dict[str, int]) -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

    manager, w, c, lcspr, published, x = (demo[k] for k in ("manager", "W", "C", "L", "P", "X"))
    touched = [w, c, lcspr, published, x]

    class Writes(RuleBasedStateMachine):
        @rule(review=st.sampled_from(touched))
        def log_entry(self, review: int) -> None:
            _log(manager, review)

        @rule(answered=st.booleans())
        def ofsted_answered(self, answered: bool) -> None:
            _update(manager, "UPDATE reviews SET ofsted_response_date = :on WHERE id = :id",
                    on=AS_OF if answered else None, id=w)

        @rule(waiting=st.booleans())
        def ofsted_asked(self, waiting: bool) -> None:
            _waiting(manager, c, waiting)

        @rule(reason=st.sampled_from([None, "The family asked"]))
        def not_published(self, reason: str | None) -> None:
            _not_published(manager, lcspr, reason)

        @rule(agreed=st.booleans())
        def terms_agreed(self, agreed: bool) -> None:
            on = "reviewer_commissioned_on" if agreed else "NULL"
            _update(manager, f"UPDATE lcsprs SET terms_agreed_on = {on} WHERE review_id = :id", id=lcspr)

        @rule(unpublished=st.booleans())
        def unpublish(self, unpublished: bool) -> None:
            on, address = ("NULL", None) if unpublished else ("copies_sent_on", "https://demoshire.example/lcspr")
            _update(manager, f"UPDATE lcsprs SET published_on = {on}, publication_address = :address"
                             " WHERE review_id = :id", address=address, id=published)

        @rule(day=st.sampled_from([date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]))
        def closure_day(self, day: date) -> None:
            if day not in {d.closed_on for d in unit_of_work.read(demo["admin"], list_closure_days)}:
                unit_of_work.write(demo["admin"], add_closure_day, closed_on=day, reason="Council closure")

        @invariant()
        def kept_equals_fresh(self) -> None:
            _kept_equals_fresh(manager, (w, lcspr))

    run_state_machine_as_test(Writes, settings=settings(max_examples=4, stateful_step_count=8, deadline=None,
                                                        suppress_health_check=list(HealthCheck)))
