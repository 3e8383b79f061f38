"""Load the knowledge base from its YAML files and look entries, titles and messages up."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.intents import SMALL_TALK_INTENTS
from bot.knowledge.models import (
    KnowledgeEntry,
    MessagesFile,
    Problem,
    Regulation,
    SmallTalkEntry,
    TopicEntry,
)

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "knowledge"
"""``<repo>/knowledge``, found relative to this package."""

ANSWERS_DIR = "answers"
REGULATIONS_FILE = "regulations.yml"
MESSAGES_FILE = "messages.yml"


class KnowledgeBaseError(Exception):
    """The knowledge base directory cannot be read at all."""


@dataclass
class KnowledgeBase:
    """The answers, regulations and system messages, as loaded from ``path``.

    Files that could not be parsed are left out and described in ``load_problems``;
    ``check_knowledge_base`` reports them together with every other problem.
    """

    path: Path
    entries: dict[str, KnowledgeEntry] = field(default_factory=dict)
    regulations: dict[str, Regulation] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    messages_file: MessagesFile | None = None
    load_problems: list[Problem] = field(default_factory=list)

    def entry(self, intent: str) -> KnowledgeEntry:
        """Return the entry for ``intent``; KeyError if there is none."""
        try:
            return self.entries[intent]
        except KeyError:
            raise KeyError(f"no knowledge-base entry for intent {intent!r}") from None

    def title(self, intent: str) -> str:
        """Return the short menu label of ``intent`` (e.g. "Media sosial")."""
        return self.entry(intent).title

    def message(self, key: str, **fields: object) -> str:
        """Return system message ``key`` with ``fields`` HTML-escaped and filled in."""
        try:
            template = self.messages[key]
        except KeyError:
            raise KeyError(f"no message {key!r} in {MESSAGES_FILE}") from None
        escaped = {name: html.escape(str(value), quote=False) for name, value in fields.items()}
        return template.format(**escaped)


def load_knowledge_base(path: Path = DEFAULT_PATH) -> KnowledgeBase:
    """Read ``answers/*.yml``, ``regulations.yml`` and ``messages.yml`` under ``path``."""
    if not path.is_dir():
        raise KnowledgeBaseError(f"knowledge base directory not found: {path}")
    kb = KnowledgeBase(path=path)
    _load_regulations(kb)
    _load_messages(kb)
    _load_answers(kb)
    return kb


def _read_yaml(kb: KnowledgeBase, file: Path) -> Any:
    """Parse one YAML file; record a problem and return None if that fails."""
    where = str(file.relative_to(kb.path))
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        kb.load_problems.append(Problem(where, "file is missing"))
    except (OSError, yaml.YAMLError) as error:
        kb.load_problems.append(Problem(where, f"cannot be read: {error}"))
    return None


def _describe(error: ValidationError) -> str:
    """Summarise a pydantic error in one line per field."""
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(file)"
        parts.append(f"{location}: {item['msg']}")
    return "; ".join(parts)


def _load_regulations(kb: KnowledgeBase) -> None:
    data = _read_yaml(kb, kb.path / REGULATIONS_FILE)
    if data is None:
        return
    if not isinstance(data, dict) or not isinstance(data.get("regulations"), list):
        kb.load_problems.append(Problem(REGULATIONS_FILE, "expected a 'regulations' list"))
        return
    for index, raw in enumerate(data["regulations"]):
        where = f"{REGULATIONS_FILE}[{index}]"
        try:
            regulation = Regulation.model_validate(raw)
        except ValidationError as error:
            kb.load_problems.append(Problem(where, _describe(error)))
            continue
        if regulation.id in kb.regulations:
            kb.load_problems.append(Problem(where, f"duplicate regulation id {regulation.id!r}"))
            continue
        kb.regulations[regulation.id] = regulation


def _load_messages(kb: KnowledgeBase) -> None:
    data = _read_yaml(kb, kb.path / MESSAGES_FILE)
    if data is None:
        return
    try:
        kb.messages_file = MessagesFile.model_validate(data)
    except ValidationError as error:
        kb.load_problems.append(Problem(MESSAGES_FILE, _describe(error)))
        return
    kb.messages = dict(kb.messages_file.messages)


def _load_answers(kb: KnowledgeBase) -> None:
    answers = kb.path / ANSWERS_DIR
    if not answers.is_dir():
        kb.load_problems.append(Problem(ANSWERS_DIR, "directory is missing"))
        return
    for file in sorted(answers.glob("*.yml")):
        where = str(file.relative_to(kb.path))
        data = _read_yaml(kb, file)
        if data is None:
            continue
        if not isinstance(data, dict):
            kb.load_problems.append(Problem(where, "expected a mapping"))
            continue
        intent = file.stem
        if data.get("intent") != intent:
            kb.load_problems.append(Problem(where, f"'intent' must be {intent!r} (the file name)"))
            continue
        model = SmallTalkEntry if intent in SMALL_TALK_INTENTS else TopicEntry
        try:
            kb.entries[intent] = model.model_validate(data)
        except ValidationError as error:
            kb.load_problems.append(Problem(where, _describe(error)))
