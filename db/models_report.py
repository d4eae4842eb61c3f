"""Meetings of a review, the report's written sections, and every generated version of the report.

Constraints here mirror migration 0005; the migration is the truth (tests/integration/test_schema_drift.py compares
the migrated database with these).
Report versions are append-only: a trigger refuses UPDATE and DELETE, so a version downloads the same bytes
for ever.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from db.enums import MeetingKind, ReportVersionState, sql_in, sql_literal
from db.models import Account, Agency, Base, PartnershipOwned, Review

_DRAFT, _SIGNED_FINAL, _SUBMITTED = (
    sql_literal(s) for s in (ReportVersionState.DRAFT, ReportVersionState.SIGNED_FINAL, ReportVersionState.SUBMITTED))
# The kinds held at most once per review (pre-meets: as many as needed).
_ONE_PER_REVIEW = (MeetingKind.RR_MEETING, MeetingKind.EXEC_MEETING)

# (name, SQL) pairs: the CHECK constraints of meetings and report_versions.
MEETING_CHECKS = (
    ("meeting_kind_known", sql_in("kind", MeetingKind)),
    ("meeting_has_chair", f"kind = {sql_literal(MeetingKind.PRE_MEET)} OR length(btrim(coalesce(chair_name, ''))) > 0"),
    ("minutes_after_meeting", "minutes_circulated_on IS NULL OR minutes_circulated_on >= held_on"),
)
VERSION_CHECKS = (
    ("version_state_known", sql_in("state", ReportVersionState)),
    ("version_number_positive", "number >= 1"),
    ("step_date_unless_draft", f"(state = {_DRAFT}) = (step_date IS NULL)"),
    ("ofsted_only_on_submission", f"ofsted_sent_on IS NULL OR (state = {_SUBMITTED} AND ofsted_sent_on >= step_date)"),
    ("sha256_is_hex", "sha256 ~ '^[0-9a-f]{64}$'"),
    ("size_matches_content", "size_bytes = octet_length(content)"),
)

meeting_agencies = Table(
    "meeting_agencies",
    Base.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id"), primary_key=True),
    Column("partnership_id", ForeignKey("partnerships.id"), nullable=False,
           server_default=text("current_partnership()")),  # as PartnershipOwned (db/models.py)
)


class Meeting(PartnershipOwned):
    """A meeting of one review: the Rapid Review meeting, a pre-meet, or the executive findings meeting."""

    __tablename__ = "meetings"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in MEETING_CHECKS),
        # One Rapid Review meeting and one executive findings meeting per review; pre-meets as many as needed.
        Index("one_meeting_of_a_kind", "review_id", "kind", unique=True,
              postgresql_where=text(sql_in("kind", _ONE_PER_REVIEW))),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    chair_name: Mapped[str | None] = mapped_column(String(120))
    minute_taker_name: Mapped[str | None] = mapped_column(String(120))
    minutes_circulated_on: Mapped[date | None] = mapped_column(Date)
    decisions: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    agencies: Mapped[list[Agency]] = relationship(secondary=meeting_agencies, order_by=Agency.name)
    created_by: Mapped[Account] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Account] = relationship(foreign_keys=[updated_by_id])

    __mapper_args__ = {"version_id_col": version}


class ReportSection(PartnershipOwned):
    """The text one section of a review's report holds (the sections the officer writes)."""

    __tablename__ = "report_sections"
    __table_args__ = (UniqueConstraint("review_id", "section_key", name="one_text_per_section"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    section_key: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    updated_by: Mapped[Account] = relationship()

    __mapper_args__ = {"version_id_col": version}


class ReportVersion(PartnershipOwned):
    """One generated Word document of a review's report, kept byte for byte (append-only)."""

    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("review_id", "number", name="one_number_per_version"),
        *(CheckConstraint(sql, name=name) for name, sql in VERSION_CHECKS),
        # One signed final version per review was a unique index until migration 0010: a withdrawn sign-off may be
        # followed by another; report_sign_offs.one_sign_off_in_force keeps one in force.
        Index("one_submitted_per_review", "review_id", unique=True, postgresql_where=text(f"state = {_SUBMITTED}")),
        # Migration 0034: one chain per partnership (0009: one for the deployment).
        Index("ix_report_versions_partnership_chain_position", "partnership_id", "chain_position", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(20), nullable=False)
    # The date the step happened (sent, signed, submitted), which may be earlier than the day it was recorded.
    step_date: Mapped[date | None] = mapped_column(Date)
    ofsted_sent_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    # The name as it was when the version was made (a signature must not change when an account is renamed).
    created_by_name: Mapped[str] = mapped_column(String(120), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # A hash of what the report said (not of the file): "nothing changed since draft 3" is a lookup.
    content_fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    # The hash chain (migration 0009): set by the database's BEFORE INSERT trigger, never by the app.
    chain_position: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=FetchedValue())
    chain_hash: Mapped[str] = mapped_column(String(64), nullable=False, server_default=FetchedValue())

    review: Mapped[Review] = relationship()


class RecordChainHead(PartnershipOwned):
    """The last position and hash of one partnership's chain (daily_log, report_versions, record_history); moved
    only by the insert triggers. Each partnership has its own three (migration 0034), made with the partnership."""

    __tablename__ = "record_chain_heads"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), primary_key=True,
                                                server_default=text("current_partnership()"))
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class DataVersion(PartnershipOwned):
    """How far one scope's data has moved (migration 0029): ('review', its id) or ('partnership', its id). The
    version is the id of the last transaction that changed the scope; moved only by the database's triggers (the app's
    role may only read it). Kept reads are keyed by it (services.unit_of_work)."""

    __tablename__ = "data_versions"
    __table_args__ = (CheckConstraint("scope IN ('partnership', 'review')", name="data_version_scope_known"),
                      # Migration 0032: the versions moved since a snapshot's xmin (services.integrity.versions_where).
                      Index("ix_data_versions_version", "version"))

    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


