"""Staff-facing texts of the queue (Telegram HTML); every user-supplied string is shortened
to its limit in Telegram's units (``bot.telegram_text``), then escaped, and every message fits
Telegram's limit."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.queue.card_facts import TopicOf, decision_lines, question_lines
from bot.queue.deadlines import deadline_label
from bot.queue.office_hours import ZONE_LABELS
from bot.queue.topics import reason_phrase
from bot.storage import ClosedBy, Message, Ticket, TicketStatistics, TicketStatus, User
from bot.storage.models import TicketNote
from bot.storage.queue_pages import QueueEntry, QueueFilter, QueuePage
from bot.storage.ticket_facts import TicketFacts
from bot.telegram_text import (
    MESSAGE_LIMIT,
    TOPIC_NAME_LIMIT,
    leading_lines,
    shorten,
    split_html_lines,
    telegram_length,
    visible_text,
)

STATUS_ICONS = {TicketStatus.BARU: "🆕", TicketStatus.DIAMBIL: "🟡", TicketStatus.SELESAI: "✅"}
CLOSED_BY = {
    ClosedBy.KONSULTAN: "ditutup konsultan",
    ClosedBy.PENGGUNA: "ditutup ASN",
    ClosedBy.OTOMATIS: "ditutup otomatis",
}
LINE_LIMIT = 300
"""A history line's text, in UTF-16 units (as every limit here)."""
QUESTION_LIMIT = 1500
"""The question on a ticket's card."""
HISTORY_QUESTION_LIMIT = 3000
"""The question at the top of /tiket (whole, as a rule)."""
TOPIC_LABEL_LIMIT = 40
"""A topic's name in /antrian (knowledge-base titles are at most 28)."""
NAME_LIMIT = 64
"""A person's name (an ASN who shares it, a consultant)."""
TOPICS_LIMIT = 1000
"""The /statistik line of tickets by topic."""
NOTE_LIMIT = 3000
"""An internal note's text in /tiket (whole, as a rule: a line of its own message)."""
CARD_NOTE_LIMIT = 200
"""An internal note's text on the card."""
CARD_NOTES = 3
"""The newest internal notes a card shows."""
QUEUE_PAGE_SIZE = 10
"""Tickets on one page of /antrian: ten fit one message with the longest names and topics."""
FILTER_TITLES = {
    QueueFilter.SEMUA: "semua tiket terbuka",
    QueueFilter.SAYA: "diambil {viewer}",
    QueueFilter.BARU: "belum diambil",
    QueueFilter.MENUNGGU: "menunggu balasan",
}
"""The heading of each filter's page (HTML; ``viewer`` escaped)."""
FILTER_BUTTONS = {
    QueueFilter.SEMUA: "Semua",
    QueueFilter.SAYA: "Punya saya",
    QueueFilter.BARU: "Belum diambil",
    QueueFilter.MENUNGGU: "Menunggu balasan",
}
EMPTY_QUEUE = {
    QueueFilter.SEMUA: "📭 Antrian kosong: tidak ada tiket terbuka.",
    QueueFilter.SAYA: "📭 Tidak ada tiket terbuka yang Anda ambil.",
    QueueFilter.BARU: "📭 Semua tiket terbuka sudah diambil.",
    QueueFilter.MENUNGGU: "📭 Tidak ada ASN yang menunggu balasan.",
}
INDENT = "      "


