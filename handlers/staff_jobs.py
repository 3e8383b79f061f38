"""Repeating queue checks: reminders to the consultants, giving back the tickets of owners
silent too long, and auto-closing idle tickets."""

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
    mark_ticket_reminded,
    tickets_idle_since,
    tickets_needing_reminder,
)
from bot.storage.outbox import NoticeKind
from bot.storage.ticket_transfer import release_silent_owner, tickets_with_silent_owner
from handlers.consultant_messages import tell_asn_who_handles
from handlers.staff_actions import finish_ticket, queue_private_notice
from handlers.staff_card import queue_card_update, queue_staff_notice


def check_interval_seconds(queue: QueueSettings) -> float:
    """How often to check: half the shortest threshold, between 1 and 60 seconds."""
    shortest = min(
        queue.remind_unclaimed_minutes * 60,
        queue.remind_unanswered_minutes * 60,
        queue.remind_group_after_minutes * 60,
        queue.remind_every_minutes * 60,
        queue.auto_close_days * 86400,
        queue.release_silent_owner_minutes * 60 or 86400,
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
    """Remind the consultants of waiting tickets, give back those of silent owners, close
    tickets the ASN left idle."""
    await remind_consultants(context)
    await release_silent_owners(context)
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
    """Queue the reminder: to the owner privately when the bot can write to them, otherwise
    to the staff group."""
    key = f"pengingat:{ticket.id}"
    group_text = reminder_text(ticket, now, audience)
    if audience is Audience.OWNER and ticket.consultant_id is not None:
        texts = (owner_reminder_text(ticket, now), group_text)
        await queue_private_notice(
            context, session, ticket.consultant_id, texts, ticket_id=ticket.id, coalesce_key=key
        )
        return
    await queue_staff_notice(
        context,
        session,
        NoticeKind.NOTE,
        {"html": group_text},
        ticket_id=ticket.id,
        coalesce_key=key,
    )


async def release_silent_owners(context: AppContext) -> None:
    """Give back to the queue each ticket whose owner did nothing on it (claim, reply, note)
    for ``release_silent_owner_minutes`` of office time (0: never); tell the owner (privately
    when the bot can), the group under the card, and the ASN. The release is conditional on
    the silence seen: of several workers checking at once, one releases and tells."""
    services = context.services
    queue, now = services.settings.queue, clock.now()
    hours = OfficeHours.from_settings(queue)
    if not queue.release_silent_owner_minutes or not hours.is_open(now):
        return
    silence = timedelta(minutes=queue.release_silent_owner_minutes)
    released: list[Ticket] = []
    async with services.sessions() as session:
        # Silent by the wall clock is necessary for silent as long in office time.
        for ticket in await tickets_with_silent_owner(session, before=now - silence):
            owner_id, owner_name = ticket.consultant_id, ticket.consultant_name
            since = ticket.owner_active_at or ticket.claimed_at
            if owner_id is None or since is None or hours.office_time_between(since, now) < silence:
                continue
            if await release_silent_owner(
                session, ticket_id=ticket.id, owner_id=owner_id, silent_since=since
            ):
                await queue_silent_release_notes(context, session, ticket.id, owner_id, owner_name)
                released.append(ticket)
        await session.commit()
    for ticket in released:
        await tell_asn_who_handles(context, ticket.id, ticket.user_id, None)


async def queue_silent_release_notes(
    context: AppContext, session: AsyncSession, ticket_id: int, owner_id: int, owner: str | None
) -> None:
    """The card shows the ticket unclaimed; the group and the former owner are told why."""
    knowledge = context.services.knowledge
    minutes = context.services.settings.queue.release_silent_owner_minutes
    group = knowledge.message(
        "silent_owner_released", ticket_number=ticket_id, owner=owner or "?", minutes=minutes
    )
    private = knowledge.message(
        "silent_owner_released_private", ticket_number=ticket_id, minutes=minutes
    )
    await queue_card_update(context, session, ticket_id)
    await queue_staff_notice(
        context, session, NoticeKind.NOTE, {"html": group}, ticket_id=ticket_id
    )
    await queue_private_notice(context, session, owner_id, (private, group), ticket_id=ticket_id)


async def close_idle_tickets(context: AppContext) -> None:
    """Close answered tickets without a word from the ASN for ``auto_close_days``."""
    services = context.services
    before = clock.now() - timedelta(days=services.settings.queue.auto_close_days)
    async with services.sessions() as session:
        idle = await tickets_idle_since(session, before=before)
    for ticket in idle:
        await finish_ticket(context, ticket.id, ClosedBy.OTOMATIS, None)
