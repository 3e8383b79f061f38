"""Who handles a claimed ticket, beyond claim and release: the owner hands it to a named
colleague (``/alihkan N``; the receiver accepts or declines under the card), a coordinator
takes it over (``/ambil_alih N``) or gives it back to the queue (``/lepas N`` or [Lepas] on the
card), and each consultant chooses whether the ASN sees their name (``/tampilkan_nama``).

Every change is one conditional UPDATE with its audit event (``bot.storage.ticket_transfer``);
the card, the group and the former owner hear of it through the staff outbox in the same
transaction; the ASN is told who now handles the case after the commit.
"""

from __future__ import annotations

import html

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram import User as TelegramUser

from bot.services import AppContext
from bot.storage import Ticket, TicketStatus, get_ticket
from bot.storage.consultant_profiles import known_consultants, set_show_name, shown_name
from bot.storage.outbox import NoticeKind
from bot.storage.ticket_transfer import (
    OwnerChange,
    accept_transfer,
    cancel_transfer,
    decline_transfer,
    offer_transfer,
    release_for_owner,
    take_over_ticket,
)
from handlers.consultant_messages import tell_asn_who_handles
from handlers.input_bounds import (
    command_id,
    refuse_button,
    show_name_button,
    transfer_answer,
    transfer_choice,
)
from handlers.staff_actions import (
    Outcome,
    consultant_name,
    is_coordinator,
    owner_problem,
    queue_private_notice,
    release,
    remember,
)
from handlers.staff_card import queue_card_update, queue_staff_notice

ROLE = "Konsultan LKBH KORPRI"


async def pressed_by_team(query: CallbackQuery, context: AppContext) -> bool:
    """Whether a consultant pressed; anyone else is told the buttons are not theirs."""
    if query.from_user.id in context.services.settings.staff.team_ids:
        return True
    await query.answer(context.services.knowledge.message("staff_only_alert"), show_alert=True)
    return False


