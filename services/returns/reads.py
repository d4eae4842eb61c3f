"""What the returns services hand back to pages, and the reads that make it: one return, a review's returns, the
officer's worklist and the counts per review.

A page reads these after its transaction has closed: `ReturnRead.of` copies a row whose agency, review, checker,
QA-er, chases and send-back rounds were loaded with it (RETURN_LOAD), so nothing loads one row at a time; a
`ReturnStatus` is where that copy stands on a day (`status_of`, by the rules)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from db.enums import FinalQaOutcome, ReturnEnding
from db.models import Account, Agency, Review
from db.models_returns import AgencyReturn, AgencyReturnChase, AgencyReturnSendBack
from services.errors import InvalidInput
from services.integrity import made_per_review
from services.permissions import CASE_READERS, requires
from services.rag import Rag, urgency
from services.returns.rules import (
    Stage,
    action_due_date,
    next_step,
    return_due_date,
    return_rag,
    return_stage,
    shared_label,
    signature_words,
    what_happens_next,
)
from services.reviews.reads import LIVE_STATES, live_review_versions
from services.settings_reads import load_calendar, load_settings
from services.working_days import WorkingCalendar


@dataclass(frozen=True)
class AgencyRef:
    """The agency a return is owed by."""

    id: int
    name: str
    contact_email: str | None = None
    jcr_rep_email: str | None = None


@dataclass(frozen=True)
class ChaseRead:
    chased_on: date
    chased_by_name: str


@dataclass(frozen=True)
class SendBackRead:
    """One send-back round: when, why, the new due date and who sent it back (None for rounds sent back before
    the rounds were kept, whose author was not recorded)."""

    round: int
    sent_back_on: date
    reason: str
    resubmission_due_date: date | None
    sent_back_by_name: str | None


@dataclass(frozen=True)
class ReturnRead:
    """One agency return as saved, with the names a page shows (agency, case reference, who checked it)."""

    id: int
    review_id: int
    case_reference: str
    agency: AgencyRef
    requested_date: date
    received_date: date | None = None
    signed_by_senior_manager: bool | None = None
    signatory_role: str | None = None
    first_signed_by_senior_manager: bool | None = None
    first_signatory_role: str | None = None
    check_sufficient_information: bool | None = None
    check_dates_present: bool | None = None
    check_analysis: bool | None = None
    check_signed: bool | None = None
    initial_check_outcome: str | None = None
    initial_check_note: str | None = None
    initial_check_date: date | None = None
    initial_checked_by_id: int | None = None
    initial_checked_by_name: str | None = None
    shared_with_chair_date: date | None = None
    final_qa_outcome: str | None = None
    final_qa_date: date | None = None
    final_qa_by_id: int | None = None
    final_qa_by_name: str | None = None
    sent_back_date: date | None = None
    sent_back_reason: str | None = None
    resubmission_due_date: date | None = None
    sent_back_count: int = 0
    resubmission_received_date: date | None = None
    agreed_due_date: date | None = None
    agreed_reason: str | None = None
    ended_as: str | None = None
    ended_on: date | None = None
    ended_reason: str | None = None
    no_chase_reason: str | None = None
    ended_by_name: str | None = None
    file_section: str | None = None
    file_path: str | None = None
    summary: str | None = None
    version: int = 1
    chases: tuple[ChaseRead, ...] = ()
    send_backs: tuple[SendBackRead, ...] = ()

    @property
    def agency_id(self) -> int:
        return self.agency.id

    @property
    def agency_name(self) -> str:
        return self.agency.name

    @classmethod
    def of(cls, row: AgencyReturn) -> ReturnRead:
        """A copy of `row` (its relationships loaded with it)."""
        return cls(
            id=row.id,
            review_id=row.review_id,
            case_reference=row.review.case_reference,
            agency=AgencyRef(row.agency.id, row.agency.name, row.agency.contact_email, row.agency.jcr_rep_email),
            requested_date=row.requested_date,
            received_date=row.received_date,
            signed_by_senior_manager=row.signed_by_senior_manager,
            signatory_role=row.signatory_role,
            first_signed_by_senior_manager=row.first_signed_by_senior_manager,
            first_signatory_role=row.first_signatory_role,
            check_sufficient_information=row.check_sufficient_information,
            check_dates_present=row.check_dates_present,
            check_analysis=row.check_analysis,
            check_signed=row.check_signed,
            initial_check_outcome=row.initial_check_outcome,
            initial_check_note=row.initial_check_note,
            initial_check_date=row.initial_check_date,
            initial_checked_by_id=row.initial_checked_by_id,
            initial_checked_by_name=row.initial_checked_by.display_name if row.initial_checked_by else None,
            shared_with_chair_date=row.shared_with_chair_date,
            final_qa_outcome=row.final_qa_outcome,
            final_qa_date=row.final_qa_date,
            final_qa_by_id=row.final_qa_by_id,
            final_qa_by_name=row.final_qa_by.display_name if row.final_qa_by else None,
            sent_back_date=row.sent_back_date,
            sent_back_reason=row.sent_back_reason,
            resubmission_due_date=row.resubmission_due_date,
            sent_back_count=row.sent_back_count or 0,
            resubmission_received_date=row.resubmission_received_date,
            agreed_due_date=row.agreed_due_date,
            agreed_reason=row.agreed_reason,
            ended_as=row.ended_as,
            ended_on=row.ended_on,
            ended_reason=row.ended_reason,
            no_chase_reason=row.no_chase_reason,
            ended_by_name=row.ended_by.display_name if row.ended_by else None,
            file_section=row.file_section,
            file_path=row.file_path,
            summary=row.summary,
            version=row.version,
            chases=tuple(ChaseRead(c.chased_on, c.chased_by.display_name) for c in row.chases),
            send_backs=tuple(SendBackRead(b.round, b.sent_back_on, b.reason, b.resubmission_due_date,
                                          b.sent_back_by.display_name if b.sent_back_by else None)
                             for b in row.send_backs),
        )


def first_receipt_signature(ret: ReturnRead) -> str:
    """The first receipt's own signature: kept apart once a resubmission arrived (migration 0019); before that,
    and for a resubmission recorded before the split was kept, the return's signature fields are the first's."""
    if ret.resubmission_received_date is not None and ret.first_signed_by_senior_manager is not None:
        return signature_words(ret.first_signed_by_senior_manager, ret.first_signatory_role)
    if ret.resubmission_received_date is not None:
        return "signature not kept for this receipt"
    return signature_words(ret.signed_by_senior_manager, ret.signatory_role)


@dataclass
class ReturnStatus:
    """One return as the checklist and the worklist show it."""

    ret: ReturnRead
    stage: Stage
    rag: Rag
    due_date: date
    action_due: date | None
    shared: str
    next_step: str
    what_next: str = ""

    @property
    def agency_name(self) -> str:
        return self.ret.agency_name

    @property
    def case_reference(self) -> str:
        return self.ret.case_reference

    @property
    def awaiting_agency(self) -> bool:
        return self.stage in (Stage.AWAITING, Stage.SENT_BACK)

    @property
    def late(self) -> bool:
        return self.awaiting_agency and self.action_due is not None and self.rag is Rag.RED


@dataclass(frozen=True)
class ReturnCounts:
    """How many of a review's returns were requested, received (at least once) and accepted, leaving out those
    withdrawn (asked in error), which are counted apart."""

    requested: int
    received: int
    accepted: int
    withdrawn: int = 0

    @property
    def label(self) -> str:
        """"2 of 4", and "2 of 4 received, 1 withdrawn" when some were withdrawn (never "3 of 5")."""
        if self.withdrawn:
            counted = f"{self.received} of {self.requested} received, " if self.requested else ""
            return f"{counted}{self.withdrawn} withdrawn"
        return f"{self.received} of {self.requested}" if self.requested else "none requested"


def status_of(cal: WorkingCalendar, ret: ReturnRead, as_of: date, amber_days: int = 1) -> ReturnStatus:
    """Where one return stands on `as_of`."""
    return ReturnStatus(
        ret=ret,
        stage=return_stage(ret),
        rag=return_rag(cal, ret, as_of, amber_days),
        due_date=return_due_date(cal, ret.requested_date),
        action_due=action_due_date(cal, ret),
        shared=shared_label(cal, ret, as_of),
        next_step=next_step(cal, ret, as_of),
        what_next=what_happens_next(cal, ret, as_of),
    )


def urgency_key(status: ReturnStatus) -> tuple[int, date, str, str]:
    """Red first, then the step due soonest (most overdue first), then case reference and agency."""
    return (urgency(status.rag), status.action_due or date.max, status.case_reference, status.agency_name)


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


def _outstanding(session: Session, as_of: date, *where: ColumnElement[bool]) -> list[ReturnStatus]:
    """Every return not yet accepted nor ended on a live review (and `where`), with where it stands."""
    cal = load_calendar(session)
    amber = load_settings(session).amber_threshold_days
    rows = session.scalars(
        select(AgencyReturn).join(Review, Review.id == AgencyReturn.review_id)
        .where(Review.state.in_(LIVE_STATES), *where)
        .where(AgencyReturn.final_qa_outcome.is_distinct_from(FinalQaOutcome.ACCEPTED))
        .where(AgencyReturn.ended_as.is_(None))
        .options(*RETURN_LOAD)
    ).unique().all()
    return [status_of(cal, ReturnRead.of(r), as_of, amber) for r in rows]


def most_urgent_first(parts: list[list[ReturnStatus]]) -> OutstandingReturns:
    """The worklist from each review's outstanding returns: most urgent first."""
    return OutstandingReturns(sorted((status for part in parts for status in part), key=urgency_key))


@requires(*CASE_READERS, action="see agency returns")
def outstanding_returns_by_review(session: Session, actor: Account, *, review_ids: Sequence[int],
                                  as_of: date) -> dict[int, list[ReturnStatus]]:
    """The outstanding returns of each of these reviews (live ones), by review id: a review with none has []."""
    found: dict[int, list[ReturnStatus]] = {review_id: [] for review_id in review_ids}
    for status in _outstanding(session, as_of, Review.id.in_(list(review_ids))):
        found[status.ret.review_id].append(status)
    return found


@made_per_review(versions=live_review_versions, part=outstanding_returns_by_review, combine=most_urgent_first)
@requires(*CASE_READERS, action="see agency returns")
def list_outstanding_returns(session: Session, actor: Account, *, as_of: date) -> OutstandingReturns:
    """Every return not yet accepted on a live review, most urgent first: the officer's worklist."""
    return most_urgent_first([_outstanding(session, as_of)])


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
