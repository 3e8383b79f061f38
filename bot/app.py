"""Build and run the Telegram application: ``python -m bot run``."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot.http_transport import AiohttpTransport
from bot.intake import serve_polling, serve_webhook
from bot.knowledge import load_knowledge_base
from bot.knowledge.review import read_approvals
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import RasaProcess, RasaStartupError
from bot.nlu.training import train_model
from bot.nlu.understanding import Understanding
from bot.send_budget import SendBudgetLimiter
from bot.services import AppContext, BotData, Services
from bot.settings import Settings, load_settings
from bot.storage import create_engine, create_session_factory, default_database_url
from bot.storage.knowledge_reviews import latest_reload
from bot.storage.migrate import upgrade_database_async
from bot.storage.sqlite_lock import SecondWorker, one_worker_on_sqlite
from bot.storage.transaction import in_transaction
from handlers import build_all_handlers, schedule_all_jobs
from handlers.bot_profile import schedule_profile
from handlers.errors import report_error
from handlers.staff_queue import start_staff_outbox, stop_staff_outbox

logger = logging.getLogger(__name__)

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set, so the bot cannot connect to Telegram.

  1. In Telegram, open @BotFather, send /newbot and follow the steps; it gives you a token.
  2. Run:  TELEGRAM_BOT_TOKEN=123456:ABC... make run
     (or put it in a file and set TELEGRAM_BOT_TOKEN_FILE=/path/to/file)

To try the assistant without Telegram, use the offline console:  make chat
"""


SEND_CONNECTIONS = 256  # python-telegram-bot's default pool for the bot's own requests


def build_application(settings: Settings) -> Application:
    """Create the Application; resources are opened in post_init and closed in post_shutdown."""
    assert settings.telegram.token is not None
    base_url = settings.telegram.api_base_url
    send_budget = SendBudgetLimiter(settings.telegram.max_sends_per_second)  # sessions: post_init
    application = (
        Application.builder()
        .token(settings.telegram.token.get_secret_value())
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .request(_telegram_request(SEND_CONNECTIONS))
        .get_updates_request(_telegram_request(1))
        .context_types(ContextTypes(context=AppContext, bot_data=BotData))
        .defaults(Defaults(parse_mode=ParseMode.HTML))  # every text the bot sends is HTML
        .rate_limiter(send_budget)  # Telegram's send limits, shared by every worker
        .updater(None)  # bot.intake takes the updates: acknowledged only once handled
        .post_init(_open_services(settings, send_budget))
        .post_shutdown(_close_services)
        .build()
    )
    for group, handlers in build_all_handlers(settings).items():
        application.add_handlers(handlers, group=group)
    application.add_error_handler(report_error)
    assert application.job_queue is not None
    schedule_all_jobs(application.job_queue, settings)
    return application


def _telegram_request(connections: int) -> HTTPXRequest:
    """PTB's own httpx request object (timeouts and errors as usual), with aiohttp I/O."""
    transport = AiohttpTransport(max_connections=connections)
    return HTTPXRequest(connection_pool_size=connections, httpx_kwargs={"transport": transport})


def _open_services(
    settings: Settings, send_budget: SendBudgetLimiter
) -> Callable[[Application], Coroutine[Any, Any, None]]:
    async def post_init(application: Application) -> None:
        url = settings.database_url or default_database_url()
        await upgrade_database_async(url)
        engine = create_engine(url, settings.database)
        sessions = create_session_factory(engine)
        send_budget.use(sessions)
        rasa, client = await _start_nlu(settings)
        reload_id = await in_transaction(sessions, latest_reload)  # before the files are read
        application.bot_data.services = Services(
            settings=settings,
            engine=engine,
            sessions=sessions,
            understanding=Understanding(client, settings.policy),
            knowledge=load_knowledge_base(settings.knowledge.path),
            rasa=rasa,
            knowledge_reload_id=reload_id,
            approvals=await read_approvals(sessions) or frozenset(),
        )
        start_staff_outbox(application)
        schedule_profile(application)  # menus and descriptions, once the bot runs
        # What start-up built lives as long as the process: collect its garbage once, then keep
        # the rest out of every later collection (bench, c=32: garbage collection took 3.9 %
        # of the bot's CPU, 2.4 % with this).
        gc.collect()
        gc.freeze()
        logger.info("Tanya Netral is ready (%s mode)", settings.telegram.mode)

    return post_init


async def _start_nlu(settings: Settings) -> tuple[RasaProcess | None, NluClient]:
    """Connect to RASA_URL, or start a local Rasa server; a failed start degrades, not crashes."""
    if settings.rasa.url:
        token = settings.rasa.auth_token
        client = NluClient.from_settings(
            settings.rasa,
            url=settings.rasa.url,
            auth_token=token.get_secret_value() if token else None,
        )
        return None, client
    model = (await asyncio.to_thread(train_model)).model_path
    rasa = RasaProcess(model, host=settings.rasa.host, port=settings.rasa.port)
    rasa.start()
    try:
        await rasa.wait_ready(settings.rasa.startup_timeout_seconds)
    except RasaStartupError:
        logger.exception("Local Rasa server did not start; questions go to consultants")
    return rasa, NluClient.from_settings(settings.rasa, url=rasa.url, auth_token=rasa.auth_token)


async def _close_services(application: Application) -> None:
    services: Services | None = getattr(application.bot_data, "services", None)
    if services is None:
        return
    await services.understanding.client.aclose()
    await services.engine.dispose()
    if services.rasa is not None:
        services.rasa.stop()


def _use_uvloop() -> None:
    """Run on uvloop where it is installed: the bot process spends less CPU per message.

    python-telegram-bot takes the loop from the policy (``asyncio.get_event_loop``).
    """
    try:
        import uvloop
    except ImportError:  # Windows
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    logger.info("Event loop: uvloop %s", uvloop.__version__)


def run_bot() -> int:
    try:
        settings = load_settings()
    except ValidationError as refusal:  # names the setting and how to fix it, never its value
        print(f"The settings are refused: {refusal}", file=sys.stderr)
        return 2
    telegram = settings.telegram
    if telegram.token is None:
        print(NO_TOKEN_HELP, file=sys.stderr)
        return 2
    try:
        with one_worker_on_sqlite(settings.database_url or default_database_url()):
            application = build_application(settings)
            _use_uvloop()
            asyncio.run(_serve(application, settings))
    except SecondWorker as refusal:
        print(refusal, file=sys.stderr)
        return 2
    return 0


async def _serve(application: Application, settings: Settings) -> None:
    """Open the services, take updates until SIGTERM or SIGINT, then close in reverse order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await application.initialize()
    try:
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()  # the job queue
        try:
            if settings.telegram.mode == "webhook":
                await serve_webhook(application, settings.telegram, stop)
            else:
                await serve_polling(application, stop)
        finally:
            await application.stop()
            await stop_staff_outbox(application)  # after the last updates, while the bot can send
    finally:
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)