async def transfer_command(update: Update, context: AppContext) -> None:
    """/alihkan N: offer the ticket to a colleague (the one whose message this replies to, or
    chosen by button); again while an offer waits: withdraw it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    knowledge, number = context.services.knowledge, command_id(context.args)
    if number is None:
        await message.reply_text(knowledge.message("transfer_usage"))
        return
    team = context.services.settings.staff.team_ids
    async with context.services.sessions() as session:
        await remember(session, user)
        ticket = await get_ticket(session, ticket_id=number)
        problem = owner_problem(ticket, number, user.id)
        withdrawn = None
        if problem is None and ticket is not None and ticket.transfer_to_id is not None:
            withdrawn = await cancel_transfer(session, ticket_id=number, owner_id=user.id)
            if withdrawn is not None:
                await queue_card_update(context, session, number)
        colleagues = await known_consultants(session, among=team - {user.id})
        await session.commit()
    if problem is not None:
        await message.reply_text(problem)
    elif withdrawn is not None:
        await message.reply_text(knowledge.message("transfer_cancelled", ticket_number=number))
    elif (receiver := replied_colleague(context, message, user.id)) is not None:
        await message.reply_text(await offer(context, number, user, receiver))
    elif not colleagues:
        await message.reply_text(knowledge.message("transfer_no_colleagues"))
    else:
        buttons = [
            InlineKeyboardButton(
                c.display_name or "?", callback_data=f"alihkan:{number}:{c.telegram_user_id}"
            )
            for c in colleagues
        ]
        keyboard = InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])
        text = knowledge.message("transfer_choose", ticket_number=number)
        await message.reply_text(text, reply_markup=keyboard)


def replied_colleague(context: AppContext, message: Message, owner_id: int) -> TelegramUser | None:
    """The colleague whose staff-group message this command replies to, if it does."""
    target = message.reply_to_message
    author = target.from_user if target is not None else None
    team = context.services.settings.staff.team_ids
    if author is None or author.id == owner_id or author.id not in team:
        return None
    return author


async def offer(
    context: AppContext, ticket_id: int, owner: TelegramUser, receiver: TelegramUser | int
) -> str:
    """Offer the ticket to the receiver, under its card with [Terima] [Tolak]; what to tell
    the owner."""
    knowledge = context.services.knowledge
    name: str | None
    async with context.services.sessions() as session:
        if isinstance(receiver, TelegramUser):
            await remember(session, receiver)
            receiver_id, name = receiver.id, consultant_name(receiver)
        else:
            known = await known_consultants(session, among={receiver})
            receiver_id, name = receiver, known[0].display_name if known else None
        ticket = None
        if name is not None:
            ticket = await offer_transfer(
                session, ticket_id=ticket_id, owner_id=owner.id, to_id=receiver_id, to_name=name
            )
        if ticket is not None:
            await queue_card_update(context, session, ticket_id)
            note = knowledge.message(
                "transfer_offered",
                owner=consultant_name(owner),
                receiver=name,
                ticket_number=ticket_id,
            )
            buttons = [
                ["Terima", f"alihan:terima:{ticket_id}"],
                ["Tolak", f"alihan:tolak:{ticket_id}"],
            ]
            payload = {"html": note, "buttons": buttons}
            await queue_staff_notice(
                context, session, NoticeKind.NOTE, payload, ticket_id=ticket_id
            )
        else:
            ticket = await get_ticket(session, ticket_id=ticket_id)
        await session.commit()
    if name is None or ticket is None or ticket.transfer_to_id != receiver_id:
        problem = owner_problem(ticket, ticket_id, owner.id)
        return problem or knowledge.message("transfer_gone", ticket_number=ticket_id)
    return knowledge.message("transfer_offer_sent", receiver=name, ticket_number=ticket_id)


async def press_transfer_choice(update: Update, context: AppContext) -> None:
    """[colleague] under /alihkan's question: offer the ticket to them (the owner's press)."""
    query = update.callback_query
    assert query is not None
    if not await pressed_by_team(query, context):
        return
    choice = transfer_choice(query.data)
    team = context.services.settings.staff.team_ids
    if choice is None or choice.receiver_id not in team or choice.receiver_id == query.from_user.id:
        await refuse_button(query, context)
        return
    text = await offer(context, choice.ticket_id, query.from_user, choice.receiver_id)
    await query.answer()
    await query.edit_message_text(text)


async def press_transfer_answer(update: Update, context: AppContext) -> None:
    """[Terima] / [Tolak] under an offer: only the named receiver may press."""
    query = update.callback_query
    assert query is not None
    if not await pressed_by_team(query, context):
        return
    knowledge, answer = context.services.knowledge, transfer_answer(query.data)
    if answer is None:
        await refuse_button(query, context)
        return
    receiver, number = query.from_user, answer.ticket_id
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=number)
    pending = ticket is not None and ticket.status == TicketStatus.DIAMBIL
    if pending and ticket and ticket.transfer_to_id not in (None, receiver.id):
        text = knowledge.message("transfer_not_for_you", receiver=ticket.transfer_to_name or "?")
        await query.answer(text, show_alert=True)
        return
    outcome = await (accept if answer.accept else decline)(context, number, receiver)
    await query.answer()
    await query.edit_message_text(outcome)


async def accept(context: AppContext, ticket_id: int, receiver: TelegramUser) -> str:
    """The receiver takes the ticket; the former owner and the ASN are told."""
    name = consultant_name(receiver)
    async with context.services.sessions() as session:
        await remember(session, receiver)
        change = await accept_transfer(
            session, ticket_id=ticket_id, receiver_id=receiver.id, receiver_name=name
        )
        if change is not None:
            text = context.services.knowledge.message(
                "transfer_accepted",
                receiver=name,
                owner=change.former_owner_name or "?",
                ticket_number=ticket_id,
            )
            await tell_former_owner(context, session, change, text)
        await session.commit()
    if change is None:
        return context.services.knowledge.message("transfer_gone", ticket_number=ticket_id)
    await tell_asn_who_handles(context, ticket_id, change.ticket.user_id, receiver.id)
    return text


async def decline(context: AppContext, ticket_id: int, receiver: TelegramUser) -> str:
    """The receiver declines: the offer is cleared and the owner told."""
    knowledge = context.services.knowledge
    async with context.services.sessions() as session:
        ticket = await decline_transfer(session, ticket_id=ticket_id, receiver_id=receiver.id)
        if ticket is not None and ticket.consultant_id is not None:
            text = knowledge.message(
                "transfer_declined",
                receiver=consultant_name(receiver),
                owner=ticket.consultant_name or "?",
                ticket_number=ticket_id,
            )
            await queue_card_update(context, session, ticket_id)
            await queue_private_notice(
                context, session, ticket.consultant_id, (text, text), ticket_id=ticket_id
            )
        await session.commit()
    if ticket is None:
        return knowledge.message("transfer_gone", ticket_number=ticket_id)
    return text


async def tell_former_owner(
    context: AppContext, session: AsyncSession, change: OwnerChange, text: str
) -> None:
    """In the change's transaction: the card shows it, the former owner hears it."""
    ticket_id = change.ticket.id
    await queue_card_update(context, session, ticket_id)
    await queue_private_notice(
        context, session, change.former_owner_id, (text, text), ticket_id=ticket_id
    )


