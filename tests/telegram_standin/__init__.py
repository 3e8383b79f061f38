"""A Telegram Bot API stand-in over real HTTP, for end-to-end tests of the bot.

Start a `BotApiStandIn`, give PTB its `base_url` (and `base_file_url`) with the same token,
simulate users with `send_text`, `press_button` and friends, then assert on `wait_for_sent`.
Modules: server (HTTP, lifecycle, faults), admin and messages (the Bot API methods),
users (simulated users), delivery (getUpdates and webhook), inspection (records and waits).
"""

from .models import ApiError, CallbackAnswer, CallRecord, FakeUser, SentRecord, WebhookDelivery
from .server import BotApiStandIn

__all__ = [
    "ApiError",
    "BotApiStandIn",
    "CallRecord",
    "CallbackAnswer",
    "FakeUser",
    "SentRecord",
    "WebhookDelivery",
]
