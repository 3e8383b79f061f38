"""Durable staff notices end to end (issue #20): the staff chat refuses every send for a while.

Users still get their replies and ticket numbers at once; every card arrives afterwards, also
across a restart; a burst of new tickets arrives as one digest. The outage lasts
``STAFF_OUTAGE_SECONDS`` (default 30).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.staff_outbox import DIGEST_FROM, LONGEST_BACKOFF_SECONDS
from bot.storage.models import StaffNotice
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import CONSULTANT_IDS, STAFF_CHAT_ID
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa]
logger = logging.getLogger(__name__)

OUTAGE_SECONDS = float(os.environ.get("STAFF_OUTAGE_SECONDS", "30"))
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
ESCALATIONS = (
    "saya mau konsultasi dengan pengacara",
    CASE,
    "sy dilaporkan ke bawaslu krn foto sama caleg, tolong dampingi",
    CASE,
)
ACK_SECONDS = 10.0
"""A user hears their ticket number within this, whatever the staff chat does."""
CARDS_AFTER_RECOVERY_SECONDS = LONGEST_BACKOFF_SECONDS + 60
"""The outbox's longest backoff, plus a minute: the staff group's send budget, spent on the
refused tries, may hold the cards until its next window."""
CONSULTANT = FakeUser(CONSULTANT_IDS[0], first_name="Andi")


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def is_card(record: SentRecord) -> bool:
    return record.method == "sendMessage" and any(
        data.startswith("tiket:lepas:") for data in record.callback_data
    )


async def escalate(standin: BotApiStandIn, user: FakeUser, text: str) -> int:
    """Ask for a consultant (taking the offer to forward the question, when it comes); return
    the ticket number the acknowledgement names."""
    mark = len(standin.sent)
    await standin.send_text(user, text)
    [reply, *_] = await standin.wait_for_sent(
        lambda r: "nomor tiket" in text_of(r) or "kasus:ya:" in "".join(r.callback_data),
        chat_id=user.id,
        since=mark,
        timeout=ACK_SECONDS,
    )
    if reply.callback_data and reply.callback_data[0].startswith("kasus:ya:"):
        await standin.press_button(user, reply, reply.callback_data[0])
    [ack, *_] = await standin.wait_for_sent(
        lambda r: "nomor tiket" in text_of(r), chat_id=user.id, since=mark, timeout=ACK_SECONDS
    )
    found = re.search(r"nomor tiket (\d+)", text_of(ack))
    assert found, text_of(ack)
    return int(found.group(1))


async def escalate_all(
    standin: BotApiStandIn, users: list[FakeUser], texts: list[str]
) -> list[int]:
    started = time.monotonic()
    numbers = await asyncio.gather(*map(escalate, [standin] * len(users), users, texts))
    logger.info(
        "%s users heard their ticket numbers in %.1f s", len(users), time.monotonic() - started
    )
    assert len(set(numbers)) == len(users)
    return list(numbers)


async def cards_arrive(standin: BotApiStandIn, numbers: list[int], recovers_at: float) -> None:
    """Wait for one card per ticket, after the staff chat recovered; no card twice."""
    timeout = recovers_at - time.time() + CARDS_AFTER_RECOVERY_SECONDS
    cards = await standin.wait_for_sent(
        is_card, chat_id=STAFF_CHAT_ID, count=len(numbers), timeout=timeout
    )
    carded = [int(card.callback_data[0].rsplit(":", 1)[1]) for card in cards]
    assert sorted(carded) == sorted(numbers)
    assert all(f"Tiket {n}" in text_of(card) for card, n in zip(cards, carded, strict=True))
    late = max(card.timestamp for card in cards) - recovers_at
    logger.info("every card arrived %.1f s after the staff chat recovered", late)


async def pending_notices(db: async_sessionmaker[AsyncSession]) -> list[StaffNotice]:
    async with db() as session:
        pending = select(StaffNotice).where(StaffNotice.sent_at.is_(None))
        return list(await session.scalars(pending))


async def all_sent(db: async_sessionmaker[AsyncSession], seconds: float = 5.0) -> bool:
    """Whether every notice is marked sent within ``seconds`` (marked right after its send)."""
    deadline = time.monotonic() + seconds
    while await pending_notices(db):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_users_get_ticket_numbers_at_once_and_cards_arrive_after_an_outage(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    users = [FakeUser(1201 + i, first_name=f"Asn{i}") for i in range(len(ESCALATIONS))]
    recovers_at = time.time() + OUTAGE_SECONDS
    standin.refuse_chat(STAFF_CHAT_ID, OUTAGE_SECONDS, error_code=502)

    numbers = await escalate_all(standin, users, list(ESCALATIONS))
    assert time.time() < recovers_at - OUTAGE_SECONDS / 2  # well before the staff chat is back
    # The bot is trying meanwhile (a card's first request asks whether the group is a forum).
    await standin.wait_for_call("getChat", lambda c: c.status == 502)
    assert standin.sent_to(STAFF_CHAT_ID) == []
    assert {n.ticket_id for n in await pending_notices(db)} == set(numbers)

    await cards_arrive(standin, numbers, recovers_at)
    assert await all_sent(db)


async def test_cards_waiting_at_a_restart_arrive_after_it(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    """Here the staff chat rate-limits every send (429 with retry_after) instead."""
    users = [FakeUser(1301 + i) for i in range(2)]
    recovers_at = time.time() + OUTAGE_SECONDS
    standin.refuse_chat(STAFF_CHAT_ID, OUTAGE_SECONDS, error_code=429)
    numbers = await escalate_all(standin, users, [CASE] * 2)

    # Stopped off the event loop: the stand-in keeps answering the bot while it shuts down.
    assert await asyncio.to_thread(bot.stop) == 0, bot.log_tail()
    assert {n.ticket_id for n in await pending_notices(db)} == set(numbers)
    await bot.start()
    await cards_arrive(standin, numbers, recovers_at)
    assert await all_sent(db)


def is_digest(record: SentRecord) -> bool:
    return "tiket baru" in text_of(record)


async def test_a_burst_of_new_tickets_becomes_one_digest_and_a_claim_brings_the_card(
    standin: BotApiStandIn, bot: BotProcess, db: async_sessionmaker[AsyncSession]
) -> None:
    users = [FakeUser(1401 + i) for i in range(DIGEST_FROM + 4)]
    outage = OUTAGE_SECONDS / 2
    recovers_at = time.time() + outage
    standin.refuse_chat(STAFF_CHAT_ID, outage, error_code=502)
    numbers = await escalate_all(standin, users, [CASE] * len(users))

    # The cards the drainer was already sending when the burst came go out alone; the rest
    # waited together and arrive as one digest naming them, with an [Ambil] button each.
    timeout = recovers_at - time.time() + CARDS_AFTER_RECOVERY_SECONDS
    [digest] = await standin.wait_for_sent(is_digest, chat_id=STAFF_CHAT_ID, timeout=timeout)
    alone = [r for r in standin.sent_to(STAFF_CHAT_ID) if is_card(r)]
    digested = [int(data.rsplit(":", 1)[1]) for data in digest.callback_data]
    assert sorted(digested + [int(c.callback_data[0].rsplit(":", 1)[1]) for c in alone]) == sorted(
        numbers
    )
    assert len(digested) >= DIGEST_FROM and "/antrian" in text_of(digest)
    assert all(f"Tiket {n}" in text_of(digest) for n in digested)
    assert await all_sent(db)

    # Claimed from the digest: the ASN is told, the ticket gets its card, messages follow it.
    first = digested[0]
    asn = users[numbers.index(first)]
    await standin.press_button(CONSULTANT, digest, f"tiket:ambil:{first}")
    await standin.wait_for_sent(lambda r: "sudah ditangani" in text_of(r), chat_id=asn.id)
    [card] = await standin.wait_for_sent(
        lambda r: is_card(r) and f"tiket:ambil:{first}" in r.callback_data, chat_id=STAFF_CHAT_ID
    )
    assert f"Tiket {first}" in text_of(card) and "Andi" in text_of(card)
    mark = len(standin.sent)
    await standin.send_text(asn, "ini kronologinya, pak")
    [relayed] = await standin.wait_for_sent(chat_id=STAFF_CHAT_ID, since=mark)
    assert relayed.method == "copyMessage" and relayed.reply_to_message_id == card.message_id
    assert len([r for r in standin.sent_to(STAFF_CHAT_ID) if is_card(r)]) == len(alone) + 1
