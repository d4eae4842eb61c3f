"""Calendar feeds and sent mail (migration 0013): deadlines where people already work (issue 17)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import MailKind, sql_in
from db.models import PartnershipOwned


class CalendarFeed(PartnershipOwned):
    """An account's private calendar feed address: the token in the address is stored only as its SHA-256 hash."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="feed_token_hash_is_sha256"),
        Index("ix_calendar_feeds_account_id", "account_id"),
        Index("one_live_feed_per_account", "account_id", unique=True, postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CalendarEventState(PartnershipOwned):
    """What a calendar event (by UID) last said: its SEQUENCE goes up when its date moves or it is cancelled."""

    __tablename__ = "calendar_event_states"
    __table_args__ = (CheckConstraint("sequence >= 0", name="event_sequence_not_negative"),)

    uid: Mapped[str] = mapped_column(String(120), primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class SentMail(PartnershipOwned):
    """One email the product sends: queued once (its unique key), sent by `manage.py send-due-mail`, retried on
    failure (attempts, last_error)."""

    __tablename__ = "sent_mail"
    __table_args__ = (
        CheckConstraint(sql_in("kind", MailKind), name="mail_kind_known"),
        CheckConstraint("attempts >= 0", name="mail_attempts_not_negative"),
        CheckConstraint("length(btrim(subject)) > 0", name="mail_subject_not_blank"),
        Index("ix_sent_mail_unsent", "created_at", postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unique_key: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    recipient_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    cc_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    agency_return_id: Mapped[int | None] = mapped_column(ForeignKey("agency_returns.id"))
    queued_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(300))
