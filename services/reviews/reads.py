"""What the review services hand back to pages: plain frozen copies of a review, its children and milestones.

A page reads these after its transaction has closed: each `of` copies a row whose relationships were loaded with it
(`service.REVIEW_LOAD`, `MILESTONE_LOAD`). For lists, `read_reviews` and `read_milestones` load the same copies by
their columns alone, a fixed number of queries however many reviews match (no ORM objects, no lazy loads)."""
from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session, aliased

from db.enums import CorrectedFact, ReviewState, Role
from db.models import (
    Account,
    MilestoneDateCorrection,
    Review,
    ReviewChild,
    ReviewFactCorrection,
    ReviewMilestone,
)
from services.integrity import made_per_review, versions_where
from services.milestones import load_review
from services.permissions import CASE_READERS, requires

# The states of a review on the live list, the feeds and the digests: not closed, not withdrawn.
LIVE_STATES = (ReviewState.OPEN, ReviewState.SUBMITTED)


@dataclass(frozen=True)
class ChildRead:
    position: int
    initials: str
    age_years: int

    @classmethod
    def of(cls, row: ReviewChild) -> ChildRead:
        return cls(row.position, row.initials, row.age_years)


@dataclass(frozen=True)
class ReviewRead:
    """One review as saved (its milestones come with its status: services.reviews.status)."""

    id: int
    case_reference: str
    notification_type: str
    state: str
    incident_date: date | None  # None: not known yet (required before sign-off)
    csc_aware_date: date | None
    notification_received_date: date
    sin_submitted_date: date | None = None
    submitted_to_panel_date: date | None = None
    panel_response_date: date | None = None
    ofsted_required: bool = False
    ofsted_response_date: date | None = None
    exec_meeting_required: bool | None = None
    lcspr_decision: bool | None = None
    lcspr_reason: str | None = None
    created_at: datetime | None = None
    created_by_id: int | None = None
    version: int = 1
    # Withdrawn (migration 0018): when, by whom, why (services.reviews.rules.WITHDRAWAL_REASON_LABELS) and a note.
    withdrawn_on: date | None = None
    withdrawn_by_id: int | None = None
    withdrawn_reason: str | None = None
    withdrawn_note: str | None = None
    children: tuple[ChildRead, ...] = ()
    # The case references it had before its first child's initials were corrected, oldest first.
    former_references: tuple[str, ...] = ()

    @property
    def withdrawn(self) -> bool:
        return self.state == ReviewState.WITHDRAWN

    @classmethod
    def of(cls, row: Review, *, with_children: bool = True) -> ReviewRead:
        """A copy of `row`; its children too unless `with_children` is False (a picker needs none)."""
        return cls(
            id=row.id,
            case_reference=row.case_reference,
            notification_type=row.notification_type,
            state=row.state,
            incident_date=row.incident_date,
            csc_aware_date=row.csc_aware_date,
            notification_received_date=row.notification_received_date,
            sin_submitted_date=row.sin_submitted_date,
            submitted_to_panel_date=row.submitted_to_panel_date,
            panel_response_date=row.panel_response_date,
            ofsted_required=row.ofsted_required,
            ofsted_response_date=row.ofsted_response_date,
            exec_meeting_required=row.exec_meeting_required,
            lcspr_decision=row.lcspr_decision,
            lcspr_reason=row.lcspr_reason,
            created_at=row.created_at,
            created_by_id=row.created_by_id,
            version=row.version,
            withdrawn_on=row.withdrawn_on,
            withdrawn_by_id=row.withdrawn_by_id,
            withdrawn_reason=row.withdrawn_reason,
            withdrawn_note=row.withdrawn_note,
            children=tuple(ChildRead.of(c) for c in row.children) if with_children else (),
        )


