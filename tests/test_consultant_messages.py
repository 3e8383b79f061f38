"""/jawab's answer keeps the consultant's formatting: the text after the command, as HTML."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, MessageEntity

from handlers.consultant_messages import answer_after
from tests.telegram_standin.formatting import parse_html


def command(text: str, *entities: MessageEntity) -> Message:
    """A /jawab as Telegram delivers it: its bot_command entity first."""
    return Message(
        1,
        datetime.now(UTC),
        Chat(-100, Chat.SUPERGROUP),
        text=text,
        entities=[MessageEntity(MessageEntity.BOT_COMMAND, 0, 6), *entities],
    )


def prefix_of(text: str) -> str:
    rest = text.split(maxsplit=2)[2]
    return text[: len(text) - len(rest)]


def test_formatting_after_the_command_is_kept_and_the_rest_escaped() -> None:
    text = "/jawab 12 Bawa 𝐒𝐊 & surat <panggilan> "
    link = MessageEntity(MessageEntity.TEXT_LINK, 22, 5, url="https://jdih.go.id/?a=1&b=2")
    answer = answer_after(
        command(text, MessageEntity(MessageEntity.BOLD, 15, 4), link), prefix_of(text)
    )
    assert answer.text == "Bawa 𝐒𝐊 & surat <panggilan>"
    assert parse_html(answer.html) == (
        "Bawa 𝐒𝐊 & surat <panggilan> ",
        [
            {"type": "bold", "offset": 5, "length": 4},
            {"type": "text_link", "offset": 12, "length": 5, "url": "https://jdih.go.id/?a=1&b=2"},
        ],
    )


def test_an_entity_that_begins_in_the_command_is_kept_from_where_the_answer_begins() -> None:
    text = "/jawab 7 Jangan tanda tangani dulu."
    whole = MessageEntity(MessageEntity.ITALIC, 0, len(text))
    answer = answer_after(command(text, whole), prefix_of(text))
    assert answer.html == "<i>Jangan tanda tangani dulu.</i>"
