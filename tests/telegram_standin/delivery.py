"""Updates on their way to the bot: the getUpdates queue and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import aiohttp

from .models import ApiError, JSONDict, Signal, WebhookDelivery

# Telegram's default when allowed_updates was never set (or set to []).
_NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40
    ip_address: str | None = None
    drop_pending_updates: bool = False


@dataclass(eq=False)
class _Pending:
    update: JSONDict
    duplicate: bool = False  # an update_id already handed out once (deliver_raw twice)
    returned: bool = False  # handed out by getUpdates; a higher offset confirms it
    first_attempt: asyncio.Future[int | None] | None = None


def update_kind(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _chat_of(update: JSONDict) -> object:
    """The chat an update belongs to, for per-chat ordering (the update itself if none)."""
    body = update.get(update_kind(update))
    if isinstance(body, dict):
        message = body.get("message") if "message" in body else body
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
        sender = body.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return ("user", sender["id"])
    return ("update", update["update_id"])


class UpdateFeed:
    """Telegram's per-bot update queue, drained by getUpdates or POSTed to the webhook."""

    retry_interval = 0.2  # seconds between webhook delivery attempts of a failing update

    def __init__(self) -> None:
        self.pending: list[_Pending] = []
        self.allowed_updates: list[str] = []
        self.webhook: Webhook | None = None
        self.deliveries: list[WebhookDelivery] = []
        self.last_error: tuple[int, str] | None = None
        self._next_update_id = 100_000_001
        self._highest_returned = 0
        self._poll_generation = 0
        self._closing = False
        self._signal = Signal()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._task = asyncio.create_task(self._deliver_forever(), name="standin-webhook")

    async def stop(self) -> None:
        self._closing = True
        self._signal.fire()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._resolve_waiting()
        if self._session is not None:
            await self._session.close()

    @property
    def returned_up_to(self) -> int:
        """The highest update id getUpdates has handed to the bot."""
        return self._highest_returned

    def new_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def _allows(self, update: JSONDict) -> bool:
        kind = update_kind(update)
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _NOT_DELIVERED_BY_DEFAULT

    async def push(self, update: JSONDict) -> int | None:
        """Queue an update; with a webhook, wait for its first POST and return the status."""
        if not self._allows(update):
            return None
        entry = _Pending(update, duplicate=update["update_id"] <= self._highest_returned)
        if self.webhook is not None:
            entry.first_attempt = asyncio.get_running_loop().create_future()
        self.pending.append(entry)
        self._signal.fire()
        return await entry.first_attempt if entry.first_attempt is not None else None

    async def get_updates(
        self, *, offset: int | None, limit: int, wait: float, allowed_updates: list[str] | None
    ) -> list[JSONDict]:
        """Long polling: answer at once when updates wait, else when one arrives or at timeout."""
        if self.webhook is not None:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        self.pending = [e for e in self.pending if self._allows(e.update)]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal.fire()  # an older long poll still waiting now ends with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if self._closing or self.webhook is not None:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, _POLLING_CONFLICT)
            batch = self.pending[:limit]
            if batch or deadline <= loop.time():
                for entry in batch:
                    entry.returned = True
                    self._highest_returned = max(self._highest_returned, entry.update["update_id"])
                return [entry.update for entry in batch]
            await self._signal.wait(deadline - loop.time())

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            self.pending = self.pending[offset:]
            return
        self.pending = [
            entry
            for entry in self.pending
            if entry.update["update_id"] >= offset or (entry.duplicate and not entry.returned)
        ]

    def set_webhook(self, webhook: Webhook, *, allowed_updates: list[str] | None) -> None:
        if allowed_updates is not None:
            self.allowed_updates = list(allowed_updates)
        if webhook.drop_pending_updates:
            self._drop_pending()
        self.pending = [e for e in self.pending if self._allows(e.update)]
        for entry in self.pending:
            if entry.first_attempt is None:
                entry.first_attempt = asyncio.get_running_loop().create_future()
        self.webhook = webhook
        self.last_error = None
        self._signal.fire()

    def delete_webhook(self, *, drop_pending: bool) -> None:
        self.webhook = None
        if drop_pending:
            self._drop_pending()
        self._resolve_waiting()
        self._signal.fire()

    def info(self) -> JSONDict:
        """The WebhookInfo object."""
        info: JSONDict = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.allowed_updates:
                info["allowed_updates"] = self.allowed_updates
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
        if self.last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.last_error
        return info

    def _drop_pending(self) -> None:
        self._resolve_waiting()
        self.pending = []

    def _resolve_waiting(self) -> None:
        for entry in self.pending:
            if entry.first_attempt is not None and not entry.first_attempt.done():
                entry.first_attempt.set_result(None)

    async def _deliver_forever(self) -> None:
        """POST pending updates like Telegram: different chats at once (up to the webhook's
        max_connections), each chat's next update only once its previous one got a 2xx."""
        in_flight: dict[object, asyncio.Task[None]] = {}
        while not self._closing:
            webhook = self.webhook
            if webhook is not None:
                chats_seen: set[object] = set()  # a chat's earlier update blocks its later ones
                for entry in list(self.pending):
                    if len(in_flight) >= webhook.max_connections:
                        break
                    chat = _chat_of(entry.update)
                    if chat in chats_seen:
                        continue
                    chats_seen.add(chat)
                    if chat not in in_flight:
                        task = asyncio.create_task(self._deliver(webhook, entry))
                        in_flight[chat] = task
                        task.add_done_callback(
                            lambda _, c=chat: (in_flight.pop(c, None), self._signal.fire())
                        )
            await self._signal.wait(3600)
        for task in in_flight.values():
            task.cancel()

    async def _deliver(self, webhook: Webhook, entry: _Pending) -> None:
        """POST one update until it is acknowledged (or the webhook changes)."""
        while not self._closing and self.webhook is webhook and entry in self.pending:
            status = await self.post(webhook, entry.update, webhook.secret_token)
            if entry.first_attempt is not None and not entry.first_attempt.done():
                entry.first_attempt.set_result(status)
            if 200 <= status < 300:
                if entry in self.pending:
                    self.pending.remove(entry)
                return
            await asyncio.sleep(self.retry_interval)

    async def post(self, webhook: Webhook, update: JSONDict, secret_token: str | None) -> int:
        """POST one update like Telegram; record it; 0 means no HTTP answer."""
        assert self._session is not None, "the stand-in is not started"
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        status, error = 0, None
        try:
            async with self._session.post(webhook.url, json=update, headers=headers) as response:
                await response.read()
                status = response.status
                if status >= 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}: {exc}"
        self.deliveries.append(WebhookDelivery(update["update_id"], webhook.url, status, error))
        if error is not None:
            self.last_error = (int(time.time()), error)
        return status
