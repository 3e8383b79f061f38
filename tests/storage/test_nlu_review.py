"""The review queue of misread questions: queued once, decided once, exported once, and gone
with the user's data."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import MessageDirection, log_message
from bot.storage.messages import Reading, log_question, store_reading
from bot.storage.models import Message, NluReviewItem
from bot.storage.nlu_review import (
    ReviewSource,
    ReviewStatus,
    count_open_items,
    decide_review_item,
    items_to_export,
    mark_exported,
    next_item_to_review,
    question_answered_by,
    queue_for_review,
)
from bot.storage.privacy import delete_user_data
from tests.storage.conftest import MakeUser

REVIEWER_A, REVIEWER_B = 9001, 9002


async def asked(
    session: AsyncSession,
    user_id: int,
    text: str,
    *,
    intent: str | None = "di_luar_topik",
    action: str = "fallback",
    confidence: float = 0.41,
) -> Message:
    """A logged question with its reading, as handlers/questions.py leaves it."""
    logged = await log_question(session, chat_id=user_id, user_id=user_id, text=text)
    await store_reading(session, Reading(logged.message_id, intent, confidence, action))
    message = await session.get(Message, logged.message_id, populate_existing=True)
    assert message is not None
    return message


async def queued(session: AsyncSession, user_id: int, text: str, **reading: object) -> int:
    message = await asked(session, user_id, text, **reading)  # type: ignore[arg-type]
    item = await queue_for_review(session, message, source=ReviewSource.FALLBACK)
    await session.commit()
    return item.id


async def test_a_question_is_queued_once_with_the_reading_it_got(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7, first_name="Budi", username="budi_s")
    message = await asked(
        session, 7, "cara urus cuti melahirkan", intent="kampanye", action="clarify"
    )
    first = await queue_for_review(session, message, source=ReviewSource.CLARIFY)
    again = await queue_for_review(session, message, source=ReviewSource.THUMBS_DOWN)
    await session.commit()

    assert again.id == first.id
    assert await session.scalar(select(func.count()).select_from(NluReviewItem)) == 1
    task = await next_item_to_review(session)
    assert task is not None and task.item.id == first.id
    assert (task.item.source, task.item.status) == ("clarify", "pending")
    assert (task.item.predicted_intent, task.item.action) == ("kampanye", "clarify")
    assert task.item.confidence == 0.41
    assert task.text == "cara urus cuti melahirkan"
    assert task.known_names == ("Budi", "budi_s")


async def test_pending_items_come_oldest_first_and_skipped_ones_after_them(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    first = await queued(session, 7, "pertanyaan satu tentang gaji")
    second = await queued(session, 7, "pertanyaan dua tentang cuti")
    third = await queued(session, 7, "pertanyaan tiga tentang tunjangan")

    assert await decide_review_item(
        session, first, status=ReviewStatus.SKIPPED, reviewer_id=REVIEWER_A
    )
    await session.commit()
    counts = await count_open_items(session)
    assert (counts.pending, counts.skipped) == (2, 1)
    task = await next_item_to_review(session)
    assert task is not None and task.item.id == second

    for item_id in (second, third):
        assert await decide_review_item(
            session, item_id, status=ReviewStatus.SKIPPED, reviewer_id=REVIEWER_A
        )
        await session.commit()
    # Nothing pending: the skipped ones come back, the one skipped longest ago first.
    task = await next_item_to_review(session)
    assert task is not None and task.item.id == first
    assert await decide_review_item(
        session, first, status=ReviewStatus.SKIPPED, reviewer_id=REVIEWER_A
    )
    await session.commit()
    task = await next_item_to_review(session)
    assert task is not None and task.item.id == second  # skipped again: to the back

    for item_id in (first, second, third):
        assert await decide_review_item(
            session, item_id, status=ReviewStatus.PERSONAL_DATA, reviewer_id=REVIEWER_A
        )
    await session.commit()
    assert await next_item_to_review(session) is None
    counts = await count_open_items(session)
    assert (counts.pending, counts.skipped) == (0, 0)


async def test_of_two_reviewers_deciding_one_item_at_once_one_wins(
    session_factory: async_sessionmaker[AsyncSession], session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    item_id = await queued(session, 7, "bolehkah pns jualan online")

    async def decide(reviewer_id: int, label: str) -> bool:
        async with session_factory() as own:
            decided = await decide_review_item(
                own, item_id, status=ReviewStatus.LABELED, reviewer_id=reviewer_id, label=label
            )
            await own.commit()
            return decided

    outcomes = await asyncio.gather(
        decide(REVIEWER_A, "di_luar_topik"), decide(REVIEWER_B, "media_sosial")
    )
    assert sorted(outcomes) == [False, True]
    item = await session.get(NluReviewItem, item_id, populate_existing=True)
    assert item is not None and item.status == ReviewStatus.LABELED
    winner = REVIEWER_A if outcomes[0] else REVIEWER_B
    assert item.reviewer_id == winner
    assert item.label == ("di_luar_topik" if winner == REVIEWER_A else "media_sosial")
    assert item.reviewed_at is not None
    # Decided: a later press records nothing, whatever it says.
    assert not await decide_review_item(
        session, item_id, status=ReviewStatus.SKIPPED, reviewer_id=REVIEWER_A
    )
    assert not await decide_review_item(
        session, 999_999, status=ReviewStatus.SKIPPED, reviewer_id=1
    )


async def test_export_takes_labelled_items_once_and_never_personal_data(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7, first_name="Rina")
    labelled = await queued(session, 7, "saya Rina mau tanya soal cuti")
    personal = await queued(session, 7, "nik saya 3201012345678901 bocor")
    pending = await queued(session, 7, "masih menunggu")
    skipped = await queued(session, 7, "dilewati saja")
    await decide_review_item(
        session, labelled, status=ReviewStatus.LABELED, reviewer_id=1, label="di_luar_topik"
    )
    await decide_review_item(session, personal, status=ReviewStatus.PERSONAL_DATA, reviewer_id=1)
    await decide_review_item(session, skipped, status=ReviewStatus.SKIPPED, reviewer_id=1)
    await session.commit()

    export = await items_to_export(session)
    assert [task.item.id for task in export] == [labelled]
    assert export[0].text == "saya Rina mau tanya soal cuti"
    assert export[0].known_names == ("Rina", None)
    await mark_exported(session, [task.item.id for task in export])
    await session.commit()
    assert await items_to_export(session) == []
    assert pending not in {task.item.id for task in await items_to_export(session)}


async def test_a_thumbs_down_finds_the_question_its_answer_replied_to(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    first = await asked(
        session, 7, "pns like postingan capres", intent="media_sosial", action="answer"
    )
    await log_message(
        session, chat_id=7, user_id=None, direction=MessageDirection.OUT, text="jawaban 1",
        telegram_message_id=501, intent="media_sosial", action="answer",
    )  # fmt: skip
    second = await asked(session, 7, "pns ikut kampanye", intent="kampanye", action="answer")
    await log_message(
        session, chat_id=7, user_id=None, direction=MessageDirection.OUT, text="jawaban 2",
        telegram_message_id=502, intent="kampanye", action="answer",
    )  # fmt: skip
    # A menu press: an answer no question was read as.
    await log_message(
        session, chat_id=7, user_id=None, direction=MessageDirection.OUT, text="jawaban 3",
        telegram_message_id=503, intent="sanksi", action="answer",
    )  # fmt: skip
    await session.commit()

    found = await question_answered_by(session, chat_id=7, answer_telegram_id=501)
    assert found is not None and found.id == first.id
    found = await question_answered_by(session, chat_id=7, answer_telegram_id=502)
    assert found is not None and found.id == second.id
    assert await question_answered_by(session, chat_id=7, answer_telegram_id=503) is None
    assert await question_answered_by(session, chat_id=8, answer_telegram_id=501) is None


async def test_deleting_the_users_data_removes_their_items(
    session: AsyncSession, make_user: MakeUser
) -> None:
    await make_user(7)
    await make_user(8)
    await queued(session, 7, "nomor hp saya 081234567890 tolong hapus")
    kept = await queued(session, 8, "pertanyaan orang lain")

    await delete_user_data(session, user_id=7)
    await session.commit()

    remaining = (await session.scalars(select(NluReviewItem.id))).all()
    assert remaining == [kept]
