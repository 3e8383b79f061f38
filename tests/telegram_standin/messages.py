"""Bot API methods that put messages into chats or change them."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from .content import (
    caption_content,
    inline_markup,
    input_file,
    reply_markup,
    reply_target,
    text_content,
)
from .models import JSONDict, bad_request
from .params import bool_param, chat_id_param, int_param
from .state import StandInState

Handler = Callable[[StandInState, JSONDict], Awaitable[Any]]

_CONTENT_KEYS = (
    "text", "entities", "caption", "caption_entities", "photo", "document", "sticker",
    "voice", "location", "contact",
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
DELETE_WINDOW_SECONDS = 48 * 3600
"""Telegram: a message can only be deleted if it was sent less than 48 hours ago."""
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _send(st: StandInState, method: str, params: JSONDict, content: JSONDict) -> JSONDict:
    """Validate the common parameters, store the message, record it."""
    chat = st.writable_chat(chat_id_param(params))
    content = {**content, **inline_markup(reply_markup(params))}
    if bool_param(params, "protect_content"):
        content["has_protected_content"] = True
    message = st.new_message(
        chat,
        st.bot_user,
        content,
        thread_id=int_param(params, "message_thread_id"),
        reply_to=reply_target(st, chat.id, params),
    )
    text = params.get("text") if "text" in content else params.get("caption")
    st.record_sent(method, params, message, text=text)
    return message


async def send_message(st: StandInState, params: JSONDict) -> JSONDict:
    st.writable_chat(chat_id_param(params))
    return _send(st, "sendMessage", params, text_content(params))


async def send_photo(st: StandInState, params: JSONDict) -> JSONDict:
    st.writable_chat(chat_id_param(params))
    full = input_file(st, params, "photo", "image/jpeg")
    thumb = st.store_file("photo", None)
    sizes = [
        {**thumb.size_json(), "width": 320, "height": 240},
        {**full.size_json(), "width": 1280, "height": 960},
    ]
    return _send(st, "sendPhoto", params, {"photo": sizes, **caption_content(params)})


async def send_document(st: StandInState, params: JSONDict) -> JSONDict:
    st.writable_chat(chat_id_param(params))
    stored = input_file(st, params, "document", "application/octet-stream")
    document = stored.size_json()
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return _send(st, "sendDocument", params, {"document": document, **caption_content(params)})


def _source_message(st: StandInState, params: JSONDict, missing: str) -> JSONDict:
    source = st.chat(chat_id_param(params, "from_chat_id"))
    message_id = int_param(params, "message_id", required=True) or 0
    return st.stored_message(source.id, message_id, missing)


def _content_of(original: JSONDict) -> JSONDict:
    content = {key: original[key] for key in _CONTENT_KEYS if key in original}
    if not content:
        raise bad_request("message can't be copied")
    return content


async def copy_message(st: StandInState, params: JSONDict) -> JSONDict:
    content = _content_of(_source_message(st, params, "message to copy not found"))
    if "caption" in params and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(caption_content(params))
    chat = st.writable_chat(chat_id_param(params))
    message = st.new_message(
        chat,
        st.bot_user,
        {**content, **inline_markup(reply_markup(params))},
        thread_id=int_param(params, "message_thread_id"),
        reply_to=reply_target(st, chat.id, params),
    )
    st.record_sent("copyMessage", params, message, text=content.get("text", content.get("caption")))
    return {"message_id": message["message_id"]}


async def forward_message(st: StandInState, params: JSONDict) -> JSONDict:
    original = _source_message(st, params, "message to forward not found")
    content = _content_of(original)
    origin = original.get("forward_origin") or {
        "type": "user",
        "sender_user": original["from"],
        "date": original["date"],
    }
    chat = st.writable_chat(chat_id_param(params))
    message = st.new_message(
        chat,
        st.bot_user,
        {"forward_origin": origin, **content},
        thread_id=int_param(params, "message_thread_id"),
    )
    st.record_sent("forwardMessage", params, message, text=content.get("text"))
    return message


def _edit(st: StandInState, method: str, params: JSONDict, new: JSONDict, keys: tuple) -> Any:
    if params.get("inline_message_id"):
        return True
    chat = st.writable_chat(chat_id_param(params))
    message_id = int_param(params, "message_id", required=True) or 0
    message = st.stored_message(chat.id, message_id, "message to edit not found")
    if message["from"]["id"] != st.bot_user["id"]:
        raise bad_request("message can't be edited")
    if "text" in keys and "text" not in message:
        raise bad_request("there is no text in the message to edit")
    if "caption" in keys and not {"photo", "document", "voice"} & set(message):
        raise bad_request("there is no caption in the message to edit")
    if all(message.get(key) == new.get(key) for key in keys):
        raise bad_request(_NOT_MODIFIED)
    for key in keys:
        message.pop(key, None)
        if new.get(key) is not None:
            message[key] = new[key]
    message["edit_date"] = int(time.time())
    st.record_sent(method, params, message, text=params.get("text", params.get("caption")))
    return message


async def edit_message_text(st: StandInState, params: JSONDict) -> Any:
    new = {**text_content(params), **inline_markup(reply_markup(params))}
    return _edit(st, "editMessageText", params, new, ("text", "entities", "reply_markup"))


async def edit_message_caption(st: StandInState, params: JSONDict) -> Any:
    new = {**caption_content(params), **inline_markup(reply_markup(params))}
    keys = ("caption", "caption_entities", "reply_markup")
    return _edit(st, "editMessageCaption", params, new, keys)


async def edit_message_reply_markup(st: StandInState, params: JSONDict) -> Any:
    new = inline_markup(reply_markup(params))
    return _edit(st, "editMessageReplyMarkup", params, new, ("reply_markup",))


async def delete_message(st: StandInState, params: JSONDict) -> bool:
    chat = st.chat(chat_id_param(params))
    message_id = int_param(params, "message_id", required=True) or 0
    message = st.stored_message(chat.id, message_id, "message to delete not found")
    others = chat.type != "private" and message["from"]["id"] != st.bot_user["id"]
    too_old = time.time() - message["date"] >= DELETE_WINDOW_SECONDS
    if too_old or (others and not st.bot_is_admin(chat)):
        raise bad_request("message can't be deleted")
    del st.messages[(chat.id, message_id)]
    st.deleted.append((chat.id, message_id))
    return True


async def send_chat_action(st: StandInState, params: JSONDict) -> bool:
    st.writable_chat(chat_id_param(params))
    if params.get("action") not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "sendChatAction": send_chat_action,
}
