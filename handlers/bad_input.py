"""Catch-all replies for input no other handler took (unknown commands, edits, ...).

Registered last in group 0, so every real handler has had its chance first.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.services import AppContext
from bot.settings import Settings
from bot.storage.outbox import NoticeKind
from bot.storage.transaction import in_transaction
from handlers.inbound import Inbound, log_inbound, record_inbound
from handlers.input_bounds import refuse_button
from handlers.replies import send_to_user
from handlers.staff_card import queue_staff_notice

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE
EDITED_KIND = "edited"
"""The kind an edited message is logged with."""
CORRECTION_CHARS = 3500
"""An ASN's correction shown to the consultant at most this long: the note around it must fit
Telegram's 4,096 characters."""


async def take_edit(update: Update, context: AppContext) -> None:
    """Log an edited message; inside an open ticket, pass it to the consultant as a correction,
    otherwise ask for the correction as a new message. (Edited commands never get here: the
    gate in handlers/updates.py refuses them.)"""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    text, knowledge = message.text or message.caption, context.services.knowledge
    forwarding = bool(text) and context.services.settings.staff.chat_id is not None

    async def log(session: AsyncSession) -> Inbound:
        logged = await record_inbound(session, message, text, EDITED_KIND)
        if logged.ticket is not None and forwarding:
            note = knowledge.message(
                "staff_user_correction",
                ticket_number=logged.ticket.id,
                text=clip(text or ""),
            )
            await queue_staff_notice(
                context, session, NoticeKind.NOTE, {"html": note}, ticket_id=logged.ticket.id
            )
        return logged

    logged = await in_transaction(context.services.sessions, log)
    ticket = logged.ticket if forwarding else None
    logger.info(
        "Edited message %s logged, %s",
        message.message_id,
        "passed to the consultant" if ticket else "not answered",
    )
    await send_to_user(
        context,
        chat_id=message.chat_id,
        user_id=update.effective_user.id,
        html=knowledge.message("edit_forwarded", ticket_number=ticket.id)
        if ticket
        else knowledge.message("edit_ignored"),
        ticket_id=ticket.id if ticket else None,
    )


def clip(text: str, limit: int = CORRECTION_CHARS) -> str:
    """The text, shortened to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def explain_commands(update: Update, context: AppContext) -> None:
    """Log an unknown command and list the real ones."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    await log_inbound(context, message, message.text, "command")
    await send_to_user(
        context,
        chat_id=message.chat_id,
        user_id=update.effective_user.id,
        html=context.services.knowledge.message("unknown_command"),
    )


async def answer_stale_button(update: Update, context: AppContext) -> None:
    """Answer a button press nobody handles (old, forged or garbage data) without acting."""
    query = update.callback_query
    assert query is not None
    await refuse_button(query, context)


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """Catch-alls; any other private message falls through to user_chat's handlers first."""
    return [
        MessageHandler(PRIVATE & filters.UpdateType.EDITED, take_edit),
        MessageHandler(PRIVATE & filters.COMMAND & filters.UpdateType.MESSAGE, explain_commands),
        CallbackQueryHandler(answer_stale_button),
    ]
