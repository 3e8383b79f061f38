"""Internal notes in the staff texts (issue 22): escaped, marked 📝 with their author, among
the messages by time in /tiket, the card within Telegram's limit (UTF-16 units) with the
longest notes, questions and histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.queue.formatting import CARD_NOTE_LIMIT, ticket_card, ticket_history
from bot.storage import EscalationReason, Message, MessageDirection, Ticket, TicketStatus
from bot.storage.models import TicketNote, User
from bot.storage.ticket_facts import TicketFacts
from bot.telegram_text import MESSAGE_LIMIT, telegram_length
from tests.telegram_standin.formatting import parse_html

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Jakarta")
STYLED = "𝐊" * 2500
"""5,000 UTF-16 units: longer than any message."""


def ticket(question: str = "foto caleg") -> Ticket:
    return Ticket(
        id=12,
        user_id=1,
        status=TicketStatus.DIAMBIL,
        reason=EscalationReason.KONSULTASI_KASUS,
        question=question,
        consultant_name="Andi",
        created_at=NOW - timedelta(hours=2),
    )


def facts(notes: list[TicketNote]) -> TicketFacts:
    asn = User(telegram_user_id=1, chat_id=1, pseudonym="ASN-7K2P")
    return TicketFacts(user=asn, reading=None, earlier=(), notes=tuple(notes))


def history_parts(messages: list[Message], notes: list[TicketNote]) -> list[str]:
    return ticket_history(
        ticket(), facts(notes), topic_of=str, messages=messages, now=NOW, zone=ZONE
    )


def note(text: str, minutes_ago: int, author: str | None = "Budi <K>") -> TicketNote:
    return TicketNote(
        ticket_id=12,
        author_id=7002,
        author_name=author,
        text=text,
        created_at=NOW - timedelta(minutes=minutes_ago),
    )


def message(text: str, minutes_ago: int) -> Message:
    return Message(
        direction=MessageDirection.IN,
        text=text,
        kind="text",
        created_at=NOW - timedelta(minutes=minutes_ago),
    )


def test_history_puts_notes_among_messages_by_time_escaped_and_marked() -> None:
    messages = [message("pertanyaan awal", 60), message("balasan ASN", 10)]
    notes = [note("cek <b>SK</b> & surat", 30), note("sudah ditelepon", 5, author=None)]
    [part] = history_parts(messages, notes)
    text, _ = parse_html(part)
    body = text.split("\n\n", 1)[1].splitlines()
    assert [line.split(" ", 2)[2] for line in body] == [
        "👤 pertanyaan awal",
        "📝 Catatan Budi <K>: cek <b>SK</b> & surat",
        "👤 balasan ASN",
        "📝 Catatan konsultan: sudah ditelepon",
    ]


def test_history_with_long_notes_fits_telegram_messages() -> None:
    notes = [note(STYLED, minutes) for minutes in (30, 20, 10)]
    parts = history_parts([], notes)
    assert len(parts) == 3
    assert all(telegram_length(part) <= MESSAGE_LIMIT for part in parts)


def test_card_shows_the_given_notes_shortened_within_one_message() -> None:
    notes = [note(STYLED, 30), note("<i>singkat</i>", 20), note(STYLED, 10)]
    history = [message(STYLED, minutes) for minutes in range(50, 0, -1)]
    card = ticket_card(
        ticket(question=STYLED),
        facts(notes),
        topic_of=str,
        history=history,
        now=NOW,
        zone=ZONE,
    )
    assert telegram_length(card) <= MESSAGE_LIMIT
    text, _ = parse_html(card)
    assert "Catatan internal (tidak terlihat oleh ASN):" in text
    assert "📝 Catatan Budi <K>: <i>singkat</i>" in text
    long_lines = [line for line in text.splitlines() if line.startswith("📝") and "𝐊" in line]
    assert len(long_lines) == 2
    assert all(line.endswith("…") and line.count("𝐊") * 2 < CARD_NOTE_LIMIT for line in long_lines)
    assert "Percakapan terakhir:" in text  # the history still has room
