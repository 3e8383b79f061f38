"""``python -m bench.storage``: the database work of one question, alone, in CPU and wall time.

The same data functions, in the same transactions, as the bot runs for a text question from a
new user: the update gate's arrival log (dedupe, register the user, learn whether a rating
comment may be awaited, and, as none is, log the question under the open ticket, if any) and
the reply (the reading and the sent message, queued on the reply log); both write in batches,
so the work per question falls as more questions come at once. One
question at a time and 32 at once; SQLite in a temporary file, and PostgreSQL when
``BENCH_DATABASE_URL`` is set (tables are created there by the migrations; rows are left
behind, each run with new ids).
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

from bot.storage import create_engine, create_session_factory, upgrade_database_async
from bot.storage.arrivals import Arrival, ArrivalLog, InboundMessage, Sender
from bot.storage.messages import Reading
from bot.storage.reply_log import ReplyLog, SentReply

CONCURRENCY = (1, 32)


async def one_question(arrivals: ArrivalLog, reply_log: ReplyLog, user_id: int) -> None:
    admission = await arrivals.record(
        Arrival(
            update_id=user_id,
            sender=Sender(user_id, user_id, "Sari", None),
            message=InboundMessage(
                user_id, user_id, "pns boleh like postingan capres?", "text", 1, is_question=True
            ),
            judge=lambda: None,
        )
    )
    # A new user: no rating comment awaited, the gate logs the question, as in the bot.
    assert admission.question is not None
    reply = SentReply(user_id, user_id, "<b>Media sosial</b> ...", 1, "media_sosial", "answer")
    reply_log.add(reply, Reading(admission.question.message_id, "media_sosial", 0.97, "answer"))


async def measure(
    url: str, questions: int, concurrency: int, users: Iterator[int]
) -> tuple[float, float]:
    """Milliseconds of CPU and of wall time per question, after a warm-up.

    ``concurrency`` questions run at once, as under load; the time includes writing the reply
    log to the end.
    """
    await upgrade_database_async(url)
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    arrivals, reply_log = ArrivalLog(sessions), ReplyLog(sessions)

    async def ask(count: int) -> None:
        for _ in range(count):
            await one_question(arrivals, reply_log, next(users))

    try:
        await asyncio.gather(*(ask(50 // concurrency + 1) for _ in range(concurrency)))
        await reply_log.flush()
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(ask(questions // concurrency) for _ in range(concurrency)))
        await reply_log.flush()
        done = questions // concurrency * concurrency
        return (
            1000 * (time.process_time() - cpu) / done,
            1000 * (time.perf_counter() - wall) / done,
        )
    finally:
        await arrivals.close()
        await reply_log.close()
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
