"""What the returns services hand back to pages: plain frozen copies of a return, made inside the session.

A page reads these after its transaction has closed, so nothing here loads anything: `ReturnRead.of` copies a
row whose agency, review, checker, QA-er, chases and send-back rounds were loaded with it
(see `queries.RETURN_LOAD`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db.models_returns import AgencyReturn


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
