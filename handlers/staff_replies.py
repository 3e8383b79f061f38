"""Relay both ways: the ASN's messages into the staff group, the owner's answers to the ASN."""

from __future__ import annotations

import asyncio
import html
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message as TelegramMessage
from telegram import Update
from telegram.error import Forbidden

from bot.services import AppContext
from bot.storage import (
    AuditAction,
    MessageDirection,
    Ticket,
    find_ticket_by_staff_message,
    get_ticket,
    get_user,
    log_message,
    mark_user_inactive,
    record_audit_event,
    record_first_reply,
    touch_ticket_user_activity,
)
from bot.storage.outbox import NoticeKind
from bot.storage.queue_extra import find_ticket_by_staff_thread
from bot.storage.ticket_transfer import touch_owner_activity
from bot.storage.transaction import in_transaction
from handlers.consultant_messages import (
    WrittenAnswer,
    answer_after,
    send_as_lkbh,
    send_text_as_lkbh,
)
from handlers.input_bounds import parse_id
from handlers.staff_actions import owner_problem
from handlers.staff_card import queue_staff_notice
from handlers.staff_notes import marked_note, take_marked_note
from handlers.updates import kind_of

logger = logging.getLogger(__name__)

LINK_ATTEMPTS = 10
LINK_RETRY_SECONDS = 0.2
"""A reply to a just-relayed message can arrive before the relay has stored the copy's id
(the relay commits right after Telegram confirms the copy, maybe on another worker): look again
for up to ~2 s before deciding the reply belongs to no ticket."""


async def relay_user_message(context: AppContext, ticket: Ticket, message: TelegramMessage) -> None:
    """Relay an ASN's message under the ticket's card (through the staff outbox); no answer."""
    await in_transaction(
        context.services.sessions, lambda session: queue_relay(context, session, ticket, message)
    )


async def queue_relay(
    context: AppContext, session: AsyncSession, ticket: Ticket, message: TelegramMessage
) -> None:
    """``relay_user_message`` in the caller's transaction (the one that logged the message)."""
    await touch_ticket_user_activity(session, ticket_id=ticket.id)
    await queue_staff_notice(
        context,
        session,
        NoticeKind.RELAY,
        {"chat_id": message.chat_id, "message_id": message.message_id},
        ticket_id=ticket.id,
    )


async def ticket_of_staff_message(context: AppContext, message: TelegramMessage) -> Ticket | None:
    """The ticket a staff-group message belongs to: by forum topic, else by what it replies to."""
    if message.is_topic_message and message.message_thread_id:
        async with context.services.sessions() as session:
            ticket = await find_ticket_by_staff_thread(session, thread_id=message.message_thread_id)
        if ticket is not None:
            return ticket
    target = message.reply_to_message
    if target is None:
        return None
    attempts = LINK_ATTEMPTS if replies_to_the_bot(context, message) else 1
    for attempt in range(attempts):
        async with context.services.sessions() as session:
            ticket = await find_ticket_by_staff_message(session, staff_message_id=target.message_id)
        if ticket is not None:
            return ticket
        if attempt + 1 < attempts:
            await asyncio.sleep(LINK_RETRY_SECONDS)
    return None


def replies_to_the_bot(context: AppContext, message: TelegramMessage) -> bool:
    """True for a reply to something the bot posted (a card or a relayed message)."""
    target = message.reply_to_message
    return bool(target and target.from_user and target.from_user.id == context.bot.id)


