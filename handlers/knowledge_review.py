"""A lawyer's sign-off of the answers: ``/tinjau_jawaban [topik]`` for ``LAWYER_IDS``, in private.

Without a topic the lawyer gets the list of entries, those to review first (drafts, needing
change, overdue), then the first of them; with one, that entry. Each is shown as users receive
it, then its status and [✅ Setujui] [✏️ Perlu perubahan] [Berikutnya]. The first two carry the
start of the content hash of the version shown: a text changed in between is shown again
instead of being approved unseen. "Perlu perubahan" asks for the correction note as a reply
(force-reply); the reply is kept as the note. Every decision is audited. Each worker keeps the
approved versions beside its knowledge base (``Services.approvals``): after a decision here at
once, in the other workers within 30 s (``handlers.knowledge_reload``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.knowledge import KnowledgeBase
from bot.knowledge.review import (
    HASH_PREFIX_LENGTH,
    EntryStatus,
    ReviewState,
    content_hash,
    entry_statuses,
    office_today,
    review_by_date,
)
from bot.services import AppContext
from bot.settings import Settings
from bot.storage import AuditAction, record_audit_event
from bot.storage.enums import KnowledgeDecision
from bot.storage.knowledge_reviews import (
    REVIEW_NOTE_PROMPT_ACTION,
    record_review,
    review_note_prompt_entry,
)
from bot.storage.transaction import in_transaction
from handlers.input_bounds import refuse_button, review_button
from handlers.knowledge_reload import refresh_approvals
from handlers.questions import handle_text
from handlers.replies import answer_html, send_to_user

PRIVATE = filters.ChatType.PRIVATE
STATE_MESSAGES = {state: f"review_state_{state.value}" for state in ReviewState}


async def review_command(update: Update, context: AppContext) -> None:
    """/tinjau_jawaban [topik]: the list and the first entry to review, or the one named."""
    message = update.effective_message
    assert message is not None
    knowledge = context.services.knowledge
    if context.args:
        intent = " ".join(context.args).strip().lower()
        if intent not in knowledge.entries:
            text = " ".join(context.args)
            await message.reply_text(knowledge.message("review_unknown_entry", text=text))
            return
        await show_entry(context, message.chat_id, knowledge, intent)
        return
    statuses = await _statuses(context, knowledge)
    await message.reply_text(_list_html(knowledge, statuses))
    await show_entry(context, message.chat_id, knowledge, statuses[0].intent)


async def show_entry(
    context: AppContext, chat_id: int, knowledge: KnowledgeBase, intent: str
) -> None:
    """The answer as users receive it, then its status under the lawyer's buttons."""
    await context.bot.send_message(chat_id, await answer_html(context, knowledge, intent))
    [status] = [s for s in await _statuses(context, knowledge) if s.intent == intent]
    await context.bot.send_message(
        chat_id, _status_html(knowledge, status), reply_markup=_review_keyboard(knowledge, status)
    )


async def press_review_button(update: Update, context: AppContext) -> None:
    """[Setujui], [Perlu perubahan] or [Berikutnya] under an entry's status."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and query.message is not None
    if user.id not in context.services.settings.staff.lawyer_ids:
        await refuse_button(query, context, "lawyers_only")
        return
    button = review_button(query.data)
    if button is None:
        await refuse_button(query, context)
        return
    chat_id, knowledge = query.message.chat.id, context.services.knowledge
    await query.answer()
    if button.action == "lanjut":
        await show_entry(context, chat_id, knowledge, await _next_entry(context, button.intent))
        return
    title = knowledge.title(button.intent)
    digest = content_hash(knowledge, button.intent)
    if not digest.startswith(button.hash_prefix or "-"):
        changed = knowledge.message("review_text_changed", title=title)
        await context.bot.send_message(chat_id, changed)
        await show_entry(context, chat_id, knowledge, button.intent)
        return
    if button.action == "ubah":
        await send_to_user(
            context,
            chat_id=chat_id,
            user_id=user.id,
            html=knowledge.message("review_note_prompt", title=title),
            markup=ForceReply(input_field_placeholder=title[:64]),
            intent=button.intent,
            action=REVIEW_NOTE_PROMPT_ACTION,
        )
        return
    review_by = review_by_date(context.services.settings, office_today(context.services.settings))
    await _decide(context, user.id, user.full_name, button.intent, digest, review_by=review_by)
    next_button = InlineKeyboardButton(
        knowledge.message("review_button_next"), callback_data=f"advokat:lanjut:{button.intent}"
    )
    await query.edit_message_text(
        knowledge.message("review_approved", title=title, review_by=review_by.isoformat()),
        reply_markup=InlineKeyboardMarkup([[next_button]]),
    )


async def take_review_note(update: Update, context: AppContext) -> None:
    """A lawyer's reply to the request for a correction note: the note, kept; any other reply
    is a question like any other."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.reply_to_message is not None
    replied_id = message.reply_to_message.message_id

    async def prompted(session: AsyncSession) -> str | None:
        return await review_note_prompt_entry(
            session, chat_id=message.chat_id, telegram_message_id=replied_id
        )

    intent = await in_transaction(context.services.sessions, prompted)
    knowledge = context.services.knowledge
    if intent is None or intent not in knowledge.entries:
        await handle_text(update, context)
        return
    note = (message.text or "").strip()
    if not note:
        await message.reply_text(knowledge.message("review_note_empty"))
        return
    digest = content_hash(knowledge, intent)
    await _decide(context, user.id, user.full_name, intent, digest, note=note)
    await message.reply_text(knowledge.message("review_note_saved", title=knowledge.title(intent)))