async def take_over_command(update: Update, context: AppContext) -> None:
    """/ambil_alih N: a coordinator takes a colleague's ticket."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number = command_id(context.args)
    if number is None:
        await message.reply_text("Format: /ambil_alih &lt;nomor tiket&gt;, misalnya /ambil_alih 12")
        return
    knowledge = context.services.knowledge
    if not is_coordinator(context, user.id):
        await message.reply_text(knowledge.message("coordinator_only"))
        return
    name = consultant_name(user)
    async with context.services.sessions() as session:
        await remember(session, user)
        change = await take_over_ticket(
            session, ticket_id=number, coordinator_id=user.id, coordinator_name=name
        )
        ticket = change.ticket if change else await get_ticket(session, ticket_id=number)
        if change is not None:
            text = knowledge.message(
                "taken_over",
                coordinator=name,
                owner=change.former_owner_name or "?",
                ticket_number=number,
            )
            await tell_former_owner(context, session, change, text)
        await session.commit()
    if change is None:
        await message.reply_text(override_problem(ticket, number, user.id))
        return
    await tell_asn_who_handles(context, number, change.ticket.user_id, user.id)
    await message.reply_text(text)


def override_problem(ticket: Ticket | None, ticket_id: int, coordinator_id: int) -> str:
    """Why a coordinator cannot take over or release the ticket from a colleague."""
    if ticket is not None and ticket.consultant_id == coordinator_id:
        return f"Anda sendiri yang memegang tiket {ticket_id}."
    return owner_problem(ticket, ticket_id, coordinator_id) or f"Tiket {ticket_id} tidak berubah."


async def release_command(update: Update, context: AppContext) -> None:
    """/lepas N: hand the ticket back to the queue, like its [Lepas] button."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    number = command_id(context.args)
    if number is None:
        await message.reply_text("Format: /lepas &lt;nomor tiket&gt;, misalnya /lepas 12")
        return
    outcome = await release_as_staff(context, number, user)
    await message.reply_text(html.escape(outcome.text))


async def release_as_staff(context: AppContext, ticket_id: int, user: TelegramUser) -> Outcome:
    """Release the ticket: its owner, or a coordinator a colleague's (who is told, as is the
    ASN); anyone else is told who holds it."""
    async with context.services.sessions() as session:
        ticket = await get_ticket(session, ticket_id=ticket_id)
    held_by_other = ticket is not None and ticket.consultant_id not in (None, user.id)
    if not (held_by_other and is_coordinator(context, user.id)):
        return await release(context, ticket_id, user)
    name = consultant_name(user)
    async with context.services.sessions() as session:
        await remember(session, user)
        change = await release_for_owner(session, ticket_id=ticket_id, coordinator_id=user.id)
        if change is not None:
            text = context.services.knowledge.message(
                "released_by_coordinator",
                coordinator=name,
                owner=change.former_owner_name or "?",
                ticket_number=ticket_id,
            )
            await tell_former_owner(context, session, change, text)
        await session.commit()
    if change is None:
        return Outcome(override_problem(ticket, ticket_id, user.id), alert=True)
    await tell_asn_who_handles(context, ticket_id, change.ticket.user_id, None)
    return Outcome(f"↩️ Tiket {ticket_id} dikembalikan ke antrian.")


async def show_name_command(update: Update, context: AppContext) -> None:
    """/tampilkan_nama: choose whether the ASN sees your name over your replies."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.services.sessions() as session:
        await remember(session, user)
        name = await shown_name(session, consultant_id=user.id)
        await session.commit()
    current = f"{ROLE} ({name})" if name else ROLE
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Tampilkan nama saya", callback_data="namakonsultan:nama"),
                InlineKeyboardButton(f'Hanya "{ROLE}"', callback_data="namakonsultan:peran"),
            ]
        ]
    )
    text = context.services.knowledge.message("show_name_ask", current=current)
    await message.reply_text(text, reply_markup=keyboard)


async def press_show_name(update: Update, context: AppContext) -> None:
    """[Tampilkan nama saya] / [Hanya "Konsultan LKBH KORPRI"]: store the choice."""
    query = update.callback_query
    assert query is not None
    if not await pressed_by_team(query, context):
        return
    show = show_name_button(query.data)
    if show is None:
        await refuse_button(query, context)
        return
    name = consultant_name(query.from_user)
    async with context.services.sessions() as session:
        await set_show_name(session, consultant_id=query.from_user.id, name=name, show=show)
        await session.commit()
    knowledge = context.services.knowledge
    text = (
        knowledge.message("show_name_on", name=name) if show else knowledge.message("show_name_off")
    )
    await query.answer()
    await query.edit_message_text(text)
