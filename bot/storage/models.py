"""Database models. Every timestamp is a timezone-aware UTC datetime."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow
from bot.storage.enums import (
    ClosedBy,
    Employment,
    EscalationReason,
    IntakeStep,
    MessageDirection,
    TicketStatus,
)

OPEN_TICKET_CONDITION = "status <> 'selesai'"
PENDING_NOTICE_CONDITION = "sent_at IS NULL AND given_up_at IS NULL"


def _enum_column_type(enum_class: type[StrEnum], name: str) -> Enum:
    """Store a StrEnum as VARCHAR(32) with a CHECK constraint (no native PostgreSQL ENUM)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


class User(Base):
    __tablename__ = "users"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    share_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # At most one open ticket per user; the index is partial on both dialects.
        Index(
            "uq_tickets_user_id_open",
            "user_id",
            unique=True,
            postgresql_where=text(OPEN_TICKET_CONDITION),
            sqlite_where=text(OPEN_TICKET_CONDITION),
        ),
        Index("ix_tickets_status_created_at", "status", "created_at"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.telegram_user_id"), index=True
    )
    status: Mapped[TicketStatus] = mapped_column(
        _enum_column_type(TicketStatus, "ticket_status"), default=TicketStatus.BARU
    )
    reason: Mapped[EscalationReason] = mapped_column(
        _enum_column_type(EscalationReason, "escalation_reason")
    )
    topic: Mapped[str | None] = mapped_column(String(64))
    question: Mapped[str | None] = mapped_column(Text)
    consultant_id: Mapped[int | None] = mapped_column(BigInteger)
    consultant_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[ClosedBy | None] = mapped_column(_enum_column_type(ClosedBy, "closed_by"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # Set when the ASN rated and the bot asked for a comment; cleared once the comment came.
    comment_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    staff_thread_id: Mapped[int | None] = mapped_column(BigInteger)
    last_user_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The owner's last act on the ticket (claim, reply, note); an owner silent too long in
    office time gives the ticket back to the queue."""
    # The short intake after the ASN agreed to a hand-off; all optional, shown on the card.
    employment: Mapped[Employment | None] = mapped_column(
        _enum_column_type(Employment, "employment")
    )
    agency: Mapped[str | None] = mapped_column(String(128))
    """Province or agency, as the ASN wrote it."""
    deadline: Mapped[date | None] = mapped_column(Date)
    """A date the case must be answered by (a summons, a hearing); the queue sorts by it."""
    intake_step: Mapped[IntakeStep | None] = mapped_column(
        _enum_column_type(IntakeStep, "intake_step")
    )
    """The intake question the ASN is being asked; None once answered or skipped."""
    # A hand-over the owner offered and the named consultant has not yet accepted.
    transfer_to_id: Mapped[int | None] = mapped_column(BigInteger)
    transfer_to_name: Mapped[str | None] = mapped_column(String(255))
    transfer_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return self.status != TicketStatus.SELESAI


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_chat_id_created_at", "chat_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.telegram_user_id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[MessageDirection] = mapped_column(
        _enum_column_type(MessageDirection, "message_direction")
    )
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32), default="text")
    text: Mapped[str | None] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    action: Mapped[str | None] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.telegram_user_id", ondelete="SET NULL"), index=True
    )
    # Telegram message id of the bot's answer the user rated (not a foreign key).
    answer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    intent: Mapped[str | None] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessedUpdate(Base):
    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set once every handler has run (``bot.intake``); None while handling, or interrupted."""


class InboxUpdate(Base):
    """An update polling took from Telegram and has not finished handling (``bot.intake``):
    getUpdates's offset moves past it only once it is stored here."""

    __tablename__ = "inbox_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    """The update as Telegram sent it (JSON); deleted once handled."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffNotice(Base):
    """A message for the staff chat, waiting in the outbox (``bot.staff_outbox``).

    Cards, relayed messages, reminders and error notes are stored here in the transaction that
    caused them, and sent by one drainer within the staff chat's budget: a user's reply never
    waits for the staff chat, and a notice outlives a crash or an unreachable staff chat.
    A notice is pending until it is sent (``sent_at``) or given up (``given_up_at``).
    """

    __tablename__ = "staff_outbox"
    __table_args__ = (
        # The drainer reads the oldest pending notices; settled ones stay out of this index.
        Index(
            "ix_staff_outbox_pending",
            "id",
            postgresql_where=text(PENDING_NOTICE_CONDITION),
            sqlite_where=text(PENDING_NOTICE_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """What the drainer does with the payload (``bot.storage.outbox.NoticeKind``)."""
    ticket_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """Not a foreign key: a notice outlives what it is about; the drainer looks it up."""
    coalesce_key: Mapped[str | None] = mapped_column(String(64))
    """Notices with the same kind and key waiting at once may be sent as one message."""
    payload: Mapped[str] = mapped_column(Text)
    """JSON: what to send (``content``)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    """Not sent before this time: a failed send's backoff, or a worker's lease while sending."""
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """Failed sends so far."""
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Sent, or settled without a message of its own (merged into another, no longer needed)."""
    given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger)
    """The message a note about a ticket became in the staff chat: erasing the ticket's traces
    there (/hapus_data) deletes it too."""

    @property
    def content(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.payload)
        return loaded


class SendBudget(Base):
    """Messages sent to Telegram per second and scope, shared by every worker
    (``bot.send_budget``): the workers together keep Telegram's send limits."""

    __tablename__ = "send_budget"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    """``all`` for the bot's overall limit, or ``chat:<id>`` for a group's."""
    second: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    """Unix time of the window (seconds; a group's window is a minute, its start second)."""
    sent: Mapped[int] = mapped_column(Integer)


class TicketNote(Base):
    """An internal note a consultant wrote on a ticket (``bot.storage.ticket_notes``): shown to
    consultants in /tiket and on the card, never sent to the ASN. Deleted with the ticket's
    texts: by the ASN's /hapus_data and by the retention period."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(BigInteger)
    author_name: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReplyTemplate(Base):
    """A reply a consultant saved for the office (``/templat``), sent into a ticket by name."""

    __tablename__ = "reply_templates"
    __table_args__ = (Index("uq_reply_templates_office_name", "office", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    """``staff.office``: offices sharing one database keep their own templates."""
    name: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsultantProfile(Base):
    """A consultant's choice whether the ASN sees their name; without a row, only the role."""

    __tablename__ = "consultant_profiles"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    display_name: Mapped[str | None] = mapped_column(String(255))
    show_name: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledRun(Base):
    """A run of a job that must happen once across workers, claimed by its name (the weekly
    digest: ``ringkasan_mingguan:<date>``); the first worker to insert it runs the job."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NluReviewItem(Base):
    """A question the assistant may have read wrong, waiting for a reviewer (``/tinjau_nlu``).

    It points at the logged message, so ``/hapus_data`` and retention take it with the text;
    the reading the assistant made is copied here because the item outlives later readings.
    """

    __tablename__ = "nlu_review_items"
    __table_args__ = (Index("ix_nlu_review_items_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    source: Mapped[str] = mapped_column(String(32))
    """Why it was queued: ``fallback``, ``clarify``, ``thumbs_down``, a consultant's mark."""
    predicted_intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    action: Mapped[str | None] = mapped_column(String(32))
    suggested_intent: Mapped[str | None] = mapped_column(String(64))
    """The topic a consultant said the assistant could have answered, if one did."""
    status: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(64))
    reviewer_id: Mapped[int | None] = mapped_column(BigInteger)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeReview(Base):
    """A lawyer's decision on one version of a knowledge entry (``/tinjau_jawaban``).

    Append-only: an entry's state is its latest decision on the text it has now
    (``content_hash``); an entry whose text changed since is a draft again.
    """

    __tablename__ = "knowledge_reviews"
    __table_args__ = (Index("ix_knowledge_reviews_entry_id", "entry", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    """``approved`` or ``needs_change``."""
    lawyer_id: Mapped[int] = mapped_column(BigInteger)
    lawyer_name: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    review_by: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeReload(Base):
    """A coordinator's request that every worker read the knowledge files again."""

    __tablename__ = "knowledge_reloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
