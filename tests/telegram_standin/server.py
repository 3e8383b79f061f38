"""BotApiStandIn: a Telegram Bot API server on 127.0.0.1 for end-to-end tests."""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType
from typing import Self

from aiohttp import web

from . import admin, messages
from .admin import MEMBER_STATUSES
from .faults import SENDING_METHODS, FaultPlan, FloodControl
from .inspection import RecordsView
from .messages import Handler
from .models import ApiError, CallRecord, Chat, JSONDict
from .params import read_params
from .state import StandInState
from .users import UserSimulation

_LOGGER = logging.getLogger(__name__)
_UNAUTHORIZED = ApiError(401, "Unauthorized")


class BotApiStandIn(UserSimulation, RecordsView):
    """Speaks the Bot API over real HTTP; give `base_url` and the token to PTB."""

    def __init__(
        self,
        token: str,
        *,
        bot_id: int | None = None,
        bot_username: str = "TanyaNetralTestBot",
        bot_first_name: str = "Tanya Netral (uji)",
    ) -> None:
        prefix = token.partition(":")[0]
        self.token = token
        self.state = StandInState(
            bot_id=bot_id or (int(prefix) if prefix.isdigit() else 7_000_000_001),
            bot_username=bot_username,
            bot_first_name=bot_first_name,
        )
        self.faults = FaultPlan()
        self.flood: FloodControl | None = None
        methods: dict[str, Handler] = {**messages.METHODS, **admin.METHODS}
        self._methods = {name.lower(): (name, handler) for name, handler in methods.items()}
        self._runner: web.AppRunner | None = None
        self._address = ("127.0.0.1", 0)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self._address = (host, self._runner.addresses[0][1])
        await self.state.feed.start()

    async def stop(self) -> None:
        await self.state.feed.stop()  # ends waiting long polls first
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._address[1]

    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder.base_url()`; PTB appends the token."""
        return f"http://{self._address[0]}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}/file/bot"

    # -- HTTP ------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(_UNAUTHORIZED.payload(), status=401)
        known = self._methods.get(request.match_info["method"].lower())
        method = known[0] if known else request.match_info["method"]
        params: JSONDict = {}
        try:
            params = await read_params(request)
            if known is None:
                raise ApiError(404, "Not Found: method not found")
            await self._apply_faults(method, params)
            result = await known[1](self.state, params)
        except ApiError as exc:
            call = CallRecord(method, params, exc.error_code, description=exc.description)
            self.state.record_call(call)
            return web.json_response(exc.payload(), status=exc.error_code)
        except Exception as exc:  # a stand-in bug: make it loud in the records, not a hang
            _LOGGER.exception("Stand-in failed on %s", method)
            error = ApiError(500, f"Internal Server Error: stand-in bug: {exc!r}")
            self.state.record_call(CallRecord(method, params, 500, description=error.description))
            return web.json_response(error.payload(), status=500)
        self.state.record_call(CallRecord(method, params, 200, result=result))
        return web.json_response({"ok": True, "result": result})

    async def _apply_faults(self, method: str, params: JSONDict) -> None:
        injection = self.faults.take(method)
        if injection is not None:
            if injection.delay:
                await asyncio.sleep(injection.delay)
            if injection.error is not None:
                raise injection.error
        refusal = self.faults.refusal(params.get("chat_id"), time.monotonic())
        if refusal is not None:
            raise refusal
        if self.flood is not None and method.lower() in SENDING_METHODS:
            self.flood.admit(params.get("chat_id"), time.monotonic())

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(_UNAUTHORIZED.payload(), status=401)
        path = request.match_info["path"]
        found = [f for f in self.state.files.values() if f.file_path == path and f.content]
        if not found:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        content_type = found[0].mime_type or "application/octet-stream"
        return web.Response(body=found[0].content, content_type=content_type)

    # -- arranging the world ---------------------------------------------------------------

    def add_group(self, chat_id: int, title: str, *, is_forum: bool = False) -> Chat:
        """A group (or supergroup, for -100… ids and forums) the bot is an admin of."""
        return self.state.add_group(chat_id, title, is_forum=is_forum)

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        if user_id != self.state.bot_user["id"]:
            self.add_user(user_id)
        self.state.chat(chat_id).members[user_id] = status

    def fail_next(
        self,
        method: str,
        count: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        *,
        description: str | None = None,
    ) -> None:
        """The next `count` calls of `method` ("*": any) fail; 429 carries retry_after."""
        self.faults.fail(
            method, count, error_code=error_code, retry_after=retry_after, description=description
        )

    def refuse_chat(
        self, chat_id: int, seconds: float, error_code: int = 502, retry_after: int | None = None
    ) -> float:
        """Every request about `chat_id` fails for `seconds` (a 429 carries retry_after, by
        default the time left); returns when the refusal ends (time.monotonic())."""
        until = time.monotonic() + seconds
        self.faults.refuse_chat(chat_id, until, error_code=error_code, retry_after=retry_after)
        return until

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """The next `count` calls of `method` are answered only after `seconds`."""
        self.faults.delay(method, seconds, count)

    def enable_flood_control(
        self,
        *,
        global_per_second: int = 30,
        group_per_minute: int = 20,
        private_per_second: int | None = None,
    ) -> FloodControl:
        """Answer 429 with retry_after, like Telegram, past these sending rates."""
        self.flood = FloodControl(
            global_per_second=global_per_second,
            group_per_minute=group_per_minute,
            private_per_second=private_per_second,
        )
        return self.flood

    def reset(self) -> None:
        """Forget records, injected faults and blocks; chats, users and updates stay."""
        self.state.reset_records()
        self.state.feed.deliveries.clear()
        self.state.blocked.clear()
        self.faults.clear()
        self.flood = None

    def my_commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """What setMyCommands stored for this scope and language."""
        key = admin.commands_key({"scope": scope, "language_code": language_code})
        return self.state.commands.get(key, [])
