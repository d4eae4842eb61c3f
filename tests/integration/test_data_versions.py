"""A data version per review (migration 0029) and the kept reads keyed by it (services.unit_of_work): a write to one
review moves that review's version only, a change of no review moves the partnership's; a kept read about review B
stays kept after a write to review A, and the kept live list and worklist read again only the reviews changed.

A small hand-built partnership, on Mon 7 Dec 2026:
- A, notified Mon 23 Nov 2026: Day 1 was 23 Nov, its Day 1 steps are overdue: red; Day 15 is Fri 11 Dec, 4 working
  days left;
- B, notified Mon 7 Dec 2026: Day 1 is today, its Day 1 steps are due today: amber;
- C (opened later in a test), notified Fri 4 Dec: Day 1 was Friday, its Day 1 steps are overdue: red; Day 15 is
  Thu 24 Dec (25 Dec a bank holiday), 13 working days left.
Worst first (red, then fewest working days left): A, C, B. Newest notification first (the pickers): B, C, A. Case
references: DDMMYY of the notification and the child's initials.
"""
from __future__ import annotations

import os
from datetime import date
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import Account
from services import unit_of_work
from services.accounts import create_account_from_command_line
from services.daily_log import add_log_entry
from services.integrity import PER_REVIEW, PerReview
from services.rag import Rag
from services.returns.reads import list_outstanding_returns
from services.reviews.reads import list_reviews
from services.reviews.rules import ChildEntry, ReviewStatus
from services.reviews.service import open_review, withdraw_review
from services.reviews.status import get_review_status, list_live_reviews
from services.settings import add_closure_day, list_closure_days, update_settings

AS_OF = date(2026, 12, 7)  # a Monday



@pytest.fixture
def manager(database: Engine) -> int:
    with Session(database) as session, session.begin():
        return create_account_from_command_line(session, username="versions-manager", display_name="Manager",
                                                roles=["manager", "officer", "admin"],
                                                password="a long enough password").id


def _open(account_id: int, received: date, initials: str) -> int:
    review = unit_of_work.write(account_id, open_review, notification_type="serious_harm", incident_date=received,
                                csc_aware_date=received, notification_received_date=received,
                                children=[ChildEntry(initials, 7)], as_of=AS_OF)
    return review.id


@pytest.fixture
def reviews(manager: int) -> tuple[int, int]:
    """(A, B) as the module's docstring sets them out."""
    return _open(manager, date(2026, 11, 23), "AB"), _open(manager, AS_OF, "CD")


def _versions(owner: Engine) -> dict[tuple[str, int], int]:
    with owner.connect() as conn:
        return {(scope, scope_id): version for scope, scope_id, version
                in conn.execute(text("SELECT scope, scope_id, version FROM data_versions"))}


def _log(account_id: int, review_id: int) -> None:
    unit_of_work.write(account_id, add_log_entry, review_id=review_id, category="communication",
                       text="Phoned the school's safeguarding lead (test entry)")


def _first_day_one_step(owner: Engine, review_id: int) -> int:
    with owner.connect() as conn:
        return int(conn.execute(text("SELECT min(id) FROM review_milestones WHERE review_id = :id"
                                     " AND window_end_day = 1"), {"id": review_id}).scalar_one())


def _step_done(account_id: int, milestone_id: int) -> None:
    """A step's done date saved as the app's role saves it (a tracked table: record_history's trigger)."""
    with unit_of_work.transaction(read_only=False, account_id=account_id) as session:
        session.execute(text("UPDATE review_milestones SET done_date = :on, done_by_id = :by, done_at = now()"
                             " WHERE id = :id"), {"on": AS_OF, "by": account_id, "id": milestone_id})


# ---------------------------------------------------------------- the versions, kept by the database


def test_a_write_to_review_a_moves_as_version_and_not_bs_nor_the_partnerships(database: Engine, manager: int,
                                                                             reviews: tuple[int, int]) -> None:
    a, b = reviews
    before = _versions(database)
    assert {("review", a), ("review", b), ("partnership", 1)} <= set(before)
    _log(manager, a)  # the daily log's statement trigger
    after_log = _versions(database)
    assert after_log[("review", a)] != before[("review", a)]
    assert after_log[("review", b)] == before[("review", b)]
    assert after_log[("partnership", 1)] == before[("partnership", 1)]
    _step_done(manager, _first_day_one_step(database, a))
    after_step = _versions(database)
    assert after_step[("review", a)] != after_log[("review", a)]
    assert after_step[("review", b)] == before[("review", b)]
    assert after_step[("partnership", 1)] == before[("partnership", 1)]


def test_a_settings_or_closure_day_change_moves_the_partnerships_version(database: Engine, manager: int,
                                                                         reviews: tuple[int, int]) -> None:
    before = _versions(database)
    unit_of_work.write(manager, update_settings, partnership_name="Test Partnership", amber_threshold_days=2,
                       idle_timeout_minutes=30)
    after_settings = _versions(database)
    assert after_settings[("partnership", 1)] != before[("partnership", 1)]
    unit_of_work.write(manager, add_closure_day, closed_on=date(2026, 12, 30), reason="Council closure")
    after_closure = _versions(database)
    assert after_closure[("partnership", 1)] != after_settings[("partnership", 1)]


