"""Reading agency returns: one return, a review's returns, the officer's worklist and the counts per review.

Each read loads with the returns what their read objects copy (RETURN_LOAD), so nothing loads one row at a time."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from db.enums import FinalQaOutcome, ReturnEnding
from db.models import Account, Agency, Review
from db.models_returns import AgencyReturn, AgencyReturnChase, AgencyReturnSendBack
from services.errors import InvalidInput
from services.permissions import CASE_READERS, requires
from services.returns.reads import ReturnRead
from services.returns.rules import ReturnCounts, ReturnStatus, Stage, status_of, urgency_key
from services.reviews.reads import LIVE_STATES
from services.settings_reads import load_calendar, load_settings

# What ReturnRead.of copies: loaded with the returns, so that nothing loads one row at a time.
RETURN_LOAD: tuple[LoaderOption, ...] = (
    joinedload(AgencyReturn.agency),
    joinedload(AgencyReturn.review),
    selectinload(AgencyReturn.initial_checked_by),
    selectinload(AgencyReturn.final_qa_by),
    selectinload(AgencyReturn.ended_by),
    selectinload(AgencyReturn.chases).joinedload(AgencyReturnChase.chased_by),
    selectinload(AgencyReturn.send_backs).joinedload(AgencyReturnSendBack.sent_back_by),
)


def read_return(session: Session, return_id: int) -> ReturnRead:
    """One return as a frozen read object."""
    row = session.scalars(select(AgencyReturn).where(AgencyReturn.id == return_id).options(*RETURN_LOAD)).first()
    if row is None:
        raise InvalidInput("That return does not exist. Reload the page.")
    return ReturnRead.of(row)


def _returns_of_review(session: Session, review_id: int) -> list[ReturnRead]:
    """A review's returns, by agency name."""
    rows = session.scalars(
        select(AgencyReturn).join(Agency, Agency.id == AgencyReturn.agency_id)
        .where(AgencyReturn.review_id == review_id).order_by(Agency.name).options(*RETURN_LOAD)
    ).unique()
    return [ReturnRead.of(r) for r in rows]


@requires(*CASE_READERS, action="see agency returns")
def list_returns(session: Session, actor: Account, *, review_id: int, as_of: date) -> list[ReturnStatus]:
    """One review's returns, one per agency, by agency name."""
    if session.get(Review, review_id) is None:
        raise InvalidInput("That review does not exist. Go back to the live list and open it again.")
    cal = load_calendar(session)
    amber = load_settings(session).amber_threshold_days
    return [status_of(cal, r, as_of, amber) for r in _returns_of_review(session, review_id)]


class OutstandingReturns(list[ReturnStatus]):
    """The worklist, most urgent first, with the figures its page shows on every run computed once: the list is a
    shared read (ui.state.read_shared) handed to every run until a write, about 900 returns at national scale."""

    @cached_property
    def late(self) -> list[ReturnStatus]:
        """Late from the agency (the chase list), most urgent first."""
        return [s for s in self if s.late]

    @cached_property
    def to_check(self) -> int:
        """Received and waiting for the initial check (due the day they arrive)."""
        return sum(1 for s in self if s.stage is Stage.RECEIVED)

    @cached_property
    def awaiting_final_qa(self) -> int:
        return sum(1 for s in self if s.stage is Stage.CHECKED)


@requires(*CASE_READERS, action="see agency returns")
def list_outstanding_returns(session: Session, actor: Account, *, as_of: date) -> OutstandingReturns:
    """Every return not yet accepted on a live review, most urgent first: the officer's worklist."""
    cal = load_calendar(session)
    amber = load_settings(session).amber_threshold_days
    rows = session.scalars(
        select(AgencyReturn).join(Review, Review.id == AgencyReturn.review_id)
        .where(Review.state.in_(LIVE_STATES))
        .where(AgencyReturn.final_qa_outcome.is_distinct_from(FinalQaOutcome.ACCEPTED))
        .where(AgencyReturn.ended_as.is_(None))
        .options(*RETURN_LOAD)
    ).unique().all()
    return OutstandingReturns(sorted((status_of(cal, ReturnRead.of(r), as_of, amber) for r in rows),
                                     key=urgency_key))


@requires(*CASE_READERS, action="see agency returns")
def returns_received_counts(
    session: Session, actor: Account, *, review_ids: Iterable[int] | None = None
) -> dict[int, ReturnCounts]:
    """For each review: returns requested, received (at least once) and accepted, the withdrawn left out of each;
    and the withdrawn."""
    kept = AgencyReturn.ended_as.is_distinct_from(ReturnEnding.WITHDRAWN)
    query = select(
        AgencyReturn.review_id,
        func.count().filter(kept),
        func.count(AgencyReturn.received_date).filter(kept),
        func.count().filter(AgencyReturn.final_qa_outcome == FinalQaOutcome.ACCEPTED, kept),
        func.count().filter(AgencyReturn.ended_as == ReturnEnding.WITHDRAWN),
    ).group_by(AgencyReturn.review_id)
    if review_ids is not None:
        query = query.where(AgencyReturn.review_id.in_(list(review_ids)))
    return {rid: ReturnCounts(n, received, accepted, withdrawn)
            for rid, n, received, accepted, withdrawn in session.execute(query)}
