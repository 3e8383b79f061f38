"""Simulated users: what they send becomes Update JSON delivered to the bot."""

from __future__ import annotations

import copy
import time
from typing import TypedDict, Unpack

from .formatting import parse_html
from .models import FakeUser, JSONDict, SentRecord, utf16_len
from .state import StandInState

_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00stand-in photo\xff\xd9"
_PDF = b"%PDF-1.4\n% stand-in document\n%%EOF\n"
_OGG = b"OggS\x00stand-in voice"
_WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 stand-in sticker"


class Placement(TypedDict, total=False):
    """Where a simulated message goes; the default is the user's private chat."""

    chat_id: int | None
    reply_to_message_id: int | None
    message_thread_id: int | None


class UserSimulation:
    """Mixin for BotApiStandIn: simulated users write, edit and press buttons."""

    state: StandInState

    # -- users ---------------------------------------------------------------------------

    def add_user(self, user: FakeUser | int) -> FakeUser:
        """Register a user (an int gets a generated name); their private chat now exists."""
        if isinstance(user, int):
            user = self.state.users.get(user) or FakeUser(id=user, first_name=f"Pengguna{user}")
        return self.state.add_user(user)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to their chat gives 403 Forbidden."""
        self.state.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.state.blocked.discard(user_id)

    # -- delivery ------------------------------------------------------------------------

    async def deliver_raw(self, update: JSONDict) -> int | None:
        """Deliver any update as Telegram would: queue it for getUpdates, or POST it to the
        webhook and return the HTTP status of the first attempt (0: no answer; retried)."""
        return await self.state.feed.push(copy.deepcopy(update))

    async def forge_webhook_post(self, update: JSONDict, *, secret_token: str | None) -> int:
        """POST once to the configured webhook with any secret header; no retries."""
        webhook = self.state.feed.webhook
        if webhook is None:
            raise RuntimeError("no webhook is set; the bot has not called setWebhook")
        return await self.state.feed.post(webhook, update, secret_token)

    async def _write(self, user: FakeUser | int, content: JSONDict, where: Placement) -> JSONDict:
        sender = self.add_user(user)
        self.state.blocked.discard(sender.id)  # writing to the bot again unblocks it
        chat_id = where.get("chat_id") or sender.id
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise ValueError(f"chat {chat_id} does not exist; call add_group() first")
        if chat.type == "private" and chat.id != sender.id:
            raise ValueError(f"user {sender.id} cannot write in the private chat of {chat.id}")
        chat.members.setdefault(sender.id, "member")
        reply_to, reply_to_id = None, where.get("reply_to_message_id")
        if reply_to_id is not None:
            reply_to = self.state.messages.get((chat.id, reply_to_id))
            if reply_to is None:
                raise ValueError(f"message {reply_to_id} is not in chat {chat.id}")
        message = self.state.new_message(
            chat,
            sender.to_json(),
            content,
            thread_id=where.get("message_thread_id"),
            reply_to=reply_to,
        )
        update = {"update_id": self.state.feed.new_update_id(), "message": copy.deepcopy(message)}
        await self.deliver_raw(update)
        return update

    # -- what users send -----------------------------------------------------------------

    async def send_text(
        self, user: FakeUser | int, text: str, **where: Unpack[Placement]
    ) -> JSONDict:
        """A text message; "/command ..." carries a bot_command entity like Telegram's."""
        content: JSONDict = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return await self._write(user, content, where)

    async def send_photo(
        self,
        user: FakeUser | int,
        *,
        caption: str | None = None,
        content: bytes = _JPEG,
        **where: Unpack[Placement],
    ) -> JSONDict:
        thumb = self.state.store_file("photo", content, mime_type="image/jpeg")
        full = self.state.store_file("photo", content, mime_type="image/jpeg")
        photo = [
            {**thumb.size_json(), "width": 90, "height": 67},
            {**full.size_json(), "width": 1280, "height": 960},
        ]
        body: JSONDict = {"photo": photo, **({"caption": caption} if caption else {})}
        return await self._write(user, body, where)

    async def send_document(
        self,
        user: FakeUser | int,
        *,
        file_name: str = "dokumen.pdf",
        mime_type: str = "application/pdf",
        content: bytes = _PDF,
        caption: str | None = None,
        **where: Unpack[Placement],
    ) -> JSONDict:
        stored = self.state.store_file(
            "document", content, file_name=file_name, mime_type=mime_type
        )
        document = {**stored.size_json(), "file_name": file_name, "mime_type": mime_type}
        body: JSONDict = {"document": document, **({"caption": caption} if caption else {})}
        return await self._write(user, body, where)

    async def send_sticker(
        self, user: FakeUser | int, *, emoji: str = "👍", **where: Unpack[Placement]
    ) -> JSONDict:
        stored = self.state.store_file("sticker", _WEBP, mime_type="image/webp")
        sticker = {
            **stored.size_json(),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._write(user, {"sticker": sticker}, where)

    async def send_location(
        self, user: FakeUser | int, latitude: float, longitude: float, **where: Unpack[Placement]
    ) -> JSONDict:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._write(user, {"location": location}, where)

    async def send_contact(
        self,
        user: FakeUser | int,
        phone_number: str,
        first_name: str,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        **where: Unpack[Placement],
    ) -> JSONDict:
        contact: JSONDict = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id:
            contact["user_id"] = contact_user_id
        return await self._write(user, {"contact": contact}, where)

    async def send_voice(
        self,
        user: FakeUser | int,
        *,
        duration: int = 3,
        content: bytes = _OGG,
        **where: Unpack[Placement],
    ) -> JSONDict:
        stored = self.state.store_file("voice", content, mime_type="audio/ogg")
        voice = {**stored.size_json(), "duration": duration, "mime_type": "audio/ogg"}
        return await self._write(user, {"voice": voice}, where)

    async def send_formatted_text(
        self, user: FakeUser | int, html_text: str, **where: Unpack[Placement]
    ) -> JSONDict:
        """A text the user formatted in their app (bold, links ...), written here as HTML:
        it arrives as Telegram delivers it, plain text with entities."""
        text, entities = parse_html(html_text)
        if text.startswith("/"):  # a command carries its bot_command entity, as in send_text
            command = text.split(maxsplit=1)[0]
            entities.insert(0, {"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        return await self._write(user, {"text": text, "entities": entities}, where)

    async def send_formatted_photo(
        self, user: FakeUser | int, caption_html: str, **where: Unpack[Placement]
    ) -> JSONDict:
        """A photo whose caption the user formatted (written here as HTML)."""
        stored = self.state.store_file("photo", _JPEG, mime_type="image/jpeg")
        photo = [{**stored.size_json(), "width": 1280, "height": 960}]
        caption, entities = parse_html(caption_html)
        body: JSONDict = {"photo": photo, "caption": caption, "caption_entities": entities}
        return await self._write(user, body, where)

    async def edit_text(
        self, user: FakeUser | int, message_id: int, text: str, *, chat_id: int | None = None
    ) -> JSONDict:
        """The user edits one of their text messages: an edited_message update."""
        sender = self.add_user(user)
        message = self.state.messages.get((chat_id or sender.id, message_id))
        if message is None or message["from"]["id"] != sender.id or "text" not in message:
            raise ValueError(f"user {sender.id} has no text message {message_id} to edit")
        message["text"] = text
        message.pop("entities", None)
        if text.startswith("/"):  # a command still carries its bot_command entity
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        message["edit_date"] = int(time.time())
        update = {"update_id": self.state.feed.new_update_id(), "edited_message": message}
        await self.deliver_raw(update)
        return update

    def make_callback_query(
        self,
        user: FakeUser | int,
        message: SentRecord | int,
        data: str,
        *,
        chat_id: int | None = None,
    ) -> JSONDict:
        """A callback_query update for any data, button or not (forged data); not delivered."""
        presser = self.add_user(user)
        if isinstance(message, SentRecord):
            chat_id, message_id = message.chat_id, message.message_id or 0
        else:
            chat_id, message_id = chat_id or presser.id, message
        stored = self.state.messages.get((chat_id, message_id))
        if stored is None:
            raise AssertionError(f"message {message_id} in chat {chat_id} does not exist")
        query = {
            "id": self.state.new_callback_query_id(chat_id, message_id),
            "from": presser.to_json(),
            "message": copy.deepcopy(stored),
            "chat_instance": f"standin-{chat_id}",
            "data": data,
        }
        return {"update_id": self.state.feed.new_update_id(), "callback_query": query}

    async def press_button(
        self,
        user: FakeUser | int,
        message: SentRecord | int,
        callback_data: str,
        *,
        chat_id: int | None = None,
    ) -> JSONDict:
        """Press an inline button that the message (as it is now) really has."""
        update = self.make_callback_query(user, message, callback_data, chat_id=chat_id)
        shown = update["callback_query"]["message"]
        rows = shown.get("reply_markup", {}).get("inline_keyboard", [])
        buttons = [button.get("callback_data") for row in rows for button in row]
        if callback_data not in buttons:
            raise AssertionError(
                f"message {shown['message_id']} has no button with callback_data "
                f"{callback_data!r}; its buttons now: {buttons}"
            )
        await self.deliver_raw(update)
        return update
