"""Write the NLU evaluation report: Markdown, JSON outcomes and a confusion-matrix PNG."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.intents import ALL_INTENTS

if TYPE_CHECKING:
    from bot.evaluation import Outcome


def write_report(
    directory: Path,
    outcomes: list[Outcome],
    scores: dict[str, dict[str, float]],
    figures: dict[str, float],
) -> Path:
    from bot.evaluation import TARGETS, outcomes_as_json

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nlu-outcomes.json").write_text(outcomes_as_json(outcomes), encoding="utf-8")
    _write_confusion_matrix(directory / "nlu-confusion-matrix.png", outcomes)
    lines = ["# NLU evaluation (held-out set)", "", "| figure | value | target |", "|---|---|---|"]
    lines += [f"| {k} | {v:.3f} | {' '.join(map(str, TARGETS[k]))} |" for k, v in figures.items()]
    lines += ["", "| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    lines += [
        f"| {i} | {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | {s['support']:.0f} |"
        for i, s in scores.items()
    ]
    errors = [o for o in outcomes if o.predicted != o.expected or o.action.value == "clarify"]
    lines += [
        "",
        "## Misread or clarified",
        "",
        "| expected | got | action | text |",
        "|---|---|---|---|",
    ]
    lines += [f"| {o.expected} | {o.predicted} | {o.action.value} | {o.text} |" for o in errors]
    path = directory / "nlu-evaluation.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_confusion_matrix(path: Path, outcomes: list[Outcome]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    index = {intent: i for i, intent in enumerate(ALL_INTENTS)}
    matrix = [[0] * len(ALL_INTENTS) for _ in ALL_INTENTS]
    for o in outcomes:
        matrix[index[o.expected]][index.get(o.predicted, index["di_luar_topik"])] += 1
    figure, axes = plt.subplots(figsize=(12, 11))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(ALL_INTENTS)), ALL_INTENTS, rotation=90)
    axes.set_yticks(range(len(ALL_INTENTS)), ALL_INTENTS)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    for row, counts in enumerate(matrix):
        for column, count in enumerate(counts):
            if count:
                axes.text(column, row, str(count), ha="center", va="center", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
