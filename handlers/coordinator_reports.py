"""The coordinators' reports in Telegram: ``/laporan [periode]`` (a summary, then the charts),
``/ekspor [periode]`` (the XLSX workbook), and the weekly digest in each coordinator's private
chat (``reports.digest_weekday`` / ``digest_time``), sent once across workers.

A report reads the database in a session of its own (``report_for_period``), and the charts and
workbook are drawn in a worker thread: a report never holds a connection while sending, and
never stalls the conversations the bot is handling meanwhile. matplotlib and openpyxl are
imported on the first report, not at start: they take seconds to load, and most workers never
draw a chart.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InputFile, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CommandHandler, JobQueue, filters

from bot.knowledge import KnowledgeBase
from bot.queue import clock
from bot.queue.office_hours import parse_clock
from bot.reports.figures import report_for_period
from bot.reports.model import Report
from bot.reports.periods import Period, PeriodError, parse_period, report_zone
from bot.reports.summary import summary_html
from bot.services import AppContext, Services
from bot.settings import Settings
from bot.storage.database import is_transient
from bot.storage.models import StaffNotice
from bot.storage.outbox import NoticeKind, enqueue_notice
from bot.storage.scheduled_runs import claim_run
from bot.storage.transaction import in_transaction

logger = logging.getLogger(__name__)

COORDINATOR_COMMANDS = ("laporan", "ekspor")
DIGEST_CHECK_SECONDS = 300.0
DIGEST_LATE_BY = timedelta(hours=24)
"""A digest missed at its time (no worker running) is still sent this much later."""
CHART_CAPTIONS = {
    "pertanyaan_harian": "Pertanyaan per hari menurut hasilnya",
    "topik": "Topik: jumlah dan penilaian 👍/👎",
    "tiket_harian": "Tiket dibuka, diambil, ditutup; waktu tunggu dalam jam kerja",
    "konsultan": "Per konsultan: tiket, balasan pertama, penilaian",
    "nilai_dan_tren": "Penilaian 1–5 dan pertanyaan yang tidak dapat ditempatkan",
}


async def report_command(update: Update, context: AppContext) -> None:
    """/laporan [periode]: the summary, then the charts, in the chat it was asked in."""
    asked = await _asked_report(update, context)
    if asked is not None:
        chat_id, report = asked
        heading = context.services.knowledge.message("report_heading")
        await send_report(context.bot, chat_id, report, context.services.knowledge, heading)


async def export_command(update: Update, context: AppContext) -> None:
    """/ekspor [periode]: the period's workbook as an XLSX document."""
    asked = await _asked_report(update, context)
    if asked is None:
        return
    chat_id, report = asked
    from bot.reports.workbook import workbook_bytes  # openpyxl: imported when first needed

    content = await asyncio.to_thread(workbook_bytes, report)
    period = report.period
    await context.bot.send_document(
        chat_id,
        InputFile(content, filename=f"laporan_{period.first_day}_{period.last_day}.xlsx"),
        caption=context.services.knowledge.message("report_export_caption", period=period.label),
    )


async def _asked_report(update: Update, context: AppContext) -> tuple[int, Report] | None:
    """The report the command asks for; None when the period or the database fails (the
    coordinator told why)."""
    message = update.effective_message
    assert message is not None
    services = context.services
    knowledge = services.knowledge
    text = " ".join(context.args or [])
    try:
        period = parse_period(text, zone=report_zone(services.settings), now=clock.now())
    except PeriodError:
        await message.reply_text(knowledge.message("report_period_unknown", text=text))
        return None
    await message.reply_text(knowledge.message("report_working", period=period.label))
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    report = await _report(services, period)
    if report is None:
        await message.reply_text(knowledge.message("report_unavailable"))
        return None
    return message.chat_id, report


async def _report(services: Services, period: Period) -> Report | None:
    """The period's report; None while the database is unavailable."""
    try:
        return await report_for_period(
            services.sessions, period, settings=services.settings, knowledge=services.knowledge
        )
    except Exception as error:
        if not is_transient(error):
            raise
        logger.warning("Report not built, the database is unavailable: %s", type(error).__name__)
        return None