def test_one_transaction_moves_a_version_once_whatever_it_changes(database: Engine, manager: int,
                                                                 reviews: tuple[int, int]) -> None:
    """Each scope's version is the last transaction that changed it: two changes in one transaction, one version."""
    a, _b = reviews
    with unit_of_work.transaction(read_only=False, account_id=manager) as session:
        session.execute(text("UPDATE review_milestones SET note = 'first' WHERE review_id = :id"), {"id": a})
        session.execute(text("UPDATE review_milestones SET note = 'second' WHERE review_id = :id"), {"id": a})
        moved = session.execute(text("SELECT txid_current()")).scalar_one()
    assert _versions(database)[("review", a)] == moved


@pytest.mark.parametrize("statement", [
    "INSERT INTO data_versions (scope, scope_id, version) VALUES ('review', 999999, 1)",
    "UPDATE data_versions SET version = 1",
    "DELETE FROM data_versions",
    "TRUNCATE data_versions",
])
def test_the_app_role_cannot_write_the_versions(database: Engine, manager: int, statement: str) -> None:
    app = create_engine(os.environ["DATABASE_URL"])
    try:
        with app.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM data_versions")).scalar_one() >= 1  # it may read them
            with pytest.raises(DBAPIError) as refused:
                conn.execute(text(statement))
    finally:
        app.dispose()
    assert isinstance(refused.value.orig, psycopg.Error)
    assert refused.value.orig.sqlstate == "42501"  # insufficient_privilege


# ---------------------------------------------------------------- kept reads


def test_after_a_write_to_a_bs_kept_status_is_a_hit_and_as_is_read_again(database: Engine, manager: int,
                                                                         reviews: tuple[int, int]) -> None:
    a, b = reviews
    calls: list[int] = []

    def status(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReviewStatus:
        calls.append(review_id)
        return get_review_status(session, actor, review_id=review_id, as_of=as_of)

    def read(review_id: int) -> ReviewStatus:
        return unit_of_work.read_for_review(manager, status, review_id=review_id, as_of=AS_OF)

    assert (read(a).rag, read(b).rag) == (Rag.RED, Rag.AMBER)
    assert (read(a).rag, read(b).rag) == (Rag.RED, Rag.AMBER)
    assert calls == [a, b]  # the second two were kept
    step = _first_day_one_step(database, a)
    _step_done(manager, step)
    assert read(b).rag is Rag.AMBER
    assert calls == [a, b]  # B's kept status is still a hit
    fresh = read(a)
    assert calls == [a, b, a]  # A's is read again
    assert [m.milestone.done_date for m in fresh.milestones if m.milestone.id == step] == [AS_OF]
    # A change of the partnership (the amber threshold) reads both again.
    unit_of_work.write(manager, update_settings, partnership_name="Test Partnership", amber_threshold_days=2,
                       idle_timeout_minutes=30)
    read(a), read(b)
    assert calls == [a, b, a, a, b]


def _counting_parts(monkeypatch: pytest.MonkeyPatch, fn: Any) -> list[tuple[int, ...]]:
    """The review ids each read of `fn`'s parts asks for (the kept list's work after a write)."""
    asked: list[tuple[int, ...]] = []
    made = PER_REVIEW[fn]

    def part(session: Session, actor: Account, *, review_ids: tuple[int, ...], **kwargs: Any) -> Any:
        asked.append(tuple(sorted(review_ids)))
        return made.part(session, actor, review_ids=review_ids, **kwargs)

    monkeypatch.setitem(PER_REVIEW, fn, PerReview(made.versions, part, made.combine))
    return asked


def _live(manager: int) -> list[tuple[str, Rag]]:
    return [(s.review.case_reference, s.rag)
            for s in unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)]


def _fresh_live(manager: int) -> list[tuple[str, Rag]]:
    return [(s.review.case_reference, s.rag) for s in unit_of_work.read(manager, list_live_reviews, as_of=AS_OF)]


