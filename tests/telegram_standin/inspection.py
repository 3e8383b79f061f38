"""Looking at what the bot did: records, waiting helpers and send-rate statistics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from .delivery import Webhook
from .models import CallbackAnswer, CallRecord, JSONDict, SentRecord, Topic, WebhookDelivery
from .state import StandInState

_Record = TypeVar("_Record")


class RecordsView:
    """Mixin for BotApiStandIn: read-only views and waits over the stand-in's records."""

    state: StandInState

    @property
    def sent(self) -> list[SentRecord]:
        return self.state.sent

    @property
    def calls(self) -> list[CallRecord]:
        return self.state.calls

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return self.state.callback_answers

    @property
    def deleted(self) -> list[tuple[int, int]]:
        return self.state.deleted

    @property
    def webhook(self) -> Webhook | None:
        return self.state.feed.webhook

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return self.state.feed.deliveries

    def sent_to(self, chat_id: int) -> list[SentRecord]:
        return [record for record in self.state.sent if record.chat_id == chat_id]

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """A message as it is now (after edits), or None once deleted."""
        return self.state.messages.get((chat_id, message_id))

    def forum_topic(self, chat_id: int, thread_id: int) -> Topic | None:
        """A forum topic as it is now (its name, whether closed), or None once deleted."""
        return self.state.chat(chat_id).topics.get(thread_id)

    async def wait_for_topic(
        self,
        chat_id: int,
        thread_id: int,
        predicate: Callable[[Topic], bool],
        *,
        timeout: float = 10.0,
    ) -> Topic:
        """Wait until the forum topic exists and matches `predicate`; return it."""

        def matching() -> list[Topic]:
            topic = self.forum_topic(chat_id, thread_id)
            return [topic] if topic is not None and predicate(topic) else []

        [topic] = await self._wait(matching, 1, timeout, f"topic {thread_id} of chat {chat_id}")
        return topic

    async def wait_for_sent(
        self,
        predicate: Callable[[SentRecord], bool] | None = None,
        *,
        chat_id: int | None = None,
        count: int = 1,
        timeout: float = 10.0,
        since: int = 0,
    ) -> list[SentRecord]:
        """Wait until `count` records (from index `since`) match; all matches are returned."""

        def matching() -> list[SentRecord]:
            return [
                record
                for record in self.state.sent[since:]
                if (chat_id is None or record.chat_id == chat_id)
                and (predicate is None or predicate(record))
            ]

        target = f"chat {chat_id}" if chat_id is not None else "any chat"
        return await self._wait(matching, count, timeout, f"{count} message(s) to {target}")

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[CallRecord], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 10.0,
    ) -> list[CallRecord]:
        """Wait until the bot made `count` matching calls of `method` (any outcome)."""

        def matching() -> list[CallRecord]:
            return [
                call
                for call in self.state.calls
                if call.method.lower() == method.lower() and (predicate is None or predicate(call))
            ]

        return await self._wait(matching, count, timeout, f"{count} {method} call(s)")

    async def _wait(
        self, matching: Callable[[], list[_Record]], count: int, seconds: float, what: str
    ) -> list[_Record]:
        deadline = time.monotonic() + seconds
        while True:
            found = matching()
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(self._report(f"timed out after {seconds}s waiting for {what}"))
            await self.state.changed.wait(deadline - time.monotonic())

    def _report(self, headline: str) -> str:
        lines = [headline, f"sent so far ({len(self.state.sent)}):"]
        lines += [f"  - {record.describe()}" for record in self.state.sent[-30:]] or ["  (nothing)"]
        failed = [call for call in self.state.calls if call.status != 200][-10:]
        if failed:
            lines.append("failed calls:")
            lines += [f"  - {c.method} {c.status}: {c.description}" for c in failed]
        return "\n".join(lines)

    def sends_per_second(self, method: str = "sendMessage") -> list[int]:
        """Successful `method` calls in each second since the first one (for benchmarks)."""
        stamps = [c.timestamp for c in self.state.calls if c.method == method and c.status == 200]
        if not stamps:
            return []
        buckets = [0] * (int(stamps[-1] - stamps[0]) + 1)
        for stamp in stamps:
            buckets[int(stamp - stamps[0])] += 1
        return buckets

    def peak_rate(self, method: str = "sendMessage", window: float = 1.0) -> int:
        """Most successful `method` calls within any `window` seconds."""
        stamps = [c.timestamp for c in self.state.calls if c.method == method and c.status == 200]
        best, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best
