"""Records, simulated users and chats, and the error type of the Bot API stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class Signal:
    """Wakes every waiter on `fire()`; check, then `wait()`, with no await in between."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(seconds, 0.0))


@dataclass(frozen=True)
class FakeUser:
    """A simulated Telegram user; their private chat with the bot has chat id == user id."""

    id: int
    first_name: str = "Budi"
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "id"

    def to_json(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class Topic:
    message_thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False


@dataclass
class Chat:
    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    next_message_id: int = 1
    topics: dict[int, Topic] = field(default_factory=dict)
    members: dict[int, str] = field(default_factory=dict)  # user id -> ChatMember status

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def summary(self) -> JSONDict:
        """The short `Chat` object embedded in messages."""
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass
class SentRecord:
    """Something the bot put into a chat: a send, copy, forward or edit that succeeded."""

    method: str
    chat_id: int
    message_id: int | None
    text: str | None  # the text or caption parameter exactly as the bot sent it
    parse_mode: str | None
    reply_markup: JSONDict | None
    message_thread_id: int | None
    params: JSONDict
    message: JSONDict | None  # the Message as Telegram would store it (entities parsed)
    timestamp: float = field(default_factory=time.time)

    @property
    def plain_text(self) -> str | None:
        """Text or caption as users see it, HTML tags removed."""
        if self.message is None:
            return self.text
        return self.message.get("text", self.message.get("caption"))

    @property
    def callback_data(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]

    @property
    def reply_to_message_id(self) -> int | None:
        replied = (self.message or {}).get("reply_to_message")
        return replied["message_id"] if replied else None

    def describe(self) -> str:
        shown = self.text if self.text is None or len(self.text) < 120 else self.text[:117] + "..."
        thread = f" thread={self.message_thread_id}" if self.message_thread_id else ""
        return f"{self.method} chat={self.chat_id} #{self.message_id}{thread}: {shown!r}"


@dataclass
class CallRecord:
    """Every Bot API request the bot made, successful or not."""

    method: str
    params: JSONDict
    status: int
    result: Any = None
    description: str | None = None
    timestamp: float = field(default_factory=time.time)


@dataclass
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    timestamp: float = field(default_factory=time.time)


@dataclass
class WebhookDelivery:
    """One POST of an update to the webhook; status 0 means no HTTP answer at all."""

    update_id: int
    url: str
    status: int
    error: str | None = None
    timestamp: float = field(default_factory=time.time)
