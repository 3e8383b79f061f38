"""Staff-facing texts of the queue (Telegram HTML); every user-supplied string is escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.storage import EscalationReason, Message, Ticket, TicketStatistics, TicketStatus, User

REASON_LABELS = {
    EscalationReason.KONSULTASI_KASUS: "kasus pribadi",
    EscalationReason.MINTA_KONSULTAN: "minta konsultan",
    EscalationReason.TOMBOL_KONSULTAN: "tombol konsultan",
    EscalationReason.CLARIFY_DITOLAK: "klarifikasi ditolak",
    EscalationReason.NLU_TIDAK_TERSEDIA: "NLU tidak tersedia",
}
STATUS_ICONS = {TicketStatus.BARU: "🆕", TicketStatus.DIAMBIL: "👤", TicketStatus.SELESAI: "✅"}
LINE_LIMIT = 300
TELEGRAM_LIMIT = 4000
_TAG = re.compile(r"<[^>]+>")


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
    return html.unescape(_TAG.sub("", text or "")).strip()


def shorten(text: str, limit: int = LINE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def user_label(user: User | None) -> str:
    """The pseudonym, plus the name only when the user agreed to share it (unescaped)."""
    if user is None:
        return "(pengguna terhapus)"
    if user.share_name and user.first_name:
        handle = f" @{user.username}" if user.username else ""
        return f"{user.first_name}{handle} ({user.pseudonym})"
    return user.pseudonym


def status_line(ticket: Ticket) -> str:
    icon = STATUS_ICONS[ticket.status]
    if ticket.status == TicketStatus.BARU:
        return f"{icon} <b>baru</b> — belum diambil"
    if ticket.status == TicketStatus.DIAMBIL:
        return f"{icon} <b>diambil</b> oleh {html.escape(ticket.consultant_name or '?')}"
    closer = f" ({ticket.closed_by.value})" if ticket.closed_by else ""
    return f"{icon} <b>selesai</b>{closer}"


def local_stamp(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local.day:02d}/{local.month:02d} {local.hour:02d}.{local.minute:02d}"


def message_line(message: Message) -> str:
    """One logged message as a history line: who, what (escaped, shortened)."""
    from_bot = message.direction == "out" and message.action != "konsultan"
    who = "🤖" if from_bot else ("👤" if message.direction == "in" else "🧑‍⚖️")
    # Only the bot's own messages are stored as HTML; people's texts are stored as written.
    body = shorten(plain_text(message.text) if from_bot else (message.text or "").strip())
    if message.kind != "text":
        body = f"[{message.kind}] {body}".strip()
    return f"{who} {html.escape(body or '(kosong)')}"


def ticket_card(
    ticket: Ticket,
    *,
    who: str,
    topic: str,
    history: Sequence[Message],
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """The ticket's card in the staff group."""
    lines = [
        f"{STATUS_ICONS[ticket.status]} <b>Tiket {ticket.id}</b> · "
        f"{html.escape(REASON_LABELS.get(ticket.reason, str(ticket.reason)))} · "
        f"topik: {html.escape(topic)}",
        f"Status: {status_line(ticket)}",
        f"Pengguna: {html.escape(who)}",
        f"Dibuka: {local_stamp(ticket.created_at, zone)} · menunggu "
        f"{format_waiting(now - ticket.created_at)}",
        "",
        "<b>Pertanyaan:</b>",
        f"<blockquote>{html.escape(shorten(ticket.question or '(tanpa teks)', 1500))}</blockquote>",
    ]
    if history:
        lines.append("<b>Percakapan terakhir:</b>")
        lines += [message_line(message) for message in history]
    if ticket.status != TicketStatus.SELESAI:
        lines += ["", "<i>Balas kartu ini (atau pesan yang diteruskan) untuk menjawab.</i>"]
    return "\n".join(lines)


def queue_listing(entries: Sequence[tuple[Ticket, str]], *, now: datetime) -> str:
    """/antrian: open tickets, oldest first, with waiting time."""
    if not entries:
        return "📭 Antrian kosong: tidak ada tiket terbuka."
    lines = [f"📋 <b>Antrian</b> — {len(entries)} tiket terbuka (terlama dulu)"]
    for ticket, who in entries:
        lines.append(
            f"{STATUS_ICONS[ticket.status]} <b>{ticket.id}</b> · {html.escape(who)} · menunggu "
            f"{format_waiting(now - ticket.created_at)} · {status_line(ticket)}\n"
            f"    {html.escape(shorten(ticket.question or '(tanpa teks)', 120))}"
        )
    return "\n".join(lines)


def ticket_history(
    ticket: Ticket, *, who: str, messages: Sequence[Message], zone: ZoneInfo
) -> list[str]:
    """/tiket N: the whole history, split into Telegram-sized parts."""
    head = [
        f"🗂 <b>Tiket {ticket.id}</b> · {html.escape(who)} · {status_line(ticket)}",
        f"Dibuka {local_stamp(ticket.created_at, zone)}"
        + (f" · dinilai {ticket.rating}/5" if ticket.rating else ""),
    ]
    if ticket.rating_comment:
        head.append(f"Komentar: {html.escape(shorten(ticket.rating_comment))}")
    body = [f"{local_stamp(m.created_at, zone)} {message_line(m)}" for m in messages]
    return split_lines([*head, "", *(body or ["(belum ada pesan)"])])


def split_lines(lines: Sequence[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join lines into messages of at most ``limit`` characters (lines are never split)."""
    parts: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            parts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts


def statistics_report(stats: TicketStatistics) -> str:
    """/statistik: tickets by status and topic, median time to first reply, average rating."""
    status = " · ".join(f"{s.value} {n}" for s, n in stats.by_status.items())
    topics = ", ".join(
        f"{html.escape(t or '(tanpa topik)')} {n}" for t, n in stats.by_topic.items()
    )
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
            f"Topik: {topics or '-'}",
            f"Median waktu sampai balasan pertama: {median}",
            f"Rata-rata penilaian: {rating}",
        ]
    )