@dataclass(frozen=True)
class MilestoneRead:
    """One milestone of one review, with the names of who did it and who it is delegated to."""

    id: int
    review_id: int
    key: str
    title: str
    owner: str
    sort_order: int
    window_start_day: int | None = None
    window_end_day: int | None = None
    follows_key: str | None = None
    follows_offset_days: int | None = None
    done_when: str = ""
    optional: bool = False
    condition: str | None = None
    window_start_date: date | None = None
    due_date: date | None = None
    agreed_due_date: date | None = None
    agreed_reason: str | None = None
    done_date: date | None = None
    done_by_id: int | None = None
    done_by_name: str | None = None
    done_at: datetime | None = None
    note: str | None = None
    delegated_to_id: int | None = None
    delegated_to_name: str | None = None
    version: int = 1

    @property
    def effective_due_date(self) -> date | None:
        """The agreed date when the manager set one, else the plan's date."""
        return self.agreed_due_date or self.due_date

    @classmethod
    def of(cls, row: ReviewMilestone) -> MilestoneRead:
        """A copy of `row` (its done_by and delegated_to loaded with it)."""
        return cls(
            id=row.id,
            review_id=row.review_id,
            key=row.key,
            title=row.title,
            owner=row.owner,
            sort_order=row.sort_order,
            window_start_day=row.window_start_day,
            window_end_day=row.window_end_day,
            follows_key=row.follows_key,
            follows_offset_days=row.follows_offset_days,
            done_when=row.done_when,
            optional=row.optional,
            condition=row.condition,
            window_start_date=row.window_start_date,
            due_date=row.due_date,
            agreed_due_date=row.agreed_due_date,
            agreed_reason=row.agreed_reason,
            done_date=row.done_date,
            done_by_id=row.done_by_id,
            done_by_name=row.done_by.display_name if row.done_by else None,
            done_at=row.done_at,
            note=row.note,
            delegated_to_id=row.delegated_to_id,
            delegated_to_name=row.delegated_to.display_name if row.delegated_to else None,
            version=row.version,
        )


@dataclass(frozen=True)
class AccountRef:
    """An account a milestone can be delegated to."""

    id: int
    display_name: str


@dataclass(frozen=True)
class FactCorrectionRead:
    """A review's fact corrected (migration 0018): which, for which child, the old and new values, why, who, when."""

    fact: str
    child_position: int | None
    old_value: str | None
    new_value: str | None
    reason: str
    corrected_by_name: str
    corrected_at: datetime


@dataclass(frozen=True)
class PuttingRight:
    """What the Review page shows of a review put right: its withdrawal (who withdrew it) and its corrections."""

    withdrawn_by_name: str | None
    corrections: tuple[FactCorrectionRead, ...]


@dataclass(frozen=True)
class DateCorrectionRead:
    """A completed step's date corrected: the old and new dates, why, who and when."""

    id: int
    milestone_id: int
    milestone_title: str
    old_done_date: date
    new_done_date: date
    reason: str
    corrected_by_name: str
    corrected_at: datetime


def _label(review: ReviewRead) -> str:
    return (f"{review.case_reference} ({review.state})"
            + (f", formerly {', '.join(review.former_references)}" if review.former_references else ""))


def _newest_first(review: ReviewRead) -> tuple[int, int]:
    """A key that sorts newest notification first (the greater id first on the same day), ascending."""
    return (-review.notification_received_date.toordinal(), -review.id)


class ReviewList(list[ReviewRead]):
    """Reviews, newest first, with what a review picker looks up on every run computed once: a page's list is a
    shared read (ui.state.read_shared) handed to every run until a write, so at national scale (about 5,000 reviews)
    no run walks them all."""

    @cached_property
    def by_id(self) -> dict[int, ReviewRead]:
        return {review.id: review for review in self}

    @cached_property
    def live(self) -> list[ReviewRead]:
        return [review for review in self if review.state in LIVE_STATES]

    @cached_property
    def closed(self) -> list[ReviewRead]:
        """Closed and withdrawn reviews: what "Find a closed review" searches."""
        return [review for review in self if review.state not in LIVE_STATES]

    @cached_property
    def labels(self) -> dict[int, str]:
        """What a picker shows for each review: its case reference and state (and any former reference)."""
        return {review.id: _label(review) for review in self}

    def replaced(self, parts: dict[int, ReviewRead], gone: set[int]) -> ReviewList:
        """A new list (this one is shared, never changed): these reviews put in (newest first) in place of their
        former entries, those `gone` left out. The picker's look-ups computed already (`by_id`, `labels`) are carried
        over with the changed entries replaced, not computed again for every review."""
        dropped = gone | parts.keys()
        made = ReviewList(review for review in self if review.id not in dropped)
        for review in parts.values():
            bisect.insort(made, review, key=_newest_first)
        if "by_id" in self.__dict__:
            by_id = {review_id: review for review_id, review in self.by_id.items() if review_id not in dropped}
            made.__dict__["by_id"] = by_id | {review.id: review for review in parts.values()}
        if "labels" in self.__dict__:
            labels = {review_id: label for review_id, label in self.labels.items() if review_id not in dropped}
            made.__dict__["labels"] = labels | {review.id: _label(review) for review in parts.values()}
        return made

    def find(self, typed: str) -> list[ReviewRead]:
        """The closed or withdrawn reviews whose case reference, or a former one, contains `typed`; and any live
        review found only by a former reference (a live one is in the picker already by its own)."""
        typed = typed.strip().upper()
        if not typed:
            return []
        return [r for r in self
                if (r.state not in LIVE_STATES and typed in r.case_reference.upper())
                or any(typed in old.upper() for old in r.former_references)]


