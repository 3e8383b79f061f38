"""``python -m bench.storage``: the database work of one question, alone, in CPU and wall time.

The same data functions, in the same five transactions, as the bot runs for a text question
from a new user: the intake claims the update; the gate registers the user and counts the
message; the question handler looks for an awaited rating comment and logs the question under
the open ticket, if any; the reply records the reading and the sent message; the intake marks
the update handled. One question at a time and 32 at once; SQLite in a temporary file, and
PostgreSQL when ``BENCH_DATABASE_URL`` is set (tables are created there by the migrations;
rows are left behind, each run with new ids).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.queue import clock
from bot.storage import (
    MessageDirection,
    create_engine,
    create_session_factory,
    log_message,
    pending_rating_comment,
    upgrade_database_async,
)
from bot.storage.messages import Reading, log_question, store_reading
from bot.storage.rate_limits import count_user_message
from bot.storage.transaction import in_transaction
from bot.storage.update_claims import begin_update, finish_update
from bot.storage.users import register_user
from handlers.staff_rating import COMMENT_WINDOW

CONCURRENCY = (1, 32)
QUESTION = "pns boleh like postingan capres?"


async def one_question(sessions: async_sessionmaker[AsyncSession], user_id: int) -> None:
    """The database work of one question, transaction by transaction, as the bot does it."""

    async def claim(session: AsyncSession) -> None:
        await begin_update(session, update_id=user_id, stale_before=None)

    async def admit(session: AsyncSession) -> None:
        await register_user(
            session, user_id=user_id, chat_id=user_id, first_name="Sari", username=None
        )
        await count_user_message(session, user_id=user_id, now=clock.now())

    async def log(session: AsyncSession) -> int:
        assert (
            await pending_rating_comment(
                session, user_id=user_id, now=clock.now(), window=COMMENT_WINDOW
            )
            is None
        )
        question = await log_question(session, chat_id=user_id, user_id=user_id, text=QUESTION)
        return question.message_id

    async def finish(session: AsyncSession) -> None:
        await finish_update(session, update_id=user_id, polled=False)

    await in_transaction(sessions, claim)
    await in_transaction(sessions, admit)
    message_id = await in_transaction(sessions, log)

    async def record(session: AsyncSession) -> None:
        await store_reading(session, Reading(message_id, "media_sosial", 0.97, "answer"))
        await log_message(
            session,
            chat_id=user_id,
            user_id=user_id,
            direction=MessageDirection.OUT,
            text="<b>Media sosial</b> ...",
            telegram_message_id=1,
            intent="media_sosial",
            action="answer",
        )

    await in_transaction(sessions, record)
    await in_transaction(sessions, finish)


async def measure(
    url: str, questions: int, concurrency: int, users: Iterator[int]
) -> tuple[float, float]:
    """Milliseconds of CPU and of wall time per question, after a warm-up;
    ``concurrency`` questions run at once, as under load."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)

    async def ask(count: int) -> None:
        for _ in range(count):
            await one_question(sessions, next(users))

    try:
        await asyncio.gather(*(ask(50 // concurrency + 1) for _ in range(concurrency)))
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(ask(questions // concurrency) for _ in range(concurrency)))
        done = questions // concurrency * concurrency
        return (
            1000 * (time.process_time() - cpu) / done,
            1000 * (time.perf_counter() - wall) / done,
        )
    finally:
        await engine.dispose()


async def run(questions: int) -> list[str]:
    users = itertools.count(7_000_000_000 + int(time.time()) % 100_000 * 10_000)
    lines = [
        "| database | questions at once | CPU ms per question | wall ms per question |",
        "|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="tanya-bench-db-") as directory:
        targets = [("SQLite (file, WAL)", f"sqlite+aiosqlite:///{directory}/bench.db")]
        if url := os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", url))
        for name, url in targets:
            for concurrency in CONCURRENCY:
                cpu, wall = await measure(url, questions, concurrency, users)
                lines.append(f"| {name} | {concurrency} | {cpu:.2f} | {wall:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__)
    parser.add_argument("--questions", type=int, default=1000, help="questions per database")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    print(f"Database work of one question, {args.questions} questions per row:")
    print("\n".join(asyncio.run(run(args.questions))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
