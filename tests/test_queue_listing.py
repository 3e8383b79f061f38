"""/antrian's page as the consultants read it: every line, every filter's heading, a full page
of the longest names within one message, and buttons whose data the bot reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.queue.formatting import QUEUE_PAGE_SIZE, queue_listing
from bot.storage import EscalationReason, Ticket, TicketStatus, User
from bot.storage.queue_pages import QueueCounts, QueueEntry, QueueFilter, QueuePage
from handlers.input_bounds import MAX_ID, QueueView, queue_button, queue_command
from handlers.staff_queue_view import queue_keyboard
from tests.telegram_standin.formatting import parse_html
from tests.telegram_standin.models import utf16_len

NOW = datetime(2026, 11, 24, 3, 42, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Jakarta")
COUNTS = QueueCounts(semua=35, saya=4, baru=12, menunggu=7)
TITLES = {"media_sosial": "Media sosial", "konsultasi_kasus": "Kasus pribadi"}
STYLED = "𝓡𝓲𝓷𝓪 "  # styled letters: two UTF-16 units each
EMOJI = "👨‍💼"


def visible(html_text: str) -> str:
    """The text as Telegram parses it (the Bot API stand-in's parser)."""
    return parse_html(html_text)[0]


def entry(
    ticket_id: int,
    status: TicketStatus,
    *,
    minutes: int = 95,
    awaiting: int | None = None,
    user: User | None = None,
    **fields: object,
) -> QueueEntry:
    values: dict[str, object] = {
        "id": ticket_id,
        "user_id": 1,
        "status": status,
        "reason": EscalationReason.KONSULTASI_KASUS,
        "topic": "media_sosial",
        "created_at": NOW - timedelta(minutes=minutes),
        "consultant_name": "Andi <K>" if status is TicketStatus.DIAMBIL else None,
    }
    values.update(fields)
    user = user or User(telegram_user_id=1, chat_id=1, pseudonym=f"ASN-{ticket_id:05d}")
    since = NOW - timedelta(minutes=awaiting) if awaiting is not None else None
    return QueueEntry(Ticket(**values), user, since)


def listing(
    entries: list[QueueEntry], queue_filter: QueueFilter = QueueFilter.SEMUA, **page: int
) -> str:
    return queue_listing(
        QueuePage(queue_filter, page.get("number", 1), page.get("pages", 4), COUNTS, entries),
        topic_of=lambda topic: TITLES.get(topic or "", topic or "-"),
        viewer="Andi",
        now=NOW,
        zone=ZONE,
    )


def test_each_line_says_topic_pseudonym_status_owner_and_live_waiting_times() -> None:
    shown = visible(
        listing(
            [
                entry(12, TicketStatus.BARU, minutes=125),
                entry(13, TicketStatus.DIAMBIL, minutes=300, awaiting=40, topic="konsultasi_kasus"),
                entry(14, TicketStatus.DIAMBIL, minutes=61),
            ],
            number=2,
        )
    )
    lines = shown.splitlines()
    assert lines[0] == "📋 Antrian · semua tiket terbuka"
    assert lines[1] == "Halaman 2/4 · 35 tiket · diperbarui 10.42 WIB"
    assert lines[3] == "🆕 12 · Media sosial · ASN-00012"
    assert lines[4].strip() == "belum diambil · menunggu 2 jam 5 menit"
    assert lines[5] == "🟡 13 · Kasus pribadi · ASN-00013"
    assert lines[6].strip() == (
        "diambil Andi <K> · ⏳ menunggu balasan 40 menit · dibuka 5 jam lalu"
    )
    assert lines[8].strip() == "diambil Andi <K> · sudah dibalas · dibuka 1 jam 1 menit lalu"
    later = queue_listing(
        QueuePage(QueueFilter.SEMUA, 1, 1, COUNTS, [entry(13, TicketStatus.DIAMBIL, awaiting=40)]),
        topic_of=str,
        viewer="Andi",
        now=NOW + timedelta(minutes=30),
        zone=ZONE,
    )
    assert "menunggu balasan 1 jam 10 menit" in visible(later)
    assert "diperbarui 11.12 WIB" in visible(later)


@pytest.mark.parametrize(
    ("queue_filter", "heading", "scope", "empty"),
    [
        (QueueFilter.SEMUA, "semua tiket terbuka", "35 tiket ·", "Antrian kosong"),
        (QueueFilter.SAYA, "diambil Andi", "4 tiket dari 35 terbuka", "yang Anda ambil"),
        (QueueFilter.BARU, "belum diambil", "12 tiket dari 35 terbuka", "sudah diambil"),
        (QueueFilter.MENUNGGU, "menunggu balasan", "7 tiket dari 35 terbuka", "menunggu balasan"),
    ],
)
def test_every_filter_has_its_heading_count_and_empty_page(
    queue_filter: QueueFilter, heading: str, scope: str, empty: str
) -> None:
    shown = visible(listing([], queue_filter, pages=1)).splitlines()
    assert shown[0] == f"📋 Antrian · {heading}"
    assert shown[1].startswith(f"Halaman 1/1 · {scope}")
    assert shown[3].startswith("📭") and empty in shown[3]


def test_names_and_topics_are_escaped() -> None:
    user = User(
        telegram_user_id=1,
        chat_id=1,
        first_name="<b>Rina</b>",
        username="rina",
        pseudonym="ASN-7K2P",
        share_name=True,
    )
    html_text = listing([entry(12, TicketStatus.BARU, user=user, topic="<i>x</i>")])
    assert "&lt;b&gt;Rina&lt;/b&gt; @rina (ASN-7K2P)" in html_text
    assert "&lt;i&gt;x&lt;/i&gt;" in html_text


@pytest.mark.parametrize("queue_filter", list(QueueFilter))
def test_a_full_page_of_the_longest_names_fits_one_message(queue_filter: QueueFilter) -> None:
    long_name = STYLED * 100
    entries = []
    for n in range(QUEUE_PAGE_SIZE):
        user = User(
            telegram_user_id=n,
            chat_id=n,
            first_name=long_name,
            username="u" * 64,
            pseudonym="ASN-" + "W" * 12,
            share_name=True,
        )
        entries.append(
            entry(
                MAX_ID - n,
                TicketStatus.DIAMBIL,
                minutes=999 * 24 * 60 + 23 * 60 + 59,
                awaiting=998 * 24 * 60 + 23 * 60 + 59,
                user=user,
                topic=EMOJI * 60,
                consultant_name=EMOJI * 100,
            )
        )
    html_text = queue_listing(
        QueuePage(
            queue_filter, MAX_ID, MAX_ID, QueueCounts(MAX_ID, MAX_ID, MAX_ID, MAX_ID), entries
        ),
        topic_of=str,
        viewer=long_name,
        now=NOW,
        zone=ZONE,
    )
    shown = visible(html_text)
    assert utf16_len(shown) <= 4096, utf16_len(shown)
    assert shown.count("ASN-WWWWWWWWWWWW") == QUEUE_PAGE_SIZE  # nobody's pseudonym cut off
    assert shown.count("⏳ menunggu balasan 998 hari 23 jam") == QUEUE_PAGE_SIZE


def test_buttons_carry_filter_and_page_within_64_bytes_and_read_back() -> None:
    page = QueuePage(QueueFilter.MENUNGGU, 2, 3, COUNTS, [])
    rows = queue_keyboard(page).inline_keyboard
    labels = [[button.text for button in row] for row in rows]
    assert labels == [
        ["Semua (35)", "Punya saya (4)"],
        ["Belum diambil (12)", "✅ Menunggu balasan (7)"],
        ["◀", "2/3", "▶"],
        ["↻ Perbarui"],
    ]
    data = [[button.callback_data for button in row] for row in rows]
    assert data == [
        ["antrian:semua:1", "antrian:saya:1"],
        ["antrian:baru:1", "antrian:menunggu:1"],
        ["antrian:menunggu:1", "antrian:menunggu:2", "antrian:menunggu:3"],
        ["antrian:menunggu:2"],
    ]
    first = [
        b.text
        for b in queue_keyboard(QueuePage(QueueFilter.SEMUA, 1, 1, COUNTS, [])).inline_keyboard[2]
    ]
    assert first == ["1/1"]  # no page to go back or forward to
    last = queue_keyboard(QueuePage(QueueFilter.SAYA, MAX_ID, MAX_ID, COUNTS, []))
    for row in last.inline_keyboard:
        for button in row:
            assert isinstance(button.callback_data, str)
            assert len(button.callback_data.encode()) <= 64
            assert queue_button(button.callback_data) is not None
    assert queue_button("antrian:saya:2") == QueueView(QueueFilter.SAYA, 2)


@pytest.mark.parametrize(
    "data",
    [
        "antrian:semua:0",
        f"antrian:semua:{MAX_ID + 1}",
        "antrian:semua:１",
        "antrian:semua:-1",
        "antrian:semua:",
        "antrian:SEMUA:1",
        "antrian:lain:1",
        "antrian:semua:1:2",
        None,
    ],
)
def test_forged_queue_buttons_are_not_read(data: str | None) -> None:
    assert queue_button(data) is None


def test_typed_shortcuts() -> None:
    assert queue_command(None) == QueueView(QueueFilter.SEMUA, 1)
    assert queue_command(["Saya"]) == QueueView(QueueFilter.SAYA, 1)
    assert queue_command(["menunggu", "3"]) == QueueView(QueueFilter.MENUNGGU, 3)
    assert queue_command(["2"]) == QueueView(QueueFilter.SEMUA, 2)
    for wrong in (["lain"], ["baru", "x"], ["baru", "1", "2"], ["0"], ["²"]):
        assert queue_command(wrong) is None, wrong
