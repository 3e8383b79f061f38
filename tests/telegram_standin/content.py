"""Message content as Telegram validates it: text, captions, files, keyboards, replies."""

from __future__ import annotations

from .formatting import render_text
from .models import JSONDict, bad_request, utf16_len
from .params import Upload, bool_param, int_param, json_param
from .state import StandInState, StoredFile

MAX_TEXT, MAX_CAPTION = 4096, 1024
"""Limits on the text after entity parsing, in UTF-16 code units as Telegram counts (an emoji
or a styled letter such as 𝐀 is two)."""


def reply_markup(params: JSONDict) -> JSONDict | None:
    """The reply_markup parameter, checked like Telegram checks inline keyboards."""
    markup = json_param(params, "reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if not set(button) - {"text"}:
                raise bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
    return markup


def inline_markup(markup: JSONDict | None) -> JSONDict:
    """Messages carry only inline keyboards; reply keyboards are not part of a Message."""
    return {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}


def reply_target(st: StandInState, chat_id: int, params: JSONDict) -> JSONDict | None:
    reply = json_param(params, "reply_parameters") or {}
    if not reply and params.get("reply_to_message_id"):
        reply = {
            "message_id": int_param(params, "reply_to_message_id"),
            "allow_sending_without_reply": bool_param(params, "allow_sending_without_reply"),
        }
    if not reply:
        return None
    target_chat = st.chat(reply["chat_id"]).id if reply.get("chat_id") else chat_id
    found = st.messages.get((target_chat, reply.get("message_id", 0)))
    if found is None and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return found


def text_content(params: JSONDict) -> JSONDict:
    text = params.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("message text is empty")
    plain, entities = render_text(text, params.get("parse_mode"), json_param(params, "entities"))
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return {"text": plain, "entities": entities} if entities else {"text": plain}


def caption_content(params: JSONDict) -> JSONDict:
    text = params.get("caption")
    if text is None or text == "":
        return {}
    entities = json_param(params, "caption_entities")
    plain, entities = render_text(str(text), params.get("parse_mode"), entities)
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": plain, "caption_entities": entities} if entities else {"caption": plain}


def input_file(st: StandInState, params: JSONDict, name: str, mime_type: str) -> StoredFile:
    value = params.get(name)
    if isinstance(value, Upload):
        return st.store_file(
            name, value.content, file_name=value.filename, mime_type=value.content_type or mime_type
        )
    if isinstance(value, str) and value in st.files:
        return st.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return st.store_file(name, None, file_name=value.rsplit("/", 1)[-1], mime_type=mime_type)
    if value:
        raise bad_request("wrong file identifier/HTTP URL specified")
    raise bad_request(f"there is no {name} in the request")
