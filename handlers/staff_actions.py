"""Ticket actions shared by the card buttons and the staff commands: claim, release, close;
and queuing the erasure of a ticket's traces in the staff chat after /hapus_data."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram import User as TelegramUser
from telegram.error import TelegramError

from bot.services import AppContext
from bot.storage import (
    ClaimOutcome,
    ClosedBy,
    DeletionSummary,
    Ticket,
    TicketStatus,
    User,
    claim_ticket,
    close_ticket,
    get_ticket,
    get_user,
    release_ticket,
)
from bot.storage.consultant_profiles import remember_consultant
from bot.storage.outbox import NoticeKind
from handlers.replies import send_to_user
from handlers.staff_card import queue_card_update, queue_staff_notice

logger = logging.getLogger(__name__)

CLOSING_MESSAGES = {
    ClosedBy.KONSULTAN: "ticket_closed_by_consultant",
    ClosedBy.PENGGUNA: "ticket_closed_by_user",
    ClosedBy.OTOMATIS: "ticket_auto_closed",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to tell the consultant: a callback answer (an alert when ``alert``) or a reply."""

    text: str
    alert: bool = False


def consultant_name(user: TelegramUser) -> str:
    return user.full_name or (f"@{user.username}" if user.username else str(user.id))


async def remember(session: AsyncSession, consultant: TelegramUser) -> None:
    """Record the consultant's name in the staff action's transaction: colleagues can then
    hand them a ticket (/alihkan offers one button per consultant the bot knows)."""
    await remember_consultant(
        session, consultant_id=consultant.id, name=consultant_name(consultant)
    )


def is_coordinator(context: AppContext, user_id: int) -> bool:
    return user_id in context.services.settings.staff.coordinator_ids


async def queue_private_notice(
    context: AppContext,
    session: AsyncSession,
    consultant_id: int,
    texts: tuple[str, str],
    *,
    ticket_id: int,
    coalesce_key: str | None = None,
) -> None:
    """Queue ``texts`` (private, fallback) for a consultant: the first to their private chat
    when they have one with the bot (they wrote to it and have not blocked it), else the
    second in the staff group, under the ticket's card."""
    private, fallback = texts
    consultant = await get_user(session, user_id=consultant_id)
    if consultant is not None and consultant.active:
        payload = {"chat_id": consultant.chat_id, "html": private, "fallback_html": fallback}
        kind = NoticeKind.PRIVATE_REMINDER
    else:
        payload, kind = {"html": fallback}, NoticeKind.NOTE
    await queue_staff_notice(
        context, session, kind, payload, ticket_id=ticket_id, coalesce_key=coalesce_key
    )


def owner_problem(ticket: Ticket | None, ticket_id: int, consultant_id: int) -> str | None:
    """Why this consultant may not act on the ticket as its owner; None if they may."""
    if ticket is None:
        return f"Tiket {ticket_id} tidak ditemukan."
    if ticket.status == TicketStatus.SELESAI:
        return f"Tiket {ticket_id} sudah selesai."
    if ticket.status == TicketStatus.BARU:
        return (
            f"Tiket {ticket_id} belum diambil. Ambil dulu (tombol Ambil atau /ambil {ticket_id})."
        )
    if ticket.consultant_id != consultant_id:
        owner = ticket.consultant_name or "konsultan lain"
        return f"Maaf, tiket {ticket_id} sedang ditangani {owner}; hanya dia yang dapat menjawab."
    return None


async def claim(context: AppContext, ticket_id: int, consultant: TelegramUser) -> Outcome:
    """Claim the ticket atomically; the loser of a race is told who has it.

    The card is updated to show the owner — or posted now, for a ticket from a digest.
    """
    async with context.services.sessions() as session:
        await remember(session, consultant)
        result = await claim_ticket(
            session,
            ticket_id=ticket_id,
            consultant_id=consultant.id,
            consultant_name=consultant_name(consultant),
        )
        asn = None
        if result.claimed and result.ticket is not None:
            asn = await get_user(session, user_id=result.ticket.user_id)
            await queue_card_update(context, session, ticket_id)
        await session.commit()
    if result.claimed:
        if asn is not None and asn.active:
            await _tell_user_claimed(context, asn, ticket_id)
        return Outcome(f"✅ Tiket {ticket_id} sekarang Anda tangani.")
    if result.outcome is ClaimOutcome.NOT_FOUND:
        return Outcome(f"Tiket {ticket_id} tidak ditemukan.", alert=True)
    if result.outcome is ClaimOutcome.CLOSED:
        return Outcome(f"Tiket {ticket_id} sudah selesai.", alert=True)
    if result.owner_id == consultant.id:
        return Outcome(f"Anda sudah memegang tiket {ticket_id}.")
    return Outcome(f"Tiket {ticket_id} sudah diambil oleh {result.owner_name}.", alert=True)


