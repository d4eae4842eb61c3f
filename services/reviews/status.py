"""Where each review stands: its milestones' RAG combined with its agency returns' RAG, for one review (the
Review page) and for every live review (the live list, worst first); and why it is red or amber, in words
(`why_items`, `why_text`: pure, unit-tested)."""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.enums import MeetingKind, MilestoneKey, ReviewState
from db.models import Account, Agency, Review, ReviewMilestone
from db.models_report import Meeting
from db.models_returns import AgencyReturn
from services.errors import InvalidInput
from services.integrity import made_per_review
from services.permissions import CASE_READERS, requires
from services.rag import Rag, rag_for_due_date, urgency
from services.returns.reads import ReturnCounts, returns_received_counts
from services.returns.rules import ReturnFacts, Stage, action_due_date, return_rag, return_stage
from services.reviews.reads import (
    LIVE_STATES,
    MilestoneRead,
    ReviewRead,
    live_review_versions,
    read_milestones,
    read_reviews,
)
from services.reviews.rules import MilestoneStatus, ReviewStatus, WhyItem, review_status, worst_first
from services.settings_reads import load_calendar, load_settings
from services.working_days import WorkingCalendar

# Where each milestone is dealt with (the Review page for the rest).
MILESTONE_PAGES: dict[str, str] = {
    MilestoneKey.SCOPING_SENT: "returns",
    MilestoneKey.RETURNS_ACCEPTED: "returns",
    MilestoneKey.RETURNS_COLLATED: "returns",
    MilestoneKey.PRE_MEETS: "meetings",
    MilestoneKey.RR_MEETING: "meetings",
    MilestoneKey.MINUTES: "meetings",
    MilestoneKey.EXEC_MEETING: "meetings",
    MilestoneKey.REPORT_TO_CHAIR: "report",
    MilestoneKey.SIGNED_REPORT: "report",
    MilestoneKey.PANEL_SUBMISSION: "report",
    MilestoneKey.PANEL_RESPONSE: "report",
}
# What is awaited of a return, by its stage, in the words of the "Why" column.
RETURN_WORDS: dict[Stage, str] = {
    Stage.AWAITING: "not received",
    Stage.SENT_BACK: "resubmission not received",
    Stage.RECEIVED: "unchecked",
    Stage.CHECKED: "awaiting final QA",
}


@dataclass(frozen=True)
class ReturnItem:
    """One agency return as the "why" rules need it: the agency's name, where it is, its RAG and the date its next
    step is measured against."""

    return_id: int
    agency_name: str
    stage: Stage
    rag: Rag
    due: date | None


# The meetings whose minutes count here: the Rapid Review meeting's count through its "Minutes saved and
# circulated" milestone already.
MINUTES_OF: dict[str, str] = {
    MeetingKind.EXEC_MEETING: "Minutes of the executive findings meeting",
    MeetingKind.PRE_MEET: "Minutes of the pre-meet",
}


@dataclass(frozen=True)
class MinutesItem:
    """A meeting's minutes not circulated yet: due by the end of the next working day after the meeting."""

    label: str
    rag: Rag
    due: date


def why_items(milestones: Sequence[MilestoneStatus], returns: Sequence[ReturnItem],
              minutes: Sequence[MinutesItem] = ()) -> tuple[WhyItem, ...]:
    """Every open item that is red or amber (optional milestones do not count towards the RAG, so not here
    either), red first, then the soonest due."""
    found: list[tuple[Rag, date, int, WhyItem]] = []
    for position, mi in enumerate(minutes, start=len(milestones) + len(returns)):
        if mi.rag in (Rag.RED, Rag.AMBER):
            found.append((mi.rag, mi.due, position, WhyItem(mi.rag, f"{mi.label} ({mi.due:%a %d %b})", "meetings")))
    for position, s in enumerate(milestones):
        if s.rag in (Rag.RED, Rag.AMBER) and not s.milestone.optional:
            due = s.milestone.effective_due_date
            label = s.milestone.title + (f" ({due:%a %d %b})" if due else "")
            found.append((s.rag, due or date.max, position,
                          WhyItem(s.rag, label, MILESTONE_PAGES.get(s.milestone.key, "review"))))
    for position, r in enumerate(returns, start=len(milestones)):
        if r.rag in (Rag.RED, Rag.AMBER):
            label = f"{r.agency_name} return {RETURN_WORDS.get(r.stage, r.stage.value)}"
            if r.stage in (Stage.AWAITING, Stage.SENT_BACK) and r.due is not None:
                label += f" (due {r.due:%a %d %b})"
            found.append((r.rag, r.due or date.max, position, WhyItem(r.rag, label, "returns", r.return_id)))
    found.sort(key=lambda f: (urgency(f[0]), f[1], f[2]))
    return tuple(item for *_, item in found)


