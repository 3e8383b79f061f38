"""Catch-all replies for input no other handler took (unknown commands, edits, ...)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.settings import Settings


def build_handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    return []