async def relay_consultant_reply(update: Update, context: AppContext) -> None:
    """Copy the owner's reply to a card, a relayed message or the ticket's topic to the ASN."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    ticket = await ticket_of_staff_message(context, message)
    if ticket is None:
        if replies_to_the_bot(context, message):  # never drop an answer silently
            await message.reply_text(
                "⚠️ Pesan ini tidak terhubung ke tiket mana pun, jadi tidak diteruskan. "
                "Balas kartu tiketnya, atau kirim /jawab &lt;nomor tiket&gt; &lt;teks&gt;."
            )
        return  # otherwise: ordinary talk among the consultants
    if message.from_user.id not in context.services.settings.staff.team_ids:
        await message.reply_text(context.services.knowledge.message("staff_only_alert"))
        return
    if (note := marked_note(message)) is not None:  # any consultant's, and never to the ASN
        await take_marked_note(context, ticket.id, message, note)
        return
    problem = owner_problem(ticket, ticket.id, message.from_user.id)
    if problem is not None:
        await message.reply_text(f"{html.escape(problem)} Pesan Anda tidak diteruskan ke ASN.")
        return
    if not await deliver_answer(context, ticket, message.from_user.id, source=message):
        await message.reply_text(f"⚠️ ASN tiket {ticket.id} memblokir bot; balasan tidak terkirim.")


async def deliver_answer(
    context: AppContext,
    ticket: Ticket,
    consultant_id: int,
    *,
    source: TelegramMessage | None = None,
    answer: WrittenAnswer | None = None,
    intent: str | None = None,
    audit: tuple[str, str] | None = None,
) -> bool:
    """Send a consultant's message (or a written answer: /jawab's, /kirim's) to the ASN as from
    LKBH; log it, with the topic ``intent`` of a knowledge-base answer, and audit it (the action
    and detail ``audit``; by default /jawab's); False if the ASN cannot receive it."""
    services = context.services
    async with services.sessions() as session:
        user = await get_user(session, user_id=ticket.user_id)
    if user is None:
        return False
    try:
        if source is not None:
            sent_id = await send_as_lkbh(context, user.chat_id, source, consultant_id=consultant_id)
            logged, kind = source.text or source.caption, kind_of(source)
        else:
            assert answer is not None
            sent_id = await send_text_as_lkbh(
                context, user.chat_id, answer.html, consultant_id=consultant_id
            )
            logged, kind = answer.text, "text"
    except Forbidden:
        async with services.sessions() as session:
            await mark_user_inactive(session, user_id=user.telegram_user_id)
            await session.commit()
        return False
    async with services.sessions() as session:
        await log_message(
            session,
            chat_id=user.chat_id,
            user_id=user.telegram_user_id,
            direction=MessageDirection.OUT,
            text=logged,
            kind=kind,
            telegram_message_id=sent_id,
            staff_message_id=source.message_id if source is not None else None,
            intent=intent,
            action="konsultan",
            ticket_id=ticket.id,
        )
        await record_first_reply(session, ticket_id=ticket.id)
        await touch_owner_activity(session, ticket_id=ticket.id, consultant_id=consultant_id)
        action, detail = audit or (AuditAction.JAWAB, "salin" if source is not None else "/jawab")
        await record_audit_event(
            session, actor_id=consultant_id, action=action, ticket_id=ticket.id, detail=detail
        )
        await session.commit()
    return True


async def answer_command(update: Update, context: AppContext) -> None:
    """/jawab N teks: send the text, formatting kept, to the ticket's ASN as from LKBH."""
    message = update.effective_message
    assert message is not None and message.from_user is not None
    command = message.text or ""
    parts = command.split(maxsplit=2)
    ticket_id = parse_id(parts[1]) if len(parts) == 3 else None
    if ticket_id is None:
        await message.reply_text("Format: /jawab &lt;nomor tiket&gt; &lt;teks jawaban&gt;")
        return
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
    problem = owner_problem(ticket, ticket_id, message.from_user.id)
    if problem is not None or ticket is None:
        await message.reply_text(html.escape(problem or f"Tiket {ticket_id} tidak ditemukan."))
        return
    answer = answer_after(message, command[: len(command) - len(parts[2])])
    delivered = await deliver_answer(context, ticket, message.from_user.id, answer=answer)
    await message.reply_text(
        f"✅ Jawaban terkirim ke ASN (tiket {ticket_id})."
        if delivered
        else f"⚠️ ASN tiket {ticket_id} memblokir bot; jawaban tidak terkirim."
    )
