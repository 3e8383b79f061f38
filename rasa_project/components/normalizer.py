"""Indonesian text normaliser: slang, abbreviations, typos and elongated words.

Runs first in the pipeline, on training data and on every parsed message, so the classifier
sees one spelling of each word. Stop-words are kept: "boleh" and "tidak" carry the intent.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

SLANG_FILE = Path(__file__).with_name("slang.yml")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[^\sa-z0-9]")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_REDUPLICATED_DIGIT = re.compile(r"\b([a-z]{2,})2\b")


def load_slang(path: Path = SLANG_FILE) -> dict[str, str]:
    """Load the slang dictionary: informal spelling → standard Indonesian."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[str, str] = {}
    for standard, variants in raw.items():
        table[str(standard)] = str(standard)  # standard words are never collapsed ("pppk")
        for variant in variants or ():
            table[str(variant).lower()] = str(standard)
    return table


def normalize(text: str, slang: dict[str, str]) -> str:
    """Return the normalised form of one message."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _REDUPLICATED_DIGIT.sub(r"\1-\1", text)  # "teman2" → "teman-teman"
    words = []
    for token in _WORD.findall(text):
        if token not in slang:
            token = _ELONGATED.sub(r"\1", token)  # "bolehhh" → "boleh"
        words.append(slang.get(token, token))
    return " ".join(words)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class IndonesianNormalizer(GraphComponent):
    """Rewrite the text of every message into normalised Indonesian before tokenising."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"enabled": True}

    def __init__(self, config: dict[str, Any]) -> None:
        self._enabled = bool(config.get("enabled", True))
        self._slang = load_slang()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IndonesianNormalizer:
        return cls(config)

    def _normalize_message(self, message: Message) -> None:
        text: str | None = message.get(TEXT)
        if self._enabled and text:
            message.set(TEXT, normalize(text, self._slang))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalize_message(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize_message(message)
        return messages
