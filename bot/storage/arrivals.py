"""The arrival log: every update's first database work, done for many updates in one transaction.

Each update the bot receives is remembered (so that a webhook retry is dropped, also by other
workers); a private chat's user is registered and tells whether a rating comment may be
awaited from them; and a private message is logged — a question before it is answered, a
message over the rate limit with that action. Done update by update, that was one
transaction of three statements per update, most of a question's database work (and on
SQLite, each statement is three or four trips to aiosqlite's thread). ``ArrivalLog`` queues
the updates instead, and one writer task does the work of everything queued in one
transaction of a few multi-row statements (group commit: nothing waits for a timer, so one
update alone is written at once, and batches grow with the load).

A locked or lost database is retried with backoff, then every waiting update is told
(``DatabaseUnavailable``). A batch the database refuses for its content is done again update
by update, so that only the update at fault fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage._sql import InsertIgnoringConflicts, execute_counting
from bot.storage.database import DatabaseUnavailable, is_transient
from bot.storage.enums import MessageDirection, TicketStatus
from bot.storage.messages import LoggedQuestion
from bot.storage.models import Message, ProcessedUpdate, Ticket, User
from bot.storage.users import generate_pseudonym, get_or_create_user

logger = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5

_USERS = cast(Table, User.__table__)
_MESSAGES = cast(Table, Message.__table__)
# Built once (see ``_sql``): the values are passed at execution.
_KNOWN_USERS = select(
    _USERS.c.telegram_user_id,
    _USERS.c.chat_id,
    _USERS.c.first_name,
    _USERS.c.username,
    _USERS.c.active,
    exists().where(
        Ticket.user_id == _USERS.c.telegram_user_id, Ticket.comment_requested_at.is_not(None)
    ),
    select(Ticket.id)  # the open ticket a question is filed under (a user has at most one)
    .where(Ticket.user_id == _USERS.c.telegram_user_id, Ticket.status != TicketStatus.SELESAI)
    .limit(1)
    .scalar_subquery(),
).where(_USERS.c.telegram_user_id.in_(bindparam("user_ids", expanding=True)))
# Executed with a list of rows: sent as multi-row INSERTs (SQLAlchemy's "insertmanyvalues").
_REMEMBER_UPDATES = InsertIgnoringConflicts(cast(Table, ProcessedUpdate.__table__)).returning(
    ProcessedUpdate.update_id
)
_INSERT_USERS = InsertIgnoringConflicts(_USERS).returning(_USERS.c.telegram_user_id)
# The new messages' ids come back in the order of the rows.
_INSERT_MESSAGES = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)


@dataclass(frozen=True, slots=True)
class Sender:
    """The user of a private chat, as the update shows them (registered on arrival)."""

    user_id: int
    chat_id: int
    first_name: str | None
    username: str | None

    def fields(self) -> dict[str, object]:
        return {
            "chat_id": self.chat_id,
            "first_name": self.first_name,
            "username": self.username,
            "active": True,
        }


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A private message that may be logged on arrival."""

    chat_id: int
    user_id: int
    text: str | None
    kind: str
    telegram_message_id: int
    is_question: bool
    """Log it as a question (filed under the open ticket) when it is admitted and no rating
    comment may be awaited from the user; otherwise the handlers log it themselves."""


Judge = Callable[[], "str | None"]
"""Called once, when the update turns out to be new: None admits the message; a string refuses
it, and the message is logged with that action (the rate limit)."""


@dataclass(frozen=True, slots=True)
class Arrival:
    """One update, as the update gate hands it to the arrival log."""

    update_id: int
    sender: Sender | None = None
    message: InboundMessage | None = None
    judge: Judge | None = None


@dataclass(frozen=True, slots=True)
class Admission:
    """What the arrival log did with one update."""

    new: bool
    """False for an update seen before (by this or another worker): drop it."""
    comment_requested: bool = True
    """Whether a rating comment may be awaited from the sender (True when not known)."""
    question: LoggedQuestion | None = None
    ticket: Ticket | None = None
    """The open ticket the question was filed under."""


@dataclass(slots=True)
class _Waiting:
    arrival: Arrival
    done: asyncio.Future[Admission]
    refusal: str | None = None
    judged: bool = False

    def refused_with(self) -> str | None:
        """The arrival's judgement, asked once however often the batch is retried."""
        if not self.judged and self.arrival.judge is not None:
            self.refusal = self.arrival.judge()
        self.judged = True
        return self.refusal


