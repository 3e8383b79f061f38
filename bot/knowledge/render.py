"""Render knowledge-base entries as the Telegram HTML the user receives."""

from __future__ import annotations

import html

from bot.intents import TOPIC_INTENTS
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.models import Citation, SmallTalkEntry, TopicEntry

VERDICT_MARKS: dict[str, str] = {
    "Boleh": "✅",
    "Tidak boleh": "⛔",
    "Boleh dengan syarat": "🟡",
    "Masih diperdebatkan": "❓",
}

TOPIC_LIST_PLACEHOLDER = "{topic_list}"
"""Written in a small-talk text (``bantuan``), replaced by the list of topic titles."""

CLOSING_MESSAGE = "closing"
"""Key in ``messages.yml`` of the general-information line ending every topic answer."""


DRAFT_NOTICE_MESSAGE = "draft_notice"
"""Key in ``messages.yml`` of the line under an answer no LKBH lawyer has approved."""


def carries_draft_notice(intent: str) -> bool:
    """Whether users are told when ``intent``'s answer is unapproved: topics, not small talk
    (a greeting carries no legal content)."""
    return intent in TOPIC_INTENTS


def render_user_answer(kb: KnowledgeBase, intent: str, *, approved: bool) -> str:
    """The answer as the user receives it: ``render_answer``, and under a topic no lawyer has
    ``approved`` (in its current text) the line saying so."""
    rendered = render_answer(kb, intent)
    if approved or not carries_draft_notice(intent) or DRAFT_NOTICE_MESSAGE not in kb.messages:
        return rendered
    return f"{rendered}\n\n{kb.message(DRAFT_NOTICE_MESSAGE)}"


def render_citation(kb: KnowledgeBase, citation: Citation) -> str:
    """Return e.g. "PP 94/2021 Pasal 5 huruf n", escaped; unknown ids are shown as given."""
    regulation = kb.regulations.get(citation.regulation)
    name = regulation.short_name if regulation else citation.regulation
    text = f"{name} {citation.article}" if citation.article else name
    return html.escape(text, quote=False)


def render_answer(kb: KnowledgeBase, intent: str) -> str:
    """Return the full Telegram HTML answer for a topic or small-talk intent."""
    entry = kb.entry(intent)
    if isinstance(entry, SmallTalkEntry):
        return _render_small_talk(kb, entry)
    return _render_topic(kb, entry)


def _render_small_talk(kb: KnowledgeBase, entry: SmallTalkEntry) -> str:
    text = entry.text
    if TOPIC_LIST_PLACEHOLDER in text:
        titles = [kb.entries[i].title for i in TOPIC_INTENTS if i in kb.entries]
        text = text.replace(TOPIC_LIST_PLACEHOLDER, "\n".join(f"• {t}" for t in titles))
    return text


DETAILS_OPEN = "<blockquote expandable>"
"""Everything after the first screen is folded into one expandable quote (tap to read)."""


def render_first_screen(entry: TopicEntry) -> str:
    """Return the title, the verdict line and the short answer: what a phone shows first."""
    return f"<b>{entry.title}</b>\n{render_verdict_line(entry)}\n\n{entry.short_answer}"


def render_verdict_line(entry: TopicEntry) -> str:
    """Return "✅ <b>Boleh.</b> …" for a may-I topic, "ℹ️ <b>Ringkasnya:</b> …" otherwise."""
    if entry.verdict:
        return f"{VERDICT_MARKS[entry.verdict]} <b>{entry.verdict}.</b> {entry.verdict_note}"
    return f"ℹ️ <b>Ringkasnya:</b> {entry.verdict_note}"


def _render_topic(kb: KnowledgeBase, entry: TopicEntry) -> str:
    details = [f"<b>Penjelasan</b>\n{entry.explanation}"]
    if entry.contested:
        details.append(f"⚠️ <b>Belum ada kepastian hukum</b>\n{entry.contested}")
    if entry.pns_pppk:
        details.append(f"<b>PNS dan PPPK</b>\n{entry.pns_pppk}")
    if entry.sanction:
        details.append(f"<b>Sanksi</b>\n{entry.sanction}")
    details.append(f"<b>Saran</b>\n{entry.advice}")
    citations = "\n".join(f"• {render_citation(kb, c)}" for c in entry.citations)
    details.append(f"<b>Dasar hukum</b>\n{citations}")
    blocks = [render_first_screen(entry), DETAILS_OPEN + "\n\n".join(details) + "</blockquote>"]
    if CLOSING_MESSAGE in kb.messages:
        blocks.append(kb.message(CLOSING_MESSAGE))
    return "\n\n".join(blocks)