def test_the_kept_live_list_reads_again_only_the_review_written_and_equals_a_fresh_one(
        database: Engine, manager: int, reviews: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = reviews
    asked = _counting_parts(monkeypatch, list_live_reviews)
    expected = [("231126AB", Rag.RED), ("071226CD", Rag.AMBER)]  # worked by hand: the module's docstring
    assert _live(manager) == expected == _fresh_live(manager)
    assert asked == [(a, b)]
    assert _live(manager) == expected
    assert asked == [(a, b)]  # kept: nothing read
    _log(manager, a)
    assert _live(manager) == expected
    assert asked == [(a, b), (a,)]  # only A again
    c = _open(manager, date(2026, 12, 4), "EF")  # C: the module's docstring
    assert _live(manager) == [("231126AB", Rag.RED), ("041226EF", Rag.RED), ("071226CD", Rag.AMBER)]
    assert asked[-1] == (c,)
    assert _live(manager) == _fresh_live(manager)
    # A withdrawn review leaves the list.
    unit_of_work.write(manager, withdraw_review, review_id=a, expected_version=None, reason="duplicate",
                       as_of=AS_OF)
    assert _live(manager) == [("041226EF", Rag.RED), ("071226CD", Rag.AMBER)] == _fresh_live(manager)
    assert asked[-1] != (a,)
    # A closure day moves every RAG's calendar: every live review read again.
    unit_of_work.write(manager, add_closure_day, closed_on=date(2026, 12, 8), reason="Council closure")
    kept = _live(manager)
    assert asked[-1] == tuple(sorted((b, c)))
    assert kept == _fresh_live(manager)


def test_the_kept_worklist_and_pickers_list_equal_fresh_ones_after_writes(
        database: Engine, manager: int, reviews: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = reviews
    asked = _counting_parts(monkeypatch, list_reviews)

    def worklist() -> tuple[list[Any], list[Any]]:
        kept = unit_of_work.read_by_review(manager, list_outstanding_returns, as_of=AS_OF)
        fresh = unit_of_work.read(manager, list_outstanding_returns, as_of=AS_OF)
        return [(s.ret.id, s.rag) for s in kept], [(s.ret.id, s.rag) for s in fresh]

    def pickers() -> tuple[list[str], list[str]]:
        return ([r.case_reference for r in unit_of_work.read_by_review(manager, list_reviews)],
                [r.case_reference for r in unit_of_work.read(manager, list_reviews)])

    kept, fresh = worklist()
    assert kept == fresh
    # Newest notification first, worked by hand: B (7 Dec) then A (23 Nov).
    assert pickers() == (["071226CD", "231126AB"], ["071226CD", "231126AB"])
    assert asked == [(a, b)]
    _log(manager, a)
    assert pickers()[0] == ["071226CD", "231126AB"]
    assert asked == [(a, b), (a,)]
    c = _open(manager, date(2026, 12, 4), "EF")
    assert pickers() == (["071226CD", "041226EF", "231126AB"],) * 2
    assert asked[-1] == (c,)
    unit_of_work.write(manager, withdraw_review, review_id=a, expected_version=None, reason="duplicate",
                       as_of=AS_OF)
    kept, fresh = worklist()
    assert kept == fresh
    names, fresh_names = pickers()
    assert names == fresh_names


# ---------------------------------------------------------------- random writes: kept == fresh after each


def test_after_random_writes_to_random_reviews_the_kept_reads_equal_fresh_ones(
        database: Engine, manager: int, reviews: tuple[int, int]) -> None:
    from hypothesis import HealthCheck, settings
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

    a, b = reviews
    c = _open(manager, date(2026, 12, 4), "EF")
    live = [a, b, c]
    steps = {review_id: _first_day_one_step(database, review_id) for review_id in live}

    def status_view(status: ReviewStatus) -> tuple[Any, ...]:
        return (status.review.case_reference, status.review.state, status.rag, status.working_days_left,
                tuple((m.milestone.id, m.milestone.done_date, m.rag) for m in status.milestones), status.why)

    class Writes(RuleBasedStateMachine):
        @rule(review=st.sampled_from(live))
        def log_entry(self, review: int) -> None:
            _log(manager, review)

        @rule(review=st.sampled_from(live))
        def step_done(self, review: int) -> None:
            _step_done(manager, steps[review])

        @rule(day=st.integers(min_value=8, max_value=11))
        def closure_day(self, day: int) -> None:
            closed_on = date(2026, 12, day)
            if closed_on not in {d.closed_on for d in unit_of_work.read(manager, list_closure_days)}:
                unit_of_work.write(manager, add_closure_day, closed_on=closed_on, reason="Council closure")

        @invariant()
        def kept_equals_fresh(self) -> None:
            kept = unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
            fresh = unit_of_work.read(manager, list_live_reviews, as_of=AS_OF)
            assert [status_view(s) for s in kept] == [status_view(s) for s in fresh]
            for review_id in live:
                assert status_view(unit_of_work.read_for_review(
                    manager, get_review_status, review_id=review_id, as_of=AS_OF)) == status_view(
                    unit_of_work.read(manager, get_review_status, review_id=review_id, as_of=AS_OF))
            kept_returns = unit_of_work.read_by_review(manager, list_outstanding_returns, as_of=AS_OF)
            fresh_returns = unit_of_work.read(manager, list_outstanding_returns, as_of=AS_OF)
            assert [(s.ret.id, s.rag, s.action_due) for s in kept_returns] == \
                [(s.ret.id, s.rag, s.action_due) for s in fresh_returns]

    run_state_machine_as_test(Writes, settings=settings(max_examples=4, stateful_step_count=6, deadline=None,
                                                        suppress_health_check=list(HealthCheck)))