class ArrivalLog:
    """Queue arriving updates; a writer task does their database work in batches."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._attempts, self._backoff = attempts, backoff
        self._pending: list[_Waiting] = []
        self._has_work = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0
        """Batch transactions committed (read by the tests)."""

    async def record(self, arrival: Arrival) -> Admission:
        """Do the update's arrival work; raises ``DatabaseUnavailable`` after every retry."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_forever(), name="arrival-log")
        done: asyncio.Future[Admission] = asyncio.get_running_loop().create_future()
        self._pending.append(_Waiting(arrival, done))
        self._has_work.set()
        return await done

    async def close(self) -> None:
        """Stop the writer; updates still waiting are told the database is unavailable."""
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        for waiting in self._pending:
            _settle(waiting, error=DatabaseUnavailable("the bot is stopping"))
        self._pending = []

    async def _write_forever(self) -> None:
        while True:
            await self._has_work.wait()
            self._has_work.clear()
            batch, self._pending = self._pending, []
            try:
                await self._write_with_retry(batch)
            except asyncio.CancelledError:  # stopping mid-batch: nobody may wait forever
                for waiting in batch:
                    _settle(waiting, error=DatabaseUnavailable("the bot is stopping"))
                raise
            except Exception as error:  # a bug: each waiting update raises it, the log goes on
                logger.exception("Arrival log: a batch of %s updates failed", len(batch))
                for waiting in batch:
                    _settle(waiting, error=error)

    async def _write_with_retry(self, batch: list[_Waiting]) -> None:
        for attempt in range(1, self._attempts + 1):
            try:
                admissions = await self._write(batch)
            except DBAPIError as error:
                if not is_transient(error):
                    if len(batch) == 1:
                        _settle(batch[0], error=error)
                    else:  # done again update by update: only the one at fault fails
                        for waiting in batch:
                            await self._write_with_retry([waiting])
                    return
                if attempt == self._attempts:
                    for waiting in batch:
                        _settle(waiting, error=DatabaseUnavailable(str(error.orig)))
                    return
                logger.warning(
                    "Database unavailable (try %s of %s): %s", attempt, self._attempts, error.orig
                )
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            else:
                for waiting, admission in zip(batch, admissions, strict=True):
                    _settle(waiting, admission=admission)
                return

    async def _write(self, batch: list[_Waiting]) -> list[Admission]:
        """One transaction for the whole batch; one admission per update, in order."""
        async with self._sessions() as session:
            unseen = await _remember_updates(session, [w.arrival.update_id for w in batch])
            fresh: dict[int, _Waiting] = {}  # by id(): a twin later in the batch is a repeat
            for waiting in batch:
                if waiting.arrival.update_id in unseen:
                    unseen.discard(waiting.arrival.update_id)
                    fresh[id(waiting)] = waiting
            senders = {s.user_id: s for w in fresh.values() if (s := w.arrival.sender)}
            registered = await _register(session, list(senders.values()))
            logged = [entry for w in fresh.values() if (entry := _to_log(w, registered))]
            ids = await _insert_messages(session, [entry.row() for entry in logged])
            questions = {
                id(entry.waiting): LoggedQuestion(message_id, entry.ticket_id)
                for entry, message_id in zip(logged, ids, strict=True)
                if entry.question
            }
            tickets = {  # loaded for the question handler; rare (a consultation under way)
                ticket_id: await session.get(Ticket, ticket_id)
                for question in questions.values()
                if (ticket_id := question.ticket_id) is not None
            }
            await session.commit()
        self.transactions += 1
        admissions = []
        for waiting in batch:
            if id(waiting) not in fresh:
                admissions.append(Admission(new=False))
                continue
            sender, question = waiting.arrival.sender, questions.get(id(waiting))
            admissions.append(
                Admission(
                    new=True,
                    comment_requested=(
                        registered[sender.user_id].comment_requested if sender else True
                    ),
                    question=question,
                    ticket=(
                        tickets[question.ticket_id]
                        if question is not None and question.ticket_id is not None
                        else None
                    ),
                )
            )
        return admissions


