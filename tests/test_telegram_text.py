"""Telegram's length rules: UTF-16 units, shortening that never splits a character, splitting."""

from __future__ import annotations

import pytest

from bot.telegram_text import (
    ELLIPSIS,
    leading_lines,
    shorten,
    split_html_lines,
    telegram_length,
    utf16_length,
)
from tests.telegram_standin.formatting import parse_html
from tests.telegram_standin.models import utf16_len

# Results are measured with the Bot API stand-in's own count, not the module's.

STYLED = "𝐓𝐞𝐤𝐬"  # mathematical bold letters: outside the BMP, two units each
JUDGE = "👩\u200d⚖\ufe0f"  # woman judge: a joined emoji of four code points, five units
FLAG = "🇮🇩"  # two regional indicators
THUMB = "👍🏽"  # an emoji and its skin tone


def test_length_is_counted_in_utf16_units() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("✅") == 1  # inside the BMP
    assert utf16_length("😀") == 2
    assert utf16_length(STYLED) == 8 and len(STYLED) == 4
    assert utf16_length("e\u0301") == 2  # a letter and its combining accent
    assert utf16_length(JUDGE) == 5 and utf16_length(FLAG) == 4


def test_html_is_counted_after_entity_parsing() -> None:
    assert telegram_length("<b>𝐀</b> &amp; <i>x</i>") == 6
    assert telegram_length('<a href="https://bkn.go.id">BKN</a>') == 3
    assert telegram_length("&lt;b&gt;") == 3


@pytest.mark.parametrize("text", ["😀" * 50, STYLED * 20, "a😀" * 40, "𝐓𝐞𝐤𝐬 biasa " * 10])
def test_shortened_text_fits_every_limit_and_keeps_whole_characters(text: str) -> None:
    for limit in range(1, utf16_len(text) + 2):
        short = shorten(text, limit)
        assert utf16_len(short) <= limit, (limit, short)
        if short != text:
            assert short.endswith(ELLIPSIS) and text.startswith(short[:-1].rstrip())


def test_text_at_the_limit_is_kept_and_one_unit_over_is_cut() -> None:
    assert shorten("😀" * 5, 10) == "😀" * 5
    assert shorten("😀" * 5, 9) == "😀" * 4 + ELLIPSIS
    assert shorten(STYLED * 500, 4000) == STYLED * 500
    assert utf16_len(shorten(STYLED * 501, 4000)) == 3999  # 1999 letters, then "…"


def test_cut_keeps_combining_marks_and_emoji_sequences_whole() -> None:
    assert shorten("e\u0301" * 10, 6) == "e\u0301e\u0301" + ELLIPSIS
    assert shorten(JUDGE * 5, 8) == JUDGE + ELLIPSIS
    assert shorten(JUDGE * 5, 9) == JUDGE + ELLIPSIS
    assert shorten(FLAG * 5, 7) == FLAG + ELLIPSIS
    assert shorten(FLAG * 5, 11) == FLAG * 2 + ELLIPSIS
    assert shorten(THUMB * 3, 8) == THUMB + ELLIPSIS
    assert shorten(THUMB * 3, 4) == ELLIPSIS


def test_leading_lines_counts_line_breaks_and_units() -> None:
    lines = ["😀" * 10, "<b>ab</b>", "c"]
    assert leading_lines(lines, 19) == []
    assert leading_lines(lines, 20) == lines[:1]
    assert leading_lines(lines, 23) == lines[:2]
    assert leading_lines(lines, 25) == lines


def test_split_parts_stay_within_the_limit_in_utf16_units() -> None:
    lines = ["😀" * 30] * 10  # 60 units a line, 30 code points
    parts = split_html_lines(lines, limit=100)
    assert len(parts) == 10 and all(utf16_len(parse_html(part)[0]) <= 100 for part in parts)
    assert "\n".join(parts) == "\n".join(lines)  # lines are never split
    assert len(split_html_lines(["x" * 30] * 10, limit=100)) == 4


def test_split_counts_tags_as_nothing_and_entities_as_one() -> None:
    lines = ["<b>" + "x" * 48 + "</b>&amp;", "<i>" + "y" * 50 + "</i>"]
    assert split_html_lines(lines, limit=100) == ["\n".join(lines)]


def test_a_line_too_long_alone_is_sent_as_shortened_plain_text() -> None:
    [part] = split_html_lines(["<b>" + "😀" * 100 + " &amp;</b>"], limit=51)
    assert part == "😀" * 25 + ELLIPSIS and utf16_len(part) == 51
    [escaped] = split_html_lines(["<i>&lt;" + "a" * 100 + "</i>"], limit=10)
    assert escaped == "&lt;" + "a" * 8 + ELLIPSIS
