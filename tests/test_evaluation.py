"""The product figures of the NLU evaluation, on hand-built outcomes."""

import pytest

from bot.evaluation import Outcome, load_held_out, meets, product_figures
from bot.intents import ALL_INTENTS, Action
from bot.nlu.review_export import example_key
from bot.settings import REPO_ROOT

TRAINING_DIR = REPO_ROOT / "rasa_project" / "data" / "nlu"


def outcome(expected: str, predicted: str, action: Action) -> Outcome:
    return Outcome("teks", expected, predicted, action, 0.9)


def test_figures_count_what_the_issue_defines() -> None:
    outcomes = [
        outcome("media_sosial", "media_sosial", Action.ANSWER),  # right answer
        outcome("kampanye", "media_sosial", Action.ANSWER),  # wrong answer
        outcome("kampanye", "kampanye", Action.CLARIFY),  # not answered
        outcome("konsultasi_kasus", "konsultasi_kasus", Action.ESCALATE),
        outcome("minta_konsultan", "salam", Action.ANSWER),  # missed escalation, wrong answer
        outcome("di_luar_topik", "di_luar_topik", Action.FALLBACK),
        outcome("di_luar_topik", "sanksi", Action.CLARIFY),  # not rejected
        outcome("salam", "salam", Action.ANSWER),
    ]
    figures = product_figures(outcomes)
    assert figures["in_scope_accuracy"] == pytest.approx(2 / 4)
    assert figures["escalation_recall"] == pytest.approx(1 / 2)
    assert figures["out_of_scope_rejection"] == pytest.approx(1 / 2)
    assert figures["wrong_answer_rate"] == pytest.approx(2 / 8)


def test_gate_directions() -> None:
    assert meets("in_scope_accuracy", 0.96, 0.95)
    assert not meets("in_scope_accuracy", 0.94, 0.95)
    assert meets("wrong_answer_rate", 0.01, 0.02)
    assert not meets("wrong_answer_rate", 0.03, 0.02)


def test_held_out_set_covers_every_intent() -> None:
    pairs = load_held_out()
    counts = {intent: sum(1 for _, label in pairs if label == intent) for intent in ALL_INTENTS}
    assert set(label for _, label in pairs) == set(ALL_INTENTS)
    assert min(counts.values()) >= 15


def test_no_held_out_question_is_in_the_training_data() -> None:
    """Short greetings may coincide; a held-out question of 3+ words must not be trained on."""

    trained = {example_key(text) for text, _ in load_held_out(TRAINING_DIR)}
    leaked = [
        text
        for text, _ in load_held_out()
        if len(text.split()) >= 3 and example_key(text) in trained
    ]
    assert leaked == []


def test_no_training_example_is_labelled_with_two_intents() -> None:
    """Writers disagree ("tes", "p"); the model must not be taught both (rasa only warns)."""
    labels: dict[str, set[str]] = {}
    for text, intent in load_held_out(TRAINING_DIR):
        labels.setdefault(example_key(text), set()).add(intent)
    assert {key: names for key, names in labels.items() if len(names) > 1} == {}
