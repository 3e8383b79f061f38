"""``python -m bot nlu export-reviewed``: the reviewed questions, masked, into training data.

Reads the items reviewers labelled (``/tinjau_nlu``) and not exported yet — never one marked
as holding personal data — masks each text, leaves out those that repeat a training example or
a held-out question, and writes the rest in Rasa NLU YAML, grouped by intent, to
``rasa_project/data/nlu/reviewed/reviewed_<YYYYMMDD-HHMMSS>.yml``; the items are then marked
exported. Unless ``--no-train``, it prints the held-out figures of the current model, trains,
and prints them again. Only a person runs it: nothing retrains in production by itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.evaluation import HELD_OUT_DIR, load_held_out
from bot.intents import ALL_INTENTS
from bot.nlu.masking import mask_personal_data
from bot.nlu.training import RASA_PROJECT
from bot.settings import Settings
from bot.storage import create_engine, create_session_factory, default_database_url
from bot.storage.nlu_review import ReviewText, items_to_export, mark_exported

TRAINING_DIR = RASA_PROJECT / "data" / "nlu"
REVIEWED_DIR = TRAINING_DIR / "reviewed"
_PLACEHOLDER_FOLLOWED = re.compile(r"\]([(\[{])")
"""``[NAMA](`` would read as a Rasa entity annotation: a space keeps the placeholder text."""
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def example_key(text: str) -> str:
    """A text as compared with the training and held-out questions (here, and by the test
    that no held-out question is trained on): case, ``?``/``.`` and whitespace do not count."""
    return " ".join(text.casefold().replace("?", " ").replace(".", " ").split())


def training_text(item: ReviewText) -> str:
    """The item's question, masked, on one line, safe inside a Rasa examples block."""
    masked = mask_personal_data(item.text, known_names=item.known_names)
    one_line = " ".join(_UNPRINTABLE.sub(" ", masked).split())
    return _PLACEHOLDER_FOLLOWED.sub(r"] \1", one_line)


def known_example_keys(*directories: Path) -> set[str]:
    """Every example of the Rasa NLU files under ``directories`` (those that exist)."""
    return {
        example_key(text)
        for directory in directories
        if directory.is_dir()
        for text, _ in load_held_out(directory)
    }


@dataclass(frozen=True, slots=True)
class ExportBatch:
    """What one export writes, by intent, and the items it settles (duplicates included)."""

    examples: dict[str, list[str]]
    item_ids: list[int]
    duplicates: int

    @property
    def written(self) -> int:
        return sum(len(texts) for texts in self.examples.values())


def build_batch(items: Iterable[ReviewText], known: set[str]) -> ExportBatch:
    """The masked examples to write; a text already known (or twice in the batch) is left out."""
    examples: dict[str, list[str]] = defaultdict(list)
    seen, item_ids, duplicates = set(known), [], 0
    for item in items:
        item_ids.append(item.item.id)
        text, label = training_text(item), item.item.label
        key = example_key(text)
        if not key or label not in ALL_INTENTS or key in seen:
            duplicates += 1
            continue
        seen.add(key)
        examples[label].append(text)
    ordered = {intent: examples[intent] for intent in ALL_INTENTS if intent in examples}
    return ExportBatch(ordered, item_ids, duplicates)


def render_nlu_yaml(examples: dict[str, list[str]]) -> str:
    """Rasa NLU YAML (``version: "3.1"``) in the layout of ``rasa_project/data/nlu/*.yml``."""
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in examples.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    content = "\n".join(lines) + "\n"
    parsed = yaml.safe_load(content)  # what Rasa will read: exactly these examples
    assert [block["intent"] for block in parsed["nlu"] or ()] == list(examples)
    return content


def read_by_training(out_dir: Path) -> bool:
    """Whether ``rasa train`` reads the files of ``out_dir`` (it reads all of data/nlu)."""
    return out_dir.resolve().is_relative_to(TRAINING_DIR.resolve())


def write_batch(batch: ExportBatch, out_dir: Path, now: datetime) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"reviewed_{now:%Y%m%d-%H%M%S}.yml"
    path.write_text(render_nlu_yaml(batch.examples), encoding="utf-8")
    return path


async def prepare_batch(settings: Settings, out_dir: Path) -> ExportBatch:
    """The batch the export would write now: labelled items not exported yet, masked, new."""
    engine = create_engine(settings.database_url or default_database_url(), settings.database)
    try:
        async with create_session_factory(engine)() as session:
            items = await items_to_export(session)
    finally:
        await engine.dispose()
    return build_batch(items, known_example_keys(TRAINING_DIR, HELD_OUT_DIR, out_dir))


async def settle_batch(settings: Settings, batch: ExportBatch, out_dir: Path) -> Path | None:
    """Write the batch (no file when nothing is new), then mark its items exported.

    Marked after the file is written: a failure in between leaves them to the next export,
    which finds them in the file and leaves them out as duplicates.
    """
    now = datetime.now(UTC)
    path = write_batch(batch, out_dir, now) if batch.written else None
    engine = create_engine(settings.database_url or default_database_url(), settings.database)
    try:
        async with create_session_factory(engine)() as session:
            await mark_exported(session, batch.item_ids, now=now)
            await session.commit()
    finally:
        await engine.dispose()
    return path


async def run_export_reviewed(settings: Settings, *, out_dir: Path, train: bool) -> int:
    """The command: held-out figures before, the export, training, the figures after."""
    from bot.evaluation import run_evaluation
    from bot.nlu.training import train_model

    batch = await prepare_batch(settings, out_dir)
    print(
        f"reviewed items: {len(batch.item_ids)}; new examples: {batch.written}; "
        f"left out as duplicates of training or held-out questions: {batch.duplicates}"
    )
    if not batch.written:
        await settle_batch(settings, batch, out_dir)
        print("nothing new to write")
        return 0
    # The figures of a model this process runs (never the production Rasa at RASA_URL).
    local = settings.model_copy(update={"rasa": settings.rasa.model_copy(update={"url": None})})
    if train:
        print("held-out figures before the export (the model of the current data):")
        await run_evaluation(local, fail_below_targets=False)
    path = await settle_batch(settings, batch, out_dir)
    for intent, texts in batch.examples.items():
        print(f"  {intent}: {len(texts)}")
    print(f"written: {path}")
    if not read_by_training(out_dir):
        print(f"note: {out_dir} is outside {TRAINING_DIR}: training does not read it")
    if not train:
        return 0
    outcome = train_model(settings=local.rasa)
    state = f"trained in {outcome.seconds:.1f} s" if outcome.trained else "up to date"
    print(f"{outcome.model_path.name}: {state}")
    print("held-out figures after the export (the model with the reviewed examples):")
    await run_evaluation(local, fail_below_targets=False)
    return 0
