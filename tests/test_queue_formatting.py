"""Staff-facing texts of the queue: waiting times, cards, histories, statistics, and their
lengths as Telegram counts them (UTF-16 units) with emoji and styled letters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.knowledge import load_knowledge_base
from bot.queue.formatting import (
    LINE_LIMIT,
    NAME_LIMIT,
    QUESTION_LIMIT,
    TOPICS_LIMIT,
    format_waiting,
    forum_topic_name,
    statistics_report,
    ticket_card,
    ticket_history,
    user_label,
)
from bot.queue.topics import reason_phrase, topic_title
from bot.storage import (
    ClosedBy,
    EscalationReason,
    Message,
    MessageDirection,
    Ticket,
    TicketStatistics,
    TicketStatus,
    User,
)
from bot.storage.enums import Employment
from bot.storage.ticket_facts import TicketFacts
from bot.telegram_text import ELLIPSIS, TOPIC_NAME_LIMIT
from tests.telegram_standin.formatting import parse_html
from tests.telegram_standin.models import utf16_len

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Jakarta")
KNOWLEDGE = load_knowledge_base()


def ticket(**fields: object) -> Ticket:
    values: dict[str, object] = {
        "id": 12,
        "user_id": 1,
        "status": TicketStatus.BARU,
        "reason": EscalationReason.KONSULTASI_KASUS,
        "question": "foto <b>caleg</b> & saya",
        "topic": "konsultasi_kasus",
        "created_at": NOW - timedelta(minutes=95),
    }
    values.update(fields)
    return Ticket(**values)


def title_of(topic: str | None) -> str:
    """Topic titles as the bot shows them, from the real knowledge base."""
    return topic_title(KNOWLEDGE, topic)


def facts(
    user: User | None = None,
    reading: Message | None = None,
    earlier: tuple[Ticket, ...] = (),
) -> TicketFacts:
    asn = user or User(telegram_user_id=1, chat_id=1, pseudonym="ASN-7K2P")
    return TicketFacts(user=asn, reading=reading, earlier=earlier, notes=())


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
    rina = User(telegram_user_id=1, chat_id=1, first_name="Rina <3", pseudonym="ASN-7K2P")
    rina.share_name = True
    card = ticket_card(
        ticket(status=TicketStatus.DIAMBIL, consultant_name="Andi <K>"),
        facts(user=rina),
        topic_of=title_of,
        history=history,
        now=NOW,
        zone=ZONE,
    )
    assert "🟡 <b>Tiket 12</b> · Kasus pribadi" in card
    assert "Alasan: ASN menceritakan kasusnya sendiri" in card
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
    report = statistics_report(stats, topic_of=title_of)
    assert "baru 1 · diambil 0 · selesai 2" in report
    assert "Media sosial 2, tanpa topik 1" in report
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


def card_of(
    question: str,
    history: list[Message],
    *,
    reading: Message | None = None,
    earlier: tuple[Ticket, ...] = (),
    **fields: object,
) -> str:
    return ticket_card(
        ticket(question=question, **fields),
        facts(reading=reading, earlier=earlier),
        topic_of=title_of,
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
        ticket(rating=5, rating_comment=long_text("👍")),
        facts(),
        topic_of=title_of,
        messages=messages,
        now=NOW,
        zone=ZONE,
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
    report = statistics_report(stats, topic_of=str)
    assert_sendable(report)
    topics = visible(report).splitlines()[3].removeprefix("Topik: ")
    assert topics.startswith("topik_") and topics.endswith(ELLIPSIS)
    assert utf16_len(topics) <= TOPICS_LIMIT


def read(intent: str | None, confidence: float | None, action: str) -> Message:
    return said("boleh like postingan capres?", intent=intent, confidence=confidence, action=action)


def test_topics_and_reasons_are_shown_in_words() -> None:
    assert title_of("media_sosial") == "Media sosial"
    assert title_of("konsultasi_kasus") == "Kasus pribadi"
    assert title_of(None) == "tanpa topik" and title_of("") == "tanpa topik"
    assert title_of("topik_baru") == "topik_baru"  # unknown: as it is, never blank
    phrases = {reason_phrase(reason) for reason in EscalationReason}
    assert len(phrases) == len(EscalationReason)
    assert not any("_" in phrase for phrase in phrases)


def test_card_shows_what_the_assistant_read_in_the_question() -> None:
    answered = visible(card_of("boleh like?", [], reading=read("media_sosial", 0.8234, "answer")))
    assert "🤖 Dibaca sebagai: Media sosial (yakin 82%); asisten sudah menjawabnya" in answered
    case = visible(card_of("sy dipanggil", [], reading=read("konsultasi_kasus", 0.91, "escalate")))
    assert "🤖 Dibaca sebagai: Kasus pribadi (yakin 91%)\n" in case
    unread = visible(card_of("halo", [], reading=read(None, None, "escalate")))
    assert "Dibaca sebagai" not in unread and "Dibaca sebagai" not in visible(card_of("x", []))


def test_card_names_the_earlier_tickets_of_the_same_asn() -> None:
    earlier = (
        ticket(
            id=9,
            topic="media_sosial",
            status=TicketStatus.SELESAI,
            rating=4,
            closed_at=datetime(2026, 11, 3, 2, tzinfo=UTC),
        ),
        ticket(
            id=7,
            topic=None,
            status=TicketStatus.SELESAI,
            closed_at=datetime(2025, 10, 1, 18, tzinfo=UTC),
        ),
    )
    shown = visible(card_of("tolong", [], earlier=earlier))
    assert (
        "Tiket sebelumnya: #9 Media sosial (ditutup 3 Nov, ⭐4); "
        "#7 tanpa topik (ditutup 2 Okt 2025)"
    ) in shown
    assert "Tiket sebelumnya" not in visible(card_of("tolong", []))


def test_card_shows_the_intake_and_a_pending_hand_over() -> None:
    shown = visible(
        card_of(
            "tolong",
            [],
            employment=Employment.PPPK,
            agency="Pemkab <Bogor>",
            deadline=date(2026, 11, 26),
            transfer_to_name="Budi & Rekan",
        )
    )
    assert "Kepegawaian: PPPK · Instansi: Pemkab <Bogor>" in shown
    assert "⏰ Tenggat: Kamis, 26 Nov 2026 (2 hari lagi)" in shown
    assert "↪ Menunggu diterima oleh Budi & Rekan" in shown
    bare = visible(card_of("tolong", []))
    assert not any(word in bare for word in ("Kepegawaian", "Instansi", "Tenggat", "↪"))
    for day, left in ((24, "hari ini"), (25, "besok"), (21, "lewat 3 hari")):
        assert f"({left})" in visible(card_of("tolong", [], deadline=date(2026, 11, day)))


def test_status_line_follows_the_ticket_to_its_rating() -> None:
    def status(**fields: object) -> str:
        card = visible(card_of("tolong", [], **fields))
        return next(line for line in card.splitlines() if line.startswith("Status:"))

    assert status() == "Status: 🆕 baru — belum diambil"
    assert status(status=TicketStatus.DIAMBIL, consultant_name="Budi") == (
        "Status: 🟡 diambil oleh Budi"
    )
    closed = {"status": TicketStatus.SELESAI, "closed_by": ClosedBy.PENGGUNA}
    assert status(**closed) == "Status: ✅ selesai — ditutup ASN"
    assert status(**closed, rating=4) == "Status: ✅ selesai — ditutup ASN · ⭐4"


def test_forum_topic_name_carries_the_status_within_telegrams_limit() -> None:
    assert forum_topic_name(ticket(), "Media sosial") == "🆕 Tiket 12 · Media sosial"
    claimed = ticket(status=TicketStatus.DIAMBIL, consultant_name="Budi")
    assert forum_topic_name(claimed, "Media sosial") == "🟡 Tiket 12 · Media sosial · Budi"
    closed = ticket(status=TicketStatus.SELESAI, consultant_name="Budi")
    assert forum_topic_name(closed, "Media sosial") == "✅ Tiket 12 · Media sosial"
    long_owner = ticket(status=TicketStatus.DIAMBIL, consultant_name="👨‍💼" * 90)
    name = forum_topic_name(long_owner, "Petugas pemilu dan saksi")
    assert utf16_len(name) <= TOPIC_NAME_LIMIT and name.endswith(ELLIPSIS)


def test_ticket_history_begins_with_the_question_and_its_reading() -> None:
    later = [said("terima kasih", created_at=NOW)]
    [part] = ticket_history(
        ticket(question="sy dipanggil bawaslu"),
        facts(reading=read("konsultasi_kasus", 0.9, "escalate")),
        topic_of=title_of,
        messages=later,
        now=NOW,
        zone=ZONE,
    )
    lines = visible(part).splitlines()
    assert lines[0] == "🗂 Tiket 12 · Kasus pribadi · ASN-7K2P"
    assert lines[1:4] == [
        "Pertanyaan:",
        "sy dipanggil bawaslu",
        "🤖 Dibaca sebagai: Kasus pribadi (yakin 90%)",
    ]
    assert lines[-1].endswith("👤 terima kasih")
    erased_user = User(telegram_user_id=1, chat_id=1, pseudonym="ASN-7K2P")
    erased_user.data_deleted_at = NOW
    [erased] = ticket_history(
        ticket(question=None),
        facts(user=erased_user),
        topic_of=title_of,
        messages=[],
        now=NOW,
        zone=ZONE,
    )
    assert visible(erased).splitlines()[2] == "(dihapus atas permintaan pengguna)"
