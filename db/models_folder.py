"""Documents the officers upload to a review's case folder (migration 0024): minutes, correspondence, anything the
folder's four sections hold that the product does not make itself.

The migration is the truth; the constraints here mirror it (tests/integration/test_schema_drift.py compares the
migrated database with these). A document is PDF or Word as its content shows (the agencies' attachments' check and
limit, db.models_agency), its bytes checked against its SHA-256 by the database. It is never deleted or changed: the
one change the database accepts is its removal, once, with who, when and why (a trigger refuses the rest, for the
owner too, and a DELETE or TRUNCATE); the app's role holds no DELETE on it. Minutes name their meeting, which must be
a meeting of the same review.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from db.enums import FolderSection, sql_in
from db.models import PartnershipOwned
from db.models_agency import MAX_ATTACHMENT_BYTES, AttachmentType
from db.models_report import Meeting

# The same limit as an agency's attachment: one rule for every document the tracker keeps.
MAX_DOCUMENT_BYTES = MAX_ATTACHMENT_BYTES

# (name, SQL) pairs: the CHECK constraints of case_folder_documents.
FOLDER_DOCUMENT_CHECKS = (
    ("folder_document_section_known", sql_in("folder_section", FolderSection)),
    ("folder_document_title_not_blank", "length(btrim(title)) > 0"),
    ("folder_document_file_name_plain", "length(btrim(file_name)) > 0 AND file_name !~ '[/\\\\]'"),
    ("folder_document_type_known", sql_in("content_type", AttachmentType)),
    ("folder_document_size_limit", f"size_bytes BETWEEN 1 AND {MAX_DOCUMENT_BYTES}"),
    ("folder_document_size_matches", "octet_length(content) = size_bytes"),
    ("folder_document_sha256_matches", "sha256 ~ '^[0-9a-f]{64}$' AND sha256 = encode(sha256(content), 'hex')"),
    ("folder_document_removal_complete",
     "(removed_at IS NULL) = (removed_by_id IS NULL) AND (removed_at IS NULL) = (removed_reason IS NULL)"),
    ("folder_document_removal_reason_not_blank", "removed_reason IS NULL OR length(btrim(removed_reason)) > 0"),
    ("folder_document_removed_after_added", "removed_at IS NULL OR removed_at >= added_at"),
)


class FolderDocument(PartnershipOwned):
    """One document an officer uploaded to a section of a review's case folder; kept for ever, removed only with a
    reason (its row and bytes stay)."""

    __tablename__ = "case_folder_documents"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in FOLDER_DOCUMENT_CHECKS),
        Index("ix_case_folder_documents_review", "review_id", "folder_section"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    folder_section: Mapped[str] = mapped_column(String(3), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    # The minutes of this meeting (a meeting of the same review: the database checks it).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    removed_reason: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[Meeting | None] = relationship()