_REVIEW_COLUMNS = [getattr(Review, f.name) for f in fields(ReviewRead)
                   if f.name not in ("children", "former_references")]
_NAMES = ("done_by_name", "delegated_to_name")
_MILESTONE_COLUMNS = [getattr(ReviewMilestone, f.name) for f in fields(MilestoneRead) if f.name not in _NAMES]


def read_reviews(session: Session, *where: ColumnElement[bool], order_by: Any = ()) -> list[ReviewRead]:
    """The reviews matching `where`, with their children and former references: three queries of columns."""
    rows = session.execute(select(*_REVIEW_COLUMNS).where(*where).order_by(*order_by)).all()
    children: dict[int, list[ChildRead]] = defaultdict(list)
    if rows:
        for review_id, position, initials, age in session.execute(
            select(ReviewChild.review_id, ReviewChild.position, ReviewChild.initials, ReviewChild.age_years)
            .where(ReviewChild.review_id.in_(select(Review.id).where(*where)))
            .order_by(ReviewChild.review_id, ReviewChild.position)
        ):
            children[review_id].append(ChildRead(position, initials, age))
    former: dict[int, list[str]] = defaultdict(list)
    if rows:
        for review_id, old in session.execute(
            select(ReviewFactCorrection.review_id, ReviewFactCorrection.old_value)
            .where(ReviewFactCorrection.fact == CorrectedFact.CASE_REFERENCE,
                   ReviewFactCorrection.review_id.in_(select(Review.id).where(*where)))
            .order_by(ReviewFactCorrection.review_id, ReviewFactCorrection.id)
        ):
            if old:
                former[review_id].append(old)
    return [ReviewRead(**row._mapping, children=tuple(children[row.id]), former_references=tuple(former[row.id]))
            for row in rows]


def read_milestones(session: Session, *where: ColumnElement[bool]) -> dict[int, list[MilestoneRead]]:
    """The milestones of the reviews matching `where`, by review, in plan order, with the names of who did each
    and who has it: one query of columns."""
    done_by, delegated_to = aliased(Account), aliased(Account)
    found: dict[int, list[MilestoneRead]] = defaultdict(list)
    for row in session.execute(
        select(*_MILESTONE_COLUMNS, done_by.display_name.label("done_by_name"),
               delegated_to.display_name.label("delegated_to_name"))
        .outerjoin(done_by, done_by.id == ReviewMilestone.done_by_id)
        .outerjoin(delegated_to, delegated_to.id == ReviewMilestone.delegated_to_id)
        .where(ReviewMilestone.review_id.in_(select(Review.id).where(*where)))
        .order_by(ReviewMilestone.review_id, ReviewMilestone.sort_order)
    ):
        found[row.review_id].append(MilestoneRead(**row._mapping))
    return found


def _versions(session: Session, where: ColumnElement[bool], since: str | None) -> list[tuple[int, int]]:
    """services.integrity.versions_where: every review's version `where` selects, or those moved `since`."""
    return versions_where(session, where, since)


