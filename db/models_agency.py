"""Agencies answer through a private link (migration 0021): the scoping form's versions and sections, the links, the
agency's rounds of answers and their attachments.

The migration is the truth; the constraints here mirror it (tests/integration/test_schema_drift.py compares the
migrated database with these). The database also keeps every submitted round as it was sent (a trigger refuses any
change), keeps every saved version of the scoping form and its sections as they were saved, checking that a new one
ends with the senior manager's confirmation (migration 0023), and revokes a return's link when the return ends or its
review is withdrawn or closed (triggers on agency_returns and reviews).
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from db.models import PartnershipOwned

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ANSWER_CHARS = 20_000
DEFAULT_LINK_EXPIRY_WORKING_DAYS = 10


class SectionKind(StrEnum):
    """What a section of the scoping form asks for."""

    TEXT = "text"
    DATES = "dates"  # free text that should hold the dates of contacts and episodes (the pre-check looks for one)
    CONFIRMATION = "confirmation"  # the senior manager's name, role, date and confirmation


class AttachmentType(StrEnum):
    """The documents an agency may attach, as their content shows them (never as the browser names them)."""

    PDF = "application/pdf"
    DOC = "application/msword"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class AgencyExchangeSettings(PartnershipOwned):
    """One row per partnership (migration 0035), made with the partnership: how many working days after a return's
    due date its link keeps working."""

    __tablename__ = "agency_exchange_settings"
    __table_args__ = (
        UniqueConstraint("partnership_id", name="one_link_settings_row_per_partnership"),
        CheckConstraint("link_expiry_working_days BETWEEN 1 AND 60", name="link_expiry_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_expiry_working_days: Mapped[int] = mapped_column(
        Integer, nullable=False, server_default=str(DEFAULT_LINK_EXPIRY_WORKING_DAYS))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class FormVersion(PartnershipOwned):
    """One version of the partnership's scoping form; a link keeps the version it was sent with. Never changed once
    saved: a change is a new version (services/agency_exchange/administration.py)."""

    __tablename__ = "agency_form_versions"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number", name="one_form_number_per_partnership"),
        CheckConstraint("number >= 1", name="form_version_number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    note: Mapped[str | None] = mapped_column(Text)

    sections: Mapped[list[FormSection]] = relationship(order_by="FormSection.position", viewonly=True)


class FormSection(PartnershipOwned):
    """One section of a form version, in its order."""

    __tablename__ = "agency_form_sections"
    __table_args__ = (
        UniqueConstraint("form_version_id", "position", name="one_section_per_position"),
        UniqueConstraint("form_version_id", "key", name="one_section_per_key"),
        CheckConstraint("position >= 1", name="section_position_positive"),
        CheckConstraint("key ~ '^[a-z][a-z0-9_]{0,39}$'", name="section_key_format"),
        CheckConstraint(_in("kind", SectionKind), name="section_kind_known"),
        CheckConstraint("length(btrim(heading)) > 0", name="section_heading_not_blank"),
        Index("one_confirmation_per_form", "form_version_id", unique=True,
              postgresql_where=text("kind = 'confirmation'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("agency_form_versions.id"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    heading: Mapped[str] = mapped_column(String(200), nullable=False)
    guidance: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False)


class AgencyLink(PartnershipOwned):
    """One agency's private link to its one return. Only the token's SHA-256 is kept."""

    __tablename__ = "agency_return_links"
    __table_args__ = (
        UniqueConstraint("token_hash", name="agency_return_links_token_hash_key"),
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="link_token_hash_is_sha256"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="link_revocation_complete"),
        CheckConstraint("revoked_reason IS NULL OR length(btrim(revoked_reason)) > 0",
                        name="link_revoked_reason_not_blank"),
        CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="link_revoker_needs_revocation"),
        CheckConstraint("reissued_from_id IS DISTINCT FROM id", name="link_not_reissued_from_itself"),
        Index("ix_agency_return_links_return", "agency_return_id"),
        Index("one_live_link_per_return", "agency_return_id", unique=True,
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_return_id: Mapped[int] = mapped_column(ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("agency_form_versions.id"), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    expires_on: Mapped[date] = mapped_column(Date, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    reissued_from_id: Mapped[int | None] = mapped_column(ForeignKey("agency_return_links.id"))


class AgencyRound(PartnershipOwned):
    """The agency's answer for one round of its return: round 1 the first return, round n + 1 the answer to the n-th
    send-back. A draft until submitted; then kept as it was sent (the database refuses any change)."""

    __tablename__ = "agency_return_rounds"
    __table_args__ = (
        UniqueConstraint("agency_return_id", "round", name="one_answer_per_round"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint(
            "submitted_at IS NULL OR (confirmed AND length(btrim(coalesce(author_name, ''))) > 0"
            " AND length(btrim(coalesce(senior_manager_name, ''))) > 0"
            " AND length(btrim(coalesce(senior_manager_role, ''))) > 0 AND confirmed_on IS NOT NULL)",
            name="submitted_round_is_confirmed"),
        CheckConstraint("submitted_at IS NULL OR submitted_at >= started_at", name="submitted_after_started"),
        Index("ix_agency_return_rounds_review", "review_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_return_id: Mapped[int] = mapped_column(ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("agency_form_versions.id"), nullable=False)
    link_id: Mapped[int] = mapped_column(ForeignKey("agency_return_links.id"), nullable=False)
    author_name: Mapped[str | None] = mapped_column(String(120))
    senior_manager_name: Mapped[str | None] = mapped_column(String(120))
    senior_manager_role: Mapped[str | None] = mapped_column(String(120))
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    answers: Mapped[list[AgencyAnswer]] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class AgencyAnswer(PartnershipOwned):
    """The text of one section in one round."""

    __tablename__ = "agency_return_answers"
    __table_args__ = (
        UniqueConstraint("round_id", "section_id", name="one_answer_per_section"),
        CheckConstraint(f"length(text) <= {MAX_ANSWER_CHARS}", name="answer_length_limit"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("agency_return_rounds.id", ondelete="CASCADE"), nullable=False)
    section_id: Mapped[int] = mapped_column(ForeignKey("agency_form_sections.id"), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class AgencyAttachment(PartnershipOwned):
    """A document attached to one round: PDF or Word as its content shows, its bytes checked against its SHA-256 by
    the database. Read by case readers only, as a download."""

    __tablename__ = "agency_return_attachments"
    __table_args__ = (
        CheckConstraint(_in("content_type", AttachmentType), name="attachment_type_known"),
        CheckConstraint(f"size_bytes BETWEEN 1 AND {MAX_ATTACHMENT_BYTES}", name="attachment_size_limit"),
        CheckConstraint("octet_length(content) = size_bytes", name="attachment_size_matches"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$' AND sha256 = encode(sha256(content), 'hex')",
                        name="attachment_sha256_matches"),
        CheckConstraint("length(btrim(file_name)) > 0 AND file_name !~ '[/\\\\]'", name="attachment_file_name_plain"),
        CheckConstraint("length(btrim(added_by_name)) > 0", name="attachment_author_not_blank"),
        Index("ix_agency_return_attachments_round", "round_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("agency_return_rounds.id", ondelete="CASCADE"), nullable=False)
    agency_return_id: Mapped[int] = mapped_column(ForeignKey("agency_returns.id", ondelete="CASCADE"), nullable=False)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    added_by_name: Mapped[str] = mapped_column(String(120), nullable=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
