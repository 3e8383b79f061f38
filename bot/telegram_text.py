"""Telegram's length rules, counted as Telegram counts them: in UTF-16 code units.

Python's ``len`` counts code points, so it undercounts every character outside the Basic
Multilingual Plane — most emoji and the styled letters people paste (𝐓𝐞𝐤𝐬) are two units each.
A message's limit applies to its text after entity parsing: tags do not count and ``&amp;`` is
one character. Text built from user input is shortened as plain text, before it is escaped,
so a cut never falls inside a tag or an entity.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

MESSAGE_LIMIT = 4096
"""A message's text (sendMessage, editMessageText), after entity parsing."""
CAPTION_LIMIT = 1024
"""A photo's or document's caption, after entity parsing."""
TOPIC_NAME_LIMIT = 128
"""A forum topic's name (createForumTopic)."""
CALLBACK_ANSWER_LIMIT = 200
"""The text of answerCallbackQuery (a toast or an alert)."""

ELLIPSIS = "…"

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?>")
_ZWJ = "\u200d"
_MARKS = frozenset({"Mn", "Mc", "Me"})


def utf16_length(text: str) -> int:
    """Length of plain text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_text(html_text: str) -> str:
    """What Telegram shows of HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


def telegram_length(html_text: str) -> int:
    """The length Telegram counts for an HTML message: UTF-16 units of its visible text."""
    return utf16_length(visible_text(html_text))


def shorten(text: str, limit: int) -> str:
    """Plain text within ``limit`` units, ending in "…" when cut.

    The cut never splits a surrogate pair, a letter from its combining marks, an emoji from
    its modifiers or the parts of a joined emoji (👩‍⚖️), nor a flag's two letters.
    """
    if utf16_length(text) <= limit:
        return text
    room, end = limit - len(ELLIPSIS), 0
    for char in text:
        room -= 2 if ord(char) > 0xFFFF else 1
        if room < 0:
            break
        end += 1
    while end > 0 and _inside_cluster(text, end):
        end -= 1
    return text[:end].rstrip() + ELLIPSIS


def _inside_cluster(text: str, end: int) -> bool:
    """Whether cutting ``text`` before index ``end`` would split what reads as one character."""
    before, after = text[end - 1], text[end]
    if before == _ZWJ or after == _ZWJ or _extends(after):
        return True
    if _regional_indicator(after):
        run = 0
        while run < end and _regional_indicator(text[end - 1 - run]):
            run += 1
        return run % 2 == 1
    return False


def _extends(char: str) -> bool:
    """Combining marks, variation selectors, skin tones and emoji tags attach to what precedes."""
    code = ord(char)
    return (
        unicodedata.category(char) in _MARKS
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def leading_lines(lines: Sequence[str], room: int) -> list[str]:
    """The first of ``lines`` (HTML) whose text, joined by line breaks, fits in ``room`` units."""
    taken: list[str] = []
    used = -1  # n lines need n - 1 line breaks
    for line in lines:
        used += telegram_length(line) + 1
        if used > room:
            break
        taken.append(line)
    return taken


def split_html_lines(lines: Sequence[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join HTML lines (each complete, tags closed) into messages within ``limit`` units.

    Lines are never split across messages; a line too long for a message of its own is sent
    as its visible text, shortened (its formatting is lost, the message is not refused).
    """
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for line in lines:
        length = telegram_length(line)
        if length > limit:
            plain = shorten(visible_text(line), limit)
            line, length = html.escape(plain), utf16_length(plain)
        if current and used + 1 + length > limit:
            parts.append("\n".join(current))
            current, used = [], 0
        used += length + (1 if current else 0)
        current.append(line)
    if current:
        parts.append("\n".join(current))
    return parts
