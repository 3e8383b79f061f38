"""When to remind the consultants of a waiting ticket, and whom: the one place that decides.

Nobody is reminded outside office hours, and waiting counts office time only
(``OfficeHours.office_time_between``): weekends, evenings and holidays do not count. A ticket
nobody has claimed: the staff group, once it has waited ``remind_unclaimed_minutes``. A claimed
ticket without a reply: first its consultant, privately, once it has waited
``remind_unanswered_minutes`` since the claim; then the staff group, once it has waited
``remind_group_after_minutes`` longer. Any ticket: at most one reminder per
``remind_every_minutes`` of office time. ``mark_ticket_reminded`` records each reminder, so
that of several workers deciding at once only one sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.queue.office_hours import OfficeHours
from bot.settings import QueueSettings
from bot.storage import Ticket, TicketStatus


class Audience(StrEnum):
    OWNER = "owner"
    """The consultant who claimed the ticket, in their private chat with the bot."""
    GROUP = "group"
    """The staff group."""


@dataclass(frozen=True, slots=True)
class ReminderRules:
    unclaimed_after: timedelta
    unanswered_after: timedelta
    group_after: timedelta
    every: timedelta

    @classmethod
    def from_settings(cls, queue: QueueSettings) -> ReminderRules:
        return cls(
            unclaimed_after=timedelta(minutes=queue.remind_unclaimed_minutes),
            unanswered_after=timedelta(minutes=queue.remind_unanswered_minutes),
            group_after=timedelta(minutes=queue.remind_group_after_minutes),
            every=timedelta(minutes=queue.remind_every_minutes),
        )


def reminder_audience(
    ticket: Ticket, *, now: datetime, hours: OfficeHours, rules: ReminderRules
) -> Audience | None:
    """Whom to remind of the ticket at ``now``; None: nobody (not due, or the office closed)."""
    if not hours.is_open(now):
        return None
    last = ticket.last_reminder_at
    if last is not None and hours.office_time_between(last, now) < rules.every:
        return None
    if ticket.status == TicketStatus.BARU:
        unclaimed = hours.office_time_between(ticket.created_at, now)
        return Audience.GROUP if unclaimed >= rules.unclaimed_after else None
    if (
        ticket.status != TicketStatus.DIAMBIL
        or ticket.claimed_at is None
        or ticket.first_reply_at is not None
    ):
        return None
    unanswered = hours.office_time_between(ticket.claimed_at, now)
    if unanswered < rules.unanswered_after:
        return None
    # A claim clears the last reminder: none since means its owner has not been reminded yet.
    if last is None or unanswered < rules.unanswered_after + rules.group_after:
        return Audience.OWNER
    return Audience.GROUP
