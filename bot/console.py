"""``python -m bot chat``: try the assistant in a terminal, through the same pipeline."""

from __future__ import annotations

import asyncio
import re
import sys
from html import unescape

from bot.intents import TOPIC_INTENTS, Action
from bot.knowledge import KnowledgeBase, load_knowledge_base, render_answer
from bot.nlu.result import NluUnavailable
from bot.nlu.understanding import Understanding, nlu_client
from bot.settings import Settings

_TAG = re.compile(r"<[^>]+>")
PROMPT = "Anda> "


def plain(html: str) -> str:
    """Telegram HTML as a terminal shows it."""
    return unescape(_TAG.sub("", html))


async def run_console(settings: Settings) -> int:
    knowledge = load_knowledge_base()
    print("Tanya Netral (konsol luring). Tulis pertanyaan; /bantuan untuk topik; Ctrl-D keluar.")
    async with nlu_client(settings) as client:
        understanding = Understanding(client, settings.policy)
        while True:
            line = await asyncio.to_thread(_read_line)
            if line is None:
                return 0
            print(await reply_to(line.strip(), understanding, knowledge))


def _read_line() -> str | None:
    try:
        return input(PROMPT)
    except EOFError:
        print(file=sys.stderr)
        return None


async def reply_to(text: str, understanding: Understanding, knowledge: KnowledgeBase) -> str:
    """The reply the Telegram bot would give, as plain text (tickets are not created here)."""
    message = knowledge.message
    if text in {"/bantuan", "/help", "/menu"}:
        titles = ", ".join(knowledge.title(i) for i in TOPIC_INTENTS)
        return plain(message("menu")) + "\n" + titles
    if not text:
        return plain(message("empty_message"))
    try:
        reading = await understanding.read(text)
    except NluUnavailable:
        return plain(message("nlu_unavailable", ticket_number="(konsol)"))
    decision = reading.decision
    tag = f"[{decision.action.value}: {decision.intent} {reading.result.confidence:.2f}]"
    if decision.action is Action.ANSWER and decision.intent:
        return f"{tag}\n{plain(render_answer(knowledge, decision.intent))}"
    if decision.action is Action.ESCALATE:
        body = plain(message("escalation_ack", ticket_number="(konsol: tiket tidak dibuat)"))
        return f"{tag}\n{body}"
    if decision.action is Action.CLARIFY:
        options = " | ".join(knowledge.title(i) for i in decision.candidates)
        return f"{tag}\n{plain(message('clarify'))}\nPilihan: {options} | Tanya konsultan LKBH"
    return f"{tag}\n{plain(message('fallback'))}"
