"""Telegram handlers, one module per group; each exports ``build_handlers()``."""

from __future__ import annotations

from telegram.ext import BaseHandler, JobQueue

from bot.settings import Settings


def build_all_handlers(settings: Settings) -> dict[int, list[BaseHandler]]:
    """Every handler by group. Lower groups run first; group 0 holds the conversation.

    Within group 0 the first matching handler wins: staff commands and ticket actions come
    before the ASN's conversation, and the catch-all replies for odd input come last.
    """
    from handlers import (
        bad_input,
        coordinator_reports,
        knowledge_reload,
        knowledge_review,
        nlu_review,
        privacy,
        questions,
        staff_queue,
        updates,
        user_chat,
    )

    return {
        -1: updates.build_handlers(settings),
        0: [
            *coordinator_reports.build_handlers(settings),
            *knowledge_reload.build_handlers(settings),
            *knowledge_review.build_handlers(settings),
            *nlu_review.build_handlers(settings),
            *staff_queue.build_handlers(settings),
            *privacy.build_handlers(settings),
            *user_chat.build_handlers(),
            *questions.build_handlers(),
            *bad_input.build_handlers(settings),
        ],
    }


def schedule_all_jobs(job_queue: JobQueue, settings: Settings) -> None:
    """Register the repeating jobs (reminders, auto-close, retention, the weekly digest)."""
    from handlers import coordinator_reports, knowledge_reload, privacy, staff_queue

    staff_queue.schedule_jobs(job_queue, settings)
    coordinator_reports.schedule_jobs(job_queue, settings)
    knowledge_reload.schedule_jobs(job_queue, settings)
    privacy.schedule_jobs(job_queue, settings)
