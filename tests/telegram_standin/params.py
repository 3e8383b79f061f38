"""Reading Bot API parameters the way Telegram accepts them.

Telegram takes parameters from the query string, a JSON body, an urlencoded form or a
multipart form. PTB sends forms: strings stay strings and every other value arrives
JSON-serialised ("123", "true", '{"inline_keyboard": ...}'), uploads as file parts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .models import JSONDict, bad_request

# Parameters whose value is a free string even when it looks like JSON ("123", "true").
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "url", "secret_token", "ip_address", "file_id",
        "callback_query_id", "inline_message_id", "language_code", "action", "name",
        "title", "description", "short_description", "icon_custom_emoji_id", "emoji",
        "photo", "document", "sticker", "voice", "audio", "video", "animation",
        "phone_number", "first_name", "last_name", "custom_title", "business_connection_id",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> JSONDict:
    """All parameters of a request, typed (ints, bools, dicts) where Telegram would type them."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        raw.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = Upload(value.filename, value.content_type, value.file.read())
            else:
                raw[key] = value
    return {key: _coerce(key, value) for key, value in raw.items()}


def chat_id_param(params: JSONDict, name: str = "chat_id") -> int | str:
    """An integer chat id or an "@username"; missing -> 400 like Telegram."""
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request("chat not found")
    return value


def int_param(params: JSONDict, name: str, *, required: bool = False) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is empty")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"invalid {name} specified")
    return value


def bool_param(params: JSONDict, name: str) -> bool:
    return params.get(name) in (True, 1, "1", "true", "True")


def json_param(params: JSONDict, name: str) -> Any:
    """A JSON-serialised object parameter; unparsable text -> 400 like Telegram."""
    value = params.get(name)
    if isinstance(value, str):
        raise bad_request(f"can't parse {name.replace('_', ' ')} JSON object")
    return value
