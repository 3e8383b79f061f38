"""Nothing accepted is lost: a bot killed in the middle of a burst answers every question after
a restart on the same database, and answers twice at most what was in flight."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import ProcessedUpdate
from tests.e2e.bot_process import BotProcess
from tests.telegram_standin import BotApiStandIn, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]

QUESTIONS = 160
FIRST_USER = 30_000
RASA_START_SECONDS = 300.0  # the bot starts its own Rasa, so that it dies with the bot


def _answers(standin: BotApiStandIn) -> Counter[int]:
    """How many messages each asking user has received."""
    return Counter(
        record.chat_id
        for record in standin.sent
        if FIRST_USER <= record.chat_id < FIRST_USER + QUESTIONS
    )


async def test_a_bot_killed_mid_burst_answers_every_question_after_a_restart(
    standin: BotApiStandIn,
    bot_env: dict[str, str],
    tmp_path: Path,
    db: async_sessionmaker[AsyncSession],
) -> None:
    own_rasa = {k: v for k, v in bot_env.items() if k not in ("RASA_URL", "RASA_AUTH_TOKEN")}
    bot = BotProcess(standin, tmp_path / "bot.log", **own_rasa)
    await bot.start(timeout=RASA_START_SECONDS)
    try:
        update_of: dict[int, int] = {}  # chat → the update id of its question
        for n in range(QUESTIONS):
            user = standin.add_user(FakeUser(FIRST_USER + n, first_name=f"Asn{n}"))
            sent = await standin.send_text(user, "pns boleh like postingan capres di ig?")
            update_of[user.id] = sent["update_id"]
        await standin.wait_for_sent(
            lambda record: record.chat_id >= FIRST_USER, count=10, timeout=120
        )
        bot.kill()  # SIGKILL, the bot and its Rasa: nothing of theirs runs
        answered = _answers(standin)
        taken = standin.state.feed.returned_up_to  # handed to the bot by getUpdates
        taken_unanswered = [
            chat
            for chat, update_id in update_of.items()
            if update_id <= taken and chat not in answered
        ]
        assert len(taken_unanswered) >= 50, (len(answered), len(taken_unanswered))
        async with db() as session:
            in_flight = await session.scalar(
                select(func.count())
                .select_from(ProcessedUpdate)
                .where(ProcessedUpdate.completed_at.is_(None))
            )

        await bot.start(timeout=RASA_START_SECONDS)  # the same database
        deadline = time.monotonic() + 180
        while len(_answers(standin)) < QUESTIONS:
            assert time.monotonic() < deadline, (
                f"{QUESTIONS - len(_answers(standin))} questions never answered:\n{bot.log_tail()}"
            )
            await asyncio.sleep(0.5)
    finally:
        assert bot.stop() == 0, bot.log_tail()

    twice = sum(count - 1 for count in _answers(standin).values())
    assert twice <= (in_flight or 0), (twice, in_flight)
    async with db() as session:
        unfinished = await session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.completed_at.is_(None))
        )
    assert unfinished == 0
    if in_flight:  # updates cut short mid-handling were taken up again, not skipped
        assert "handling it again" in bot.log_path.read_text(errors="replace")