async def _decide(
    context: AppContext,
    lawyer_id: int,
    lawyer_name: str,
    intent: str,
    digest: str,
    *,
    review_by: date | None = None,
    note: str | None = None,
) -> None:
    """Record the decision on this version of ``intent`` and audit it, in one transaction:
    an approval when ``note`` is None, otherwise a request for change."""
    decision = KnowledgeDecision.APPROVED if note is None else KnowledgeDecision.NEEDS_CHANGE
    action = AuditAction.JAWABAN_DISETUJUI if note is None else AuditAction.JAWABAN_PERLU_PERUBAHAN

    async def decide(session: AsyncSession) -> None:
        await record_review(
            session,
            entry=intent,
            content_hash=digest,
            decision=decision,
            lawyer_id=lawyer_id,
            lawyer_name=lawyer_name,
            note=note,
            review_by=review_by,
        )
        detail = f"{intent} {digest[:HASH_PREFIX_LENGTH]}"
        await record_audit_event(session, actor_id=lawyer_id, action=action, detail=detail)

    await in_transaction(context.services.sessions, decide)
    await refresh_approvals(context.services)  # this worker at once; the others within 30 s


async def refuse_review_command(update: Update, context: AppContext) -> None:
    """/tinjau_jawaban from someone who is not one of the LKBH lawyers."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(context.services.knowledge.message("lawyers_only"))


async def _statuses(context: AppContext, knowledge: KnowledgeBase) -> list[EntryStatus]:
    today = office_today(context.services.settings)
    return await in_transaction(
        context.services.sessions, lambda session: entry_statuses(session, knowledge, today)
    )


async def _next_entry(context: AppContext, intent: str) -> str:
    """The entry after ``intent`` in the review order, round to the first."""
    queue = [status.intent for status in await _statuses(context, context.services.knowledge)]
    return queue[(queue.index(intent) + 1) % len(queue)] if intent in queue else queue[0]


def _list_html(knowledge: KnowledgeBase, statuses: list[EntryStatus]) -> str:
    counts = {state: sum(s.state is state for s in statuses) for state in ReviewState}
    heading = knowledge.message(
        "review_list",
        drafts=counts[ReviewState.DRAFT],
        needs_change=counts[ReviewState.NEEDS_CHANGE],
        overdue=counts[ReviewState.OVERDUE],
        approved=counts[ReviewState.APPROVED],
    )
    lines = [
        knowledge.message(
            "review_list_line",
            title=knowledge.title(s.intent),
            state=knowledge.message(STATE_MESSAGES[s.state]),
            intent=s.intent,
        )
        for s in statuses
    ]
    return "\n".join([heading, *lines])


def _status_html(knowledge: KnowledgeBase, status: EntryStatus) -> str:
    state = knowledge.message(STATE_MESSAGES[status.state])
    lines = [
        knowledge.message(
            "review_status", title=knowledge.title(status.intent), intent=status.intent, state=state
        )
    ]
    latest = status.latest
    if latest is not None and latest.decision == KnowledgeDecision.APPROVED:
        lines.append(
            knowledge.message(
                "review_status_approved",
                lawyer=latest.lawyer_name or latest.lawyer_id,
                date=latest.created_at.date().isoformat(),
                review_by=latest.review_by.isoformat() if latest.review_by else "-",
            )
        )
    for note in status.open_notes:
        lines.append(
            knowledge.message(
                "review_status_note",
                lawyer=note.lawyer_name or note.lawyer_id,
                date=note.created_at.date().isoformat(),
                note=note.note or "",
            )
        )
    return "\n".join(lines)


def _review_keyboard(knowledge: KnowledgeBase, status: EntryStatus) -> InlineKeyboardMarkup:
    version = f"{status.intent}:{status.content_hash[:HASH_PREFIX_LENGTH]}"

    def button(label: str, data: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(knowledge.message(label), callback_data=f"advokat:{data}")

    return InlineKeyboardMarkup(
        [
            [
                button("review_button_approve", f"setuju:{version}"),
                button("review_button_change", f"ubah:{version}"),
            ],
            [button("review_button_next", f"lanjut:{status.intent}")],
        ]
    )


def build_handlers(settings: Settings) -> list[BaseHandler]:
    """/tinjau_jawaban, its buttons and the correction notes: the lawyers only, in private
    chat; anyone else is refused politely."""
    lawyers = filters.User(user_id=list(settings.staff.lawyer_ids)) & PRIVATE
    note = lawyers & filters.REPLY & filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    return [
        CommandHandler("tinjau_jawaban", review_command, filters=lawyers),
        CommandHandler("tinjau_jawaban", refuse_review_command, filters=PRIVATE),
        CallbackQueryHandler(press_review_button, pattern=r"^advokat:"),
        MessageHandler(note, take_review_note),
    ]
