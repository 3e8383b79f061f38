"""Catch-all replies for input no other handler took (unknown commands, edits, ...).

Registered last in group 0, so every real handler has had its chance first.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.services import AppContext
from bot.settings import Settings
from handlers.inbound import log_inbound
from handlers.replies import send_to_user

logger = logging.getLogger(__name__)

PRIVATE = filters.ChatType.PRIVATE


async def refuse_edit(update: Update, context: AppContext) -> None:
    """Log an edited message and ask for the correction as a new message."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    await log_inbound(context, message, message.text or message.caption, "edited")
    logger.info("Edited message %s logged, not answered", message.message_id)
    await send_to_user(
        context,
        chat_id=message.chat_id,
        user_id=update.effective_user.id,
        html=context.services.knowledge.message("edit_ignored"),
    )


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
    logger.info("Callback data %r not handled; answered as stale", (query.data or "")[:64])
    await query.answer(context.services.knowledge.message("stale_button"))


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """Catch-alls; any other private message falls through to user_chat's handlers first."""
    return [
        MessageHandler(PRIVATE & filters.UpdateType.EDITED, refuse_edit),
        MessageHandler(PRIVATE & filters.COMMAND & filters.UpdateType.MESSAGE, explain_commands),
        CallbackQueryHandler(answer_stale_button),
    ]
