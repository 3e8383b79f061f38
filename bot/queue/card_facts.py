"""The lines of a ticket's card and of /tiket that help a consultant decide (Telegram HTML):
the question that opened it and what the assistant read in it, the intake, a pending
hand-over and the same ASN's earlier tickets. User-supplied strings are shortened, then
escaped."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from bot.intents import Action
from bot.queue.deadlines import MONTH_LABELS
from bot.queue.office_hours import DAY_NAMES
from bot.storage import Message, Ticket
from bot.storage.ticket_facts import TicketFacts
from bot.telegram_text import shorten

TopicOf = Callable[[str | None], str]
"""A topic's title as consultants read it (``bot.queue.topics.topic_title``)."""

READING_OUTCOMES = {
    Action.ANSWER.value: "asisten sudah menjawabnya",
    Action.CLARIFY.value: "asisten meminta ASN memilih topik",
    Action.FALLBACK.value: "asisten menganggapnya di luar topik",
}
"""What the assistant did with the question, when it did not hand it over at once."""
ERASED_QUESTION = "(dihapus atas permintaan pengguna)"
NO_QUESTION = "(tanpa teks)"
AGENCY_LIMIT = 128
PERSON_LIMIT = 64


def short_date(day: date, today: date) -> str:
    """ "3 Nov", with the year when it is not this year's: "3 Nov 2025"."""
    text = f"{day.day} {MONTH_LABELS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def long_date(day: date) -> str:
    """ "Kamis, 12 Des 2026"."""
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {MONTH_LABELS[day.month - 1]} {day.year}"


def days_left(day: date, today: date) -> str:
    """ "hari ini", "besok", "2 hari lagi", "lewat 3 hari"."""
    days = (day - today).days
    if days == 0:
        return "hari ini"
    if days == 1:
        return "besok"
    return f"{days} hari lagi" if days > 0 else f"lewat {-days} hari"


def question_lines(ticket: Ticket, facts: TicketFacts, topic_of: TopicOf, limit: int) -> list[str]:
    """The question that opened the ticket (shortened to ``limit``), then what the assistant
    read in it."""
    erased = facts.user is not None and facts.user.data_deleted_at is not None
    question = ticket.question or (ERASED_QUESTION if erased else NO_QUESTION)
    lines = [
        "<b>Pertanyaan:</b>",
        f"<blockquote>{html.escape(shorten(question, limit))}</blockquote>",
    ]
    reading = reading_line(facts.reading, topic_of)
    return [*lines, reading] if reading else lines


def reading_line(reading: Message | None, topic_of: TopicOf) -> str | None:
    """ "🤖 Dibaca sebagai: Media sosial (yakin 82%); asisten sudah menjawabnya"; None when
    the question was not read (no reading stored, or the NLU was unavailable)."""
    if reading is None or reading.intent is None:
        return None
    line = f"🤖 Dibaca sebagai: <b>{html.escape(topic_of(reading.intent))}</b>"
    if reading.confidence is not None:
        line += f" (yakin {round(reading.confidence * 100)}%)"
    outcome = READING_OUTCOMES.get(reading.action or "")
    return f"{line}; {outcome}" if outcome else line


def decision_lines(
    ticket: Ticket, facts: TicketFacts, topic_of: TopicOf, today: date, zone: ZoneInfo
) -> list[str]:
    """The intake the ASN gave, a pending hand-over and the ASN's earlier tickets, each line
    only when there is something to show."""
    lines = []
    intake = []
    if ticket.employment is not None:
        intake.append(f"Kepegawaian: {ticket.employment.value.upper()}")
    if ticket.agency:
        intake.append(f"Instansi: {html.escape(shorten(ticket.agency, AGENCY_LIMIT))}")
    if intake:
        lines.append(" · ".join(intake))
    if ticket.deadline is not None:
        lines.append(
            f"⏰ Tenggat: <b>{long_date(ticket.deadline)}</b> ({days_left(ticket.deadline, today)})"
        )
    if ticket.transfer_to_name:
        name = html.escape(shorten(ticket.transfer_to_name, PERSON_LIMIT))
        lines.append(f"↪ Menunggu diterima oleh {name}")
    earlier = earlier_line(facts.earlier, topic_of, today, zone)
    return [*lines, earlier] if earlier else lines


def earlier_line(
    earlier: Sequence[Ticket], topic_of: TopicOf, today: date, zone: ZoneInfo
) -> str | None:
    """ "Tiket sebelumnya: #12 Media sosial (ditutup 3 Nov, ⭐4); #7 …"; None without any."""
    if not earlier:
        return None
    shown = []
    for ticket in earlier:
        if ticket.closed_at is not None:
            when = f"ditutup {short_date(ticket.closed_at.astimezone(zone).date(), today)}"
        else:
            when = f"dibuka {short_date(ticket.created_at.astimezone(zone).date(), today)}"
        rating = f", ⭐{ticket.rating}" if ticket.rating else ""
        shown.append(f"#{ticket.id} {html.escape(topic_of(ticket.topic))} ({when}{rating})")
    return "Tiket sebelumnya: " + "; ".join(shown)
