"""Typed records of the knowledge base: regulations, citations, answer entries and problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["Boleh", "Tidak boleh", "Boleh dengan syarat", "Masih diperdebatkan"]
RegulationStatus = Literal["berlaku", "dicabut", "diubah"]
RegulationKind = Literal[
    "undang-undang",
    "peraturan-pemerintah",
    "peraturan-lembaga",
    "peraturan-kpu",
    "keputusan-bersama",
    "surat-edaran",
    "putusan-mk",
    "peraturan-organisasi",
]

INFORMATIONAL_TOPICS: frozenset[str] = frozenset(
    {"dasar_netralitas", "sanksi", "cakupan_aturan", "jadwal_pemilu", "pelaporan", "lkbh_korpri"}
)
"""Topics that explain or say how rather than allow or forbid: a summary line, not a verdict."""


class _Record(BaseModel):
    """Base for records read from YAML: unknown keys are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Reviewed(_Record):
    """A record that a person has checked against the sources on a given day."""

    last_reviewed: date
    reviewer: str = Field(min_length=1)


class Regulation(Reviewed):
    """One regulation in ``knowledge/regulations.yml``."""

    id: str = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    short_name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    kind: RegulationKind
    number: str = Field(min_length=1)
    year: int = Field(ge=1945, le=2100)
    status: RegulationStatus
    revoked_by: str | None = None
    amended_by: tuple[str, ...] = ()
    note: str | None = None


class Citation(_Record):
    """A pointer from an answer to a regulation, down to the article where one applies."""

    regulation: str = Field(min_length=1)
    article: str | None = None


class TopicEntry(Reviewed):
    """The answer to one neutrality topic.

    The first screen is the verdict line (``verdict`` + ``verdict_note``) and ``short_answer``:
    the whole answer with its main condition. The rest is the detail, folded away.
    """

    intent: str
    title: str = Field(min_length=1)
    verdict: Verdict | None = None
    verdict_note: str = Field(min_length=1)
    short_answer: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    pns_pppk: str | None = None
    sanction: str | None = None
    advice: str = Field(min_length=1)
    contested: str | None = None
    citations: tuple[Citation, ...] = Field(min_length=1)

    def text_fields(self) -> dict[str, str]:
        """Return the user-visible HTML fragments of the entry, by field name."""
        fields = {
            "title": self.title,
            "verdict_note": self.verdict_note,
            "short_answer": self.short_answer,
            "explanation": self.explanation,
            "pns_pppk": self.pns_pppk,
            "sanction": self.sanction,
            "advice": self.advice,
            "contested": self.contested,
        }
        return {name: value for name, value in fields.items() if value}

    def prose(self) -> list[str]:
        """Return the text fragments in the order the user reads them (citations left out)."""
        fragments = (
            self.verdict_note,
            self.short_answer,
            self.explanation,
            self.contested,
            self.pns_pppk,
            self.sanction,
            self.advice,
        )
        return [fragment for fragment in fragments if fragment]


class SmallTalkEntry(Reviewed):
    """A short conversational reply (greeting, thanks, help)."""

    intent: str
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)

    def text_fields(self) -> dict[str, str]:
        """Return the user-visible HTML fragments of the entry, by field name."""
        return {"title": self.title, "text": self.text}


KnowledgeEntry = TopicEntry | SmallTalkEntry


class MessagesFile(Reviewed):
    """``knowledge/messages.yml``: system texts keyed by name."""

    messages: dict[str, str]


@dataclass(frozen=True)
class Problem:
    """Something wrong in the knowledge base, located by intent or file."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