def _items(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''}"


def why_text(items: Sequence[WhyItem]) -> str:
    """The live list's "Why": '2 items overdue: Timeline agreed (Fri 27 Nov); Early Help return unchecked', then
    '1 item due soon: ...'; empty when nothing is red or amber."""
    red = [i.label for i in items if i.rag is Rag.RED]
    amber = [i.label for i in items if i.rag is Rag.AMBER]
    parts = []
    if red:
        parts.append(f"{_items(len(red))} overdue: " + "; ".join(red))
    if amber:
        parts.append(f"{_items(len(amber))} due soon: " + "; ".join(amber))
    return " · ".join(parts)


def _return_items(
    session: Session, cal: WorkingCalendar, reviews: Sequence[ReviewRead], as_of: date, amber_days: int
) -> dict[int, list[ReturnItem]]:
    """Each agency return of the given reviews, by review (a closed review's returns no longer count). One query
    for all of them: the returns' own columns and the agency's name are all the rules read."""
    counted = [r.id for r in reviews if r.state != ReviewState.CLOSED]
    items: dict[int, list[ReturnItem]] = defaultdict(list)
    if counted:
        # Columns only (a row has every attribute the rules read): no ORM object per return.
        rows = session.execute(select(*AgencyReturn.__table__.columns, Agency.name.label("agency_name"))
                               .join(Agency, Agency.id == AgencyReturn.agency_id)
                               .where(AgencyReturn.review_id.in_(counted)).order_by(Agency.name)).all()
        for row in rows:
            facts = cast(ReturnFacts, row)
            items[row.review_id].append(ReturnItem(row.id, row.agency_name, return_stage(facts),
                                                   return_rag(cal, facts, as_of, amber_days),
                                                   action_due_date(cal, facts)))
    return items


def _minutes_items(
    session: Session, cal: WorkingCalendar, reviews: Sequence[ReviewRead], as_of: date, amber_days: int
) -> dict[int, list[MinutesItem]]:
    """The minutes not yet circulated of each open review's executive findings meeting and pre-meets (domain.md:
    minutes of every meeting by the end of the next working day)."""
    counted = [r.id for r in reviews if r.state == ReviewState.OPEN]
    items: dict[int, list[MinutesItem]] = defaultdict(list)
    if counted:
        for meeting in session.scalars(select(Meeting).where(
                Meeting.review_id.in_(counted), Meeting.minutes_circulated_on.is_(None),
                Meeting.kind.in_(list(MINUTES_OF))).order_by(Meeting.held_on)):
            due = cal.add_working_days(meeting.held_on, 1)
            items[meeting.review_id].append(MinutesItem(
                f"{MINUTES_OF[meeting.kind]} of {meeting.held_on:%a %d %b}",
                rag_for_due_date(cal, due, as_of, amber_days), due))
    return items


def _statuses(session: Session, reviews: Sequence[ReviewRead], milestones: dict[int, list[MilestoneRead]],
              as_of: date) -> list[ReviewStatus]:
    cal = load_calendar(session)
    amber_days = load_settings(session).amber_threshold_days
    returns = _return_items(session, cal, reviews, as_of, amber_days)
    minutes = _minutes_items(session, cal, reviews, as_of, amber_days)
    statuses = []
    for r in reviews:
        items = returns.get(r.id, [])
        minutes_items = minutes.get(r.id, [])
        status = review_status(cal, r, milestones.get(r.id, []), as_of, amber_days,
                               [i.rag for i in items] + [m.rag for m in minutes_items])
        # A submitted review shows "submitted" instead of a RAG: nothing to explain.
        why = why_items(status.milestones, items, minutes_items) if r.state == ReviewState.OPEN else ()
        statuses.append(dataclasses.replace(status, why=why))
    return statuses


