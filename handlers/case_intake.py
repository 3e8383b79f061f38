"""The short intake after a ticket opens: PNS or PPPK, province or agency, a deadline.

The ticket and its card exist before the first question; the intake only adds to the ticket.
Each question is one message, each skippable; the step lives in ``Ticket.intake_step``, so
while it is set (and nobody has claimed the ticket) the ASN's next text answers it instead of
going to the NLU or the consultant. An answer that cannot be used is asked again once, then
taken as a skip. When the intake ends, the ASN gets the escalation acknowledgement.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram import Message as TelegramMessage
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.intents import Action
from bot.queue import clock
from bot.queue.deadlines import office_today, parse_deadline
from bot.services import AppContext
from bot.storage import Ticket, TicketStatus
from bot.storage.case_intake import answer_intake_step, record_asked_again, was_asked_again
from bot.storage.enums import Employment, IntakeStep
from bot.storage.transaction import in_transaction
from bot.telegram_text import shorten
from handlers.input_bounds import intake_button, refuse_button
from handlers.replies import send_to_user
from handlers.staff_card import queue_card_update
from handlers.staff_queue import send_after_hours_notice

FIRST_STEP = IntakeStep.KEPEGAWAIAN
NEXT_STEP: dict[IntakeStep, IntakeStep | None] = {
    IntakeStep.KEPEGAWAIAN: IntakeStep.INSTANSI,
    IntakeStep.INSTANSI: IntakeStep.TENGGAT,
    IntakeStep.TENGGAT: None,
}
QUESTION_KEYS = {
    IntakeStep.KEPEGAWAIAN: "intake_employment",
    IntakeStep.INSTANSI: "intake_agency",
    IntakeStep.TENGGAT: "intake_deadline",
}
AGAIN_KEYS = {
    IntakeStep.KEPEGAWAIAN: "intake_employment_again",
    IntakeStep.INSTANSI: "intake_agency_again",
    IntakeStep.TENGGAT: "intake_deadline_again",
}
SKIP = "lewati"
SKIP_LABELS = {
    IntakeStep.KEPEGAWAIAN: "Lewati",
    IntakeStep.INSTANSI: "Lewati",
    IntakeStep.TENGGAT: "Tidak ada",
}
AGENCY_LIMIT = 128
"""``tickets.agency`` holds this many characters."""
_WORDS = re.compile(r"[a-z0-9]+")
_EMPLOYMENT_WORDS = {"pns": Employment.PNS, "pppk": Employment.PPPK, "p3k": Employment.PPPK}


def awaits_intake_answer(ticket: Ticket) -> bool:
    """Whether the ASN's next text answers the intake: a step is open and no consultant has
    claimed the ticket (once one has, the ASN talks to them)."""
    return ticket.intake_step is not None and ticket.status == TicketStatus.BARU


def intake_keyboard(ticket_id: int, step: IntakeStep) -> InlineKeyboardMarkup:
    """[PNS] [PPPK] [Lewati], or the step's skip alone: ``isian:<ticket>:<step>:<choice>``."""
    choices = [(e.value.upper(), e.value) for e in Employment] if step is FIRST_STEP else []
    buttons = [
        InlineKeyboardButton(label, callback_data=f"isian:{ticket_id}:{step.value}:{choice}")
        for label, choice in [*choices, (SKIP_LABELS[step], SKIP)]
    ]
    return InlineKeyboardMarkup([buttons])


async def ask_intake_step(
    context: AppContext, ticket: Ticket, chat_id: int, *, again: bool = False
) -> None:
    """Ask the question of the ticket's intake step (the first one names the ticket)."""
    step = ticket.intake_step
    assert step is not None
    key = (AGAIN_KEYS if again else QUESTION_KEYS)[step]
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=ticket.user_id,
        html=context.services.knowledge.message(key, ticket_number=ticket.id),
        markup=intake_keyboard(ticket.id, step),
        action=Action.ESCALATE.value,
        ticket_id=ticket.id,
    )


async def acknowledge_ticket(
    context: AppContext, ticket: Ticket, chat_id: int, key: str = "escalation_ack"
) -> None:
    """Tell the ASN what happens to their new ticket, and out of office hours when."""
    await send_to_user(
        context,
        chat_id=chat_id,
        user_id=ticket.user_id,
        html=context.services.knowledge.message(key, ticket_number=ticket.id),
        action=Action.ESCALATE.value,
        ticket_id=ticket.id,
    )
    await send_after_hours_notice(context, ticket)


