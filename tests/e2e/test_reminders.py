"""Reminders people can live with, end to end: the real bot, its queue clock set by the test.

Nothing on a holiday or after hours; the ticket's owner first, privately, then the group; never
twice in a period; in the group for a consultant the bot cannot write to privately (never
wrote to it, or blocked it).
The bot's queue clock runs ahead of the database's timestamps here, so every ticket has waited
long enough: what is under test is when, and to whom (thresholds: ``tests/test_queue_reminders``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml

from bot.queue.office_hours import OfficeHours
from bot.settings import QueueSettings
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import ON_SQLITE_AND_POSTGRESQL, STAFF_CHAT_ID, hand_case_over
from tests.e2e.queue_clock import QueueClock
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.rasa, ON_SQLITE_AND_POSTGRESQL]

JAKARTA = ZoneInfo("Asia/Jakarta")
DAYS_OFF = holidays.country_holidays("ID", categories=("public", "government"))
ASN = FakeUser(611, first_name="Wulan")
ASN_2 = FakeUser(612, first_name="Yusuf")
ASN_3 = FakeUser(613, first_name="Sari")
ANDI = FakeUser(7001, first_name="Andi", last_name="Konsultan")
BUDI = FakeUser(7002, first_name="Budi", last_name="Konsultan")
CASE = "sy dipanggil bawaslu besok gara2 foto sama caleg, tolong dampingi sy"
QUIET_SECONDS = 3.0
"""Long enough for the reminder check (every second here) to run twice."""


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=JAKARTA)


def next_christmas_on_a_weekday() -> date:
    """Natal on a weekday still to come: a day the office would open but for the holiday."""
    today = datetime.now(JAKARTA).date()
    christmas = date(today.year, 12, 25)
    while christmas <= today or christmas.isoweekday() > 5:
        christmas = date(christmas.year + 1, 12, 25)
    return christmas


def working_day_after(day: date) -> date:
    """The next weekday that is neither a public holiday nor cuti bersama, by the calendar."""
    day += timedelta(days=1)
    while day.isoweekday() > 5 or day in DAYS_OFF:
        day += timedelta(days=1)
    return day


def text_of(record: SentRecord) -> str:
    return record.plain_text or ""


def reminder(saying: str) -> Callable[[SentRecord], bool]:
    """Matches a reminder (not, say, a card showing the same status) that says this."""
    return lambda record: text_of(record).startswith("⏰") and saying in text_of(record)


async def reminders_within(standin: BotApiStandIn, seconds: float) -> list[SentRecord]:
    """The reminders the bot sends anywhere in the next ``seconds``."""
    mark = len(standin.sent)
    await asyncio.sleep(seconds)
    return [record for record in standin.sent[mark:] if text_of(record).startswith("⏰")]


@pytest.fixture
async def clock(tmp_path: Path) -> QueueClock:
    return QueueClock(tmp_path / "queue_clock")


@pytest.fixture
async def reminding_bot(
    standin: BotApiStandIn, bot_env: dict[str, str], tmp_path: Path, clock: QueueClock
) -> AsyncIterator[BotProcess]:
    """Default office hours (Senin–Jumat 08.00–16.00 WIB, holidays off), reminders due at once,
    at most one an hour per ticket; the bot's queue clock on Natal, 10.00."""
    queue = {
        "remind_unclaimed_minutes": 0,
        "remind_unanswered_minutes": 0,
        "remind_group_after_minutes": 30,
        "remind_every_minutes": 60,
        "auto_close_days": 3650,  # the clock is ahead: nothing is idle for that long
        "release_silent_owner_minutes": 0,  # nor would an owner keep a ticket (never here)
    }
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"queue": queue}), encoding="utf-8")
    clock.set(at(next_christmas_on_a_weekday(), 10))
    env = {**bot_env, **clock.env, "TANYA_NETRAL_CONFIG": str(config)}
    process = BotProcess(standin, tmp_path / "bot.log", **env)
    await process.start()
    try:
        yield process
    finally:
        assert process.stop() == 0, process.log_tail()


async def open_case(standin: BotApiStandIn, asn: FakeUser) -> tuple[SentRecord, int]:
    """The ASN hands a case to the consultants: its card, and the ticket's number."""
    mark = len(standin.sent)
    await hand_case_over(standin, asn, CASE)
    [card] = await standin.wait_for_sent(
        lambda r: "bawaslu" in text_of(r), chat_id=STAFF_CHAT_ID, since=mark
    )
    return card, int(text_of(card).split("Tiket ")[1].split()[0])


