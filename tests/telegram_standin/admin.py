"""Bot API methods about the bot itself, updates, commands, chats, topics and files."""

from __future__ import annotations

import json
import re
import time

from .delivery import Webhook
from .messages import Handler
from .models import CallbackAnswer, JSONDict, Topic, bad_request, utf16_len
from .params import bool_param, chat_id_param, int_param, json_param
from .state import StandInState

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True, "can_manage_topics": True,
}  # fmt: skip
MEMBER_STATUSES = ("creator", "administrator", "member", "left", "kicked")
_CHAT_SCOPE_TYPES = frozenset({"chat", "chat_administrators", "chat_member"})
_SCOPE_TYPES = _CHAT_SCOPE_TYPES | {
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators"
}  # fmt: skip


async def get_me(st: StandInState, params: JSONDict) -> JSONDict:
    return {
        **st.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(st: StandInState, params: JSONDict) -> list[JSONDict]:
    limit = min(max(int_param(params, "limit") or 100, 1), 100)
    timeout = params.get("timeout") or 0
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise bad_request("invalid timeout specified")
    return await st.feed.get_updates(
        offset=int_param(params, "offset"),
        limit=limit,
        wait=float(timeout),
        allowed_updates=json_param(params, "allowed_updates"),
    )


async def set_webhook(st: StandInState, params: JSONDict) -> bool:
    url = params.get("url") or ""
    drop = bool_param(params, "drop_pending_updates")
    if not url:
        st.feed.delete_webhook(drop_pending=drop)
        return True
    if not str(url).startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    max_connections = int_param(params, "max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: invalid max_connections")
    webhook = Webhook(url, secret, max_connections, params.get("ip_address"), drop)
    st.feed.set_webhook(webhook, allowed_updates=json_param(params, "allowed_updates"))
    return True


async def delete_webhook(st: StandInState, params: JSONDict) -> bool:
    st.feed.delete_webhook(drop_pending=bool_param(params, "drop_pending_updates"))
    return True


async def get_webhook_info(st: StandInState, params: JSONDict) -> JSONDict:
    return st.feed.info()


async def always_true(st: StandInState, params: JSONDict) -> bool:
    return True


def commands_key(params: JSONDict) -> tuple[str, str]:
    scope = json_param(params, "scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _checked_commands_key(st: StandInState, params: JSONDict) -> tuple[str, str]:
    """``commands_key`` of a scope Telegram accepts: a chat scope needs a chat it knows."""
    scope = json_param(params, "scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    if scope["type"] in _CHAT_SCOPE_TYPES:
        st.chat(chat_id_param(scope))  # 400 "chat not found", e.g. a user who never wrote
    return commands_key(params)


async def set_my_commands(st: StandInState, params: JSONDict) -> bool:
    key = _checked_commands_key(st, params)
    commands = json_param(params, "commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("command description must be non-empty")
    st.commands[key] = commands
    return True


async def get_my_commands(st: StandInState, params: JSONDict) -> list[JSONDict]:
    return st.commands.get(_checked_commands_key(st, params), [])


async def delete_my_commands(st: StandInState, params: JSONDict) -> bool:
    st.commands.pop(_checked_commands_key(st, params), None)
    return True


def _set_description(kind: str, limit: int) -> Handler:
    """setMyDescription / setMyShortDescription: 0..limit characters, "" removes it."""

    async def handler(st: StandInState, params: JSONDict) -> bool:
        text = str(params.get(kind) or "")
        if utf16_len(text) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        key = (kind, str(params.get("language_code") or ""))
        if text:
            st.descriptions[key] = text
        else:
            st.descriptions.pop(key, None)
        return True

    return handler


def _get_description(kind: str) -> Handler:
    """getMyDescription / getMyShortDescription: the language's own, else the default."""

    async def handler(st: StandInState, params: JSONDict) -> JSONDict:
        language = str(params.get("language_code") or "")
        default = st.descriptions.get((kind, ""), "")
        return {kind: st.descriptions.get((kind, language), default)}

    return handler


async def answer_callback_query(st: StandInState, params: JSONDict) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    query = st.callback_queries.get(query_id)
    too_old = query is not None and time.monotonic() - query.created > st.callback_answer_timeout
    if query is None or query.answered or too_old:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and utf16_len(str(text)) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    answer = CallbackAnswer(
        callback_query_id=query_id,
        text=text,
        show_alert=bool_param(params, "show_alert"),
        url=params.get("url"),
        cache_time=int_param(params, "cache_time"),
    )
    st.record_answer(answer)
    return True


async def get_chat(st: StandInState, params: JSONDict) -> JSONDict:
    chat = st.chat(chat_id_param(params))
    gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
    return {
        **chat.summary(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys((*gifts, "gifts_from_channels"), False),
    }


def member_json(status: str, user: JSONDict) -> JSONDict:
    member: JSONDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "kicked":
        member["until_date"] = 0
    return member


async def get_chat_member(st: StandInState, params: JSONDict) -> JSONDict:
    chat = st.chat(chat_id_param(params))
    user_id = int_param(params, "user_id", required=True)
    if user_id == st.bot_user["id"]:
        user = st.bot_user
    elif user_id in st.users:
        user = st.users[user_id].to_json()
    else:
        raise bad_request("user not found")
    return member_json(chat.members.get(user_id or 0, "left"), user)


def _forum_topic(st: StandInState, params: JSONDict) -> Topic:
    chat = st.chat(chat_id_param(params))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    topic = chat.topics.get(int_param(params, "message_thread_id") or 0)
    if topic is None:
        raise bad_request("message thread not found")
    return topic


async def create_forum_topic(st: StandInState, params: JSONDict) -> JSONDict:
    chat = st.chat(chat_id_param(params))
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    name = str(params.get("name") or "")
    if not 1 <= utf16_len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    icon_color = int_param(params, "icon_color") or 7322096
    if icon_color not in _TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    service = {"forum_topic_created": {"name": name, "icon_color": icon_color}}
    message = st.new_message(chat, st.bot_user, service)
    thread_id = message["message_id"]
    message.update(message_thread_id=thread_id, is_topic_message=True)
    emoji = params.get("icon_custom_emoji_id")
    chat.topics[thread_id] = Topic(thread_id, name, icon_color, emoji)
    topic = {"message_thread_id": thread_id, "name": name, "icon_color": icon_color}
    return {**topic, "icon_custom_emoji_id": emoji} if emoji else topic


async def edit_forum_topic(st: StandInState, params: JSONDict) -> bool:
    topic = _forum_topic(st, params)
    name = params.get("name") or topic.name
    emoji = params.get("icon_custom_emoji_id", topic.icon_custom_emoji_id)
    if (name, emoji) == (topic.name, topic.icon_custom_emoji_id):
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.name, topic.icon_custom_emoji_id = str(name), emoji
    return True


def _set_topic_closed(closed: bool) -> Handler:
    async def handler(st: StandInState, params: JSONDict) -> bool:
        topic = _forum_topic(st, params)
        if topic.is_closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.is_closed = closed
        return True

    return handler


async def delete_forum_topic(st: StandInState, params: JSONDict) -> bool:
    topic = _forum_topic(st, params)
    chat = st.chat(chat_id_param(params))
    if not st.bot_is_admin(chat):  # the right to delete messages
        raise bad_request("not enough rights to delete the topic")
    st.delete_topic(chat, topic.message_thread_id)
    return True


async def get_file(st: StandInState, params: JSONDict) -> JSONDict:
    stored = st.files.get(str(params.get("file_id") or ""))
    if stored is None:
        raise bad_request("invalid file_id")
    return {**stored.size_json(), "file_path": stored.file_path}


METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "logOut": always_true,
    "close": always_true,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": _set_description("description", 512),
    "getMyDescription": _get_description("description"),
    "setMyShortDescription": _set_description("short_description", 120),
    "getMyShortDescription": _get_description("short_description"),
    "answerCallbackQuery": answer_callback_query,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "createForumTopic": create_forum_topic,
    "editForumTopic": edit_forum_topic,
    "closeForumTopic": _set_topic_closed(True),
    "reopenForumTopic": _set_topic_closed(False),
    "deleteForumTopic": delete_forum_topic,
    "getFile": get_file,
}