async def take_intake_text(context: AppContext, message: TelegramMessage, ticket: Ticket) -> None:
    """The ASN's text as the answer of the ticket's intake step; asked again once when it
    cannot be used, then skipped."""
    step = ticket.intake_step
    assert step is not None
    today = office_today(context.services.settings.queue.timezone, clock.now())
    answer = read_answer(step, message.text or "", today=today)
    if answer is None:

        async def ask_again_once(session: AsyncSession) -> bool:
            if await was_asked_again(session, ticket_id=ticket.id, step=step):
                return False
            await record_asked_again(
                session, ticket_id=ticket.id, step=step, actor_id=ticket.user_id
            )
            return True

        if await in_transaction(context.services.sessions, ask_again_once):
            await ask_intake_step(context, ticket, message.chat_id, again=True)
            return
    stored = await _store_answer(context, ticket.id, ticket.user_id, step, answer or {})
    if stored is not None:
        await _continue(context, stored, message.chat_id)


def read_answer(step: IntakeStep, text: str, *, today: date) -> dict[str, Any] | None:
    """The ticket's columns a typed answer of ``step`` sets; None when it cannot be used (no
    PNS or PPPK named, no text, no date, a date already past)."""
    if step is IntakeStep.KEPEGAWAIAN:
        named = {
            _EMPLOYMENT_WORDS[w] for w in _WORDS.findall(text.lower()) if w in _EMPLOYMENT_WORDS
        }
        return {"employment": named.pop()} if len(named) == 1 else None
    if step is IntakeStep.INSTANSI:
        agency = " ".join(text.split())
        return {"agency": shorten(agency, AGENCY_LIMIT)} if agency else None
    deadline = parse_deadline(text, today)
    return {"deadline": deadline} if deadline is not None and deadline >= today else None


async def press_intake_button(update: Update, context: AppContext) -> None:
    """Take a PNS / PPPK / skip press on the step it was asked for; a press on a step already
    answered (an old question, a double tap) is refused as stale."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    button = intake_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    answer = {} if button.choice == SKIP else {"employment": Employment(button.choice)}
    stored = await _store_answer(context, button.ticket_id, query.from_user.id, button.step, answer)
    if stored is None:
        await refuse_button(query, context)
        return
    await query.answer()
    with contextlib.suppress(BadRequest):  # the question keeps its text, loses its buttons
        await query.edit_message_reply_markup(None)
    await _continue(context, stored, update.effective_chat.id)


async def _store_answer(
    context: AppContext, ticket_id: int, user_id: int, step: IntakeStep, answer: dict[str, Any]
) -> Ticket | None:
    """Store the step's answer (nothing: skipped) and show it on the card; None when the
    ticket is not the user's or not at that step (answered meanwhile, an old question)."""

    async def store(session: AsyncSession) -> Ticket | None:
        stored = await answer_intake_step(
            session,
            ticket_id=ticket_id,
            user_id=user_id,
            step=step,
            next_step=NEXT_STEP[step],
            outcome=_outcome(answer),
            **answer,
        )
        if stored is not None and answer:
            await queue_card_update(context, session, ticket_id)
        return stored

    return await in_transaction(context.services.sessions, store)


async def _continue(context: AppContext, ticket: Ticket, chat_id: int) -> None:
    """Ask the ticket's next intake question, or acknowledge the ticket once all are done."""
    if ticket.intake_step is not None:
        await ask_intake_step(context, ticket, chat_id)
    else:
        await acknowledge_ticket(context, ticket, chat_id)


def _outcome(answer: dict[str, Any]) -> str:
    """The audit detail's second part: what was chosen, never the text written."""
    if "employment" in answer:
        return str(answer["employment"].value)
    if "deadline" in answer:
        return str(answer["deadline"].isoformat())
    return "dijawab" if answer else SKIP


def build_handlers() -> list[BaseHandler]:
    """The intake's buttons (its typed answers come through ``handlers.questions``)."""
    return [CallbackQueryHandler(press_intake_button, pattern=r"^isian:")]
