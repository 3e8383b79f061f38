"""Find the known wrong statements in answer texts: fact sheet section 10 (flags 1–11) and the
misleading lines of the legal review of 2026-12 (flags 12–25).

Each detector reads one sentence of plain text at a time and is written to tolerate spacing,
case and wording ("PP 53/2010", "PP Nomor 53 Tahun 2010"), while letting the knowledge base's
own correct statements through ("PP 53/2010 sudah dicabut", "TNI/Polri tidak memilih").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.knowledge.red_flag_rules import DETECTORS
from bot.knowledge.review_flag_rules import REVIEW_DETECTORS
from bot.knowledge.telegram_html import to_plain_text


@dataclass(frozen=True)
class RedFlag:
    """A sentence that repeats a known error."""

    number: int
    label: str
    excerpt: str

    def __str__(self) -> str:
        return f"red flag {self.number} ({self.label}): {self.excerpt!r}"


_SENTENCE_BREAK = re.compile(r"\n+|(?<=[.!?])\s+(?=[A-Z\"'“•(\[])")


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences and lines, keeping "PP No. 53" together."""
    return [part.strip() for part in _SENTENCE_BREAK.split(text) if part.strip()]


def find_red_flags(text: str) -> list[RedFlag]:
    """Return every known error in ``text`` (HTML or plain), one per flag and sentence.

    Questions are skipped: "Apakah PP 53/2010 masih berlaku?" states nothing.
    """
    flags = []
    for sentence in split_sentences(to_plain_text(text)):
        normalised = re.sub(r"\s+", " ", sentence)
        if normalised.endswith("?"):
            continue  # a question asserts nothing
        for number, label, detect in (*DETECTORS, *REVIEW_DETECTORS):
            if detect(normalised):
                flags.append(RedFlag(number, label, normalised[:200]))
    return flags
