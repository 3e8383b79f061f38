"""``python -m bench.storage``: the database work of one question, alone, in CPU and wall time.

The same data functions, in the same transactions, as the bot runs for a text question from a
new user: the update gate (dedupe, register the user), the question (awaited rating comment?,
log it under the open ticket) and the reply (store the reading, log the answer). SQLite in a
temporary file, and PostgreSQL when ``BENCH_DATABASE_URL`` is set (tables are created there by
the migrations; rows are left behind, each run with new ids).
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

from bot.storage import (
    MessageDirection,
    create_engine,
    create_session_factory,
    log_message,
    mark_update_processed,
    pending_rating_comment,
    upgrade_database_async,
    utcnow,
)
from bot.storage.messages import Reading, log_question, store_reading
from bot.storage.users import register_user
from handlers.staff_rating import COMMENT_WINDOW


async def one_question(sessions: async_sessionmaker[AsyncSession], user_id: int) -> None:
    async with sessions() as session:
        await mark_update_processed(session, update_id=user_id)
        await register_user(
            session, user_id=user_id, chat_id=user_id, first_name="Sari", username=None
        )
        await session.commit()
    async with sessions() as session:
        await pending_rating_comment(session, user_id=user_id, now=utcnow(), window=COMMENT_WINDOW)
        question = await log_question(
            session, chat_id=user_id, user_id=user_id, text="pns boleh like postingan capres?"
        )
        await session.commit()
    async with sessions() as session:
        await store_reading(session, Reading(question.message_id, "media_sosial", 0.97, "answer"))
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
        await session.commit()


async def measure(url: str, questions: int, users: Iterator[int]) -> tuple[float, float]:
    """Milliseconds of CPU and of wall time per question, after a warm-up."""
    await upgrade_database_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    try:
        for _ in range(50):
            await one_question(sessions, next(users))
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(questions):
            await one_question(sessions, next(users))
        return (
            1000 * (time.process_time() - cpu) / questions,
            1000 * (time.perf_counter() - wall) / questions,
        )
    finally:
        await engine.dispose()


async def run(questions: int) -> list[str]:
    users = itertools.count(7_000_000_000 + int(time.time()) % 100_000 * 10_000)
    lines = ["| database | CPU ms per question | wall ms per question |", "|---|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="tanya-bench-db-") as directory:
        targets = [("SQLite (file, WAL)", f"sqlite+aiosqlite:///{directory}/bench.db")]
        if url := os.environ.get("BENCH_DATABASE_URL"):
            targets.append(("PostgreSQL", url))
        for name, url in targets:
            cpu, wall = await measure(url, questions, users)
            lines.append(f"| {name} | {cpu:.2f} | {wall:.2f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage", description=__doc__)
    parser.add_argument("--questions", type=int, default=1000, help="questions per database")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    print(f"Database work of one question (3 transactions, 7 statements), {args.questions} runs:")
    print("\n".join(asyncio.run(run(args.questions))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
