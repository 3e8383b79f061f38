"""Repeating queue checks: reminders to the consultants and auto-closing idle tickets."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.queue import clock
from bot.queue.formatting import format_waiting
from bot.queue.office_hours import OfficeHours
from bot.queue.reminders import Audience, ReminderRules, reminder_audience
from bot.services import AppContext
from bot.settings import QueueSettings
from bot.storage import (
    ClosedBy,
    Ticket,
    TicketStatus,
    get_user,
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
        queue.remind_group_after_minutes * 60,
        queue.remind_every_minutes * 60,
        queue.auto_close_days * 86400,
    )
    return max(1.0, min(60.0, shortest / 2))


def reminder_text(ticket: Ticket, now: datetime, audience: Audience) -> str:
    """The staff group's reminder: of a ticket unclaimed, or claimed and unanswered."""
    if ticket.status == TicketStatus.BARU:
        return (
            f"⏰ <b>Tiket {ticket.id}</b> belum diambil; menunggu "
            f"{format_waiting(now - ticket.created_at)}. Tekan Ambil atau /ambil {ticket.id}."
        )
    since = ticket.claimed_at or ticket.created_at
    owner = html.escape(ticket.consultant_name or "?")
    text = (
        f"⏰ <b>Tiket {ticket.id}</b> diambil {owner} {format_waiting(now - since)} lalu, "
        "tetapi belum dijawab"
    )
    if audience is Audience.OWNER:  # the owner cannot be reached privately: here instead
        return (
            f"{text}.\n(Bot tidak dapat mengirim pengingat pribadi kepada {owner}: mulailah "
            "obrolan pribadi dengan bot, kirim /start, agar pengingat berikutnya sampai di sana.)"
        )
    return f"{text}, meski sudah diingatkan."


def owner_reminder_text(ticket: Ticket, now: datetime) -> str:
    """The private reminder to the consultant who claimed the ticket."""
    waited = format_waiting(now - (ticket.claimed_at or ticket.created_at))
    return (
        f"⏰ <b>Tiket {ticket.id}</b> yang Anda ambil {waited} lalu belum dijawab. Balas kartunya "
        f"di grup konsultan, atau kirim di sini: /jawab {ticket.id} &lt;jawaban&gt;"
    )


async def check_queue(context: AppContext) -> None:
    """Remind the consultants of waiting tickets; close tickets the ASN left idle."""
    await remind_consultants(context)
    await close_idle_tickets(context)


async def remind_consultants(context: AppContext) -> None:
    """Queue the reminders due now (``bot.queue.reminders`` decides whom and when). Each is
    recorded before it is queued, in one transaction: of several workers checking at once,
    one queues it. Reminders of one ticket waiting together (the staff chat unreachable) are
    sent as the newest one."""
    services = context.services
    if services.settings.staff.chat_id is None:
        return
    queue, now = services.settings.queue, clock.now()
    hours, rules = OfficeHours.from_settings(queue), ReminderRules.from_settings(queue)
    if not hours.is_open(now):  # nothing is due while the office is closed
        return
    async with services.sessions() as session:
        # Waiting by the wall clock is at least waiting in office time: a first, coarse sift.
        candidates = await tickets_needing_reminder(
            session,
            now=now,
            unclaimed_after=rules.unclaimed_after,
            unanswered_after=rules.unanswered_after,
            remind_every=rules.every,
        )
        for ticket in candidates:
            audience = reminder_audience(ticket, now=now, hours=hours, rules=rules)
            # Another worker may have reminded of it a moment ago.
            if audience is not None and await mark_ticket_reminded(
                session, ticket_id=ticket.id, at=now, remind_every=rules.every
            ):
                await queue_reminder(context, session, ticket, audience, now)
        await session.commit()


async def queue_reminder(
    context: AppContext, session: AsyncSession, ticket: Ticket, audience: Audience, now: datetime
) -> None:
    """Queue the reminder: to the owner's private chat when they have one with the bot (they
    wrote to it and have not blocked it), otherwise to the staff group."""
    key = f"pengingat:{ticket.id}"
    if audience is Audience.OWNER and ticket.consultant_id is not None:
        owner = await get_user(session, user_id=ticket.consultant_id)
        if owner is not None and owner.active:
            private = {
                "chat_id": owner.chat_id,
                "html": owner_reminder_text(ticket, now),
                "fallback_html": reminder_text(ticket, now, audience),
            }
            await queue_staff_notice(
                context,
                session,
                NoticeKind.PRIVATE_REMINDER,
                private,
                ticket_id=ticket.id,
                coalesce_key=key,
            )
            return
    await queue_staff_notice(
        context,
        session,
        NoticeKind.NOTE,
        {"html": reminder_text(ticket, now, audience)},
        ticket_id=ticket.id,
        coalesce_key=key,
    )


async def close_idle_tickets(context: AppContext) -> None:
    """Close answered tickets without a word from the ASN for ``auto_close_days``."""
    services = context.services
    before = clock.now() - timedelta(days=services.settings.queue.auto_close_days)
    async with services.sessions() as session:
        idle = await tickets_idle_since(session, before=before)
    for ticket in idle:
        await finish_ticket(context, ticket.id, ClosedBy.OTOMATIS, None)
