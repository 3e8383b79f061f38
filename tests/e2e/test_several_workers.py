"""Two bot workers and two Rasa replicas on PostgreSQL, behind a round-robin proxy (issue #20).

200 ASN send three questions each, on three topics, all at once; 4 more ask for a lawyer before
anyone else and take the offer to hand their case over (a ticket each). The stand-in delivers
them like Telegram (chats in parallel, a chat's next update only after its previous one got a
2xx, again after a failure) to a proxy that spreads them over two workers in webhook mode. Once
a third of the replies are out and a ticket was reminded, one worker and one Rasa replica are
SIGKILLed. Then every question is handled (answered, or relayed to its chat's ticket), exactly
once but for the updates the killed worker had in hand, and each chat's replies come in the
order of its questions; every ticket gets one reminder in the staff group, though both workers
run the reminder job every second; no worker logs a traceback.

The killed worker's updates are taken up by the other once their lease (``HANDLING_LEASE``,
60 s) has run out, so the test takes a minute more than the burst: about two minutes in all
on two cores. ``pytest -s`` prints the run's figures.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.intake import HANDLING_LEASE
from bot.nlu.rasa_server import RasaProcess, free_port
from bot.nlu.training import train_model
from bot.storage import ProcessedUpdate, Ticket, create_engine, create_session_factory
from tests.e2e.bot_process import BotProcess
from tests.e2e.conftest import CONSULTANT_IDS, STAFF_CHAT_ID
from tests.e2e.load_balancer import LoadBalancer
from tests.storage.conftest import fresh_postgres_database
from tests.telegram_standin import BotApiStandIn, FakeUser, SentRecord

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.rasa]

CHATS = 200
FIRST_USER = 40_000
KILL_AFTER_REPLIES = CHATS  # a third of the 600
RASA_READY_SECONDS = 240.0
RECOVERY_SECONDS = HANDLING_LEASE.total_seconds() + 150.0  # staff group: 20 messages a minute
WEBHOOK_SECRET = "several-workers-secret-0123456789ab"
ESCALATION = "saya mau konsultasi dengan pengacara LKBH"
LAWYER_CHATS = 4  # more chats that only ask for a lawyer, first of all: tickets to remind
PARSES_IN_FLIGHT = 4  # rasa.parses_in_flight, per replica
BREAKER_PAUSE_SECONDS = 15.0  # rasa.breaker_pause_seconds
TOPICS: tuple[tuple[str, tuple[str, str]], ...] = (  # intent, two phrasings it answers
    ("media_sosial", ("bolehkah pns like postingan capres di ig?", "boleh komen di ig paslon")),
    (
        "atribut_kampanye",
        ("pns boleh pasang spanduk caleg di rumah?", "asn pake kaos paslon boleh ga"),
    ),
    ("hak_pilih", ("pns boleh nyoblos gak sih", "asn punya hak pilih ga?")),
    ("penyelenggara_pemilu", ("apakah asn boleh jadi anggota kpps?", "pns boleh jd kpps ga?")),
    ("partai_politik", ("pns boleh jadi anggota partai?", "asn boleh punya kta partai ga")),
    ("mencalonkan_diri", ("pns mau nyaleg hrs resign ga?", "asn nyalon bupati kapan hrs mundur")),
    ("foto_bersama_calon", ("pns boleh foto bareng caleg?", "asn foto sama capres kena ga")),
    (
        "fasilitas_negara",
        ("mobil dinas dipake antar caleg boleh?", "pns pake motor dinas ke kampanye"),
    ),
    ("sanksi", ("sanksi asn gak netral apa aja?", "hukuman disiplin pns ada brp tingkat")),
    ("pelaporan", ("lapor asn ga netral kemana?", "cara lapor pns kampanye gmn")),
    ("jadwal_pemilu", ("pemilu 2024 tgl brp?", "pilkada serentak kapan")),
    ("kampanye", ("pns boleh ikut kampanye capres?", "asn boleh datang ke kampanye akbar?")),
    (
        "dukungan_ktp",
        (
            "pns boleh kasih fotokopi ktp ke calon independen?",
            "asn kasih ktp ke calon perseorangan",
        ),
    ),
)
REMINDER = re.compile(r"Tiket (\d+) belum diambil")


@dataclass(frozen=True)
class Question:
    text: str
    intent: str | None  # None: a request for a lawyer (a ticket)


@dataclass
class Asked:
    """A question as sent: the update that carried it."""

    question: Question
    update_id: int
    message_id: int


@dataclass
class ChatOutcome:
    """How the bot handled one chat's questions, read from what it sent."""

    handled: list[int]  # per question: replies to it (or relays of it to the staff)
    nlu_unavailable: int = 0  # questions answered "NLU unavailable" (a ticket) instead
    strays: list[str] = field(default_factory=list)  # replies matching no question in order

    @property
    def complete(self) -> bool:
        return all(self.handled)