async def test_reminders_wait_for_office_hours_go_to_the_owner_first_and_come_once_a_period(
    standin: BotApiStandIn, reminding_bot: BotProcess, clock: QueueClock
) -> None:
    christmas = next_christmas_on_a_weekday()
    first_day = working_day_after(christmas)
    second_day = working_day_after(first_day)
    # Andi has written to the bot privately, so it can remind him there; Budi never has.
    mark = len(standin.sent)
    await standin.send_text(ANDI, "/antrian")
    await standin.wait_for_sent(chat_id=ANDI.id, since=mark)

    # Natal: the ASN is told the next working day; nobody is reminded of the waiting ticket.
    mark = len(standin.sent)
    card, n = await open_case(standin, ASN)
    [notice] = await standin.wait_for_sent(
        lambda r: "jam layanan" in text_of(r), chat_id=ASN.id, since=mark
    )
    hours = OfficeHours.from_settings(QueueSettings())
    expected = hours.describe_opening(at(first_day, 8), at(christmas, 10))
    assert expected in text_of(notice), (expected, text_of(notice))
    assert await reminders_within(standin, QUIET_SECONDS) == []

    # The next working day: the group is reminded of the unclaimed ticket, once.
    clock.set(at(first_day, 9))
    [unclaimed] = await standin.wait_for_sent(reminder("belum diambil"), chat_id=STAFF_CHAT_ID)
    assert f"Tiket {n}" in text_of(unclaimed)
    assert await reminders_within(standin, QUIET_SECONDS) == []

    # Andi claims it: the next reminder goes to him alone, privately.
    mark = len(standin.sent)
    await standin.press_button(ANDI, card, f"tiket:ambil:{n}")
    [private] = await standin.wait_for_sent(reminder(""), chat_id=ANDI.id, since=mark)
    assert f"Tiket {n} yang Anda ambil" in text_of(private) and f"/jawab {n}" in text_of(private)
    assert await reminders_within(standin, QUIET_SECONDS) == []
    # 45 minutes on: within the period; after closing time: closed.
    clock.set(at(first_day, 9, 45))
    assert await reminders_within(standin, QUIET_SECONDS) == []
    clock.set(at(first_day, 16, 30))
    assert await reminders_within(standin, QUIET_SECONDS) == []

    # The working day after: Andi still has not answered, so the group is reminded, once.
    clock.set(at(second_day, 8, 30))
    [group] = await standin.wait_for_sent(
        reminder("belum dijawab"), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert f"Tiket {n}" in text_of(group) and "meski sudah diingatkan" in text_of(group)
    assert await reminders_within(standin, QUIET_SECONDS) == []
    assert [r for r in standin.sent_to(ANDI.id) if text_of(r).startswith("⏰")] == [private]

    # Andi answers from his private chat: no more reminders of it.
    mark = len(standin.sent)
    await standin.send_text(ANDI, f"/jawab {n} Baik Bu, kami pelajari kasusnya.")
    await standin.wait_for_sent(lambda r: "kami pelajari" in text_of(r), chat_id=ASN.id)
    clock.set(at(second_day, 11))
    assert await reminders_within(standin, QUIET_SECONDS) == []

    # Budi claims a ticket but has never written to the bot: the group hears at once.
    card_2, n_2 = await open_case(standin, ASN_2)
    await standin.wait_for_sent(reminder(f"Tiket {n_2} belum diambil"), chat_id=STAFF_CHAT_ID)
    mark = len(standin.sent)
    await standin.press_button(BUDI, card_2, f"tiket:ambil:{n_2}")
    [fallback] = await standin.wait_for_sent(
        reminder("belum dijawab"), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert f"Tiket {n_2}" in text_of(fallback)
    assert "pengingat pribadi kepada Budi Konsultan" in text_of(fallback)
    assert standin.sent_to(BUDI.id) == []

    # Andi has blocked the bot since: Telegram refuses the private reminder; the group gets it.
    standin.block(ANDI.id)
    card_3, n_3 = await open_case(standin, ASN_3)
    await standin.wait_for_sent(reminder(f"Tiket {n_3} belum diambil"), chat_id=STAFF_CHAT_ID)
    mark = len(standin.sent)
    await standin.press_button(ANDI, card_3, f"tiket:ambil:{n_3}")
    [refused] = await standin.wait_for_sent(
        reminder("belum dijawab"), chat_id=STAFF_CHAT_ID, since=mark
    )
    assert f"Tiket {n_3}" in text_of(refused)
    assert "pengingat pribadi kepada Andi Konsultan" in text_of(refused)
    assert [r for r in standin.sent_to(ANDI.id) if text_of(r).startswith("⏰")] == [private]
