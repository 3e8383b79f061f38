"""Storage layer: models, engine, migrations and keyword-only data functions.

Data functions take an ``AsyncSession`` first and flush; the caller commits the unit of work.
"""

from bot.storage.audit import record_audit_event
from bot.storage.base import Base, UTCDateTime, utcnow
from bot.storage.database import create_engine, create_session_factory, default_database_url
from bot.storage.enums import (
    AuditAction,
    ClosedBy,
    EscalationReason,
    MessageDirection,
    TicketStatus,
)
from bot.storage.messages import (
    delete_messages_older_than,
    delete_processed_updates_older_than,
    last_question,
    log_message,
    record_feedback,
)
from bot.storage.migrate import upgrade_database, upgrade_database_async
from bot.storage.models import (
    AuditEvent,
    Feedback,
    InboxUpdate,
    Message,
    ProcessedUpdate,
    Ticket,
    User,
)
from bot.storage.privacy import DeletionSummary, delete_user_data
from bot.storage.queue_extra import (
    find_ticket_by_staff_thread,
    recent_chat_messages,
    set_message_staff_copy,
)
from bot.storage.rating_comments import (
    pending_rating_comment,
    request_rating_comment,
    store_rating_comment,
)
from bot.storage.statistics import TicketStatistics, ticket_statistics
from bot.storage.ticket_details import (
    mark_ticket_reminded,
    rate_ticket,
    record_first_reply,
    set_ticket_staff_message,
    touch_ticket_user_activity,
)
from bot.storage.ticket_queries import (
    find_ticket_by_staff_message,
    get_open_ticket,
    get_ticket,
    ticket_messages,
    tickets_idle_since,
    tickets_needing_reminder,
)
from bot.storage.tickets import (
    ClaimOutcome,
    ClaimResult,
    claim_ticket,
    close_ticket,
    open_ticket,
    release_ticket,
)
from bot.storage.users import get_or_create_user, get_user, mark_user_inactive, set_share_name

__all__ = [
    "AuditAction",
    "AuditEvent",
    "Base",
    "ClaimOutcome",
    "ClaimResult",
    "ClosedBy",
    "DeletionSummary",
    "EscalationReason",
    "Feedback",
    "InboxUpdate",
    "Message",
    "MessageDirection",
    "ProcessedUpdate",
    "Ticket",
    "TicketStatistics",
    "TicketStatus",
    "UTCDateTime",
    "User",
    "claim_ticket",
    "close_ticket",
    "create_engine",
    "create_session_factory",
    "default_database_url",
    "delete_messages_older_than",
    "delete_processed_updates_older_than",
    "delete_user_data",
    "find_ticket_by_staff_message",
    "find_ticket_by_staff_thread",
    "get_open_ticket",
    "get_or_create_user",
    "get_ticket",
    "get_user",
    "last_question",
    "log_message",
    "mark_ticket_reminded",
    "mark_user_inactive",
    "open_ticket",
    "pending_rating_comment",
    "rate_ticket",
    "recent_chat_messages",
    "record_audit_event",
    "record_feedback",
    "record_first_reply",
    "release_ticket",
    "request_rating_comment",
    "set_message_staff_copy",
    "set_share_name",
    "set_ticket_staff_message",
    "store_rating_comment",
    "ticket_messages",
    "ticket_statistics",
    "tickets_idle_since",
    "tickets_needing_reminder",
    "touch_ticket_user_activity",
    "upgrade_database",
    "upgrade_database_async",
    "utcnow",
]
