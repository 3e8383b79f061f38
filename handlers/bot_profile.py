"""The bot as a phone user finds it: each chat's command menu and the bot's descriptions.

The menus are declared here once; ``tests/test_bot_profile.py`` checks that every command in a
menu has a handler and every command a handler answers is in a menu (or a listed alias).

Telegram shows the menu of the narrowest scope: a consultant's private chat (its own scope)
gets the ASN's commands and the staff commands, other private chats the ASN's, the staff group
the staff commands. A consultant's private chat exists only once they wrote to the bot; until
then Telegram answers "chat not found" and the next start sets their menu.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.services import AppContext
from bot.settings import Settings

logger = logging.getLogger(__name__)

ASN_MENU = (
    BotCommand("start", "Perkenalan dan informasi privasi"),
    BotCommand("bantuan", "Daftar topik"),
    BotCommand("konsultan", "Teruskan pertanyaan ke konsultan LKBH KORPRI"),
    BotCommand("selesai", "Tutup tiket konsultasi Anda"),
    BotCommand("nama", "Pilih: konsultan melihat nama Anda atau nama samaran"),
    BotCommand("hapus_data", "Hapus data Anda"),
)
"""Private chats: the order in which an ASN needs them."""

STAFF_MENU = (
    BotCommand("antrian", "Tiket terbuka, yang terlama dahulu"),
    BotCommand("tiket", "Riwayat tiket: /tiket N"),
    BotCommand("ambil", "Ambil tiket: /ambil N"),
    BotCommand("jawab", "Jawab pengguna: /jawab N teks"),
    BotCommand("kirim", "Kirim jawaban topik ke ASN: /kirim N topik"),
    BotCommand("templat", "Templat balasan kantor: daftar, simpan, hapus"),
    BotCommand("catatan", "Catatan internal, tidak terlihat ASN: /catatan N teks"),
    BotCommand("tutup", "Tutup tiket: /tutup N"),
    BotCommand("label", "Asisten salah baca? Topik sebenarnya: /label N topik"),
    BotCommand("lepas", "Kembalikan tiket ke antrean: /lepas N"),
    BotCommand("alihkan", "Alihkan tiket ke rekan konsultan: /alihkan N"),
    BotCommand("ambil_alih", "Koordinator: ambil alih tiket rekan: /ambil_alih N"),
    BotCommand("tampilkan_nama", "Pilih: ASN melihat nama Anda atau hanya peran"),
    BotCommand("statistik", "Statistik tiket untuk koordinator"),
)
"""The staff group and the consultants' private chats."""

CONSULTANT_MENU = STAFF_MENU + ASN_MENU
"""A consultant's private chat: their work first, then what any ASN can do."""

REPORT_MENU = (
    BotCommand("laporan", "Laporan dan grafik: /laporan minggu_lalu, 2026-11, 30"),
    BotCommand("ekspor", "Lembar kerja XLSX: /ekspor bulan_ini"),
)
KNOWLEDGE_MENU = (BotCommand("muat_ulang_kb", "Muat ulang basis pengetahuan tanpa restart"),)
COORDINATOR_MENU = REPORT_MENU + KNOWLEDGE_MENU + CONSULTANT_MENU
"""A coordinator's private chat: the reports and the reload, then a consultant's menu."""

REVIEW_MENU = (BotCommand("tinjau_nlu", "Tinjau pertanyaan yang mungkin salah dibaca asisten"),)
"""Prepended to a reviewer's (``REVIEWER_IDS``) private menu, whatever else they are."""

LAWYER_MENU = (BotCommand("tinjau_jawaban", "Tinjau dan setujui jawaban bot"),)
"""Prepended to a lawyer's (``LAWYER_IDS``) private menu, whatever else they are."""

UNLISTED_ALIASES = frozenset({"help", "menu"})
"""Answered (as /bantuan) for those used to them, but not offered in a menu."""

SHORT_DESCRIPTION = (
    "Tanya jawab netralitas ASN (PNS dan PPPK) dalam Pemilu dan Pilkada; "
    "kasus pribadi dijawab konsultan LKBH KORPRI."
)
"""The bot's profile page and shared links (Telegram: at most 120 characters)."""


