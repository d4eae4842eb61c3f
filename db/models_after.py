"""After the Rapid Review (issue 29, migration 0025): the LCSPR a review converts into, the recommendations and their
actions with the evidence each round gave, and the practice themes a review is coded with.

The migration is the truth; the constraints here mirror it (tests/integration/test_schema_drift.py compares the
migrated database with these).

- An LCSPR is the same record continued: one row per review (`lcsprs.review_id` unique), its steps as dates, each on or
  after the decision; family involvement is a date or a reason it did not happen; publication is a date with its
  address, or a reason the report is not published; the copies to the Panel and the Secretary of State come first.
- A recommendation belongs to one review and comes from the Rapid Review's report, the Panel's response or the LCSPR.
  Its actions belong to the same review (a composite foreign key holds it), each with an owning agency and an owner
  (an account or a named contact, exactly one), a due date not before the recommendation (a trigger), a status, and a
  date to check impact. "Impact checked" carries when, by whom and what was found, and nothing else does.
- Evidence is given in rounds, kept for ever: a round's text is never blank; its outcome (accepted or sent back, with
  a reason when sent back) is recorded once by the Manager; a trigger refuses any other change and every delete.
  A round's documents are PDF or Word by content, 10 MiB at most, their bytes checked against their SHA-256, kept.
- Practice themes are the partnership's list (seeded from the national sources, docs/themes.md); a review is
  coded with several, each with one sentence of learning.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from db.enums import ActionStatus, FinalQaOutcome, RecommendationSource, sql_in, sql_literal
from db.models import PartnershipOwned
from db.models_agency import MAX_ATTACHMENT_BYTES, AttachmentType

MAX_RECOMMENDATION_CHARS = 2000
MAX_ACTION_CHARS = 2000
MAX_EVIDENCE_CHARS = 10000
MAX_LEARNING_CHARS = 300

_IMPACT_CHECKED = sql_literal(ActionStatus.IMPACT_CHECKED)
_SENT_BACK = sql_literal(FinalQaOutcome.SENT_BACK)

# (name, SQL) pairs: the CHECK constraints of lcsprs.
LCSPR_CHECKS = (
    ("lcspr_steps_after_decision",
     "coalesce(reviewer_commissioned_on, decided_on) >= decided_on"
     " AND coalesce(terms_agreed_on, decided_on) >= decided_on"
     " AND coalesce(practitioners_involved_on, decided_on) >= decided_on"
     " AND coalesce(family_involved_on, decided_on) >= decided_on"
     " AND coalesce(draft_to_partners_on, decided_on) >= decided_on"
     " AND coalesce(final_report_on, decided_on) >= decided_on"
     " AND coalesce(copies_sent_on, decided_on) >= decided_on"
     " AND coalesce(published_on, decided_on) >= decided_on"),
    ("lcspr_reviewer_named", "(reviewer_commissioned_on IS NULL) = (reviewer_name IS NULL)"),
    ("lcspr_reviewer_name_not_blank", "reviewer_name IS NULL OR length(btrim(reviewer_name)) > 0"),
    ("lcspr_terms_after_commissioning",
     "terms_agreed_on IS NULL"
     " OR (reviewer_commissioned_on IS NOT NULL AND terms_agreed_on >= reviewer_commissioned_on)"),
    ("lcspr_family_date_or_reason", "family_involved_on IS NULL OR family_not_involved_reason IS NULL"),
    ("lcspr_family_reason_not_blank",
     "family_not_involved_reason IS NULL OR length(btrim(family_not_involved_reason)) > 0"),
    ("lcspr_final_after_draft",
     "final_report_on IS NULL OR (draft_to_partners_on IS NOT NULL AND final_report_on >= draft_to_partners_on)"),
    ("lcspr_copies_after_final",
     "copies_sent_on IS NULL OR (final_report_on IS NOT NULL AND copies_sent_on >= final_report_on)"),
    ("lcspr_published_after_copies",
     "published_on IS NULL OR (copies_sent_on IS NOT NULL AND published_on >= copies_sent_on)"),
    ("lcspr_published_with_address", "(published_on IS NULL) = (publication_address IS NULL)"),
    ("lcspr_publication_address_web", "publication_address IS NULL OR publication_address ~ '^https://[^[:space:]]+$'"),
    ("lcspr_published_or_not", "published_on IS NULL OR not_published_reason IS NULL"),
    ("lcspr_not_published_reason_not_blank",
     "not_published_reason IS NULL OR (length(btrim(not_published_reason)) > 0 AND final_report_on IS NOT NULL)"),
)

# (name, SQL) pairs: the CHECK constraints of recommendations.
RECOMMENDATION_CHECKS = (
    ("recommendation_source_known", sql_in("source", RecommendationSource)),
    ("recommendation_text_not_blank",
     f"length(btrim(recommendation)) > 0 AND length(recommendation) <= {MAX_RECOMMENDATION_CHARS}"),
)

# (name, SQL) pairs: the CHECK constraints of review_actions.
ACTION_CHECKS = (
    ("action_status_known", sql_in("status", ActionStatus)),
    ("action_text_not_blank", f"length(btrim(description)) > 0 AND length(description) <= {MAX_ACTION_CHARS}"),
    ("action_one_owner",
     "(owner_account_id IS NULL) <> (owner_name IS NULL)"),
    ("action_owner_name_not_blank", "owner_name IS NULL OR length(btrim(owner_name)) > 0"),
    ("action_owner_email_with_name", "owner_email IS NULL OR (owner_name IS NOT NULL AND owner_email LIKE '%_@_%')"),
    ("action_impact_check_after_due", "impact_check_on IS NULL OR impact_check_on >= due_on"),
    ("action_impact_checked_complete",
     f"(status = {_IMPACT_CHECKED}) = (impact_checked_on IS NOT NULL)"
     " AND (impact_checked_on IS NULL) = (impact_checked_by_id IS NULL)"
     " AND (impact_checked_on IS NULL) = (impact_finding IS NULL)"),
    ("action_impact_finding_not_blank", "impact_finding IS NULL OR length(btrim(impact_finding)) > 0"),
)

# (name, SQL) pairs: the CHECK constraints of action_evidence.
EVIDENCE_CHECKS = (
    ("evidence_round_positive", "round >= 1"),
    ("evidence_text_not_blank", f"length(btrim(evidence)) > 0 AND length(evidence) <= {MAX_EVIDENCE_CHARS}"),
    ("evidence_outcome_known", sql_in("outcome", FinalQaOutcome, nullable=True)),
    ("evidence_outcome_complete",
     "(outcome IS NULL) = (decided_on IS NULL) AND (outcome IS NULL) = (decided_by_id IS NULL)"),
    ("evidence_sent_back_with_reason",
     "(outcome IS NULL AND outcome_reason IS NULL) OR (outcome IS NOT NULL"
     f" AND (outcome = {_SENT_BACK}) = (outcome_reason IS NOT NULL AND length(btrim(outcome_reason)) > 0))"),
    ("evidence_decided_after_given", "decided_on IS NULL OR decided_on >= given_on"),
    ("evidence_given_by_someone", "given_by_id IS NOT NULL OR given_through_link"),
)

# (name, SQL) pairs: the CHECK constraints of action_evidence_documents.
EVIDENCE_DOCUMENT_CHECKS = (
    ("evidence_document_file_name_plain", "length(btrim(file_name)) > 0 AND file_name !~ '[/\\\\]'"),
    ("evidence_document_type_known", sql_in("content_type", AttachmentType)),
    ("evidence_document_size_limit", f"size_bytes BETWEEN 1 AND {MAX_ATTACHMENT_BYTES}"),
    ("evidence_document_size_matches", "octet_length(content) = size_bytes"),
    ("evidence_document_sha256_matches",
     "sha256 ~ '^[0-9a-f]{64}$' AND sha256 = encode(sha256(content), 'hex')"),
)

# (name, SQL) pairs: the CHECK constraints of practice_themes and review_themes.
THEME_CHECKS = (
    ("theme_name_not_blank", "length(btrim(name)) > 0"),
    ("theme_source_not_blank", "length(btrim(source)) > 0"),
)
REVIEW_THEME_CHECKS = (
    ("review_theme_learning_not_blank",
     f"length(btrim(learning)) > 0 AND length(learning) <= {MAX_LEARNING_CHARS}"),
)


class Lcspr(PartnershipOwned):
    """The Local Child Safeguarding Practice Review a Rapid Review converted into: the same review, continued."""

    __tablename__ = "lcsprs"
    __table_args__ = tuple(CheckConstraint(sql, name=name) for name, sql in LCSPR_CHECKS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), unique=True, nullable=False)
    # The date of the decision to carry out the LCSPR: the clock of every due date.
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    reviewer_commissioned_on: Mapped[date | None] = mapped_column(Date)
    terms_agreed_on: Mapped[date | None] = mapped_column(Date)
    practitioners_involved_on: Mapped[date | None] = mapped_column(Date)
    family_involved_on: Mapped[date | None] = mapped_column(Date)
    family_not_involved_reason: Mapped[str | None] = mapped_column(Text)
    draft_to_partners_on: Mapped[date | None] = mapped_column(Date)
    final_report_on: Mapped[date | None] = mapped_column(Date)
    # The copies of the final report to the National Panel and the Secretary of State, before publication.
    copies_sent_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    publication_address: Mapped[str | None] = mapped_column(String(500))
    not_published_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Recommendation(PartnershipOwned):
    """A recommendation of a review: from its Rapid Review report, the Panel's response or its LCSPR."""

    __tablename__ = "recommendations"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in RECOMMENDATION_CHECKS),
        UniqueConstraint("id", "review_id", name="recommendation_of_review"),
        Index("ix_recommendations_review", "review_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    recommendation: Mapped[str] = mapped_column(Text, nullable=False)
    made_on: Mapped[date] = mapped_column(Date, nullable=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ReviewAction(PartnershipOwned):
    """One action of a recommendation: an owning agency, an owner, a due date, a status, and an impact check."""

    __tablename__ = "review_actions"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in ACTION_CHECKS),
        ForeignKeyConstraint(["recommendation_id", "review_id"], ["recommendations.id", "recommendations.review_id"],
                             name="action_of_the_recommendations_review"),
        UniqueConstraint("id", "review_id", name="action_of_review"),
        Index("ix_review_actions_review", "review_id"),
        Index("ix_review_actions_agency_due", "agency_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    recommendation_id: Mapped[int] = mapped_column(Integer, nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    owner_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    owner_email: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ActionStatus.NOT_STARTED.value,
                                        server_default=ActionStatus.NOT_STARTED.value)
    # When the action is done, the date to look again and see whether practice changed.
    impact_check_on: Mapped[date | None] = mapped_column(Date)
    impact_checked_on: Mapped[date | None] = mapped_column(Date)
    impact_checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    impact_finding: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ActionEvidence(PartnershipOwned):
    """One round of evidence that an action was done; kept for ever, its outcome recorded once by the Manager."""

    __tablename__ = "action_evidence"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in EVIDENCE_CHECKS),
        ForeignKeyConstraint(["action_id", "review_id"], ["review_actions.id", "review_actions.review_id"],
                             name="evidence_of_the_actions_review"),
        UniqueConstraint("action_id", "round", name="evidence_round_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    action_id: Mapped[int] = mapped_column(Integer, nullable=False)
    round: Mapped[int] = mapped_column(Integer, nullable=False)
    evidence: Mapped[str] = mapped_column(Text, nullable=False)
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    given_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # Given by the agency through its private link (no account).
    given_through_link: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                     server_default=text("false"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class ActionEvidenceDocument(PartnershipOwned):
    """A document given with a round of evidence: PDF or Word by content, kept for ever."""

    __tablename__ = "action_evidence_documents"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in EVIDENCE_DOCUMENT_CHECKS),
        Index("ix_action_evidence_documents_evidence", "evidence_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("action_evidence.id"), nullable=False)
    file_name: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class PracticeTheme(PartnershipOwned):
    """A practice theme of the partnership's list (the Administration page keeps it); retired, never deleted."""

    __tablename__ = "practice_themes"
    __table_args__ = (
        *(CheckConstraint(sql, name=name) for name, sql in THEME_CHECKS),
        Index("one_theme_name_per_partnership", "partnership_id", text("lower(name)"), unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    # Where the theme comes from: a national source, or "Partnership".
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=text("true"))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ReviewTheme(PartnershipOwned):
    """A review coded with a practice theme, and the learning in one sentence (no free text about the child)."""

    __tablename__ = "review_themes"
    __table_args__ = tuple(CheckConstraint(sql, name=name) for name, sql in REVIEW_THEME_CHECKS)

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("practice_themes.id"), primary_key=True)
    learning: Mapped[str] = mapped_column(Text, nullable=False)
    coded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    coded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class AgencyActionLink(PartnershipOwned):
    """One agency's private link to its actions of one review (migration 0028). Only the token's SHA-256 is kept; one
    live (unrevoked) link per review and agency; revoked, never deleted."""

    __tablename__ = "agency_action_links"
    __table_args__ = (
        UniqueConstraint("token_hash", name="agency_action_links_token_hash_key"),
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="action_link_token_hash_is_sha256"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="action_link_revocation_complete"),
        CheckConstraint("revoked_reason IS NULL OR length(btrim(revoked_reason)) > 0",
                        name="action_link_revoked_reason_not_blank"),
        CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="action_link_revoker_needs_revocation"),
        Index("ix_agency_action_links_review_agency", "review_id", "agency_id"),
        Index("one_live_action_link_per_agency", "review_id", "agency_id", unique=True,
              postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), nullable=False)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    expires_on: Mapped[date] = mapped_column(Date, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
