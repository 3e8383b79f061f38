"""Telegram's parse_mode="HTML": strip tags into entities, reject what Telegram rejects.

Follows tdlib's parser (td/telegram/MessageEntity.cpp): the same tag set, the same named
entities, the same error texts with UTF-8 byte offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import ApiError, JSONDict, bad_request, utf16_len

_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "code": "code",
    "pre": "pre", "blockquote": "blockquote", "a": "text_link", "tg-emoji": "custom_emoji",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|([a-zA-Z]+));")
_NAME_TOKEN_RE = re.compile(r"[A-Za-z0-9.\-]*")
_PLAIN_RUN_RE = re.compile(r"[^<&]+")


@dataclass
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the plain text
    attributes: dict[str, str] = field(default_factory=dict)


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    match = _ENTITY_RE.match(text, i)
    if match is None:
        return None
    hex_code, dec_code, name = match.groups()
    if name is not None:
        decoded = _NAMED_ENTITIES.get(name)
        return (decoded, match.end()) if decoded else None
    code = int(hex_code, 16) if hex_code else int(dec_code)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _unescape(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        decoded = _decode_entity(raw, i) if raw[i] == "&" else None
        out.append(decoded[0] if decoded else raw[i])
        i = decoded[1] if decoded else i + 1
    return "".join(out)


class _HtmlParser:
    def __init__(self, text: str):
        self.text = text
        self.plain: list[str] = []
        self.length = 0  # UTF-16 length of the plain text so far
        self.stack: list[_OpenTag] = []
        self.entities: list[JSONDict] = []

    def byte_offset(self, i: int) -> int:
        return len(self.text[:i].encode("utf-8"))

    def emit(self, chunk: str) -> None:
        self.plain.append(chunk)
        self.length += utf16_len(chunk)

    def parse(self) -> tuple[str, list[JSONDict]]:
        text, i = self.text, 0
        while i < len(text):
            if text[i] == "&" and (decoded := _decode_entity(text, i)) is not None:
                self.emit(decoded[0])
                i = decoded[1]
            elif text[i] == "&":  # not a character reference: a literal ampersand
                self.emit("&")
                i += 1
            elif text[i] != "<":  # a run of plain text up to the next tag or reference
                run = _PLAIN_RUN_RE.match(text, i)
                assert run is not None
                self.emit(run.group())
                i = run.end()
            elif text.startswith("</", i):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            name = self.stack[-1].name
            raise _parse_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.plain), self.entities

    def start_tag(self, begin: int) -> int:
        text, i = self.text, begin + 1
        while i < len(text) and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= len(text):
            raise _parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = text[begin + 1 : i].lower()
        if name not in _ENTITY_TYPES:
            raise _parse_error(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        attributes, i = self.attributes(i, name, begin)
        if name == "span" and attributes.get("class") != "tg-spoiler":
            raise _parse_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(_OpenTag(name, self.length, attributes))
        return i + 1

    def attributes(self, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
        text, found = self.text, dict[str, str]()
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                raise _parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if text[i] == ">":
                return found, i
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "=>":
                i += 1
            name = text[start:i].lower()
            while i < len(text) and text[i].isspace():
                i += 1
            if tag == "blockquote" and name == "expandable" and text[i : i + 1] != "=":
                found[name] = ""
                continue
            if not name or i >= len(text) or text[i] != "=":
                raise _parse_error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte_offset(begin)}'
                )
            i += 1
            while i < len(text) and text[i].isspace():
                i += 1
            found[name], i = self.attribute_value(i, begin)

    def attribute_value(self, i: int, begin: int) -> tuple[str, int]:
        text = self.text
        if i < len(text) and text[i] in "\"'":
            close = text.find(text[i], i + 1)
            if close == -1:
                raise _parse_error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            return _unescape(text[i + 1 : close]), close + 1
        end = _NAME_TOKEN_RE.match(text, i).end()  # type: ignore[union-attr]
        if end >= len(text) or not (text[end].isspace() or text[end] == ">"):
            raise _parse_error(f"Unexpected end of name token at byte offset {self.byte_offset(i)}")
        return text[i:end].lower(), end

    def end_tag(self, begin: int) -> int:
        text, i = self.text, begin + 2
        if not self.stack:
            raise _parse_error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        while i < len(text) and not text[i].isspace() and text[i] != ">":
            i += 1
        name = text[begin + 2 : i].lower()
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != ">":
            raise _parse_error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        opened = self.stack.pop()
        if name and name != opened.name:
            raise _parse_error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{opened.name}>", found "</{name}>"'
            )
        self.close(opened)
        return i + 1

    def close(self, opened: _OpenTag) -> None:
        length = self.length - opened.offset
        attrs = opened.attributes
        parent = self.stack[-1] if self.stack else None
        if opened.name == "code" and parent and parent.name == "pre":
            language = attrs.get("class", "")
            if language.startswith("language-") and parent.offset == opened.offset:
                parent.attributes["language"] = language.removeprefix("language-")
                return
        if length == 0:
            return
        if opened.name == "blockquote" and any(tag.name == "blockquote" for tag in self.stack):
            return  # "blockquote and expandable_blockquote entities can't be nested": inner dropped
        entity: JSONDict = {"type": _ENTITY_TYPES[opened.name], "offset": opened.offset}
        entity["length"] = length
        if opened.name == "a":
            if not attrs.get("href"):
                return
            entity["url"] = attrs["href"]
        elif opened.name == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id", "")
        elif opened.name == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        elif opened.name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Return (plain text, entities) like Telegram, or raise a 400 ApiError."""
    return _HtmlParser(text).parse()


def render_text(
    text: str, parse_mode: str | None, entities: list[JSONDict] | None
) -> tuple[str, list[JSONDict]]:
    """Apply parse_mode the way Telegram does; only HTML is parsed, other modes pass through."""
    if parse_mode is not None and parse_mode.lower() == "html":
        return parse_html(text)
    if parse_mode is not None and parse_mode.lower() not in ("markdown", "markdownv2"):
        raise bad_request("unsupported parse_mode")
    return text, list(entities or [])
