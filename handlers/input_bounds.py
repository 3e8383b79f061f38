"""Ids and button data from outside, checked before use: the one place that reads them.

Telegram delivers whatever a client puts in a command or a button's data, so both are parsed
here with their bounds: an id is ASCII digits within the database's integer range (``tickets.id``
is an ``Integer``), and each button namespace has one exact shape. What does not fit is answered
politely (``refuse_button``) and never reaches the database — a forged ``nilai:<huge id>:5``
once overflowed the database on every press and put an error note in the staff group each time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import CallbackQuery
from telegram.error import TelegramError

from bot.intents import ANSWER_INTENTS, TOPIC_INTENTS
from bot.services import AppContext
from bot.storage.enums import IntakeStep
from bot.storage.queue_pages import QueueFilter

logger = logging.getLogger(__name__)

MAX_ID = 2**31 - 1
"""The largest id the database holds (a 32-bit signed ``Integer`` on PostgreSQL)."""
_ID = re.compile(r"[0-9]{1,10}")
_TICKET_BUTTON = re.compile(r"tiket:(ambil|lepas|tutup):([0-9]+)")
_RATING_BUTTON = re.compile(r"nilai:([0-9]+):([1-5])")
_FEEDBACK_BUTTON = re.compile(r"umpan:(ya|tidak):([a-z_]{1,64})")
_CONSULTANT_BUTTON = re.compile(r"konsultan:(tombol|klarifikasi|tulis)")
_QUEUE_FILTER = "|".join(QueueFilter)
_QUEUE_BUTTON = re.compile(rf"antrian:({_QUEUE_FILTER}):([0-9]+)")
_QUEUE_FILTER_WORD = re.compile(_QUEUE_FILTER)
_TRANSFER_CHOICE = re.compile(r"alihkan:([0-9]+):([0-9]{1,16})")
_TRANSFER_ANSWER = re.compile(r"alihan:(terima|tolak):([0-9]+)")
_SHOW_NAME_BUTTON = re.compile(r"namakonsultan:(nama|peran)")
_CASE_BUTTON = re.compile(r"kasus:(ya|tidak):([0-9]+)")
_REVIEW_BUTTON = re.compile(r"advokat:(setuju|ubah|lanjut):([a-z_]{1,64})(?::([0-9a-f]{10}))?")
_INTAKE_BUTTON = re.compile(
    r"isian:([0-9]+):(kepegawaian:(?:pns|pppk|lewati)|instansi:lewati|tenggat:lewati)"
)


def parse_id(text: str | None) -> int | None:
    """A database id written in ASCII digits (``12``; not ``²`` or ``١٢``), 1 to ``MAX_ID``."""
    if text is None or not _ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def command_id(args: list[str] | None) -> int | None:
    """The one argument of a command (``/tiket 12``) as an id; None when missing or invalid."""
    return parse_id(args[0]) if args is not None and len(args) == 1 else None


@dataclass(frozen=True, slots=True)
class TicketButton:
    """[Ambil] [Lepas] [Tutup] under a ticket's card: ``tiket:<action>:<id>``."""

    action: str
    ticket_id: int


@dataclass(frozen=True, slots=True)
class RatingButton:
    """One of the 1–5 rating buttons after a ticket closes: ``nilai:<id>:<rating>``."""

    ticket_id: int
    rating: int


@dataclass(frozen=True, slots=True)
class FeedbackButton:
    """[Membantu] / [Kurang membantu] under an answer: ``umpan:<ya|tidak>:<intent>``."""

    helpful: bool
    intent: str


@dataclass(frozen=True, slots=True)
class QueueView:
    """A page of /antrian: a button under it (``antrian:<filter>:<page>``) or the command's
    arguments (``/antrian menunggu 2``)."""

    queue_filter: QueueFilter
    page: int


@dataclass(frozen=True, slots=True)
class CaseButton:
    """[Ya, teruskan] / [Tidak] under the offer to hand a logged question to the consultants
    (``kasus:<ya|tidak>:<messages.id>``)."""

    forward: bool
    message_id: int


@dataclass(frozen=True, slots=True)
class IntakeButton:
    """A choice under an intake question: ``isian:<ticket id>:<step>:<pns|pppk|lewati>``."""

    ticket_id: int
    step: IntakeStep
    choice: str


def ticket_button(data: str | None) -> TicketButton | None:
    found = _TICKET_BUTTON.fullmatch(data or "")
    ticket_id = parse_id(found[2]) if found else None
    return TicketButton(found[1], ticket_id) if found and ticket_id else None


def rating_button(data: str | None) -> RatingButton | None:
    found = _RATING_BUTTON.fullmatch(data or "")
    ticket_id = parse_id(found[1]) if found else None
    return RatingButton(ticket_id, int(found[2])) if found and ticket_id else None


