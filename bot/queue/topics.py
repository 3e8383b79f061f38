"""Topics and reasons as consultants read them: the one place that turns a ticket's topic (an
intent id) and its reason of escalation into Indonesian words."""

from __future__ import annotations

from collections.abc import Iterable

from bot.knowledge import KnowledgeBase
from bot.storage import EscalationReason

NO_TOPIC = "tanpa topik"
"""A ticket, or a statistics row, with no topic."""
NON_TOPIC_TITLES = {
    "konsultasi_kasus": "Kasus pribadi",
    "minta_konsultan": "Minta konsultan",
    "di_luar_topik": "Di luar topik",
}
"""Intents without a knowledge-base entry that a ticket or a reading may carry."""
REASON_PHRASES = {
    EscalationReason.KONSULTASI_KASUS: "ASN menceritakan kasusnya sendiri",
    EscalationReason.MINTA_KONSULTAN: "ASN meminta konsultan",
    EscalationReason.TOMBOL_KONSULTAN: "ASN menekan tombol Tanya konsultan",
    EscalationReason.CLARIFY_DITOLAK: "asisten ragu akan topiknya; ASN memilih konsultan",
    EscalationReason.NLU_TIDAK_TERSEDIA: "asisten tidak dapat membaca pertanyaan saat itu",
}
"""Why a ticket was opened, in words (the card and /tiket)."""


def topic_title(knowledge: KnowledgeBase, topic: str | None) -> str:
    """The topic's title in the knowledge base ("Media sosial"), a phrase for the intents
    that have none, ``NO_TOPIC`` without a topic; an unknown id as it is."""
    if not topic:
        return NO_TOPIC
    if topic in knowledge.entries:
        return knowledge.title(topic)
    return NON_TOPIC_TITLES.get(topic, topic)


def find_topics(knowledge: KnowledgeBase, wanted: str, among: Iterable[str]) -> tuple[str, ...]:
    """The intents of ``among`` that ``wanted`` names, as a consultant types one: its id, else
    its title (case-insensitive), else the titles holding each of its words. One is a match;
    none or several, the consultant chooses from buttons."""
    query = wanted.strip().casefold()
    titles = {intent: topic_title(knowledge, intent).casefold() for intent in among}
    if query in titles:
        return (query,)
    titled = tuple(intent for intent, title in titles.items() if title == query)
    if titled:
        return titled
    words = query.split()
    return tuple(
        intent
        for intent, title in titles.items()
        if words and all(word in title.split() for word in words)
    )


def reason_phrase(reason: EscalationReason | str) -> str:
    """Why the ticket was opened, in words."""
    return REASON_PHRASES.get(EscalationReason(reason), reason)
