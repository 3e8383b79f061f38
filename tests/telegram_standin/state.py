"""What the stand-in remembers: chats, messages, files, and every call the bot made."""

from __future__ import annotations

import copy
import itertools
import time
from dataclasses import dataclass

from .delivery import UpdateFeed
from .models import (
    ApiError,
    CallbackAnswer,
    CallRecord,
    Chat,
    FakeUser,
    JSONDict,
    SentRecord,
    Signal,
    bad_request,
)


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes | None  # None for files "sent by URL", which the stand-in never fetches
    file_name: str | None = None
    mime_type: str | None = None

    def size_json(self) -> JSONDict:
        data: JSONDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.content is not None:
            data["file_size"] = len(self.content)
        return data


@dataclass
class PendingQuery:
    chat_id: int
    message_id: int
    created: float
    answered: bool = False


class StandInState:
    """All data of one stand-in; Bot API methods and user simulation both work on it."""

    callback_answer_timeout = 15.0  # Telegram rejects answers to older callback queries

    def __init__(self, *, bot_id: int, bot_username: str, bot_first_name: str) -> None:
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, FakeUser] = {}
        self.messages: dict[tuple[int, int], JSONDict] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}  # (kind, language_code) -> text
        self.callback_queries: dict[str, PendingQuery] = {}
        self.blocked: set[int] = set()
        self.sent: list[SentRecord] = []
        self.deleted: list[tuple[int, int]] = []
        self.calls: list[CallRecord] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.feed = UpdateFeed()
        self.changed = Signal()  # fired on every new record
        self._ids = itertools.count(1)

    # -- chats and users -------------------------------------------------------------

    def add_user(self, user: FakeUser) -> FakeUser:
        self.users[user.id] = user
        if user.id not in self.chats:
            self.chats[user.id] = Chat(
                id=user.id,
                type="private",
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
                members={user.id: "member", self.bot_user["id"]: "member"},
            )
        return user

    def add_group(self, chat_id: int, title: str, *, is_forum: bool = False) -> Chat:
        if chat_id >= 0:
            raise ValueError("group and supergroup chat ids are negative")
        supergroup = is_forum or str(chat_id).startswith("-100")
        chat = Chat(
            id=chat_id, type="supergroup" if supergroup else "group", title=title, is_forum=is_forum
        )
        chat.members[self.bot_user["id"]] = "administrator"
        self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int | str) -> Chat:
        """A chat by id or "@username", or Telegram's 400 "chat not found"."""
        if isinstance(chat_id, str):
            if chat_id.lstrip("-").isdigit():
                chat_id = int(chat_id)
            else:
                found = [c for c in self.chats.values() if f"@{c.username}" == chat_id]
                if not found:
                    raise bad_request("chat not found")
                return found[0]
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def bot_is_admin(self, chat: Chat) -> bool:
        """Whether the bot may delete others' messages and topics in the chat."""
        return chat.members.get(self.bot_user["id"]) in ("administrator", "creator")

    def writable_chat(self, chat_id: int | str) -> Chat:
        chat = self.chat(chat_id)
        if chat.type == "private" and chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    # -- messages ------------------------------------------------------------------------

    def stored_message(self, chat_id: int, message_id: int, missing: str) -> JSONDict:
        message = self.messages.get((chat_id, message_id))
        if message is None:
            raise bad_request(missing)
        return message

    def new_message(
        self,
        chat: Chat,
        sender: JSONDict,
        content: JSONDict,
        *,
        thread_id: int | None = None,
        reply_to: JSONDict | None = None,
    ) -> JSONDict:
        """Store a new message in `chat` with the next message_id and return it."""
        if thread_id and chat.is_forum and thread_id not in chat.topics:
            raise bad_request("message thread not found")
        message: JSONDict = {
            "message_id": chat.take_message_id(),
            "from": sender,
            "chat": chat.summary(),
            "date": int(time.time()),
        }
        if thread_id and chat.is_forum:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            # Telegram shows a topic message as a reply to the topic's creation message.
            reply_to = reply_to or self.messages.get((chat.id, thread_id))
        if reply_to is not None:
            message["reply_to_message"] = {
                k: v for k, v in reply_to.items() if k != "reply_to_message"
            }
        message.update(content)
        self.messages[(chat.id, message["message_id"])] = message
        return message

    def age_message(self, chat_id: int, message_id: int, seconds: float) -> None:
        """Make a message look sent `seconds` earlier (past 48 hours Telegram refuses to
        delete it)."""
        self.messages[(chat_id, message_id)]["date"] -= int(seconds)

    def delete_topic(self, chat: Chat, thread_id: int) -> None:
        """Remove a forum topic and every message in it, its creation message included."""
        del chat.topics[thread_id]
        for key, message in list(self.messages.items()):
            if key[0] == chat.id and (
                key[1] == thread_id or message.get("message_thread_id") == thread_id
            ):
                del self.messages[key]
                self.deleted.append(key)

    # -- files ---------------------------------------------------------------------------

    def store_file(
        self,
        kind: str,
        content: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        number = next(self._ids)
        extension = (
            (file_name or "").rpartition(".")[2] if file_name and "." in file_name else "bin"
        )
        stored = StoredFile(
            file_id=f"StandIn{kind.title()}FileId{number:06d}",
            file_unique_id=f"StandInUnique{number:06d}",
            file_path=f"{kind}s/file_{number}.{extension}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

    def new_callback_query_id(self, chat_id: int, message_id: int) -> str:
        query_id = str(4_000_000_000_000 + next(self._ids))
        self.callback_queries[query_id] = PendingQuery(chat_id, message_id, time.monotonic())
        return query_id

    # -- records -------------------------------------------------------------------------

    def record_sent(
        self, method: str, params: JSONDict, message: JSONDict, *, text: str | None
    ) -> SentRecord:
        record = SentRecord(
            method=method,
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=params.get("reply_markup"),
            message_thread_id=message.get("message_thread_id"),
            params=params,
            message=copy.deepcopy(message),
        )
        self.sent.append(record)
        self.changed.fire()
        return record

    def record_call(self, call: CallRecord) -> None:
        self.calls.append(call)
        self.changed.fire()

    def record_answer(self, answer: CallbackAnswer) -> None:
        self.callback_answers.append(answer)
        self.changed.fire()

    def reset_records(self) -> None:
        for records in (self.sent, self.deleted, self.calls, self.callback_answers):
            records.clear()