async def _tell_user_claimed(context: AppContext, asn: User, ticket_id: int) -> None:
    """Tell the ASN that a consultant took their ticket (without naming the consultant)."""
    try:
        await send_to_user(
            context,
            chat_id=asn.chat_id,
            user_id=asn.telegram_user_id,
            html=context.services.knowledge.message("ticket_claimed", ticket_number=ticket_id),
            ticket_id=ticket_id,
        )
    except TelegramError:
        logger.exception("Could not tell the ASN that ticket %s was claimed", ticket_id)


async def release(context: AppContext, ticket_id: int, consultant: TelegramUser) -> Outcome:
    """Hand the ticket back to the queue (its owner only)."""
    async with context.services.sessions() as session:
        await remember(session, consultant)
        released = await release_ticket(session, ticket_id=ticket_id, consultant_id=consultant.id)
        ticket = released or await get_ticket(session, ticket_id=ticket_id)
        if released is not None:
            await queue_card_update(context, session, ticket_id)
        await session.commit()
    if released is None:
        return Outcome(
            owner_problem(ticket, ticket_id, consultant.id) or "Tidak dapat dilepas.", True
        )
    return Outcome(f"↩️ Tiket {ticket_id} dikembalikan ke antrian.")


async def close_as_consultant(
    context: AppContext, ticket_id: int, consultant: TelegramUser
) -> Outcome:
    """Close the ticket: its owner, or any consultant while it is still unclaimed."""
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
    problem = owner_problem(ticket, ticket_id, consultant.id)
    if ticket is not None and ticket.status == TicketStatus.BARU:
        problem = None
    if problem is not None:
        return Outcome(problem, alert=True)
    closed = await finish_ticket(context, ticket_id, ClosedBy.KONSULTAN, consultant.id)
    if closed is None:
        return Outcome(f"Tiket {ticket_id} sudah selesai.", alert=True)
    return Outcome(f"✅ Tiket {ticket_id} ditutup; ASN diminta memberi nilai.")


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    """Five buttons, 1 to 5 stars."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(f"{n}⭐", callback_data=f"nilai:{ticket_id}:{n}")
                for n in range(1, 6)
            ]
        ]
    )


async def finish_ticket(
    context: AppContext, ticket_id: int, closed_by: ClosedBy, actor_id: int | None
) -> Ticket | None:
    """Close the ticket once; update its card, tell both sides, ask the ASN for a rating."""
    services = context.services
    async with services.sessions() as session:
        ticket = await close_ticket(
            session, ticket_id=ticket_id, closed_by=closed_by, actor_id=actor_id
        )
        user = None
        if ticket is not None:
            user = await get_user(session, user_id=ticket.user_id)
            await queue_card_update(context, session, ticket_id)
            if closed_by is not ClosedBy.KONSULTAN:
                await _queue_closing_note(context, session, ticket, closed_by)
        await session.commit()
    if ticket is None:
        return None
    logger.info("Ticket %s closed (%s)", ticket_id, closed_by.value)
    if user is not None and user.active:
        knowledge = services.knowledge
        notice = knowledge.message(
            CLOSING_MESSAGES[closed_by],
            ticket_number=ticket.id,
            days=services.settings.queue.auto_close_days,
        )
        prompt = knowledge.message("rating_prompt", ticket_number=ticket.id)
        await send_to_user(
            context,
            chat_id=user.chat_id,
            user_id=user.telegram_user_id,
            html=f"{notice}\n\n{prompt}",
            markup=rating_keyboard(ticket.id),
            ticket_id=ticket.id,
        )
    return ticket


async def _queue_closing_note(
    context: AppContext, session: AsyncSession, ticket: Ticket, closed_by: ClosedBy
) -> None:
    owner = f" (konsultan: {html.escape(ticket.consultant_name)})" if ticket.consultant_name else ""
    if closed_by is ClosedBy.PENGGUNA:
        note = f"🔚 ASN menutup <b>tiket {ticket.id}</b> dengan /selesai{owner}."
    else:
        days = context.services.settings.queue.auto_close_days
        note = (
            f"🔚 <b>Tiket {ticket.id}</b> ditutup otomatis: {days} hari tanpa balasan ASN{owner}."
        )
    await queue_staff_notice(context, session, NoticeKind.NOTE, {"html": note}, ticket_id=ticket.id)


async def queue_staff_erasure(
    context: AppContext, session: AsyncSession, deletion: DeletionSummary
) -> bool:
    """Queue, in the deletion's transaction, the erasure of what the staff chat holds about
    the user's tickets (``handlers.staff_erasure``): ids only. False if there is nothing to
    erase (no ticket, or no staff chat)."""
    if not deletion.staff_traces or context.services.settings.staff.chat_id is None:
        return False
    tickets = [
        {"id": trace.ticket_id, "messages": list(trace.staff_message_ids)}
        for trace in deletion.staff_traces
    ]
    closed = deletion.closed_ticket.id if deletion.closed_ticket is not None else None
    await queue_staff_notice(
        context, session, NoticeKind.ERASE, {"tickets": tickets, "closed": closed}
    )
    return True
