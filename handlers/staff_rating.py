"""The ASN's side of closing: /selesai, the 1–5 rating and an optional comment."""

from __future__ import annotations

import contextlib
import time

from telegram import Message as TelegramMessage
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.services import AppContext
from bot.storage import (
    ClosedBy,
    MessageDirection,
    get_open_ticket,
    get_ticket,
    log_message,
    rate_ticket,
    record_audit_event,
)
from handlers.replies import send_to_user
from handlers.staff_actions import finish_ticket

COMMENT_WINDOW_SECONDS = 600


class PendingComments(filters.MessageFilter):
    """Matches the next text of an ASN who just rated a ticket (within the comment window).

    Kept in memory: a restart within those minutes only means the comment goes unrecorded.
    """

    def __init__(self, window_seconds: float = COMMENT_WINDOW_SECONDS) -> None:
        super().__init__(name="PendingComments")
        self.window_seconds = window_seconds
        self._pending: dict[int, tuple[int, float]] = {}

    def expect(self, user_id: int, ticket_id: int) -> None:
        self._pending[user_id] = (ticket_id, time.monotonic() + self.window_seconds)

    def take(self, user_id: int) -> int | None:
        ticket_id, deadline = self._pending.pop(user_id, (None, 0.0))
        return ticket_id if deadline > time.monotonic() else None

    def filter(self, message: TelegramMessage) -> bool:
        user = message.from_user
        if user is None or user.id not in self._pending:
            return False
        if self._pending[user.id][1] <= time.monotonic():
            del self._pending[user.id]
            return False
        return True


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


class RatingDesk:
    """Rating buttons and the comment that may follow them."""

    def __init__(self, pending: PendingComments) -> None:
        self.pending = pending

    async def rate(self, update: Update, context: AppContext) -> None:
        """Store the 1–5 rating the ASN pressed and invite an optional comment."""
        query = update.callback_query
        assert query is not None and query.data is not None and update.effective_chat is not None
        _, ticket_part, rating_part = query.data.split(":")
        ticket_id, rating = int(ticket_part), int(rating_part)
        async with context.services.sessions() as session:
            rated = 1 <= rating <= 5 and await rate_ticket(
                session, ticket_id=ticket_id, user_id=query.from_user.id, rating=rating
            )
            if rated:
                await record_audit_event(
                    session,
                    actor_id=query.from_user.id,
                    action="nilai",
                    ticket_id=ticket_id,
                    detail=str(rating),
                )
            await session.commit()
        if not rated:
            await query.answer("Tiket ini tidak dapat dinilai.", show_alert=True)
            return
        await query.answer(f"Nilai {rating}/5 tersimpan. Terima kasih!")
        with contextlib.suppress(BadRequest):  # an earlier press already removed the buttons
            await query.edit_message_reply_markup(None)
        self.pending.expect(query.from_user.id, ticket_id)
        await send_to_user(
            context,
            chat_id=update.effective_chat.id,
            user_id=query.from_user.id,
            html=context.services.knowledge.message(
                "rating_thanks", rating=rating, minutes=int(self.pending.window_seconds // 60)
            ),
            ticket_id=ticket_id,
        )

    async def store_comment(self, update: Update, context: AppContext) -> None:
        """Keep the ASN's text after a rating as its comment; it never reaches the NLU."""
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None
        ticket_id = self.pending.take(user.id)
        if ticket_id is None:
            return
        async with context.services.sessions() as session:
            ticket = await get_ticket(session, ticket_id=ticket_id)
            if ticket is not None and ticket.rating is not None:
                await rate_ticket(
                    session,
                    ticket_id=ticket_id,
                    user_id=user.id,
                    rating=ticket.rating,
                    comment=message.text,
                )
            await log_message(
                session,
                chat_id=message.chat_id,
                user_id=user.id,
                direction=MessageDirection.IN,
                text=message.text,
                telegram_message_id=message.message_id,
                action="komentar",
                ticket_id=ticket_id,
            )
            await session.commit()
        await send_to_user(
            context,
            chat_id=message.chat_id,
            user_id=user.id,
            html=context.services.knowledge.message("rating_comment_thanks"),
            ticket_id=ticket_id,
        )
