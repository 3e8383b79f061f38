"""Checks that keep a topic answer readable and honest on a phone (issue 19).

Each check returns messages about one ``TopicEntry``; ``checks._check_topic`` reports them. They
read the entry's prose in the order the user reads it (``TopicEntry.prose``), as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.knowledge.models import INFORMATIONAL_TOPICS, Regulation, TopicEntry
from bot.knowledge.red_flag_rules import HEDGED
from bot.knowledge.telegram_html import telegram_length, to_plain_text

VERDICT_LINE_BUDGET = 160
"""Visible characters (UTF-16 units) of the verdict line's text."""

SHORT_ANSWER_BUDGET = 400
"""Visible characters of the short answer: with the verdict line, the first screen on a phone."""

AMBIGUOUS_ABBREVIATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "PPK": ("Pejabat Pembina Kepegawaian", ("Panitia Pemilihan Kecamatan",)),
    "SKB": ("Surat Keputusan Bersama", ("Seleksi Kompetensi Bidang",)),
}
"""Abbreviation → (the one meaning it may stand for here, meanings always written out)."""

JARGON: tuple[str, ...] = (
    "SBT",
    "PTUN",
    "Pantarlih",
    "JPT",
    "CLTN",
    "BPASN",
    "KGB",
    "SIASN",
    "Gakkumdu",
    "DCT",
    "delik aduan",
)
"""Terms a civil servant may not know: explained in parentheses at first use, or avoided."""

FORBIDDEN_JARGON = re.compile(r"\bjo\.")
"""Lawyers' "juncto": write "sebagaimana diubah" instead."""

REGULATION_MENTION = re.compile(
    r"\b(?P<kind>UU|PP|Perpres|PerBKN|Perka\s+BKN|PKPU|Perbawaslu|Permendagri|PermenPANRB"
    r"|SE\s+MenPANRB|Putusan\s+MK)\s+(?:(?:No\.?|Nomor)\s*)?"
    r"(?P<number>\d[\w.\-]*(?:/PUU-[IVXLC]+)?)\s*(?:/|\s+Tahun\s+)(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
"""A regulation named in prose: "PP 94/2021", "UU Nomor 7 Tahun 2017", "Putusan MK 65/PUU-…"."""


def check_answer(entry: TopicEntry, regulations: Iterable[Regulation]) -> list[str]:
    """Return what is wrong with how ``entry`` reads; an empty list when nothing is."""
    prose = to_plain_text("\n".join(entry.prose()))
    return [
        *_first_screen(entry),
        *_verdict_carries_the_nuance(entry),
        *_verdict_only_where_the_question_is_may_i(entry),
        *_abbreviations_defined(prose),
        *_jargon_explained(prose),
        *_regulations_registered(prose, regulations),
    ]


def _first_screen(entry: TopicEntry) -> list[str]:
    problems = []
    verdict_line = telegram_length(entry.verdict_note)
    if verdict_line > VERDICT_LINE_BUDGET:
        problems.append(
            f"verdict line is {verdict_line} characters (at most {VERDICT_LINE_BUDGET})"
        )
    short = telegram_length(entry.short_answer)
    if short > SHORT_ANSWER_BUDGET:
        problems.append(
            f"short answer (first screen) is {short} characters (at most {SHORT_ANSWER_BUDGET})"
        )
    return problems


def _verdict_carries_the_nuance(entry: TopicEntry) -> list[str]:
    if not entry.contested or entry.verdict == "Masih diperdebatkan":
        return []
    if HEDGED.search(to_plain_text(entry.verdict_note)):
        return []
    return [
        "verdict line is absolute while the answer flags a point as contested: say in the "
        "verdict line what is not settled"
    ]


def _verdict_only_where_the_question_is_may_i(entry: TopicEntry) -> list[str]:
    if entry.intent in INFORMATIONAL_TOPICS and entry.verdict is not None:
        return [f"a how-to or informational topic carries a verdict ({entry.verdict!r})"]
    return []


def _abbreviations_defined(prose: str) -> list[str]:
    problems = []
    for abbreviation, (meaning, spelled_out) in AMBIGUOUS_ABBREVIATIONS.items():
        for other in spelled_out:
            if re.search(rf"{other}\s*\(\s*{abbreviation}\s*\)", prose, re.IGNORECASE):
                problems.append(f"{abbreviation} stands for {other!r}: write that one out")
        first = re.search(rf"\b{abbreviation}\b", prose)
        if first and not _defined_at(prose, first, meaning):
            problems.append(
                f"{abbreviation} is used bare; at first use write '{meaning} ({abbreviation})'"
            )
    return problems


def _defined_at(prose: str, use: re.Match[str], meaning: str) -> bool:
    """True if ``use`` reads "Meaning (ABBR)" or "ABBR (Meaning …)"."""
    before = prose[max(0, use.start() - len(meaning) - 3) : use.start()]
    after = prose[use.end() : use.end() + len(meaning) + 3]
    return bool(
        re.search(rf"{meaning}\s*\($", before, re.IGNORECASE)
        or re.match(rf"\s*\(\s*{meaning}", after, re.IGNORECASE)
    )


def _jargon_explained(prose: str) -> list[str]:
    problems = []
    if FORBIDDEN_JARGON.search(prose):
        problems.append("'jo.' is lawyers' jargon: write 'sebagaimana diubah'")
    for term in JARGON:
        first = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", prose)
        if first is None:
            continue
        explained_after = re.match(r"\s*\(", prose[first.end() :])
        explained_before = prose[: first.start()].rstrip().endswith("(") and prose[
            first.end() :
        ].startswith(")")
        if not (explained_after or explained_before):
            problems.append(f"{term!r} is not explained at first use (add it in parentheses)")
    return problems


def _regulations_registered(prose: str, regulations: Iterable[Regulation]) -> list[str]:
    known = {key for regulation in regulations for key in _mentions(regulation.short_name)}
    return [
        f"names {mention!r}, which is not in the regulation registry"
        for mention, key in _mention_keys(prose)
        if key not in known
    ]


def _mentions(text: str) -> set[tuple[str, str, str]]:
    return {key for _, key in _mention_keys(text)}


def _mention_keys(text: str) -> list[tuple[str, tuple[str, str, str]]]:
    keys = []
    for match in REGULATION_MENTION.finditer(text):
        kind = re.sub(r"\s+", " ", match.group("kind")).upper().removeprefix("PUTUSAN ")
        number = match.group("number").upper().lstrip("0") or "0"
        keys.append((match.group(), (kind, number, match.group("year"))))
    return keys
