"""The kept per-review lists find what a write changed by the reviews' versions moved since their last look
(services.unit_of_work._members: those its snapshot did not see): after a write to review A only A's (id, version) is
read, -1 when A has left the
list; a second list of the same reviews at the same data version reads none; a data version gone back (a restore)
reads every review's again; the pickers' list is brought up to date without being rebuilt, and the live list's
return counts are kept review by review. Reviews as in test_data_versions.py: A notified Mon 23 Nov 2026, B Mon 7 Dec,
C Fri 4 Dec."""
from __future__ import annotations

import functools
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.models import Account
from services import unit_of_work
from services.accounts import create_account_from_command_line
from services.daily_log import add_log_entry
from services.integrity import PER_REVIEW, PerReview
from services.reviews.reads import all_review_versions, list_reviews, live_review_versions
from services.reviews.rules import ChildEntry
from services.reviews.service import open_review, withdraw_review
from services.reviews.status import list_live_reviews, live_return_counts

AS_OF = date(2026, 12, 7)  # a Monday



@pytest.fixture
def manager(database: Engine) -> int:
    with Session(database) as session, session.begin():
        return create_account_from_command_line(session, username="since-manager", display_name="Manager",
                                                roles=["manager", "officer", "admin"],
                                                password="a long enough password").id


def _open(account_id: int, received: date, initials: str) -> int:
    return unit_of_work.write(account_id, open_review, notification_type="serious_harm", incident_date=received,
                              csc_aware_date=received, notification_received_date=received,
                              children=[ChildEntry(initials, 7)], as_of=AS_OF).id


def _log(account_id: int, review_id: int) -> None:
    unit_of_work.write(account_id, add_log_entry, review_id=review_id, category="communication",
                       text="Phoned the school's safeguarding lead (test entry)")


def _watch_versions(monkeypatch: pytest.MonkeyPatch, fn: Any) -> list[tuple[Any, list[int]]]:
    """Each look at `fn`'s reviews: (its `since`, None for every review's; the ids it found, -1 ones negated)."""
    looks: list[tuple[Any, list[int]]] = []
    made = PER_REVIEW[fn]

    @functools.wraps(made.versions)  # its name and roles: the look is kept by its name
    def versions(session: Session, actor: Account, *, since: str | None = None) -> list[tuple[int, int]]:
        found = list(made.versions(session, actor, since=since))
        looks.append((since, sorted(review_id if at >= 0 else -review_id for review_id, at in found)))
        return found

    monkeypatch.setitem(PER_REVIEW, fn, PerReview(versions, made.part, made.combine))
    return looks


