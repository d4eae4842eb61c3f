"""Typed SQLAlchemy models. Constraints here mirror the migrations; the migrations are the truth, and
tests/integration/test_schema_drift.py compares the two. Vocabularies come from db.enums."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from db.enums import (
    CorrectedFact,
    FolderSection,
    LogCategory,
    NotificationType,
    ReviewState,
    Role,
    WithdrawalReason,
    sql_array,
    sql_in,
    sql_literal,
)

# The old tuple names, kept for the modules that still import them (accounts, admin, daily log); prefer the enums.
ROLES = tuple(Role)
LOG_CATEGORIES = tuple(LogCategory)

_OPEN, _SUBMITTED, _CLOSED = (sql_literal(s) for s in (ReviewState.OPEN, ReviewState.SUBMITTED, ReviewState.CLOSED))
_WITHDRAWN, _OTHER_REASON = sql_literal(ReviewState.WITHDRAWN), sql_literal(WithdrawalReason.OTHER)
# A withdrawn review's fields are all set, or none (migration 0018); "other" needs words in the note.
WITHDRAWN_ALL_OR_NOTHING = (
    f"(state <> {_WITHDRAWN} AND withdrawn_on IS NULL AND withdrawn_by_id IS NULL AND withdrawn_reason IS NULL"
    " AND withdrawn_note IS NULL)"
    f" OR (state = {_WITHDRAWN} AND withdrawn_on IS NOT NULL AND withdrawn_by_id IS NOT NULL"
    f" AND withdrawn_reason IS NOT NULL AND (withdrawn_reason <> {_OTHER_REASON}"
    " OR length(btrim(coalesce(withdrawn_note, ''))) > 0))"
)
STATE_MATCHES_DATES = (
    f"(state = {_OPEN} AND submitted_to_panel_date IS NULL)"
    f" OR (state = {_SUBMITTED} AND submitted_to_panel_date IS NOT NULL AND panel_response_date IS NULL)"
    f" OR (state = {_CLOSED} AND panel_response_date IS NOT NULL)"
    f" OR (state = {_WITHDRAWN} AND submitted_to_panel_date IS NULL)"
)


class Base(DeclarativeBase):
    pass


PARTNERSHIP_CODE = "^[a-z0-9][a-z0-9-]{1,19}$"  # migration 0033


class Partnership(Base):
    """A partnership on this deployment (migration 0033): every other row belongs to one. Made by the owner only."""

    __tablename__ = "partnerships"
    __table_args__ = (
        CheckConstraint(f"code ~ '{PARTNERSHIP_CODE}'", name="partnership_code_form"),
        CheckConstraint("btrim(name) <> ''", name="partnership_name_given"),
        UniqueConstraint("code", name="one_partnership_per_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # What a user gives at sign-in to choose the partnership once there are several.
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class PartnershipOwned(Base):
    """A table whose every row belongs to one partnership (migration 0033). Written without naming one, a row takes
    the partnership the transaction declared (`rrt.partnership_id`), else the only one while there is one: with two
    and none declared the database refuses the row (NOT NULL) rather than guess."""

    __abstract__ = True

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), nullable=False,
                                                server_default=text("current_partnership()"))


# The LCSPR timescales' ranges (migration 0026 freezes the same): {column: (lowest, highest)}.
LCSPR_TIMESCALE_RANGES: dict[str, tuple[int, int]] = {
    "lcspr_commission_days": (1, 120),
    "lcspr_terms_days": (1, 120),
    "lcspr_involvement_days": (1, 250),
    "lcspr_draft_before_days": (1, 120),
    "lcspr_completion_months": (1, 24),
    "lcspr_copies_before_days": (7, 60),
    "lcspr_publication_days": (7, 250),
}


class Setting(PartnershipOwned):
    """A partnership's settings: one row per partnership (migration 0035; the first partnership's is id 1), made with
    the partnership. The code reads the row of the partnership its transaction is in (services/settings_reads.py)."""

    __tablename__ = "settings"
    __table_args__ = (
        UniqueConstraint("partnership_id", name="one_settings_row_per_partnership"),
        CheckConstraint("amber_threshold_days BETWEEN 0 AND 10", name="amber_threshold_range"),
        CheckConstraint("idle_timeout_minutes BETWEEN 5 AND 480", name="idle_timeout_range"),
        # The LCSPR's timescales (migration 0026; docs/lcspr.md gives each source).
        *(CheckConstraint(f"{column} BETWEEN {low} AND {high}", name=f"{column}_range")
          for column, (low, high) in LCSPR_TIMESCALE_RANGES.items()),
        CheckConstraint("lcspr_publication_days >= lcspr_copies_before_days",
                        name="lcspr_publication_after_copies_notice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partnership_name: Mapped[str] = mapped_column(String(200), nullable=False)
    amber_threshold_days: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    idle_timeout_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    local_passwords_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True,
                                                          server_default=text("true"))
    # The fictional demo partnership was loaded here (migration 0020): every page says "Training copy".
    training_copy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=text("false"))
    # The LCSPR's timescales (migration 0026): working days unless named months.
    lcspr_commission_days: Mapped[int] = mapped_column(Integer, nullable=False, default=20, server_default="20")
    lcspr_terms_days: Mapped[int] = mapped_column(Integer, nullable=False, default=15, server_default="15")
    lcspr_involvement_days: Mapped[int] = mapped_column(Integer, nullable=False, default=40, server_default="40")
    lcspr_draft_before_days: Mapped[int] = mapped_column(Integer, nullable=False, default=20, server_default="20")
    lcspr_completion_months: Mapped[int] = mapped_column(Integer, nullable=False, default=6, server_default="6")
    lcspr_copies_before_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7, server_default="7")
    lcspr_publication_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30, server_default="30")
    # Counts saves: a save made against an older version is refused (services/concurrency.py).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ClosureDay(PartnershipOwned):
    __tablename__ = "closure_days"

    # A day is closed for one partnership (migration 0033).
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), primary_key=True,
                                                server_default=text("current_partnership()"))
    closed_on: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), nullable=False)


class Account(PartnershipOwned):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(
            f"roles <@ {sql_array(Role)} AND cardinality(roles) >= 1",
            name="known_roles",
        ),
        CheckConstraint("username ~ '^[a-z0-9._-]{3,40}$'", name="username_format"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        UniqueConstraint("partnership_id", "username", name="one_username_per_partnership"),
        UniqueConstraint("partnership_id", "email", name="one_email_per_partnership"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    roles: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Organisation sign-in (OpenID Connect) matches the identity's verified email to this, lower-cased.
    email: Mapped[str | None] = mapped_column(String(254))

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class SignInSession(PartnershipOwned):
    """One signed-in browser: the cookie's token is stored only as its SHA-256 hash (services/sessions.py)."""

    __tablename__ = "sign_in_sessions"
    __table_args__ = (
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="token_hash_is_sha256"),
        CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended_with_reason"),
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        Index("ix_sign_in_sessions_account_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(String(60))
    # A one-time ticket (a minute) that the browser exchanges for the cookie (ui/server.py, /auth/session).
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Agency(PartnershipOwned):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("partnership_id", "name", name="one_agency_name_per_partnership"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(80), nullable=False)
    contact_email: Mapped[str | None] = mapped_column(String(200))
    # The agency's JCR Group representative, copied on send-backs and chases (migration 0012).
    jcr_rep_email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Counts saves: a save made against an older version is refused (services/concurrency.py).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class MilestoneTemplate(PartnershipOwned):
    """One step of the plan that new reviews copy."""

    __tablename__ = "milestone_templates"
    __table_args__ = (
        CheckConstraint("window_start_day IS NULL OR window_start_day BETWEEN 1 AND 30", name="start_day_range"),
        CheckConstraint(
            "window_end_day IS NULL OR (window_end_day BETWEEN 1 AND 30 AND window_end_day >= window_start_day)",
            name="end_day_range",
        ),
        CheckConstraint("(follows_key IS NULL) = (follows_offset_days IS NULL)", name="follows_pair"),
        UniqueConstraint("partnership_id", "key", name="one_milestone_key_per_partnership"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    window_start_day: Mapped[int | None] = mapped_column(Integer)
    window_end_day: Mapped[int | None] = mapped_column(Integer)
    follows_key: Mapped[str | None] = mapped_column(String(40))
    follows_offset_days: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(80), nullable=False)
    done_when: Mapped[str] = mapped_column(Text, nullable=False, default="")
    optional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    condition: Mapped[str | None] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Counts saves: a save made against an older version is refused (services/concurrency.py).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Review(PartnershipOwned):
    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("incident_date <= csc_aware_date", name="incident_before_aware"),
        CheckConstraint("csc_aware_date <= notification_received_date", name="aware_before_received"),
        CheckConstraint("sin_submitted_date IS NULL OR sin_submitted_date >= csc_aware_date", name="sin_after_aware"),
        CheckConstraint(
            "submitted_to_panel_date IS NULL OR submitted_to_panel_date >= notification_received_date",
            name="submitted_after_received",
        ),
        CheckConstraint(
            "panel_response_date IS NULL OR (submitted_to_panel_date IS NOT NULL"
            " AND panel_response_date >= submitted_to_panel_date)",
            name="panel_response_after_submitted",
        ),
        CheckConstraint(
            "ofsted_response_date IS NULL OR (submitted_to_panel_date IS NOT NULL"
            " AND ofsted_response_date >= submitted_to_panel_date)",
            name="ofsted_response_after_submitted",
        ),
        CheckConstraint("case_reference ~ '^[0-9]{6}[A-Z]{1,4}(-[0-9]+)?$'", name="case_reference_format"),
        CheckConstraint(sql_in("notification_type", NotificationType), name="notification_type_known"),
        CheckConstraint(sql_in("state", ReviewState), name="state_known"),
        CheckConstraint(STATE_MATCHES_DATES, name="state_matches_dates"),
        CheckConstraint(sql_in("withdrawn_reason", WithdrawalReason, nullable=True), name="withdrawn_reason_known"),
        CheckConstraint(WITHDRAWN_ALL_OR_NOTHING, name="withdrawn_all_or_nothing"),
        CheckConstraint("lcspr_decision IS NULL OR length(btrim(lcspr_reason)) > 0", name="lcspr_decision_has_reason"),
        UniqueConstraint("partnership_id", "case_reference", name="one_case_reference_per_partnership"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(20), nullable=False)
    notification_type: Mapped[str] = mapped_column(String(20), nullable=False)
    # Often unknown on Day 1 (migration 0012): required before sign-off.
    incident_date: Mapped[date | None] = mapped_column(Date)
    csc_aware_date: Mapped[date | None] = mapped_column(Date)
    sin_submitted_date: Mapped[date | None] = mapped_column(Date)
    notification_received_date: Mapped[date] = mapped_column(Date, nullable=False)
    submitted_to_panel_date: Mapped[date | None] = mapped_column(Date)
    panel_response_date: Mapped[date | None] = mapped_column(Date)
    ofsted_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    ofsted_response_date: Mapped[date | None] = mapped_column(Date)
    exec_meeting_required: Mapped[bool | None] = mapped_column(Boolean)
    # Whether the rapid review recommends a Local Child Safeguarding Practice Review, and why.
    lcspr_decision: Mapped[bool | None] = mapped_column(Boolean)
    lcspr_reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=ReviewState.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    # Withdrawn (migration 0018): kept and readable, out of the live list, feeds, digests and the board's figures.
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(30))
    withdrawn_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    children: Mapped[list[ReviewChild]] = relationship(
        back_populates="review", order_by="ReviewChild.position", cascade="all, delete-orphan"
    )
    milestones: Mapped[list[ReviewMilestone]] = relationship(
        back_populates="review", order_by="ReviewMilestone.sort_order", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class ReviewChild(PartnershipOwned):
    __tablename__ = "review_children"
    __table_args__ = (
        UniqueConstraint("review_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 4", name="at_most_four_children"),
        CheckConstraint("initials ~ '^[A-Z]{1,4}$'", name="initials_letters_only"),
        CheckConstraint("age_years BETWEEN 0 AND 17", name="age_is_a_child"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    initials: Mapped[str] = mapped_column(String(4), nullable=False)
    age_years: Mapped[int] = mapped_column(Integer, nullable=False)

    review: Mapped[Review] = relationship(back_populates="children")


class ReviewMilestone(PartnershipOwned):
    """A review's own copy of a plan step, with its due, agreed and done dates."""

    __tablename__ = "review_milestones"
    __table_args__ = (
        UniqueConstraint("review_id", "key"),
        CheckConstraint("(done_date IS NULL) = (done_by_id IS NULL)", name="done_has_author"),
        CheckConstraint("(agreed_due_date IS NULL) = (agreed_reason IS NULL)", name="agreed_has_reason"),
        CheckConstraint("done_outside_reason IS NULL OR length(btrim(done_outside_reason)) > 0",
                        name="done_outside_reason_not_blank"),  # migration 0019
        Index("ix_review_milestones_review", "review_id"),  # migration 0002
        Index("ix_review_milestones_delegated_open", "delegated_to_id",  # migration 0015
              postgresql_where=text("delegated_to_id IS NOT NULL AND done_date IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    window_start_day: Mapped[int | None] = mapped_column(Integer)
    window_end_day: Mapped[int | None] = mapped_column(Integer)
    follows_key: Mapped[str | None] = mapped_column(String(40))
    follows_offset_days: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(80), nullable=False)
    done_when: Mapped[str] = mapped_column(Text, nullable=False, default="")
    optional: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    condition: Mapped[str | None] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False)
    window_start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    agreed_due_date: Mapped[date | None] = mapped_column(Date)
    agreed_reason: Mapped[str | None] = mapped_column(Text)
    done_date: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    # Issue 26: a step the product has evidence for, recorded by the Manager as done outside the product: why.
    done_outside_reason: Mapped[str | None] = mapped_column(Text)
    delegated_to_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    review: Mapped[Review] = relationship(back_populates="milestones")
    done_by: Mapped[Account | None] = relationship(foreign_keys=[done_by_id])
    delegated_to: Mapped[Account | None] = relationship(foreign_keys=[delegated_to_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def effective_due_date(self) -> date | None:
        """The agreed date when the manager set one, else the plan's date."""
        return self.agreed_due_date or self.due_date


class MilestoneDateCorrection(PartnershipOwned):
    """A completed step's date corrected (migration 0012): the step's done date changes, this row keeps the old one."""

    __tablename__ = "milestone_date_corrections"
    __table_args__ = (
        CheckConstraint("old_done_date <> new_done_date", name="correction_changes_date"),
        CheckConstraint("length(btrim(reason)) > 0", name="correction_reason_not_blank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("review_milestones.id", ondelete="CASCADE"), nullable=False, index=True)
    old_done_date: Mapped[date] = mapped_column(Date, nullable=False)
    new_done_date: Mapped[date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())

    corrected_by: Mapped[Account] = relationship()


class ReviewFactCorrection(PartnershipOwned):
    """A review's fact corrected (migration 0018): initials, an age, the number of children, the notification type,
    and the case reference a corrected first child's initials give. The review holds the new value, this row the
    old one; a former case reference stays findable through it."""

    __tablename__ = "review_fact_corrections"
    __table_args__ = (
        CheckConstraint(sql_in("fact", CorrectedFact), name="fact_known"),
        CheckConstraint("old_value IS DISTINCT FROM new_value", name="fact_correction_changes_value"),
        CheckConstraint("length(btrim(reason)) > 0", name="fact_correction_reason_not_blank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), nullable=False, index=True)
    fact: Mapped[str] = mapped_column(String(30), nullable=False)
    child_position: Mapped[int | None] = mapped_column(Integer)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class LogEntry(PartnershipOwned):
    """The daily log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE)."""

    __tablename__ = "daily_log"
    __table_args__ = (
        CheckConstraint(sql_in("category", LogCategory), name="category_known"),
        CheckConstraint(sql_in("folder_section", FolderSection, nullable=True), name="section_known"),
        CheckConstraint("(file_path IS NULL) OR (folder_section IS NOT NULL)", name="path_needs_section"),
        CheckConstraint("length(btrim(text)) > 0", name="text_not_blank"),
        # Migrations 0002 and 0003: a review's log newest first, by author, and by agency return.
        Index("ix_daily_log_review_time", "review_id", "logged_at", "id"),
        Index("ix_daily_log_author", "author_id"),
        Index("ix_daily_log_agency_return", "agency_return_id"),
        # Migration 0014: every live review's log newest first, its authors, and the word search by trigrams.
        Index("ix_daily_log_time", "logged_at", "id", postgresql_include=["review_id"]),
        Index("ix_daily_log_review_author", "review_id", "author_id"),
        Index("ix_daily_log_text_trgm", "text", postgresql_using="gin", postgresql_ops={"text": "gin_trgm_ops"}),
        # Migration 0027: the words of the text, for "Words in the text" (services.daily_log.reads).
        Index("ix_daily_log_text_words", "text_words", postgresql_using="gin"),
        # Migration 0034: one chain per partnership (0009: one for the deployment).
        Index("ix_daily_log_partnership_chain_position", "partnership_id", "chain_position", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    author_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    folder_section: Mapped[str | None] = mapped_column(String(3))
    file_path: Mapped[str | None] = mapped_column(Text)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("review_milestones.id"))
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("daily_log.id"))
    by_system: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The return an entry is about (migration 0003). A string target, so db.models imports nothing of db.models_returns;
    # use_alter keeps SQLAlchemy from resolving it when sorting tables for a flush, so a process that has loaded
    # db.models alone (not db.model_registry) can still write log entries.
    agency_return_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency_returns.id", name="daily_log_agency_return_id_fkey", use_alter=True))
    # The hash chain (migration 0009): set by the database's BEFORE INSERT trigger, never by the app.
    chain_position: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=FetchedValue())
    chain_hash: Mapped[str] = mapped_column(String(64), nullable=False, server_default=FetchedValue())
    # The text's words (migration 0027): letters and digits, lower case, for the word search; never loaded.
    text_words: Mapped[str] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple'::regconfig, regexp_replace(text, '[^[:alnum:]]+', ' ', 'g'))",
                           persisted=True), deferred=True)

    author: Mapped[Account] = relationship()
