"""Staff-facing texts of the queue: waiting times, cards, histories, statistics, and their
lengths as Telegram counts them (UTF-16 units) with emoji and styled letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.queue.formatting import (
    LINE_LIMIT,
    NAME_LIMIT,
    QUESTION_LIMIT,
    TOPICS_LIMIT,
    format_waiting,
    statistics_report,
    ticket_card,
    ticket_history,
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
from bot.telegram_text import ELLIPSIS
from tests.telegram_standin.formatting import parse_html
from tests.telegram_standin.models import utf16_len

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


STYLED = "𝐓𝐞𝐤𝐬 𝐏𝐞𝐦𝐢𝐥𝐮 "  # mathematical bold letters: two UTF-16 units each
EMOJI = "😡🗳️🙏"


def long_text(pattern: str, units: int = 4000) -> str:
    """As much of ``pattern`` repeated as an ASN can send: ``units`` UTF-16 units or fewer."""
    text = ""
    while utf16_len(text + pattern) <= units:
        text += pattern
    return text


def said(text: str, direction: MessageDirection = MessageDirection.IN, **fields: object) -> Message:
    values: dict[str, object] = {"direction": direction, "text": text, "kind": "text"}
    values.update(fields)
    return Message(**values)


def visible(html_text: str) -> str:
    """The text as Telegram parses it (the Bot API stand-in's parser), tags and entities gone."""
    return parse_html(html_text)[0]


def assert_sendable(html_text: str) -> None:
    """Telegram would take it: valid HTML, at most 4,096 UTF-16 units once parsed."""
    assert utf16_len(visible(html_text)) <= 4096, utf16_len(visible(html_text))


def card_of(question: str, history: list[Message], **fields: object) -> str:
    return ticket_card(
        ticket(question=question, **fields),
        who="ASN-7K2P",
        topic="Media sosial",
        history=history,
        now=NOW,
        zone=ZONE,
    )


def test_card_of_emoji_and_styled_letters_fits_one_message() -> None:
    question = long_text(STYLED)
    history = [said(question), said(long_text(EMOJI)), said(long_text("<&>" + STYLED))]
    history += [said(long_text(EMOJI), MessageDirection.OUT, action="konsultan")] * 2
    card = card_of(question, history)
    assert_sendable(card)
    shown = visible(card)
    quoted = shown.split("Pertanyaan:\n", 1)[1].split("\n", 1)[0]
    assert quoted.endswith(ELLIPSIS) and utf16_len(quoted) <= QUESTION_LIMIT
    assert question.startswith(quoted[:-1])
    assert shown.count("👤 ") == 3 and shown.count("🧑‍⚖️ ") == 2  # all five messages shown
    assert "&lt;&amp;&gt;𝐓𝐞𝐤𝐬" in card


def test_card_keeps_the_newest_messages_that_fit_and_points_to_the_rest() -> None:
    history = [said(f"pesan {n} " + long_text(EMOJI, 2 * LINE_LIMIT)) for n in range(30)]
    card = card_of(long_text(EMOJI), history)
    assert_sendable(card)
    assert "pesan 29 " in card and "pesan 0 " not in card
    assert "… (pesan sebelumnya: /tiket 12)\n👤 pesan" in card
    assert card.endswith("untuk menjawab.</i>")


def test_names_are_shortened_but_the_pseudonym_stays() -> None:
    user = User(
        telegram_user_id=1,
        chat_id=1,
        first_name="𝓡𝓲𝓷𝓪" * 40,
        username="rina",
        pseudonym="ASN-7K2P",
        share_name=True,
    )
    label = user_label(user)
    assert label.endswith(f"{ELLIPSIS} @rina (ASN-7K2P)")
    assert utf16_len(label.split(" @")[0]) <= NAME_LIMIT
    owner = "👨‍💼" * 60
    card = card_of("tolong", [], status=TicketStatus.DIAMBIL, consultant_name=owner)
    status = next(line for line in card.splitlines() if line.startswith("Status:"))
    assert ELLIPSIS in status and utf16_len(visible(status)) < NAME_LIMIT + 30


def test_ticket_history_of_emoji_messages_is_split_into_sendable_parts() -> None:
    messages = [
        said(long_text(EMOJI if n % 2 else STYLED), created_at=NOW + timedelta(minutes=n))
        for n in range(40)
    ]
    parts = ticket_history(
        ticket(rating=5, rating_comment=long_text("👍")), who="ASN-1", messages=messages, zone=ZONE
    )
    assert len(parts) > 1
    for part in parts:
        assert_sendable(part)
    text = "\n".join(visible(part) for part in parts)
    assert text.count("👤 ") == 40 and text.count(ELLIPSIS) == 41


def test_statistics_with_many_topics_fits() -> None:
    stats = TicketStatistics(
        total=1,
        by_status={TicketStatus.BARU: 1},
        by_reason={},
        by_topic={f"topik_{'𝐱' * 40}_{n}": 1 for n in range(100)},
        median_minutes_to_first_reply=None,
        average_rating=None,
        rated_count=0,
    )
    report = statistics_report(stats)
    assert_sendable(report)
    topics = visible(report).splitlines()[3].removeprefix("Topik: ")
    assert topics.startswith("topik_") and topics.endswith(ELLIPSIS)
    assert utf16_len(topics) <= TOPICS_LIMIT
