"""The coordinators' report at scale: ``python -m bench.report_scale``.

Generates, in a fresh PostgreSQL database (``BENCH_DATABASE_URL``, else the local default;
see ``bench.postgres``), a year (2026) of 1,000,000 logged messages (half of them questions
with an outcome), 100,000 tickets and 50,000 feedback presses, with ``INSERT ... SELECT
generate_series`` (seconds, not an ORM loop), then times ``build_report`` for one month
(November) and for the whole year. Prints the figures; the database is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.postgres import DEFAULT_URL, fresh_database
from bot.knowledge import load_knowledge_base
from bot.queue.office_hours import OfficeHours
from bot.reports.figures import build_report
from bot.reports.periods import Period, period_between
from bot.settings import DatabaseSettings, QueueSettings
from bot.storage import create_engine, create_session_factory, upgrade_database_async

MESSAGES, TICKETS, FEEDBACK, USERS, CONSULTANTS = 1_000_000, 100_000, 50_000, 20_000, 12
RUNS = 3
YEAR_SECONDS = 365 * 86_400
TOPICS = "ARRAY['media_sosial','kampanye','foto_bersama_calon','sanksi','pelaporan','hak_pilih']"
OUTCOMES = "ARRAY['answer','answer','answer','answer','clarify','fallback','escalate']"

GENERATE = [
    f"""INSERT INTO users (telegram_user_id, chat_id, pseudonym, share_name, active, created_at)
    SELECT g, g, 'ASN-' || g, false, true, '2025-12-01'::timestamptz
    FROM generate_series(1, {USERS}) g""",
    # One message every 31.5 s; even ones are the ASN's questions with an outcome.
    f"""INSERT INTO messages (chat_id, user_id, direction, kind, text, intent, action, created_at)
    SELECT g % {USERS} + 1, g % {USERS} + 1,
        CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END, 'text', 'pertanyaan ' || g,
        ({TOPICS})[g % 6 + 1], ({OUTCOMES})[(g / 2) % 7 + 1],
        '2026-01-01'::timestamptz - interval '7 hours'
            + g * interval '1 second' * {YEAR_SECONDS / MESSAGES}
    FROM generate_series(1, {MESSAGES}) g""",
    # One ticket every 315 s; every 50th still open (one per user), a third rated.
    f"""INSERT INTO tickets (user_id, status, reason, topic, question, consultant_id,
        created_at, claimed_at, first_reply_at, closed_at, closed_by, rating)
    SELECT CASE WHEN g % 50 = 0 THEN g / 50 ELSE g % {USERS} + 1 END,
        CASE WHEN g % 50 = 0 THEN 'diambil' ELSE 'selesai' END, 'minta_konsultan',
        ({TOPICS})[g % 6 + 1], 'pertanyaan ' || g, 500 + g % {CONSULTANTS},
        created, created + interval '20 minutes', created + (g % 600) * interval '1 minute',
        CASE WHEN g % 50 = 0 THEN NULL ELSE created + (g % 72) * interval '1 hour' END,
        CASE WHEN g % 50 = 0 THEN NULL ELSE 'konsultan' END,
        CASE WHEN g % 3 = 0 THEN g % 5 + 1 END
    FROM (SELECT g, '2026-01-01'::timestamptz - interval '7 hours'
            + g * interval '1 second' * {YEAR_SECONDS / TICKETS} AS created
          FROM generate_series(1, {TICKETS}) g) generated""",
    f"""INSERT INTO feedback (user_id, intent, helpful, created_at)
    SELECT g % {USERS} + 1, ({TOPICS})[g % 6 + 1], g % 4 <> 0,
        '2026-01-01'::timestamptz + g * interval '1 second' * {YEAR_SECONDS / FEEDBACK}
    FROM generate_series(1, {FEEDBACK}) g""",
    "ANALYZE",
]


async def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    async with fresh_database(url, "reports") as database_url:
        await upgrade_database_async(database_url)
        # Generating a million rows takes longer than the bot's statement timeout.
        engine = create_engine(database_url, DatabaseSettings(statement_timeout_seconds=900))
        try:
            started = time.perf_counter()
            async with engine.begin() as connection:
                for statement in GENERATE:
                    await connection.execute(text(statement))
            print(
                f"generated in {time.perf_counter() - started:.1f} s: {MESSAGES:,} messages, "
                f"{TICKETS:,} tickets, {FEEDBACK:,} feedback"
            )
            zone = ZoneInfo("Asia/Jakarta")
            month = period_between(date(2026, 11, 1), date(2026, 11, 30), zone)
            year = period_between(date(2026, 1, 1), date(2026, 12, 31), zone)
            for name, period in (("one month (November 2026)", month), ("the year 2026", year)):
                await _time_report(engine, name, period)
        finally:
            await engine.dispose()


async def _time_report(engine: AsyncEngine, name: str, period: Period) -> None:
    sessions = create_session_factory(engine)
    knowledge = load_knowledge_base()
    office_hours = OfficeHours.from_settings(QueueSettings())
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        async with sessions() as session:
            report = await build_report(
                session, period, knowledge=knowledge, office_hours=office_hours
            )
        seconds.append(time.perf_counter() - started)
    print(
        f"{name}: median {statistics.median(seconds):.2f} s, best {min(seconds):.2f} s "
        f"over {RUNS} runs; {report.questions():,} questions, {len(report.tickets):,} tickets"
    )


if __name__ == "__main__":
    asyncio.run(main())