def test_after_a_write_only_the_reviews_written_are_looked_at(database: Engine, manager: int,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _open(manager, date(2026, 11, 23), "AB"), _open(manager, AS_OF, "CD")
    looks = _watch_versions(monkeypatch, list_live_reviews)
    unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
    assert looks == [(None, [a, b])]  # the first look: every review's
    _log(manager, a)
    unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
    assert looks[-1][0] is not None and looks[-1][1] == [a]  # since the last look: A alone
    c = _open(manager, date(2026, 12, 4), "EF")
    unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
    assert looks[-1][1] == [c]
    unit_of_work.write(manager, withdraw_review, review_id=a, expected_version=None, reason="duplicate",
                       as_of=AS_OF)
    kept = unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
    assert looks[-1][1] == [-a]  # moved, and no longer live
    # Worst first, by hand: C (red, 13 working days left) then B (amber).
    assert [s.review.id for s in kept] == [c, b]
    assert len(looks) == 4


def test_a_second_list_of_the_same_reviews_at_the_same_version_looks_at_none(
        database: Engine, manager: int, monkeypatch: pytest.MonkeyPatch) -> None:
    a = _open(manager, date(2026, 11, 23), "AB")
    looks = _watch_versions(monkeypatch, list_live_reviews)
    counts = _watch_versions(monkeypatch, live_return_counts)
    unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
    assert list(unit_of_work.read_by_review(manager, live_return_counts)) == [a]
    assert len(looks) == 1 and counts == []  # the counts' list used the live list's look
    _log(manager, a)
    unit_of_work.read_by_review(manager, live_return_counts)  # the counts first this time
    unit_of_work.read_by_review(manager, list_live_reviews, as_of=AS_OF)
    assert len(looks) == 1 and len(counts) == 1 and counts[0][1] == [a]


def test_a_data_version_gone_back_reads_every_reviews_version_again(
        database: Engine, manager: int, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _open(manager, date(2026, 11, 23), "AB"), _open(manager, AS_OF, "CD")
    looks = _watch_versions(monkeypatch, list_reviews)
    unit_of_work.read_by_review(manager, list_reviews)
    # As after a restore of an earlier backup: the whole version the last look was made at is ahead of the database's.
    process = unit_of_work._process
    with process.reads_lock:
        for key, last in list(process.members.items()):
            process.members[key] = unit_of_work._Members(last.snapshot, last.xmin, last.whole + 1_000_000,
                                                            last.versions)
    _log(manager, b)
    unit_of_work.read_by_review(manager, list_reviews)
    assert looks == [(None, [a, b]), (None, [a, b])]


def test_the_pickers_list_is_brought_up_to_date_and_the_one_handed_out_before_is_unchanged(
        database: Engine, manager: int) -> None:
    a, b = _open(manager, date(2026, 11, 23), "AB"), _open(manager, AS_OF, "CD")
    before = unit_of_work.read_by_review(manager, list_reviews)
    assert before.labels == {b: "071226CD (open)", a: "231126AB (open)"}
    c = _open(manager, date(2026, 12, 4), "EF")
    unit_of_work.write(manager, withdraw_review, review_id=a, expected_version=None, reason="duplicate",
                       as_of=AS_OF)
    after = unit_of_work.read_by_review(manager, list_reviews)
    fresh = unit_of_work.read(manager, list_reviews)
    # Newest notification first, by hand: B (7 Dec), C (4 Dec), A (23 Nov, now withdrawn).
    assert [r.id for r in after] == [b, c, a] == [r.id for r in fresh]
    assert after.labels == {b: "071226CD (open)", c: "041226EF (open)", a: "231126AB (withdrawn)"} == fresh.labels
    assert [r.id for r in after.live] == [b, c] and [r.id for r in after.closed] == [a]
    assert [r.id for r in before] == [b, a] and before.labels[a] == "231126AB (open)"


def test_the_live_lists_return_counts_are_kept_review_by_review(database: Engine, manager: int,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _open(manager, date(2026, 11, 23), "AB"), _open(manager, AS_OF, "CD")
    made = PER_REVIEW[live_return_counts]
    asked: list[tuple[int, ...]] = []

    def part(session: Session, actor: Account, *, review_ids: tuple[int, ...]) -> Any:
        asked.append(tuple(sorted(review_ids)))
        return made.part(session, actor, review_ids=review_ids)

    monkeypatch.setitem(PER_REVIEW, live_return_counts, PerReview(made.versions, part, made.combine))
    counts = unit_of_work.read_by_review(manager, live_return_counts)
    assert {review_id: c.label for review_id, c in counts.items()} == {a: "none requested", b: "none requested"}
    _log(manager, b)
    unit_of_work.read_by_review(manager, live_return_counts)
    assert asked == [(a, b), (b,)]
    assert unit_of_work.read(manager, live_return_counts) == unit_of_work.read_by_review(manager, live_return_counts)


def test_a_role_that_may_not_see_reviews_is_refused_even_when_the_look_is_kept(database: Engine,
                                                                              manager: int) -> None:
    from services.errors import NotAllowed

    _open(manager, date(2026, 11, 23), "AB")
    with Session(database) as session, session.begin():
        admin = create_account_from_command_line(session, username="since-admin", display_name="Admin",
                                                 roles=["admin"], password="a long enough password").id
    unit_of_work.read_by_review(manager, list_reviews)
    with pytest.raises(NotAllowed):
        unit_of_work.read_by_review(admin, list_reviews)
    assert all_review_versions is PER_REVIEW[list_reviews].versions
    assert live_review_versions is PER_REVIEW[list_live_reviews].versions
