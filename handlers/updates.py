"""Checks that run before any conversation handler, once per update.

Group -1 drops repeated updates (webhook retries), stays silent in groups other than the staff
group, registers the private chat's user and applies the per-user rate limit. It also logs a
private question for the question handler, when no rating comment can be awaited from the
user, and a message over the rate limit. That database work is the arrival log's
(``bot/storage/arrivals.py``), which does it for many updates in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from enum import Enum
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.services import AppContext, Inbound
from bot.settings import Settings
from bot.storage.arrivals import Arrival, InboundMessage, Sender
from bot.storage.database import DatabaseUnavailable
from handlers.replies import send_to_user

logger = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 60.0
RATE_LIMITED_ACTION = "rate_limited"
_MEDIA_KINDS = (
    "photo",
    "document",
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "location",
    "contact",
    "poll",
    "venue",
    "dice",
)


class Verdict(Enum):
    ALLOW = "allow"
    FIRST_EXCESS = "first_excess"  # tell the user once
    EXCESS = "excess"  # silent until the window passes


class MessageRateLimit:
    """At most ``limit`` messages per user in any sliding minute; in memory, per process."""

    def __init__(self, limit: int, window: float = RATE_WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._sent: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._next_sweep = 0.0

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        """Count one message of ``user_id`` (over-limit messages are not counted)."""
        now = time.monotonic() if now is None else now
        stamps = self._sent.setdefault(user_id, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.discard(user_id)
            self.forget_idle(now)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.EXCESS
        self._warned.add(user_id)
        return Verdict.FIRST_EXCESS

    def admits(self, user_id: int, now: float | None = None) -> bool:
        """Whether a message of ``user_id`` now would be allowed; counts nothing."""
        now = time.monotonic() if now is None else now
        stamps = self._sent.get(user_id, ())
        return sum(1 for stamp in stamps if stamp > now - self.window) < self.limit

    @property
    def tracked_users(self) -> int:
        return len(self._sent)

    def forget_idle(self, now: float | None = None) -> None:
        """Drop users whose window is empty (keeps memory bounded).

        A sweep visits every tracked user, so it runs at most once per window: sweeping on
        every message made each message cost more as the number of recent users grew.
        """
        now = time.monotonic() if now is None else now
        if len(self._sent) < 1_000 or now < self._next_sweep:
            return
        self._next_sweep = now + self.window
        for user_id in [u for u, s in self._sent.items() if not s or s[-1] <= now - self.window]:
            del self._sent[user_id]
            self._warned.discard(user_id)


def kind_of(message: Message) -> str:
    """``text``, the kind of media (``photo``, ``voice`` ...), or ``other``."""
    if message.text is not None:
        return "text"
    return next((kind for kind in _MEDIA_KINDS if getattr(message, kind, None)), "other")


def _is_question(message: Message) -> bool:
    """A text that is not a command: what the question handler will read."""
    text = message.text
    return bool(text and text.strip() and not text.startswith("/"))


def _make_gate(settings: Settings) -> Callable[[Update, AppContext], Coroutine[Any, Any, None]]:
    limiter = MessageRateLimit(settings.abuse.messages_per_minute)
    exempt = frozenset(settings.staff.consultant_ids)

    async def register_update(update: Update, context: AppContext) -> None:
        """Process each update once, ignore foreign groups, register the user, rate-limit, log."""
        user, chat, message = update.effective_user, update.effective_chat, update.message
        private = chat is not None and chat.type == ChatType.PRIVATE
        if chat is not None and not private and chat.id != settings.staff.chat_id:
            logger.debug(
                "Update %s from chat %s ignored (not the staff group)", update.update_id, chat.id
            )
            raise ApplicationHandlerStop
        limited = private and message is not None and user is not None and user.id not in exempt
        verdict: Verdict | None = None if limited else Verdict.ALLOW
        question = message.text if limited and message and _is_question(message) else None
        if question and user is not None and limiter.admits(user.id):
            context.read_early(question)

        def judge() -> str | None:
            """Count the message against the rate limit, once, when the update is new."""
            nonlocal verdict
            if verdict is None and user is not None:
                verdict = limiter.check(user.id)
            return None if verdict is Verdict.ALLOW else RATE_LIMITED_ACTION

        arrival = Arrival(
            update.update_id,
            sender=(
                Sender(user.id, chat.id, user.first_name, user.username)
                if private and user is not None and chat is not None
                else None
            ),
            message=(
                InboundMessage(
                    chat_id=message.chat_id,
                    user_id=user.id,
                    text=message.text or message.caption,
                    kind=kind_of(message),
                    telegram_message_id=message.message_id,
                    is_question=question is not None,
                )
                if limited and message is not None and user is not None
                else None
            ),
            judge=judge if limited else None,
        )
        try:
            admission = await context.services.arrivals.record(arrival)
        except DatabaseUnavailable:
            context.drop_reading()
            logger.exception("Update %s not processed: database unavailable", update.update_id)
            if private and chat is not None:
                await context.bot.send_message(
                    chat.id,
                    context.services.knowledge.message("temporary_error"),
                )
            raise ApplicationHandlerStop from None
        if not admission.new:
            context.drop_reading()
            logger.info("Update %s was already processed; ignored", update.update_id)
            raise ApplicationHandlerStop
        context.comment_requested = admission.comment_requested
        if admission.question is not None:  # the question handler's log, done on arrival
            context.logged_question = Inbound(admission.question, admission.ticket)
        if message is not None and message.forward_origin is not None:
            logger.info(
                "Update %s: forwarded message, treated as the user's question", update.update_id
            )
        if verdict is not None and verdict is not Verdict.ALLOW:
            context.drop_reading()
            await _refuse(context, message, verdict)

    return register_update


async def _refuse(context: AppContext, message: Message | None, verdict: Verdict) -> None:
    """Tell a flooding user once; the message is logged but not processed."""
    assert message is not None and message.from_user is not None
    logger.info(
        "User %s is over the rate limit; message logged, not processed", message.from_user.id
    )
    if verdict is Verdict.FIRST_EXCESS:
        await send_to_user(
            context,
            chat_id=message.chat_id,
            user_id=message.from_user.id,
            html=context.services.knowledge.message("rate_limited"),
            action=RATE_LIMITED_ACTION,
        )
    raise ApplicationHandlerStop


def build_handlers(settings: Settings) -> list[BaseHandler]:
    return [TypeHandler(Update, _make_gate(settings))]
