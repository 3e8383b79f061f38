"""The intent taxonomy: the contract shared by the NLU data, the knowledge base and the handlers.

Mirrors ``shared/domain/intents.md``. Every other module takes intent and action names from here.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What the bot does with a message; every message ends in exactly one."""

    ANSWER = "answer"
    ESCALATE = "escalate"
    CLARIFY = "clarify"
    FALLBACK = "fallback"


SMALL_TALK_INTENTS: tuple[str, ...] = ("salam", "terima_kasih", "bantuan")
"""Answered from the knowledge base's short texts."""

TOPIC_INTENTS: tuple[str, ...] = (
    "dasar_netralitas",
    "partai_politik",
    "media_sosial",
    "kampanye",
    "foto_bersama_calon",
    "atribut_kampanye",
    "fasilitas_negara",
    "dukungan_ktp",
    "mencalonkan_diri",
    "keluarga_calon",
    "hak_pilih",
    "penyelenggara_pemilu",
    "kebijakan_pejabat",
    "sanksi",
    "pelaporan",
    "lkbh_korpri",
    "cakupan_aturan",
    "jadwal_pemilu",
)
"""The 18 neutrality topics, in the order of the topic menu."""

ESCALATION_INTENTS: tuple[str, ...] = ("minta_konsultan", "konsultasi_kasus")
OUT_OF_SCOPE_INTENT = "di_luar_topik"

ALL_INTENTS: tuple[str, ...] = (
    *SMALL_TALK_INTENTS,
    *ESCALATION_INTENTS,
    OUT_OF_SCOPE_INTENT,
    *TOPIC_INTENTS,
)

ANSWER_INTENTS: tuple[str, ...] = (*SMALL_TALK_INTENTS, *TOPIC_INTENTS)
"""Intents whose natural action is ``answer``: each needs a knowledge-base entry."""


assert len(ALL_INTENTS) == 24 and len(set(ALL_INTENTS)) == 24
