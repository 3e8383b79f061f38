"""Privacy: the user's /hapus_data and the retention job."""

from __future__ import annotations

from telegram.ext import BaseHandler, JobQueue

from bot.settings import Settings


def build_handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    return []


def schedule_jobs(job_queue: JobQueue, settings: Settings) -> None:  # type: ignore[type-arg]
    """Retention."""
