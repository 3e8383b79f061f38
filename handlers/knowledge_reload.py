"""Reload the knowledge base without a restart: ``/muat_ulang_kb`` for coordinators.

The worker that gets the command reads the knowledge directory (``knowledge.path``) again and
checks it (``check_knowledge_base``): with a problem the old knowledge base stays and the
coordinator gets the problems; otherwise it replaces the services' knowledge base (one
assignment: a question being answered keeps the one it started with) and records the reload.
Every worker looks for a reload newer than its own load every ``RELOAD_CHECK_SECONDS`` and
follows it.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, JobQueue, filters

from bot.knowledge import (
    KnowledgeBase,
    KnowledgeBaseError,
    Problem,
    check_knowledge_base,
    load_knowledge_base,
)
from bot.knowledge.review import read_approvals
from bot.services import AppContext, Services
from bot.settings import Settings
from bot.storage import AuditAction, record_audit_event
from bot.storage.database import DatabaseUnavailable
from bot.storage.knowledge_reviews import latest_reload, record_reload
from bot.storage.transaction import in_transaction
from bot.telegram_text import shorten

logger = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 30.0
PROBLEMS_SHOWN = 15
PROBLEM_LENGTH = 200


async def read_knowledge_base(settings: Settings) -> tuple[KnowledgeBase | None, list[Problem]]:
    """The knowledge directory read again, or None and the problems that keep it out."""
    path = settings.knowledge.path
    try:
        knowledge = await asyncio.to_thread(load_knowledge_base, path)
    except KnowledgeBaseError as error:
        return None, [Problem(str(path), str(error))]
    problems = await asyncio.to_thread(check_knowledge_base, knowledge)
    return (None, problems) if problems else (knowledge, [])


async def reload_command(update: Update, context: AppContext) -> None:
    """/muat_ulang_kb: read the knowledge files again, and use them if they pass the check."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    services = context.services
    knowledge, problems = await read_knowledge_base(services.settings)
    if knowledge is None:
        listed = "\n".join(shorten(str(p), PROBLEM_LENGTH) for p in problems[:PROBLEMS_SHOWN])
        text = services.knowledge.message("reload_refused", count=len(problems), problems=listed)
        await message.reply_text(text)
        return

    async def record(session: AsyncSession) -> int:
        reload_id = await record_reload(session, requested_by=user.id)
        detail = f"{len(knowledge.entries)} jawaban, {len(knowledge.regulations)} peraturan"
        await record_audit_event(
            session, actor_id=user.id, action=AuditAction.KB_DIMUAT_ULANG, detail=detail
        )
        return reload_id

    reload_id = await in_transaction(services.sessions, record)
    _use(services, knowledge, reload_id)
    await message.reply_text(
        knowledge.message(
            "reload_done",
            answers=len(knowledge.entries),
            regulations=len(knowledge.regulations),
            seconds=round(RELOAD_CHECK_SECONDS),
        )
    )


async def follow_reloads(context: AppContext) -> None:
    """Read the lawyers' approvals again, and reload when a coordinator asked for it (in any
    worker) since this worker's last load."""
    services = context.services
    await refresh_approvals(services)
    try:
        latest = await in_transaction(services.sessions, latest_reload)
    except DatabaseUnavailable as error:
        logger.warning("Knowledge reloads not checked, the database is unavailable: %s", error)
        return
    if latest <= services.knowledge_reload_id:
        return
    knowledge, problems = await read_knowledge_base(services.settings)
    if knowledge is None:
        logger.warning(
            "Knowledge base not reloaded (request %s), the files have %s problem(s), the first: %s",
            latest,
            len(problems),
            problems[0],
        )
        services.knowledge_reload_id = latest  # the next /muat_ulang_kb tries again
        return
    _use(services, knowledge, latest)


async def refresh_approvals(services: Services) -> None:
    """The approvals as the database has them now; while it cannot say, the last ones read."""
    approvals = await read_approvals(services.sessions)
    if approvals is not None:
        services.approvals = approvals  # one assignment, like the knowledge base


def _use(services: Services, knowledge: KnowledgeBase, reload_id: int) -> None:
    services.knowledge = knowledge  # one assignment: each reader has the old or the new one
    services.knowledge_reload_id = max(services.knowledge_reload_id, reload_id)
    logger.info(
        "Knowledge base reloaded (request %s): %s answers", reload_id, len(knowledge.entries)
    )


async def refuse_reload_command(update: Update, context: AppContext) -> None:
    """/muat_ulang_kb from someone who is not a coordinator."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.services.knowledge.message("reload_for_coordinators"))


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """/muat_ulang_kb: coordinators, in a private chat or the staff group; anyone else who may
    write there is refused politely."""
    where: filters.BaseFilter = filters.ChatType.PRIVATE
    if settings.staff.chat_id is not None:
        where = where | filters.Chat(chat_id=settings.staff.chat_id)
    coordinators = filters.User(user_id=list(settings.staff.coordinator_ids)) & where
    return [
        CommandHandler("muat_ulang_kb", reload_command, filters=coordinators),
        CommandHandler("muat_ulang_kb", refuse_reload_command, filters=where),
    ]


def schedule_jobs(job_queue: JobQueue, settings: Settings) -> None:
    """Look for reload requests of other workers every ``RELOAD_CHECK_SECONDS``."""
    job_queue.run_repeating(
        follow_reloads, interval=RELOAD_CHECK_SECONDS, first=RELOAD_CHECK_SECONDS, name="muat_kb"
    )
