"""Staff-facing texts of the queue: waiting times, cards, listings, statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.queue.formatting import (
    format_waiting,
    queue_listing,
    split_lines,
    statistics_report,
    ticket_card,
    user_label,
)
from bot.storage import (
    EscalationReason,
    Message,
    MessageDirection,
    Ticket,
    TicketStatistics,
    TicketStatus,
    User,
)

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Jakarta")


def ticket(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "id": 12,
        "user_id": 1,
        "status": TicketStatus.BARU,
        "reason": EscalationReason.KONSULTASI_KASUS,
        "question": "foto <b>caleg</b> & saya",
        "created_at": NOW - timedelta(minutes=95),
    }
    values.update(fields)
    return Ticket(**values)


def test_format_waiting() -> None:
    assert format_waiting(timedelta(seconds=20)) == "kurang dari 1 menit"
    assert format_waiting(timedelta(minutes=5)) == "5 menit"
    assert format_waiting(timedelta(minutes=125)) == "2 jam 5 menit"
    assert format_waiting(timedelta(days=3, hours=4)) == "3 hari 4 jam"
    assert format_waiting(timedelta(days=2)) == "2 hari"


def test_user_label_shows_the_name_only_with_consent() -> None:
    user = User(
        telegram_user_id=1, chat_id=1, first_name="Rina", username="rina", pseudonym="ASN-7K2P"
    )
    assert user_label(user) == "ASN-7K2P"
    user.share_name = True
    assert user_label(user) == "Rina @rina (ASN-7K2P)"
    assert user_label(None) == "(pengguna terhapus)"


def test_card_escapes_user_text_and_shows_status_history_and_waiting() -> None:
    history = [
        Message(direction=MessageDirection.IN, text="<script>x</script>", kind="text"),
        Message(direction=MessageDirection.OUT, text="<b>Jawaban</b> &amp; dasar", kind="text"),
        Message(direction=MessageDirection.IN, text=None, kind="photo"),
    ]
    card = ticket_card(
        ticket(status=TicketStatus.DIAMBIL, consultant_name="Andi <K>"),
        who="Rina <3",
        topic="Media sosial",
        history=history,
        now=NOW,
        zone=ZONE,
    )
    assert "<b>Tiket 12</b>" in card and "kasus pribadi" in card
    assert "foto &lt;b&gt;caleg&lt;/b&gt; &amp; saya" in card
    assert "Rina &lt;3" in card and "Andi &lt;K&gt;" in card
    assert "&lt;script&gt;" in card and "Jawaban &amp; dasar" in card and "[photo]" in card
    assert "menunggu 1 jam 35 menit" in card and "24/11 08.25" in card


def test_queue_listing_and_empty_queue() -> None:
    assert "kosong" in queue_listing([], now=NOW)
    listing = queue_listing([(ticket(), "ASN-1"), (ticket(id=13), "ASN-2")], now=NOW)
    assert listing.index("<b>12</b>") < listing.index("<b>13</b>")
    assert "menunggu 1 jam 35 menit" in listing


def test_statistics_report() -> None:
    stats = TicketStatistics(
        total=3,
        by_status={TicketStatus.BARU: 1, TicketStatus.DIAMBIL: 0, TicketStatus.SELESAI: 2},
        by_reason={},
        by_topic={"media_sosial": 2, None: 1},
        median_minutes_to_first_reply=42.0,
        average_rating=4.5,
        rated_count=2,
    )
    report = statistics_report(stats)
    assert "baru 1 · diambil 0 · selesai 2" in report
    assert "media_sosial 2, (tanpa topik) 1" in report
    assert "42 menit" in report and "4,5 dari 5 (2 penilaian)" in report


def test_split_lines_keeps_parts_under_the_limit() -> None:
    parts = split_lines(["x" * 30] * 10, limit=100)
    assert all(len(part) <= 100 for part in parts) and len(parts) == 4