class RecordVerification(PartnershipOwned):
    """One run of `manage.py verify` (services/integrity.py): when, and what it found."""

    __tablename__ = "record_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    ok: Mapped[bool] = mapped_column(Boolean, nullable=False)
    log_entries: Mapped[int] = mapped_column(Integer, nullable=False)
    report_versions: Mapped[int] = mapped_column(Integer, nullable=False)
    problem: Mapped[str | None] = mapped_column(Text)
    # Migration 0017: the record of changes' rows (blank on the verifications made before it).
    history_rows: Mapped[int | None] = mapped_column(Integer)


class RecordHistoryEntry(PartnershipOwned):
    """One change of a row of a tracked table (migration 0017): written by the database's own trigger, never by the
    app, which may only read it; chained like the daily log (services/integrity.py walks it)."""

    __tablename__ = "record_history"
    __table_args__ = (
        CheckConstraint("operation IN ('INSERT', 'UPDATE', 'DELETE')", name="history_operation_known"),
        Index("ix_record_history_review", "review_id", "id"),
        # Migration 0034: one chain per partnership (0017: one for the deployment).
        Index("ix_record_history_partnership_chain_position", "partnership_id", "chain_position", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    table_name: Mapped[str] = mapped_column(String(63), nullable=False)
    operation: Mapped[str] = mapped_column(String(6), nullable=False)
    row_key: Mapped[str | None] = mapped_column(Text)
    review_id: Mapped[int | None] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(Integer)
    via: Mapped[str | None] = mapped_column(String(40))
    database_user: Mapped[str] = mapped_column(String(63), nullable=False)
    old_row: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    new_row: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    chain_position: Mapped[int] = mapped_column(BigInteger, nullable=False)
    chain_hash: Mapped[str] = mapped_column(String(64), nullable=False)


# Migration 0010: a sign-off recorded for each signed final version, by the Chair's own account or by the
# Partnership Manager on the Chair's behalf (given outside the product: how, and the Chair's name); withdrawn before
# submission with a reason (the version stays). At most one sign-off in force per review.
SIGN_OFF_CHECKS = (
    ("sign_off_how_given_when_outside", "given_outside = (how_given IS NOT NULL)"),
    ("sign_off_how_given_not_blank", "how_given IS NULL OR length(btrim(how_given)) > 0"),
    ("sign_off_chair_name_not_blank", "length(btrim(chair_name)) > 0"),
    (
        "sign_off_withdrawal_complete",
        "(withdrawn_on IS NULL) = (withdrawn_reason IS NULL) AND (withdrawn_on IS NULL) = (withdrawn_by_id IS NULL)",
    ),
    ("sign_off_withdrawal_reason_not_blank", "withdrawn_reason IS NULL OR length(btrim(withdrawn_reason)) > 0"),
)


class SignOff(PartnershipOwned):
    """Who signed the report off, and how: one per signed final version; `withdrawn_on` when it was withdrawn."""

    __tablename__ = "report_sign_offs"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in SIGN_OFF_CHECKS),
        Index("one_sign_off_in_force", "review_id", unique=True, postgresql_where=text("withdrawn_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("report_versions.id"), nullable=False, unique=True)
    signed_on: Mapped[date] = mapped_column(Date, nullable=False)
    # The Chair's name as it was (the account's name, or the name the Manager gave for a sign-off given outside).
    chair_name: Mapped[str] = mapped_column(String(120), nullable=False)
    given_outside: Mapped[bool] = mapped_column(Boolean, nullable=False)
    how_given: Mapped[str | None] = mapped_column(String(200))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    recorded_by_name: Mapped[str] = mapped_column(String(120), nullable=False)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class PanelResponse(PartnershipOwned):
    """What the National Panel said about a review's report (recording it closes the review)."""

    __tablename__ = "panel_responses"

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    agrees_with_lcspr: Mapped[bool] = mapped_column(Boolean, nullable=False)
    further_information_asked: Mapped[bool] = mapped_column(Boolean, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