def bot_description(retention_days: int) -> str:
    """What an empty chat with the bot shows (Telegram: at most 512 characters)."""
    return (
        "Tanya Netral menjawab pertanyaan ASN (PNS dan PPPK) tentang netralitas dalam Pemilu "
        "dan Pilkada, dengan dasar hukumnya. Jawaban bot adalah informasi umum, bukan nasihat "
        "hukum dari pengacara; kasus pribadi diteruskan ke konsultan LKBH KORPRI, yang "
        "menjawab langsung.\n\n"
        "Privasi: pesan Anda, jawaban bot, serta ID dan nama Telegram Anda dicatat; konsultan "
        "melihat nama samaran, kecuali Anda memilih /nama. Pesan dihapus otomatis setelah "
        f"{retention_days} hari, atau kapan saja dengan /hapus_data."
    )


def schedule_profile(application: Application) -> None:
    """Set the profile once, as soon as the bot runs; start never waits for Telegram."""
    assert application.job_queue is not None
    application.job_queue.run_once(
        _publish_profile_job,
        when=0,
        name="bot_profile",
        job_kwargs={"misfire_grace_time": None},  # however late the job queue starts
    )


async def _publish_profile_job(context: AppContext) -> None:
    await publish_profile(context.bot, context.services.settings)


async def publish_profile(bot: Bot, settings: Settings) -> None:
    """Set the descriptions and each chat's menu; Telegram failing is logged, never raised.

    Every worker does this at its start: the calls replace what is there, so several workers
    setting the same profile at once leave the same result. Each request goes under the one
    retry policy (the rate limiter applies ``bot.retrying.telegram_request``); a request that
    still fails means Telegram cannot be reached, and the rest waits for the next start.
    """
    try:
        await _refusal_logged(
            "description", bot.set_my_description(bot_description(settings.privacy.retention_days))
        )
        await _refusal_logged("short description", bot.set_my_short_description(SHORT_DESCRIPTION))
        await _refusal_logged(
            "private chats' menu",
            bot.set_my_commands(ASN_MENU, scope=BotCommandScopeAllPrivateChats()),
        )
        if settings.staff.chat_id is not None:
            scope = BotCommandScopeChat(settings.staff.chat_id)
            await _refusal_logged("staff group's menu", bot.set_my_commands(STAFF_MENU, scope))
        staff = settings.staff
        for user_id in sorted(staff.team_ids | set(staff.reviewer_ids) | set(staff.lawyer_ids)):
            menu = personal_menu(user_id, settings)
            await _refusal_logged(f"menu of {user_id}", _set_personal_menu(bot, user_id, menu))
    except TelegramError as failure:  # after the retries: an outage, not a refusal
        logger.warning(
            "The bot's menus and description are not all set, Telegram failed: %s; the next "
            "start sets them",
            failure.message,
        )


async def _refusal_logged(what: str, request: Awaitable[object]) -> None:
    """Make one request; Telegram refusing it is logged and the next one goes ahead."""
    try:
        await request
    except (BadRequest, Forbidden) as refusal:
        logger.warning("Telegram refused the bot's %s: %s", what, refusal.message)


def personal_menu(user_id: int, settings: Settings) -> tuple[BotCommand, ...]:
    """A staff member's private menu: a lawyer's and a reviewer's commands first, then the
    coordinator's, consultant's or ASN's menu they have anyway."""
    staff = settings.staff
    menu: tuple[BotCommand, ...]
    if user_id in staff.coordinator_ids:
        menu = COORDINATOR_MENU
    else:
        menu = CONSULTANT_MENU if user_id in staff.team_ids else ASN_MENU
    if user_id in staff.reviewer_ids:
        menu = REVIEW_MENU + menu
    if user_id in staff.lawyer_ids:
        menu = LAWYER_MENU + menu
    return menu


async def _set_personal_menu(bot: Bot, user_id: int, menu: tuple[BotCommand, ...]) -> None:
    """Set ``menu`` in the user's private chat, or nothing yet if they never wrote to the bot."""
    try:
        await bot.set_my_commands(menu, BotCommandScopeChat(user_id))
    except BadRequest as refusal:
        if refusal.message.lower() != "chat not found":
            raise
        logger.info(
            "Staff member %s has not written to the bot yet: menu set at a later start", user_id
        )