@requires(*CASE_READERS, action="see reviews")
def review_statuses(session: Session, actor: Account, *, review_ids: Sequence[int], as_of: date) -> dict[int,
                                                                                                        ReviewStatus]:
    """Where each of these reviews stands, by id, as the live list shows it (a review that no longer exists is left
    out)."""
    these = Review.id.in_(list(review_ids))
    return {s.review.id: s for s in _statuses(session, read_reviews(session, these), read_milestones(session, these),
                                              as_of)}


@made_per_review(versions=live_review_versions, part=review_statuses, combine=worst_first)
@requires(*CASE_READERS, action="see reviews")
def list_live_reviews(session: Session, actor: Account, *, as_of: date) -> list[ReviewStatus]:
    """Every review not yet closed (nor withdrawn), worst first."""
    live = Review.state.in_(LIVE_STATES)
    return worst_first(_statuses(session, read_reviews(session, live), read_milestones(session, live), as_of))


NO_RETURNS = ReturnCounts(0, 0, 0)  # "none requested"


@requires(*CASE_READERS, action="see reviews")
def return_counts_by_review(session: Session, actor: Account, *, review_ids: Sequence[int]
                            ) -> dict[int, tuple[int, ReturnCounts]]:
    """(id, return counts) of each of these reviews, by id: every one asked for, NO_RETURNS when it has none (one
    statement)."""
    found = returns_received_counts(session, actor, review_ids=review_ids)
    return {review_id: (review_id, found.get(review_id, NO_RETURNS)) for review_id in review_ids}


def _by_review(parts: list[tuple[int, ReturnCounts]]) -> dict[int, ReturnCounts]:
    return dict(parts)


@made_per_review(versions=live_review_versions, part=return_counts_by_review, combine=_by_review)
@requires(*CASE_READERS, action="see reviews")
def live_return_counts(session: Session, actor: Account) -> dict[int, ReturnCounts]:
    """The return counts of every review not yet closed (nor withdrawn), by id, as the live list's Returns column
    shows them: kept review by review like the list itself (ui.state.read_by_review), so a write to one review reads
    only its counts again."""
    live = [review_id for review_id, _version in live_review_versions(session, actor)]
    return {review_id: counts for review_id, counts in return_counts_by_review(session, actor,
                                                                                 review_ids=live).values()}


@requires(*CASE_READERS, action="see reviews")
def get_review_status(session: Session, actor: Account, *, review_id: int, as_of: date) -> ReviewStatus:
    """One review with its milestones and their RAG."""
    this = Review.id == review_id
    reviews = read_reviews(session, this)
    if not reviews:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    return _statuses(session, reviews, read_milestones(session, this), as_of)[0]


@dataclass(frozen=True)
class DelegatedTask:
    """An open milestone delegated to one account, with where it stands."""

    review_id: int
    case_reference: str
    milestone_id: int
    title: str
    due_date: date | None
    rag: Rag


def delegated_tasks(statuses: Sequence[ReviewStatus], account_id: int) -> list[DelegatedTask]:
    """The milestones of these reviews delegated to one account and still to do, soonest due first. A step that
    does not apply to its review (the executive findings meeting while the Day 1 decision says none is needed) is
    nobody's task."""
    tasks = [
        DelegatedTask(review_id=s.review.id, case_reference=s.review.case_reference, milestone_id=m.milestone.id,
                      title=m.milestone.title, due_date=m.milestone.effective_due_date, rag=m.rag)
        for s in statuses if s.review.state in LIVE_STATES
        for m in s.milestones
        if m.milestone.delegated_to_id == account_id and m.rag not in (Rag.COMPLETE, Rag.NOT_NEEDED)
    ]
    return sorted(tasks, key=lambda t: (t.due_date or date.max, t.case_reference))


@requires(*CASE_READERS, action="see the tasks delegated to you")
def list_delegated_to_me(session: Session, actor: Account, *, as_of: date) -> list[DelegatedTask]:
    """The open milestones of live reviews delegated to the acting account, soonest due first (the live page takes
    them from its list of every live review instead: `delegated_tasks`)."""
    mine = Review.state.in_(LIVE_STATES) & Review.id.in_(
        select(ReviewMilestone.review_id).where(ReviewMilestone.delegated_to_id == actor.id,
                                                ReviewMilestone.done_date.is_(None)))
    return delegated_tasks(_statuses(session, read_reviews(session, mine), read_milestones(session, mine), as_of),
                           actor.id)
