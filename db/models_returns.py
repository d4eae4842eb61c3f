"""Agency returns (scoping forms): one per agency chosen for a review, and the chases sent for them.

Constraints here mirror migrations 0003 and 0006; the migrations are the truth (tests/integration/test_schema_drift.py
compares the migrated database with these). The row holds the current round of a return: when a resubmission
arrives, the initial check, the sharing and the final QA of the version sent back are cleared (the daily log keeps
them), while the first receipt date and the last send-back stay; every send-back round has its own row
(agency_return_send_backs, migration 0012).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.enums import FinalQaOutcome, FolderSection, InitialCheckOutcome, ReturnEnding, sql_in, sql_literal
from db.models import Account, Agency, PartnershipOwned, Review

# (name, SQL) pairs: the CHECK constraints of agency_returns (migration 0003, then 0006 for the agreed date).
RETURN_CHECKS = (
    ("received_after_requested", "received_date IS NULL OR received_date >= requested_date"),
    ("receipt_records_signature", "received_date IS NULL OR signed_by_senior_manager IS NOT NULL"),
    ("signed_names_role", "signed_by_senior_manager IS NOT TRUE OR signatory_role IS NOT NULL"),
    ("initial_check_outcome_known", sql_in("initial_check_outcome", InitialCheckOutcome, nullable=True)),
    (
        "initial_check_complete",
        "(initial_check_date IS NULL) = (initial_check_outcome IS NULL)"
        " AND (initial_check_date IS NULL) = (initial_checked_by_id IS NULL)"
        " AND (initial_check_date IS NULL OR (check_sufficient_information IS NOT NULL AND check_dates_present"
        " IS NOT NULL AND check_analysis IS NOT NULL AND check_signed IS NOT NULL))",
    ),
    (
        "initial_check_after_receipt",
        "initial_check_date IS NULL OR (received_date IS NOT NULL"
        " AND initial_check_date >= COALESCE(resubmission_received_date, received_date))",
    ),
    (
        "shared_after_receipt",
        "shared_with_chair_date IS NULL OR (received_date IS NOT NULL"
        " AND shared_with_chair_date >= COALESCE(resubmission_received_date, received_date))",
    ),
    ("final_qa_outcome_known", sql_in("final_qa_outcome", FinalQaOutcome, nullable=True)),
    (
        "final_qa_complete",
        "(final_qa_date IS NULL) = (final_qa_outcome IS NULL)"
        " AND (final_qa_date IS NULL) = (final_qa_by_id IS NULL)",
    ),
    (
        "final_qa_after_initial_check",
        "final_qa_date IS NULL OR (initial_check_date IS NOT NULL AND final_qa_date >= initial_check_date)",
    ),
    (
        "send_back_complete",
        "(sent_back_date IS NULL) = (sent_back_reason IS NULL)"
        " AND (sent_back_date IS NULL) = (resubmission_due_date IS NULL)",
    ),
    ("sent_back_reason_not_blank", "sent_back_reason IS NULL OR length(btrim(sent_back_reason)) > 0"),
    (
        "sent_back_matches_qa",
        f"final_qa_outcome IS DISTINCT FROM {sql_literal(FinalQaOutcome.SENT_BACK)}"
        " OR sent_back_date IS NOT DISTINCT FROM final_qa_date",
    ),
    ("new_due_after_sent_back", "resubmission_due_date IS NULL OR resubmission_due_date >= sent_back_date"),
    (
        "sent_back_after_receipt",
        "sent_back_date IS NULL OR (received_date IS NOT NULL AND sent_back_date >= received_date)",
    ),
    ("sent_back_count_matches", "sent_back_count >= 0 AND (sent_back_count = 0) = (sent_back_date IS NULL)"),
    (
        "resubmission_after_sent_back",
        "resubmission_received_date IS NULL"
        " OR (sent_back_date IS NOT NULL AND resubmission_received_date >= sent_back_date)",
    ),
    ("file_section_known", sql_in("file_section", FolderSection, nullable=True)),
    ("file_path_needs_section", "(file_path IS NULL) = (file_section IS NULL)"),
)
# Migration 0006: the agreed due date of one return (domain.md "Agreed dates"), always with its reason.
AGREED_DATE_CHECKS = (
    ("agreed_date_needs_reason", "(agreed_due_date IS NULL) = (agreed_reason IS NULL)"),
    ("agreed_reason_not_blank", "agreed_reason IS NULL OR length(btrim(agreed_reason)) > 0"),
    ("agreed_after_requested", "agreed_due_date IS NULL OR agreed_due_date >= requested_date"),
)

# Migration 0008: a return closed without being accepted, "no return" or "withdrawn", by the manager with a reason.
ENDING_CHECKS = (
    ("ended_as_known", sql_in("ended_as", ReturnEnding, nullable=True)),
    (
        "ending_complete",
        "(ended_as IS NULL) = (ended_on IS NULL) AND (ended_as IS NULL) = (ended_reason IS NULL)"
        " AND (ended_as IS NULL) = (ended_by_id IS NULL)",
    ),
    ("ended_reason_not_blank", "ended_reason IS NULL OR length(btrim(ended_reason)) > 0"),
    ("ended_after_requested", "ended_on IS NULL OR ended_on >= requested_date"),
    (
        "ended_not_accepted",
        f"ended_as IS NULL OR final_qa_outcome IS DISTINCT FROM {sql_literal(FinalQaOutcome.ACCEPTED)}",
    ),
)


class AgencyReturn(PartnershipOwned):
    """One agency's scoping return for one review."""

    __tablename__ = "agency_returns"
    __table_args__ = (
        UniqueConstraint("review_id", "agency_id", name="one_return_per_agency"),
        *(CheckConstraint(sql, name=name) for name, sql in RETURN_CHECKS),
        *(CheckConstraint(sql, name=name) for name, sql in AGREED_DATE_CHECKS),
        *(CheckConstraint(sql, name=name) for name, sql in ENDING_CHECKS),
        CheckConstraint("no_chase_reason IS NULL OR length(btrim(no_chase_reason)) > 0",
                        name="no_chase_reason_not_blank"),  # migration 0019
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    requested_date: Mapped[date] = mapped_column(Date, nullable=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)

    # Receipt: received_date is the first receipt (timeliness); a resubmission has its own date.
    received_date: Mapped[date | None] = mapped_column(Date)
    signed_by_senior_manager: Mapped[bool | None] = mapped_column(Boolean)
    signatory_role: Mapped[str | None] = mapped_column(String(120))
    # Issue 26: once a resubmission arrives, the first receipt's own signature (the two above are then the
    # resubmission's).
    first_signed_by_senior_manager: Mapped[bool | None] = mapped_column(Boolean)
    first_signatory_role: Mapped[str | None] = mapped_column(String(120))

    # Initial quality check of the version now in hand.
    check_sufficient_information: Mapped[bool | None] = mapped_column(Boolean)
    check_dates_present: Mapped[bool | None] = mapped_column(Boolean)
    check_analysis: Mapped[bool | None] = mapped_column(Boolean)
    check_signed: Mapped[bool | None] = mapped_column(Boolean)
    initial_check_outcome: Mapped[str | None] = mapped_column(String(20))
    initial_check_note: Mapped[str | None] = mapped_column(Text)
    initial_check_date: Mapped[date | None] = mapped_column(Date)
    initial_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    shared_with_chair_date: Mapped[date | None] = mapped_column(Date)

    # Final QA by the Partnership Manager.
    final_qa_outcome: Mapped[str | None] = mapped_column(String(20))
    final_qa_date: Mapped[date | None] = mapped_column(Date)
    final_qa_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    # The last send-back (kept after the resubmission arrives) and how many there were.
    sent_back_date: Mapped[date | None] = mapped_column(Date)
    sent_back_reason: Mapped[str | None] = mapped_column(Text)
    resubmission_due_date: Mapped[date | None] = mapped_column(Date)
    sent_back_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    resubmission_received_date: Mapped[date | None] = mapped_column(Date)

    # The due date agreed by the Partnership Manager for the current round (replaces the computed one);
    # cleared by a send-back, which sets its own new due date.
    agreed_due_date: Mapped[date | None] = mapped_column(Date)
    agreed_reason: Mapped[str | None] = mapped_column(Text)

    # Closed without being accepted (domain.md "A return can also end without a receipt"): "no return" or
    # "withdrawn", on a date, with the manager's reason; the chases and the log stay.
    ended_as: Mapped[str | None] = mapped_column(String(20))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(Text)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # Issue 26: a "no return" with no chase on record says why none was possible.
    no_chase_reason: Mapped[str | None] = mapped_column(Text)

    file_section: Mapped[str | None] = mapped_column(String(3))
    file_path: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    # Nothing loads eagerly by default: a service names what it reads (services.returns.reads.RETURN_LOAD).
    review: Mapped[Review] = relationship()
    agency: Mapped[Agency] = relationship()
    initial_checked_by: Mapped[Account | None] = relationship(foreign_keys=[initial_checked_by_id])
    final_qa_by: Mapped[Account | None] = relationship(foreign_keys=[final_qa_by_id])
    ended_by: Mapped[Account | None] = relationship(foreign_keys=[ended_by_id])
    chases: Mapped[list[AgencyReturnChase]] = relationship(
        back_populates="agency_return", order_by="AgencyReturnChase.chased_at", cascade="all, delete-orphan"
    )
    # Every send-back round, first first (written by the final QA service; the database deletes them with the return).
    send_backs: Mapped[list[AgencyReturnSendBack]] = relationship(
        order_by="AgencyReturnSendBack.round", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}


class AgencyReturnChase(PartnershipOwned):
    """A chase sent to the agency for a late return (kept apart so that chasing never makes a form stale)."""

    __tablename__ = "agency_return_chases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_return_id: Mapped[int] = mapped_column(
        ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    chased_on: Mapped[date] = mapped_column(Date, nullable=False)
    chased_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    chased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())

    agency_return: Mapped[AgencyReturn] = relationship(back_populates="chases")
    chased_by: Mapped[Account] = relationship()


class AgencyReturnSendBack(PartnershipOwned):
    """One send-back round of a return (migration 0012): the row keeps only the last, this keeps them all.

    Rounds sent back before migration 0012 were copied in with no author (the log names it).
    """

    __tablename__ = "agency_return_send_backs"
    __table_args__ = (
        UniqueConstraint("agency_return_id", "round", name="one_send_back_per_round"),
        CheckConstraint("round >= 1", name="send_back_round_positive"),
        CheckConstraint("length(btrim(reason)) > 0", name="send_back_reason_not_blank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_return_id: Mapped[int] = mapped_column(ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_back_on: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    resubmission_due_date: Mapped[date | None] = mapped_column(Date)
    sent_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())

    sent_back_by: Mapped[Account | None] = relationship()