def format_waiting(delta: timedelta) -> str:
    """A duration as staff read it: "kurang dari 1 menit", "2 jam 5 menit", "3 hari 4 jam"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 1:
        return "kurang dari 1 menit"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam" if hours else f"{days} hari"
    if hours:
        return f"{hours} jam {minutes} menit" if minutes else f"{hours} jam"
    return f"{minutes} menit"


def plain_text(text: str | None) -> str:
    """Stored text without HTML tags or entities (the bot's own messages are stored as HTML)."""
    return visible_text(text or "").strip()


def user_label(user: User | None) -> str:
    """The pseudonym, plus the name only when the user agreed to share it (unescaped)."""
    if user is None:
        return "(pengguna terhapus)"
    if user.share_name and user.first_name:
        handle = f" @{user.username}" if user.username else ""
        return f"{shorten(user.first_name, NAME_LIMIT)}{handle} ({user.pseudonym})"
    return user.pseudonym


def status_line(ticket: Ticket) -> str:
    """ "🆕 baru — belum diambil", "🟡 diambil oleh Budi", "✅ selesai — ditutup ASN · ⭐4"."""
    icon = STATUS_ICONS[ticket.status]
    if ticket.status == TicketStatus.BARU:
        return f"{icon} <b>baru</b> — belum diambil"
    if ticket.status == TicketStatus.DIAMBIL:
        owner = shorten(ticket.consultant_name or "?", NAME_LIMIT)
        return f"{icon} <b>diambil</b> oleh {html.escape(owner)}"
    closer = f" — {CLOSED_BY[ticket.closed_by]}" if ticket.closed_by else ""
    rating = f" · ⭐{ticket.rating}" if ticket.rating else ""
    return f"{icon} <b>selesai</b>{closer}{rating}"


def forum_topic_name(ticket: Ticket, title: str) -> str:
    """The ticket's forum topic as the group lists it: "🆕 Tiket 12 · Media sosial",
    "🟡 Tiket 12 · Media sosial · Budi", "✅ Tiket 12 · Media sosial"."""
    name = f"{STATUS_ICONS[ticket.status]} Tiket {ticket.id} · {title}"
    if ticket.status == TicketStatus.DIAMBIL and ticket.consultant_name:
        name += f" · {shorten(ticket.consultant_name, NAME_LIMIT)}"
    return shorten(name, TOPIC_NAME_LIMIT)


def local_stamp(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local.day:02d}/{local.month:02d} {local.hour:02d}.{local.minute:02d}"


def message_line(message: Message) -> str:
    """One logged message as a history line: who, what (escaped, shortened)."""
    from_bot = message.direction == "out" and message.action != "konsultan"
    who = "🤖" if from_bot else ("👤" if message.direction == "in" else "🧑‍⚖️")
    # Only the bot's own messages are stored as HTML; people's texts are stored as written.
    body = plain_text(message.text) if from_bot else (message.text or "").strip()
    body = shorten(body, LINE_LIMIT)
    if message.kind != "text":
        body = f"[{message.kind}] {body}".strip()
    return f"{who} {html.escape(body or '(kosong)')}"


def note_line(note: TicketNote, limit: int) -> str:
    """An internal note as a line for consultants: 📝, its author, its text (shortened)."""
    author = shorten(note.author_name or "konsultan", NAME_LIMIT)
    return (
        f"📝 <i>Catatan {html.escape(author)}:</i> {html.escape(shorten(note.text.strip(), limit))}"
    )


def ticket_card(
    ticket: Ticket,
    facts: TicketFacts,
    *,
    topic_of: TopicOf,
    history: Sequence[Message],
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """The ticket's card in the staff group, within one message: what helps decide on it, the
    question and its reading, the internal notes (shortened), then the newest of ``history``
    that fit, after a line pointing to /tiket when older ones are left out."""
    card = [
        f"{STATUS_ICONS[ticket.status]} <b>Tiket {ticket.id}</b> · "
        f"{html.escape(topic_of(ticket.topic))}",
        f"Status: {status_line(ticket)}",
        f"Pengguna: {html.escape(user_label(facts.user))}",
        f"Alasan: {html.escape(reason_phrase(ticket.reason))}",
        f"Dibuka: {local_stamp(ticket.created_at, zone)} · menunggu "
        f"{format_waiting(now - ticket.created_at)}",
        *decision_lines(ticket, facts, topic_of, now.astimezone(zone).date(), zone),
        "",
        *question_lines(ticket, facts, topic_of, QUESTION_LIMIT),
    ]
    if facts.notes:
        card += ["<b>Catatan internal</b> (tidak terlihat oleh ASN):"]
        card += [note_line(note, CARD_NOTE_LIMIT) for note in facts.notes]
    reply_hint = "<i>Balas kartu ini (atau pesan yang diteruskan) untuk menjawab.</i>"
    foot = ["", reply_hint] if ticket.status != TicketStatus.SELESAI else []
    if history:
        title = "<b>Percakapan terakhir:</b>"
        room = MESSAGE_LIMIT - telegram_length("\n".join([*card, title, *foot])) - 1
        card += [title, *newest_lines([message_line(m) for m in history], room, ticket.id)]
    return "\n".join([*card, *foot])


def newest_lines(lines: Sequence[str], room: int, ticket_id: int) -> list[str]:
    """The newest ``lines`` that fit in ``room`` units, after "…" when older ones are left out."""
    newest_first = list(reversed(lines))
    shown = leading_lines(newest_first, room)
    if len(shown) < len(lines):
        earlier = f"… (pesan sebelumnya: /tiket {ticket_id})"
        shown = [*leading_lines(newest_first, room - telegram_length(earlier) - 1), earlier]
    return shown[::-1]


def queue_listing(
    page: QueuePage,
    *,
    topic_of: Callable[[str | None], str],
    viewer: str,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """/antrian: one page of the filtered queue, with each ticket's waiting time as of ``now``;
    ``viewer`` is the consultant whose tickets "saya" means. At most ``QUEUE_PAGE_SIZE``
    tickets, which fit one message whatever their names."""
    counts, queue_filter = page.counts, page.queue_filter
    title = FILTER_TITLES[queue_filter].format(viewer=html.escape(shorten(viewer, NAME_LIMIT)))
    scope = f"{counts.of(queue_filter)} tiket"
    if queue_filter is not QueueFilter.SEMUA:
        scope += f" dari {counts.semua} terbuka"
    head = [
        f"📋 <b>Antrian · {title}</b>",
        f"Halaman {page.number}/{page.pages} · {scope} · diperbarui "
        f"{now.astimezone(zone):%H.%M} {ZONE_LABELS.get(zone.key, zone.key)}",
        "",
    ]
    if not page.entries:
        return "\n".join([*head, EMPTY_QUEUE[queue_filter]])
    return "\n".join([*head, *(queue_entry(entry, topic_of, now) for entry in page.entries)])


def queue_entry(entry: QueueEntry, topic_of: Callable[[str | None], str], now: datetime) -> str:
    """Two lines: number, topic and who; then the status, owner and waiting times."""
    ticket = entry.ticket
    topic = shorten(topic_of(ticket.topic), TOPIC_LABEL_LIMIT)
    head = (
        f"{STATUS_ICONS[ticket.status]} <b>{ticket.id}</b> · {html.escape(topic)} · "
        f"{html.escape(user_label(entry.user))}"
    )
    if ticket.deadline is not None:
        head += f" · <b>{deadline_label(ticket.deadline)}</b>"
    opened = format_waiting(now - ticket.created_at)
    if ticket.status == TicketStatus.BARU:
        return f"{head}\n{INDENT}belum diambil · menunggu {opened}"
    owner = html.escape(shorten(ticket.consultant_name or "?", NAME_LIMIT))
    since = entry.awaiting_reply_since
    answer = (
        f"⏳ <b>menunggu balasan {format_waiting(now - since)}</b>"
        if since is not None
        else "sudah dibalas"
    )
    return f"{head}\n{INDENT}diambil {owner} · {answer} · dibuka {opened} lalu"


def ticket_history(
    ticket: Ticket,
    facts: TicketFacts,
    *,
    topic_of: TopicOf,
    messages: Sequence[Message],
    now: datetime,
    zone: ZoneInfo,
) -> list[str]:
    """/tiket N, split into Telegram-sized parts: the question that opened the ticket and its
    reading, what helps decide on it, then the whole history with the internal notes among
    the messages by time."""
    head = [
        f"🗂 <b>Tiket {ticket.id}</b> · {html.escape(topic_of(ticket.topic))} · "
        f"{html.escape(user_label(facts.user))}",
        *question_lines(ticket, facts, topic_of, HISTORY_QUESTION_LIMIT),
        f"Status: {status_line(ticket)}",
        f"Alasan: {html.escape(reason_phrase(ticket.reason))}",
        f"Dibuka: {local_stamp(ticket.created_at, zone)}",
        *decision_lines(ticket, facts, topic_of, now.astimezone(zone).date(), zone),
    ]
    if ticket.rating_comment:
        head.append(f"Komentar: {html.escape(shorten(ticket.rating_comment, LINE_LIMIT))}")
    entries = [(m.created_at, message_line(m)) for m in messages]
    entries += [(n.created_at, note_line(n, NOTE_LIMIT)) for n in facts.notes]
    entries.sort(key=lambda entry: entry[0])  # stable: a message before a note of its time
    body = [f"{local_stamp(at, zone)} {line}" for at, line in entries]
    return split_html_lines([*head, "", *(body or ["(belum ada pesan)"])])


def statistics_report(stats: TicketStatistics, *, topic_of: TopicOf) -> str:
    """/statistik: tickets by status and topic, median time to first reply, average rating."""
    status = " · ".join(f"{s.value} {n}" for s, n in stats.by_status.items())
    topics = ", ".join(f"{topic_of(t)} {n}" for t, n in stats.by_topic.items())
    median = (
        format_waiting(timedelta(minutes=stats.median_minutes_to_first_reply))
        if stats.median_minutes_to_first_reply is not None
        else "-"
    )
    rating = (
        f"{stats.average_rating:.1f}".replace(".", ",") + f" dari 5 ({stats.rated_count} penilaian)"
        if stats.average_rating is not None
        else "belum ada penilaian"
    )
    return "\n".join(
        [
            "📊 <b>Statistik tiket</b>",
            f"Total: {stats.total}",
            f"Status: {status}",
            f"Topik: {html.escape(shorten(topics, TOPICS_LIMIT)) or '-'}",
            f"Median waktu sampai balasan pertama: {median}",
            f"Rata-rata penilaian: {rating}",
        ]
    )