def topic_button(data: str | None) -> str | None:
    """The topic of a menu or clarify button (``topik:<intent>``), if it is one."""
    intent = (data or "").removeprefix("topik:")
    return intent if data and data.startswith("topik:") and intent in TOPIC_INTENTS else None


def feedback_button(data: str | None) -> FeedbackButton | None:
    found = _FEEDBACK_BUTTON.fullmatch(data or "")
    if found is None or found[2] not in ANSWER_INTENTS:
        return None
    return FeedbackButton(found[1] == "ya", found[2])


def consultant_button(data: str | None) -> str | None:
    """``tombol``, ``klarifikasi`` or ``tulis`` from ``konsultan:<where>``, if it is one."""
    found = _CONSULTANT_BUTTON.fullmatch(data or "")
    return found[1] if found else None


def case_button(data: str | None) -> CaseButton | None:
    found = _CASE_BUTTON.fullmatch(data or "")
    message_id = parse_id(found[2]) if found else None
    return CaseButton(found[1] == "ya", message_id) if found and message_id else None


def intake_button(data: str | None) -> IntakeButton | None:
    found = _INTAKE_BUTTON.fullmatch(data or "")
    ticket_id = parse_id(found[1]) if found else None
    if found is None or ticket_id is None:
        return None
    step, choice = found[2].split(":")
    return IntakeButton(ticket_id, IntakeStep(step), choice)


def queue_button(data: str | None) -> QueueView | None:
    found = _QUEUE_BUTTON.fullmatch(data or "")
    page = parse_id(found[2]) if found else None
    return QueueView(QueueFilter(found[1]), page) if found and page else None


def queue_command(args: list[str] | None) -> QueueView | None:
    """``/antrian [semua|saya|baru|menunggu] [page]`` (the word in any case): the first page
    of every open ticket when both are left out; None when an argument is neither."""
    words = list(args or [])
    queue_filter = QueueFilter.SEMUA
    if words and _QUEUE_FILTER_WORD.fullmatch(words[0].lower()):
        queue_filter = QueueFilter(words.pop(0).lower())
    page = parse_id(words.pop(0)) if words else 1
    return QueueView(queue_filter, page) if page and not words else None


@dataclass(frozen=True, slots=True)
class TransferChoice:
    """The owner picks whom to hand a ticket to: ``alihkan:<ticket id>:<consultant id>``."""

    ticket_id: int
    receiver_id: int


@dataclass(frozen=True, slots=True)
class TransferAnswer:
    """[Terima] / [Tolak] under a hand-over offer: ``alihan:<terima|tolak>:<ticket id>``."""

    accept: bool
    ticket_id: int


def transfer_choice(data: str | None) -> TransferChoice | None:
    found = _TRANSFER_CHOICE.fullmatch(data or "")
    ticket_id = parse_id(found[1]) if found else None
    # A Telegram user id fits 52 bits; 16 digits bound it below the database's BigInteger.
    return TransferChoice(ticket_id, int(found[2])) if found and ticket_id else None


def transfer_answer(data: str | None) -> TransferAnswer | None:
    found = _TRANSFER_ANSWER.fullmatch(data or "")
    ticket_id = parse_id(found[2]) if found else None
    return TransferAnswer(found[1] == "terima", ticket_id) if found and ticket_id else None


def show_name_button(data: str | None) -> bool | None:
    """True for [Tampilkan nama saya], False for [Hanya "Konsultan LKBH"], else None."""
    found = _SHOW_NAME_BUTTON.fullmatch(data or "")
    return found[1] == "nama" if found else None


@dataclass(frozen=True, slots=True)
class ReviewButton:
    """[Setujui] / [Perlu perubahan] under an answer a lawyer reviews, with the start of the
    content hash of the text shown (``advokat:<setuju|ubah>:<intent>:<hash>``), or
    [Berikutnya] (``advokat:lanjut:<intent>``)."""

    action: str
    intent: str
    hash_prefix: str | None


def review_button(data: str | None) -> ReviewButton | None:
    found = _REVIEW_BUTTON.fullmatch(data or "")
    if found is None or found[2] not in ANSWER_INTENTS:
        return None
    if (found[1] == "lanjut") != (found[3] is None):
        return None
    return ReviewButton(found[1], found[2], found[3])


async def refuse_button(
    query: CallbackQuery, context: AppContext, key: str = "stale_button"
) -> None:
    """Answer a press whose data is stale, forged or malformed, without acting on it."""
    # Only the prefix: the rest of a forged button's data is whatever its sender chose.
    prefix = (query.data or "").split(":", 1)[0][:16]
    logger.info("Button press refused as stale or malformed (prefix %r)", prefix)
    try:
        await query.answer(context.services.knowledge.message(key))
    except TelegramError as error:  # a query too old to answer: nothing more to say
        logger.info("Stale button press not answered: %s", error)