async def send_report(
    bot: Bot, chat_id: int, report: Report, knowledge: KnowledgeBase, heading: str
) -> None:
    """The summary, then one photo per chart."""
    await bot.send_message(chat_id, summary_html(report, knowledge, heading=heading))
    from bot.reports.charts import render_charts  # matplotlib: imported when first needed

    charts = await asyncio.to_thread(render_charts, report)
    for name, png in charts.items():
        await bot.send_photo(
            chat_id, InputFile(png, filename=f"{name}.png"), caption=CHART_CAPTIONS[name]
        )


async def refuse_report_command(update: Update, context: AppContext) -> None:
    """A report command from someone who is not a coordinator."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.services.knowledge.message("report_for_coordinators"))


# -- the weekly digest ----------------------------------------------------------------------


def last_digest_time(settings: Settings, now: datetime) -> datetime:
    """The latest digest time (its weekday and time, in the reports' zone) at or before now."""
    reports = settings.reports
    local = now.astimezone(report_zone(settings))
    days_back = (local.isoweekday() - reports.digest_weekday) % 7
    day = local.date() - timedelta(days=days_back)
    moment = datetime.combine(day, parse_clock(reports.digest_time), tzinfo=local.tzinfo)
    return moment if moment <= local else moment - timedelta(days=7)


async def check_digest(context: AppContext) -> None:
    """Queue the weekly digest once its time has come: the first worker to claim the week's
    run queues it in the staff outbox, in the same transaction, so a crash loses nothing and
    no worker sends it twice; its drainer sends it (``send_weekly_digest``)."""
    services = context.services
    if not services.settings.staff.coordinator_ids:
        return
    due = last_digest_time(services.settings, clock.now())
    if clock.now() - due > DIGEST_LATE_BY:
        return
    last_week = due.date() - timedelta(days=7), due.date() - timedelta(days=1)

    async def claim(session: AsyncSession) -> bool:
        if not await claim_run(session, f"ringkasan_mingguan:{due.date().isoformat()}"):
            return False
        payload = {"first_day": last_week[0].isoformat(), "last_day": last_week[1].isoformat()}
        await enqueue_notice(session, NoticeKind.WEEKLY_DIGEST, payload)
        return True

    if await in_transaction(services.sessions, claim):
        logger.info("Weekly digest of %s to %s queued", *last_week)


async def send_weekly_digest(context: AppContext, notice: StaffNotice) -> None:
    """Send the digest to each coordinator's private chat; one who never wrote to the bot, or
    blocked it, is skipped and logged (the others still get it)."""
    services = context.services
    content = notice.content
    period = Period(
        datetime.fromisoformat(content["first_day"]).date(),
        datetime.fromisoformat(content["last_day"]).date(),
        report_zone(services.settings),
    )
    report = await report_for_period(
        services.sessions, period, settings=services.settings, knowledge=services.knowledge
    )
    heading = services.knowledge.message("report_digest_heading")
    for coordinator in services.settings.staff.coordinator_ids:
        try:
            await send_report(context.bot, coordinator, report, services.knowledge, heading)
        except (Forbidden, BadRequest) as refusal:
            logger.info("Weekly digest not sent to coordinator %s: %s", coordinator, refusal)


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """The report commands: coordinators, in a private chat or the staff group; anyone else
    who may write there is refused politely."""
    where: filters.BaseFilter = filters.ChatType.PRIVATE
    if settings.staff.chat_id is not None:
        where = where | filters.Chat(chat_id=settings.staff.chat_id)
    coordinators = filters.User(user_id=list(settings.staff.coordinator_ids)) & where
    return [
        CommandHandler("laporan", report_command, filters=coordinators),
        CommandHandler("ekspor", export_command, filters=coordinators),
        CommandHandler(COORDINATOR_COMMANDS, refuse_report_command, filters=where),
    ]


def schedule_jobs(job_queue: JobQueue, settings: Settings) -> None:
    """Look for the digest's time every few minutes."""
    if settings.staff.coordinator_ids:
        job_queue.run_repeating(
            check_digest, interval=DIGEST_CHECK_SECONDS, first=1.0, name="ringkasan_mingguan"
        )
