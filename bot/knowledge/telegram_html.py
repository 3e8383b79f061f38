"""Validate Telegram's HTML subset and turn it into plain text."""

from __future__ import annotations

import re

from bot.telegram_text import MESSAGE_LIMIT, visible_text
from bot.telegram_text import telegram_length as telegram_length

TELEGRAM_MAX_LENGTH = MESSAGE_LIMIT
"""Telegram rejects longer messages (counted by ``telegram_length``)."""

ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "s": frozenset(),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "a": frozenset({"href"}),
    "blockquote": frozenset({"expandable"}),
    "tg-spoiler": frozenset(),
}
"""Tags this project sends, with the attributes each may carry."""

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*>")
_ATTRIBUTE = re.compile(r'\s+([A-Za-z-]+)(?:="([^"<>]*)")?')
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6}|lt|gt|amp|quot);")
_SPECIAL = re.compile(r"[<>&]")
_HREF = re.compile(r"^(?:https?|tg)://\S+$")


def html_errors(text: str) -> list[str]:
    """Return what Telegram would reject in ``text`` (empty list when it is valid)."""
    errors: list[str] = []
    stack: list[str] = []
    position = 0
    while match := _SPECIAL.search(text, position):
        start = match.start()
        if match.group() == ">":
            errors.append(f"unescaped '>' at {start} (write &gt;)")
            position = start + 1
        elif match.group() == "&":
            entity = _ENTITY.match(text, start)
            if entity is None:
                errors.append(f"unescaped '&' at {start} (write &amp;)")
                position = start + 1
            else:
                position = entity.end()
        else:
            tag = _TAG.match(text, start)
            if tag is None:
                errors.append(f"unescaped '<' at {start} (write &lt;)")
                position = start + 1
                continue
            errors.extend(_tag_errors(tag, stack))
            position = tag.end()
    errors.extend(f"<{name}> is never closed" for name in reversed(stack))
    return errors


def _tag_errors(tag: re.Match[str], stack: list[str]) -> list[str]:
    """Check one tag against the allowed set and the stack of open tags."""
    closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
    if name not in ALLOWED_TAGS:
        return [f"tag <{name}> is not allowed by Telegram"]
    if closing:
        if attributes.strip():
            return [f"closing tag </{name}> has attributes"]
        if not stack or stack[-1] != name:
            expected = f"</{stack[-1]}>" if stack else "no closing tag"
            return [f"</{name}> does not match (expected {expected})"]
        stack.pop()
        return []
    errors = []
    found: dict[str, str | None] = {}
    rest = _ATTRIBUTE.sub("", attributes).strip()
    if rest:
        errors.append(f"malformed attributes in <{name}>: {rest!r}")
    for pair in _ATTRIBUTE.finditer(attributes):
        found[pair.group(1).lower()] = pair.group(2)
    for attribute in sorted(found.keys() - ALLOWED_TAGS[name]):
        errors.append(f"attribute {attribute!r} is not allowed on <{name}>")
    if name == "a" and not _HREF.match(found.get("href") or ""):
        errors.append('<a> needs href="https://…" or tg://')
    if name in stack:
        errors.append(f"<{name}> is nested inside itself")
    stack.append(name)
    return errors


def to_plain_text(text: str) -> str:
    """Return what the user reads: tags dropped, links spelled out, quotes marked."""
    text = re.sub(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', r"\2 (\1)", text, flags=re.DOTALL)
    text = re.sub(
        r"<blockquote[^>]*>(.*?)</blockquote>",
        lambda match: "\n".join(f"┃ {line}" for line in match.group(1).split("\n")),
        text,
        flags=re.DOTALL,
    )
    return visible_text(text)