def questions_of(n: int) -> list[Question]:
    """Chat n's three questions, on three different topics."""
    phrasing = (n // len(TOPICS)) % 2
    picked = [TOPICS[(n + step) % len(TOPICS)] for step in (0, 4, 8)]
    return [Question(phrasings[phrasing], intent) for intent, phrasings in picked]


def events_by_chat(sent: list[SentRecord]) -> dict[int, list[str]]:
    """What the bot sent about each chat, in order: its messages there, its relays to the staff."""
    events: dict[int, list[str]] = {}
    for record in sent:
        if record.method == "copyMessage":
            chat_id = int(record.params.get("from_chat_id", 0))
            events.setdefault(chat_id, []).append(f"relay:{record.params.get('message_id')}")
        elif record.method == "sendMessage" and record.chat_id > 0:
            kind = _kind(record)
            if kind is not None:
                events.setdefault(record.chat_id, []).append(kind)
    return events


def _kind(record: SentRecord) -> str | None:
    """What a message to a user is; None for the after-hours notice (hours end at 23:59)."""
    text = record.plain_text or ""
    feedback = [data for data in record.callback_data if data.startswith("umpan:ya:")]
    if feedback:
        return f"answer:{feedback[0].removeprefix('umpan:ya:')}"
    if any(data.startswith("kasus:ya:") for data in record.callback_data):
        return "ticket"  # the offer to hand the case over: the reply to the request
    if any(data.startswith("isian:") for data in record.callback_data):
        return None  # the intake after [Ya, teruskan]: a reply to the press, not a question
    if "layanan yang memahami pesan sedang tidak tersedia" in text:
        return "nlu_unavailable"
    if "diteruskan ke" in text:  # to the consultants, or to the ticket already open
        return "ticket"
    if "di luar jam layanan" in text:
        return None
    return f"other:{text[:60]}"


def outcome_of(asked: list[Asked], events: list[str]) -> ChatOutcome:
    """Match what the bot sent about a chat to its questions, in order.

    Each event is a reply to the question before it or to the next one: one that fits it (the
    topic's answer, a ticket's acknowledgement, "NLU unavailable", the relay of that very
    message). Of the ways to read the events so, the one that handles the most questions,
    then with the fewest strays (replies out of order or to nothing asked), then the fewest
    repeats, wins: "NLU unavailable" right after an answer may be a repeat of that question
    (handled again after the kill) or the reply to the next.
    """
    best: tuple[tuple[int, int, int], list[int], list[str]] | None = None

    def walk(index: int, current: int, handled: list[int], strays: list[str]) -> None:
        nonlocal best
        if index == len(events):
            repeats = sum(count - 1 for count in handled if count > 1)
            score = (sum(1 for count in handled if count), -len(strays), -repeats)
            if best is None or score > best[0]:
                best = (score, list(handled), list(strays))
            return
        kind, fitted = events[index], False
        for target in (current, current + 1):
            if 0 <= target < len(asked) and _fits(kind, asked[target]):
                fitted = True
                handled[target] += 1
                walk(index + 1, target, handled, strays)
                handled[target] -= 1
        if not fitted:
            walk(index + 1, current, handled, [*strays, kind])

    walk(0, -1, [0] * len(asked), [])
    assert best is not None
    return ChatOutcome(
        handled=best[1],
        nlu_unavailable=events.count("nlu_unavailable"),
        strays=best[2],
    )


def _fits(kind: str, asked: Asked) -> bool:
    if kind in (f"relay:{asked.message_id}", "nlu_unavailable"):
        return True
    if asked.question.intent is None:
        return kind == "ticket"
    return kind == f"answer:{asked.question.intent}"


async def take_offers(standin: BotApiStandIn, chats: set[int]) -> None:
    """Press [Ya, teruskan] under each offer to hand a case over in these chats, as their ASN
    would (until cancelled); the tickets open then."""
    pressed: set[tuple[int, int | None]] = set()
    while True:
        for record in list(standin.sent):
            forward = [data for data in record.callback_data if data.startswith("kasus:ya:")]
            seen = (record.chat_id, record.message_id)
            if forward and record.chat_id in chats and seen not in pressed:
                pressed.add(seen)
                await standin.press_button(record.chat_id, record, forward[0])
        await asyncio.sleep(0.2)


async def ticket_ids(sessions: async_sessionmaker[AsyncSession]) -> set[int]:
    async with sessions() as session:
        return set(await session.scalars(select(Ticket.id)))


def reminders(standin: BotApiStandIn) -> Counter[int]:
    """Reminders of unclaimed tickets posted in the staff group, per ticket number."""
    found: Counter[int] = Counter()
    for record in standin.sent_to(STAFF_CHAT_ID):
        match = REMINDER.search(record.plain_text or "")
        if match and record.method == "sendMessage":
            found[int(match.group(1))] += 1
    return found


def waiting_report(
    outcomes: dict[int, ChatOutcome],
    tickets: set[int],
    reminded: Counter[int],
    survivor: BotProcess,
) -> str:
    """What is still missing when the wait runs out, and the survivor's warnings."""
    missing = {c: (o.handled, o.strays) for c, o in outcomes.items() if not o.complete}
    log = survivor.log_path.read_text(errors="replace").splitlines()
    warnings = [line for line in log if " INFO " not in line][-40:]
    return (
        f"{len(missing)} chats not fully handled (questions handled, strays: "
        f"{dict(list(missing.items())[:10])}); tickets not reminded "
        f"{sorted(tickets - set(reminded))}; the survivor's last warnings:\n" + "\n".join(warnings)
    )


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for this test, created through TEST_DATABASE_URL."""
    async with fresh_postgres_database(
        "TEST_DATABASE_URL not set: several workers need PostgreSQL"
    ) as url:
        yield url


@pytest.fixture
def rasa_replicas() -> Iterator[list[RasaProcess]]:
    """Two Rasa servers with the same model and token, started (not yet ready)."""
    model = train_model().model_path
    replicas = [RasaProcess(model), RasaProcess(model)]
    replicas[1].auth_token = replicas[0].auth_token  # RASA_AUTH_TOKEN is one for all
    try:
        for replica in replicas:
            replica.start()
        yield replicas
    finally:
        for replica in replicas:
            replica.stop()


def kill_replica(replica: RasaProcess) -> None:
    """SIGKILL a Rasa server's process group: nothing of it runs on."""
    assert replica.pid is not None
    os.killpg(replica.pid, signal.SIGKILL)


def worker_config(path: Path) -> Path:
    """Short queue thresholds, office hours always open, the NLU limits the bounds rely on."""
    settings = {
        "queue": {
            "remind_unclaimed_minutes": 0,  # at once: the job then runs every second
            "remind_unanswered_minutes": 120,
            "remind_every_minutes": 60,  # so one reminder per ticket in this test
            "office_days": [1, 2, 3, 4, 5, 6, 7],
            "office_hours_start": "00:00",
            "office_hours_end": "23:59",
            "holidays": [],
        },
        "rasa": {
            "parses_in_flight": PARSES_IN_FLIGHT,
            "breaker_pause_seconds": BREAKER_PAUSE_SECONDS,
        },
    }
    path.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return path


async def test_two_workers_and_two_replicas_lose_nothing_when_one_of_each_is_killed(
    standin: BotApiStandIn,
    postgres_url: str,
    rasa_replicas: list[RasaProcess],
    tmp_path: Path,
) -> None:
    ports = [free_port(), free_port()]
    proxy = LoadBalancer([f"http://127.0.0.1:{port}" for port in ports])
    await proxy.start()
    env = {
        "BOT_MODE": "webhook",
        "WEBHOOK_URL": f"{proxy.url}/telegram",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "RASA_URL": ",".join(replica.url for replica in rasa_replicas),
        "RASA_AUTH_TOKEN": rasa_replicas[0].auth_token,
        "DATABASE_URL": postgres_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT_ID),
        "CONSULTANT_IDS": ",".join(map(str, CONSULTANT_IDS)),
        "TANYA_NETRAL_CONFIG": str(worker_config(tmp_path / "config.yml")),
    }
    workers = [
        BotProcess(standin, tmp_path / f"worker-{i}.log", **env, WEBHOOK_PORT=str(port))
        for i, port in enumerate(ports)
    ]
    killed, survivor = workers
    questions = {FIRST_USER - 1 - n: [Question(ESCALATION, None)] for n in range(LAWYER_CHATS)}
    questions |= {FIRST_USER + n: questions_of(n) for n in range(CHATS)}
    sending: list[asyncio.Task[dict[str, Any]]] = []
    pressing: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    engine = create_engine(postgres_url)
    sessions = create_session_factory(engine)
    try:
        for worker in workers:  # one after the other: each is ready once it set the webhook
            await worker.start(ready_method="setWebhook")
        for replica in rasa_replicas:
            await replica.wait_ready(timeout=RASA_READY_SECONDS)

        for chat_id in questions:
            standin.add_user(FakeUser(chat_id, first_name=f"Asn{chat_id}"))
        sends = [  # all at once: update ids, and so the order of delivery, follow this order
            (chat_id, question)
            for round_ in range(3)
            for chat_id, asked in questions.items()
            for question in asked[round_ : round_ + 1]
        ]
        # First the requests for a lawyer: each ASN takes the offer, and their tickets open
        # before the burst (the reminder job of both workers then runs on them throughout).
        started = time.monotonic()
        sending = [
            asyncio.create_task(standin.send_text(c, q.text)) for c, q in sends[:LAWYER_CHATS]
        ]
        pressing = asyncio.create_task(take_offers(standin, set(list(questions)[:LAWYER_CHATS])))
        while len(await ticket_ids(sessions)) < LAWYER_CHATS:
            assert time.monotonic() - started < 60, "the lawyer requests opened no tickets"
            await asyncio.sleep(0.2)
        sending += [
            asyncio.create_task(standin.send_text(c, q.text)) for c, q in sends[LAWYER_CHATS:]
        ]

        # The kill: once a third of the replies are out and a ticket was reminded (both
        # workers were running the reminder job on the first tickets).
        await standin.wait_for_sent(
            lambda r: r.chat_id in questions, count=KILL_AFTER_REPLIES, timeout=120
        )
        await standin.wait_for_sent(
            lambda r: bool(REMINDER.search(r.plain_text or "")), chat_id=STAFF_CHAT_ID, timeout=60
        )
        answered_before_kill = [sum(u.answered.values()) for u in proxy.upstreams]
        in_hand_at_kill = set(proxy.upstreams[0].in_hand)  # sent to it, not yet answered
        killed.kill()
        kill_replica(rasa_replicas[0])
        killed_at = time.monotonic()
        replies_at_kill = sum(1 for r in standin.sent if r.chat_id in questions)
        reminded_at_kill = len(reminders(standin))

        updates = await asyncio.wait_for(asyncio.gather(*sending), RECOVERY_SECONDS)
        asked_of: dict[int, list[Asked]] = {chat_id: [] for chat_id in questions}
        for (chat_id, question), update in zip(sends, updates, strict=True):
            asked_of[chat_id].append(
                Asked(question, update["update_id"], update["message"]["message_id"])
            )

        deadline = killed_at + RECOVERY_SECONDS
        while True:  # every question handled, every ticket reminded
            events = events_by_chat(standin.sent)
            outcomes = {c: outcome_of(a, events.get(c, [])) for c, a in asked_of.items()}
            tickets = await ticket_ids(sessions)
            if all(o.complete for o in outcomes.values()) and tickets <= set(reminders(standin)):
                break
            assert time.monotonic() < deadline, waiting_report(
                outcomes, tickets, reminders(standin), survivor
            )
            await asyncio.sleep(0.5)
        recovered_at = time.monotonic()
        await asyncio.sleep(3.0)  # three more runs of the reminder job: no reminder again
        async with sessions() as session:
            unfinished = await session.scalar(
                select(func.count())
                .select_from(ProcessedUpdate)
                .where(ProcessedUpdate.completed_at.is_(None))
            )
    finally:
        for task in [*sending, pressing]:
            task.cancel()
        try:
            survivor_exit = survivor.stop(timeout=60)
        finally:
            killed.kill()
            await proxy.stop()
            await engine.dispose()

    events = events_by_chat(standin.sent)
    outcomes = {c: outcome_of(a, events.get(c, [])) for c, a in asked_of.items()}
    repeated = [  # update ids handled more than once
        asked.update_id
        for chat_id, outcome in outcomes.items()
        for asked, times in zip(asked_of[chat_id], outcome.handled, strict=True)
        for _ in range(times - 1)
    ]
    nlu_unavailable = sum(o.nlu_unavailable for o in outcomes.values())
    reminded = reminders(standin)
    summary = (
        f"{len(sends)} questions; {replies_at_kill} replies before the kill "
        f"({killed_at - started:.1f} s after the first question), answered by the workers "
        f"{answered_before_kill}; {len(in_hand_at_kill)} updates in the killed worker's hands; "
        f"handled twice {repeated}; {nlu_unavailable} answered 'NLU unavailable'; tickets "
        f"{sorted(tickets)}; reminders {dict(reminded)}, {reminded_at_kill} before the kill; "
        f"all handled {recovered_at - killed_at:.1f} s after the kill; proxy: "
        + ", ".join(
            f"{u.url} {dict(u.answered)} refused {u.refused} dropped {u.dropped}"
            for u in proxy.upstreams
        )
        + f", no worker {proxy.bad_gateway}; the stand-in's POSTs by status (0: no answer) "
        f"{dict(Counter(d.status for d in standin.webhook_deliveries))}"
    )
    print(summary)  # the run's figures (pytest -s)

    assert survivor_exit == 0, survivor.log_tail()
    assert all(answered_before_kill) and in_hand_at_kill, summary  # both worked; one died busy
    strays = {c: o.strays for c, o in outcomes.items() if o.strays}
    assert not strays, f"replies out of order or to nothing asked: {strays}\n{summary}"
    # Exactly once, but for the updates the killed worker had in hand: it may have sent the
    # reply before it died, and the other worker handles the update again after the lease.
    assert set(repeated) <= in_hand_at_kill, summary
    assert len(repeated) == len(set(repeated)), summary  # at most twice
    assert unfinished == 0, summary
    # One reminder per ticket, though both workers check every second (remind_every 60 min);
    # the staff outbox delivers at least once, so the one the killed worker had posted but not
    # yet marked sent may come again from the other after its lease.
    assert set(reminded) == tickets, summary
    assert sum(reminded.values()) - len(reminded) <= 1, summary
    assert len(tickets) >= LAWYER_CHATS, summary
    # A parse lost with the killed replica is tried on the other one: no question goes to a
    # consultant for want of an NLU while a replica answers.
    assert nlu_unavailable == 0, summary
    for worker in workers:
        log = worker.log_path.read_text(errors="replace")
        assert "Traceback" not in log, f"{worker.log_path.name}:\n{worker.log_tail(120)}"