@requires(*CASE_READERS, action="see reviews")
def live_review_versions(session: Session, actor: Account, *, since: str | None = None) -> list[tuple[int, int]]:
    """(id, data version) of every review not yet closed (nor withdrawn), in one statement: what the kept live list
    and worklist check their parts against (services.unit_of_work.read_by_review); with `since`, of those moved since
    (`_versions`)."""
    return _versions(session, Review.state.in_(LIVE_STATES), since)


@requires(*CASE_READERS, action="see reviews")
def all_review_versions(session: Session, actor: Account, *, since: str | None = None) -> list[tuple[int, int]]:
    """(id, data version) of every review, in one statement: what the kept pickers' list checks its parts against;
    with `since`, of those moved since (`_versions`)."""
    return _versions(session, true(), since)


@requires(*CASE_READERS, action="see reviews")
def reviews_by_id(session: Session, actor: Account, *, review_ids: Sequence[int]) -> dict[int, ReviewRead]:
    """These reviews as the pickers list them, by id (one that no longer exists is left out)."""
    return {review.id: review for review in read_reviews(session, Review.id.in_(list(review_ids)))}


def newest_first(reviews: list[ReviewRead]) -> ReviewList:
    """The pickers' list from its parts: newest notification first (as `list_reviews` orders them)."""
    return ReviewList(sorted(reviews, key=_newest_first))


@made_per_review(versions=all_review_versions, part=reviews_by_id, combine=newest_first)
@requires(*CASE_READERS, action="see reviews")
def list_reviews(session: Session, actor: Account, *, include_closed: bool = True) -> ReviewList:
    """All reviews (for pickers), newest notification first; without the closed and withdrawn ones on request."""
    where = [] if include_closed else [Review.state.in_((ReviewState.OPEN, ReviewState.SUBMITTED))]
    return ReviewList(read_reviews(session, *where,
                                   order_by=(Review.notification_received_date.desc(), Review.id.desc())))


@requires(*CASE_READERS, action="see the corrected dates of a review's steps")
def list_date_corrections(session: Session, actor: Account, *, review_id: int) -> list[DateCorrectionRead]:
    """Every correction of a completed step's date of one review, by step in plan order, oldest first."""
    rows = session.execute(
        select(MilestoneDateCorrection, ReviewMilestone.title, Account.display_name)
        .join(ReviewMilestone, ReviewMilestone.id == MilestoneDateCorrection.milestone_id)
        .join(Account, Account.id == MilestoneDateCorrection.corrected_by_id)
        .where(ReviewMilestone.review_id == review_id)
        .order_by(ReviewMilestone.sort_order, MilestoneDateCorrection.corrected_at, MilestoneDateCorrection.id)
    ).all()
    return [DateCorrectionRead(c.id, c.milestone_id, title, c.old_done_date, c.new_done_date, c.reason, name,
                               c.corrected_at) for c, title, name in rows]


@requires(Role.MANAGER, action="see who tasks can be delegated to")
def list_delegates(session: Session, actor: Account) -> list[AccountRef]:
    """Active accounts that work on cases (manager, officer, chair), by name."""
    accounts = session.scalars(select(Account).where(Account.active.is_(True)).order_by(Account.display_name))
    return [AccountRef(a.id, a.display_name) for a in accounts if a.has_role(*CASE_READERS)]


@requires(*CASE_READERS, action="see how a review was put right")
def putting_right(session: Session, actor: Account, *, review_id: int) -> PuttingRight:
    """Who withdrew the review (if anyone) and every correction of its facts, oldest first."""
    review = load_review(session, review_id)
    by = session.get(Account, review.withdrawn_by_id) if review.withdrawn_by_id else None
    rows = session.execute(
        select(ReviewFactCorrection, Account.display_name)
        .join(Account, Account.id == ReviewFactCorrection.corrected_by_id)
        .where(ReviewFactCorrection.review_id == review_id)
        .order_by(ReviewFactCorrection.corrected_at, ReviewFactCorrection.id)).all()
    return PuttingRight(
        withdrawn_by_name=by.display_name if by else None,
        corrections=tuple(FactCorrectionRead(c.fact, c.child_position, c.old_value, c.new_value, c.reason, name,
                                             c.corrected_at) for c, name in rows))
