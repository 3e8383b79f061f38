"""The consultants' NLU marks: button data read with their bounds, the buttons' own data within
Telegram's 64 bytes, and /label's topic read from an id or a word of its title
(handlers/nlu_marks.py)."""

from __future__ import annotations

import pytest

from bot.intents import ALL_INTENTS, TOPIC_INTENTS
from bot.knowledge import load_knowledge_base
from bot.storage.nlu_review import ReviewSource
from handlers.input_bounds import MAX_ID
from handlers.nlu_marks import (
    CANCEL_DATA,
    RELABEL_INTENTS,
    MarkButton,
    answerable_keyboard,
    find_label,
    mark_button,
    topic_keyboard,
)

KNOWLEDGE = load_knowledge_base()
ANSWERABLE, RELABEL = ReviewSource.CONSULTANT_ANSWERABLE, ReviewSource.CONSULTANT_RELABEL


def test_the_buttons_read_back() -> None:
    assert mark_button("tandai:bisa:12") == MarkButton(ANSWERABLE, 12)
    assert mark_button("tandai:bisa:12:media_sosial") == MarkButton(ANSWERABLE, 12, "media_sosial")
    assert mark_button(f"tandai:label:{MAX_ID}:di_luar_topik") == MarkButton(
        RELABEL, MAX_ID, "di_luar_topik"
    )
    assert mark_button("tandai:label:3:konsultasi_kasus") == MarkButton(
        RELABEL, 3, "konsultasi_kasus"
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        CANCEL_DATA,
        "tandai:bisa:0",
        f"tandai:bisa:{MAX_ID + 1}",
        "tandai:bisa:99999999999:media_sosial",
        "tandai:bisa:١٢",
        "tandai:label:12",  # a relabel is always a choice
        "tandai:bisa:12:di_luar_topik",  # "could have answered" takes the 18 topics only
        "tandai:bisa:12:konsultasi_kasus",
        "tandai:label:12:salam",
        "tandai:label:12:bukan_intent",
        "tandai:label:12:media_sosial:x",
        "tandai:hapus:12:media_sosial",
        "tandai:bisa:12:MEDIA_SOSIAL",
    ],
)
def test_forged_data_is_refused(data: str | None) -> None:
    assert mark_button(data) is None


def test_every_button_reads_back_as_what_it_offers() -> None:
    assert RELABEL_INTENTS[-2:] == ("di_luar_topik", "konsultasi_kasus")
    assert set(RELABEL_INTENTS) <= set(ALL_INTENTS)
    for source, offered in ((ANSWERABLE, TOPIC_INTENTS), (RELABEL, RELABEL_INTENTS)):
        rows = topic_keyboard(KNOWLEDGE, source, MAX_ID).inline_keyboard
        buttons = [button for row in rows for button in row]
        assert buttons[-1].callback_data == CANCEL_DATA and buttons[-1].text == "Batal"
        choices = [str(button.callback_data) for button in buttons[:-1]]
        assert [mark_button(data) for data in choices] == [
            MarkButton(source, MAX_ID, intent) for intent in offered
        ]
        assert all(len(data.encode()) <= 64 for data in choices)
        assert "Media sosial" in [button.text for button in buttons]
    [[opener]] = answerable_keyboard(MAX_ID).inline_keyboard
    assert mark_button(str(opener.callback_data)) == MarkButton(ANSWERABLE, MAX_ID)


def test_a_label_is_an_id_or_words_of_a_title() -> None:
    assert find_label(KNOWLEDGE, "media_sosial") == ("media_sosial",)
    assert find_label(KNOWLEDGE, " Media Sosial ") == ("media_sosial",)
    assert find_label(KNOWLEDGE, "di_luar_topik") == ("di_luar_topik",)
    assert find_label(KNOWLEDGE, "konsultasi_kasus") == ("konsultasi_kasus",)
    assert find_label(KNOWLEDGE, "kasus") == ("konsultasi_kasus",)  # "Kasus pribadi"
    assert len(find_label(KNOWLEDGE, "kampanye")) >= 1
    assert find_label(KNOWLEDGE, "salam") == ()
    assert find_label(KNOWLEDGE, "gaji pensiun") == ()