@dataclass(frozen=True, slots=True)
class _Registered:
    """What registering a sender told about them."""

    comment_requested: bool
    open_ticket: int | None


@dataclass(frozen=True, slots=True)
class _Logged:
    """A message the arrival log stores: a question (no action yet: the reading comes later,
    filed under the open ticket) or a refused message (the refusal as its action)."""

    waiting: _Waiting
    message: InboundMessage
    action: str | None
    ticket_id: int | None

    @property
    def question(self) -> bool:
        return self.action is None

    def row(self) -> dict[str, object]:
        message = self.message
        return {
            "chat_id": message.chat_id,
            "user_id": message.user_id,
            "direction": MessageDirection.IN,
            "text": message.text,
            "kind": message.kind,
            "telegram_message_id": message.telegram_message_id,
            "action": self.action,
            "ticket_id": self.ticket_id,
        }


def _to_log(waiting: _Waiting, registered: dict[int, _Registered]) -> _Logged | None:
    """What to store of a new update's message; None for no message, or one the handlers log
    themselves (not a question, a rating comment may be awaited, or no sender registered)."""
    message = waiting.arrival.message
    if message is None:
        return None
    refusal = waiting.refused_with()
    if refusal is not None:
        return _Logged(waiting, message, action=refusal, ticket_id=None)
    sender = registered.get(message.user_id)
    if message.is_question and sender is not None and not sender.comment_requested:
        return _Logged(waiting, message, action=None, ticket_id=sender.open_ticket)
    return None


def _settle(
    waiting: _Waiting, *, admission: Admission | None = None, error: BaseException | None = None
) -> None:
    if waiting.done.done():  # the update's handler gave up waiting
        return
    if error is not None:
        waiting.done.set_exception(error)
    else:
        waiting.done.set_result(cast(Admission, admission))


def _one_or_many(rows: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """Execution parameters: a single row as such (a plain execution costs less than
    SQLAlchemy's multi-row machinery), several as a list (multi-row INSERTs)."""
    return rows[0] if len(rows) == 1 else rows


async def _remember_updates(session: AsyncSession, update_ids: list[int]) -> set[int]:
    """Insert the update ids not seen before; return them."""
    rows = [{"update_id": update_id} for update_id in dict.fromkeys(update_ids)]
    return set((await session.execute(_REMEMBER_UPDATES, _one_or_many(rows))).scalars())


async def _register(session: AsyncSession, senders: list[Sender]) -> dict[int, _Registered]:
    """Create new senders (with a pseudonym), refresh changed details and mark them active;
    return what the lookup told about each."""
    if not senders:
        return {}
    rows = await session.execute(_KNOWN_USERS, {"user_ids": [s.user_id for s in senders]})
    known = {row[0]: (tuple(row[1:5]), _Registered(bool(row[5]), row[6])) for row in rows}
    new = [s for s in senders if s.user_id not in known]
    if new:
        values = [
            {"telegram_user_id": s.user_id, "pseudonym": generate_pseudonym(), **s.fields()}
            for s in new
        ]
        inserted = set((await session.execute(_INSERT_USERS, _one_or_many(values))).scalars())
        for sender in new:
            if sender.user_id not in inserted:  # created concurrently, or the pseudonym clashed
                await get_or_create_user(
                    session,
                    user_id=sender.user_id,
                    chat_id=sender.chat_id,
                    first_name=sender.first_name,
                    username=sender.username,
                )
    for sender in senders:
        stored = known.get(sender.user_id)
        if stored is not None and stored[0] != tuple(sender.fields().values()):
            changed = update(User).where(User.telegram_user_id == sender.user_id)
            await execute_counting(session, changed.values(**sender.fields()))
    # A new user has no ticket yet (nor one created concurrently, as tickets come from the
    # user's own messages, which are handled one at a time).
    new_user = _Registered(comment_requested=False, open_ticket=None)
    return {s.user_id: known[s.user_id][1] if s.user_id in known else new_user for s in senders}


async def _insert_messages(session: AsyncSession, rows: list[dict[str, object]]) -> list[int]:
    """Insert the messages; return their ids in the order of ``rows``."""
    if not rows:
        return []
    return list((await session.execute(_INSERT_MESSAGES, _one_or_many(rows))).scalars())
