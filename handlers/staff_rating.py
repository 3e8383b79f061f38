"""The ASN's side of closing: /selesai, the 1–5 rating and an optional comment."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message as TelegramMessage
from telegram import Update
from telegram.error import BadRequest

from bot.nlu.policy import Decision, reads_as_question
from bot.queue import clock
from bot.services import AppContext
from bot.storage import (
    ClosedBy,
    MessageDirection,
    get_open_ticket,
    log_message,
    pending_rating_comment,
    rate_ticket,
    record_audit_event,
    request_rating_comment,
    store_rating_comment,
)
from bot.storage.models import Ticket
from handlers.input_bounds import rating_button, refuse_button
from handlers.replies import send_to_user
from handlers.staff_actions import finish_ticket
from handlers.staff_card import queue_card_update

COMMENT_WINDOW = timedelta(minutes=10)
"""How long after a rating the ASN's next text is taken as its comment."""


async def close_own_ticket(update: Update, context: AppContext) -> None:
    """/selesai: the ASN closes their open ticket and is asked for a rating."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    async with context.services.sessions() as session:
        ticket = await get_open_ticket(session, user_id=user.id)
    if (
        ticket is None
        or await finish_ticket(context, ticket.id, ClosedBy.PENGGUNA, user.id) is None
    ):
        await send_to_user(
            context,
            chat_id=chat.id,
            user_id=user.id,
            html=context.services.knowledge.message("no_open_ticket"),
        )


async def rate(update: Update, context: AppContext) -> None:
    """Store the 1–5 rating the ASN pressed and invite an optional comment."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = rating_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    ticket_id, rating, user_id = button.ticket_id, button.rating, query.from_user.id
    async with context.services.sessions() as session:
        rated = await rate_ticket(session, ticket_id=ticket_id, user_id=user_id, rating=rating)
        if rated:
            await record_audit_event(
                session, actor_id=user_id, action="nilai", ticket_id=ticket_id, detail=str(rating)
            )
            await request_rating_comment(
                session, ticket_id=ticket_id, user_id=user_id, at=clock.now()
            )
            await queue_card_update(context, session, ticket_id)  # the card shows the ⭐
        await session.commit()
    if not rated:
        await query.answer("Tiket ini tidak dapat dinilai.", show_alert=True)
        return
    await query.answer(f"Nilai {rating}/5 tersimpan. Terima kasih!")
    with contextlib.suppress(BadRequest):  # an earlier press already removed the buttons
        await query.edit_message_reply_markup(None)
    minutes = int(COMMENT_WINDOW.total_seconds() // 60)
    await send_to_user(
        context,
        chat_id=update.effective_chat.id,
        user_id=user_id,
        html=context.services.knowledge.message("rating_thanks", rating=rating, minutes=minutes),
        ticket_id=ticket_id,
    )


async def awaited_rating_comment(session: AsyncSession, message: TelegramMessage) -> Ticket | None:
    """The rated ticket whose comment the ASN's text may be (one is awaited), or None.

    Such a text is read by the NLU before it is taken (``take_rating_comment``): a new
    question is answered, not kept as a comment.
    """
    user, text = message.from_user, message.text
    if user is None or not (text and text.strip()):
        return None
    return await pending_rating_comment(
        session, user_id=user.id, now=clock.now(), window=COMMENT_WINDOW
    )


async def take_rating_comment(
    session: AsyncSession, message: TelegramMessage, reading: Decision | None
) -> Ticket | None:
    """Keep the ASN's text as the comment on their rating, if one is awaited.

    The one place that decides whether a text is a rating comment: it is, unless the policy
    reads it (``reading``; None when the NLU was unavailable) as a new question. A comment is
    stored and logged in the caller's transaction, and the caller thanks for it
    (``thank_for_comment``) instead of answering it. Returns the commented ticket, or None.
    """
    if reads_as_question(reading):
        return None
    ticket = await awaited_rating_comment(session, message)
    user, text = message.from_user, message.text
    if (
        ticket is None
        or user is None
        or not await store_rating_comment(
            session, ticket_id=ticket.id, user_id=user.id, comment=text
        )
    ):
        return None
    await log_message(
        session,
        chat_id=message.chat_id,
        user_id=user.id,
        direction=MessageDirection.IN,
        text=text,
        telegram_message_id=message.message_id,
        action="komentar",
        ticket_id=ticket.id,
    )
    return ticket


async def thank_for_comment(context: AppContext, message: TelegramMessage, ticket: Ticket) -> None:
    """Thank the ASN for a rating comment taken by ``take_rating_comment``."""
    await send_to_user(
        context,
        chat_id=message.chat_id,
        user_id=message.from_user.id if message.from_user else None,
        html=context.services.knowledge.message("rating_comment_thanks"),
        ticket_id=ticket.id,
    )
