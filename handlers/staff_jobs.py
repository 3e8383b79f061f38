"""Repeating queue checks: reminders to the staff group and auto-closing idle tickets."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from bot.queue import clock
from bot.queue.formatting import format_waiting
from bot.services import AppContext
from bot.settings import QueueSettings
from bot.storage import (
    ClosedBy,
    Ticket,
    TicketStatus,
    mark_ticket_reminded,
    tickets_idle_since,
    tickets_needing_reminder,
)
from bot.storage.outbox import NoticeKind
from handlers.staff_actions import finish_ticket
from handlers.staff_card import queue_staff_notice


def check_interval_seconds(queue: QueueSettings) -> float:
    """How often to check: half the shortest threshold, between 1 and 60 seconds."""
    shortest = min(
        queue.remind_unclaimed_minutes * 60,
        queue.remind_unanswered_minutes * 60,
        queue.remind_every_minutes * 60,
        queue.auto_close_days * 86400,
    )
    return max(1.0, min(60.0, shortest / 2))


def reminder_text(ticket: Ticket, now: datetime) -> str:
    if ticket.status == TicketStatus.BARU:
        return (
            f"⏰ <b>Tiket {ticket.id}</b> belum diambil; menunggu "
            f"{format_waiting(now - ticket.created_at)}. Tekan Ambil atau /ambil {ticket.id}."
        )
    since = ticket.claimed_at or ticket.created_at
    return (
        f"⏰ <b>Tiket {ticket.id}</b> diambil {html.escape(ticket.consultant_name or '?')} "
        f"{format_waiting(now - since)} lalu, tetapi belum dijawab."
    )


async def check_queue(context: AppContext) -> None:
    """Remind the staff of waiting tickets; close tickets the ASN left idle."""
    await remind_consultants(context)
    await close_idle_tickets(context)


async def remind_consultants(context: AppContext) -> None:
    """Queue a reminder for each ticket unclaimed or unanswered for too long; reminders of
    one ticket waiting together (the staff chat unreachable) are sent as the newest one."""
    services = context.services
    if services.settings.staff.chat_id is None:
        return
    queue, now = services.settings.queue, clock.now()
    every = timedelta(minutes=queue.remind_every_minutes)
    async with services.sessions() as session:
        candidates = await tickets_needing_reminder(
            session,
            now=now,
            unclaimed_after=timedelta(minutes=queue.remind_unclaimed_minutes),
            unanswered_after=timedelta(minutes=queue.remind_unanswered_minutes),
            remind_every=every,
        )
        for ticket in candidates:
            # Another worker may have reminded of it a moment ago.
            if await mark_ticket_reminded(session, ticket_id=ticket.id, at=now, remind_every=every):
                await queue_staff_notice(
                    context,
                    session,
                    NoticeKind.NOTE,
                    {"html": reminder_text(ticket, now)},
                    ticket_id=ticket.id,
                    coalesce_key=f"pengingat:{ticket.id}",
                )
        await session.commit()


async def close_idle_tickets(context: AppContext) -> None:
    """Close answered tickets without a word from the ASN for ``auto_close_days``."""
    services = context.services
    before = clock.now() - timedelta(days=services.settings.queue.auto_close_days)
    async with services.sessions() as session:
        idle = await tickets_idle_since(session, before=before)
    for ticket in idle:
        await finish_ticket(context, ticket.id, ClosedBy.OTOMATIS, None)
