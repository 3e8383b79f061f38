"""The export of reviewed questions: masked, grouped by intent, never a known question twice,
in Rasa NLU YAML that the project's own reader takes back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml

from bot.evaluation import HELD_OUT_DIR, load_held_out
from bot.nlu.review_export import (
    REVIEWED_DIR,
    TRAINING_DIR,
    build_batch,
    example_key,
    known_example_keys,
    read_by_training,
    render_nlu_yaml,
    training_text,
    write_batch,
)
from bot.storage.models import NluReviewItem
from bot.storage.nlu_review import ReviewText


def reviewed(item_id: int, text: str, label: str, names: tuple[str | None, ...] = ()) -> ReviewText:
    return ReviewText(NluReviewItem(id=item_id, label=label, status="labeled"), text, names)


def test_texts_are_masked_and_kept_on_one_line() -> None:
    item = reviewed(1, "Saya Budi,\nhp 0812-3456-7890\tboleh ikut?", "kampanye", ("Budi",))
    assert training_text(item) == "Saya [NAMA], hp [TELEPON] boleh ikut?"
    # "[NAMA](" would be a Rasa entity annotation: the placeholder stays text.
    assert training_text(reviewed(2, "Pak Joko(kades) ikut", "kampanye")) == (
        "Pak [NAMA] (kades) ikut"
    )


def test_the_batch_groups_by_intent_and_leaves_out_known_questions() -> None:
    known = {example_key("Bolehkah PNS like postingan capres?")}
    batch = build_batch(
        [
            reviewed(1, "pns ikut senam bareng caleg boleh?", "kampanye"),
            reviewed(2, "bolehkah  pns like postingan CAPRES", "media_sosial"),  # known
            reviewed(3, "cara urus cuti melahirkan", "di_luar_topik"),
            reviewed(4, "PNS ikut senam bareng caleg boleh", "kampanye"),  # twice in the batch
            reviewed(5, "pns share video paslon di grup wa", "media_sosial"),
        ],
        known,
    )
    assert batch.examples == {
        "di_luar_topik": ["cara urus cuti melahirkan"],
        "media_sosial": ["pns share video paslon di grup wa"],
        "kampanye": ["pns ikut senam bareng caleg boleh?"],
    }
    assert batch.item_ids == [1, 2, 3, 4, 5]  # every item is settled, duplicates included
    assert (batch.written, batch.duplicates) == (3, 2)


def test_a_held_out_question_never_becomes_training_data() -> None:
    held_out_text, intent = next(
        (text, label) for text, label in load_held_out() if len(text.split()) >= 3
    )
    known = known_example_keys(TRAINING_DIR, HELD_OUT_DIR, Path("/nonexistent/reviewed"))
    batch = build_batch([reviewed(1, f"  {held_out_text.upper()} ", intent)], known)
    assert batch.written == 0 and batch.duplicates == 1


def test_the_file_is_rasa_nlu_yaml_the_project_reads_back(tmp_path: Path) -> None:
    batch = build_batch(
        [
            reviewed(1, 'pns boleh jadi saksi "paslon" di tps? #tanya: ya', "penyelenggara_pemilu"),
            reviewed(2, "- awalnya tanda hubung: pns ikut rapat partai", "partai_politik"),
        ],
        set(),
    )
    path = write_batch(batch, tmp_path / "reviewed", datetime(2026, 12, 6, 13, 4, 5, tzinfo=UTC))
    assert path.name == "reviewed_20261206-130405.yml"
    content = path.read_text(encoding="utf-8")
    assert content.startswith('version: "3.1"\nnlu:\n')
    assert yaml.safe_load(content)["version"] == "3.1"
    assert sorted(load_held_out(tmp_path)) == sorted(
        [
            ('pns boleh jadi saksi "paslon" di tps? #tanya: ya', "penyelenggara_pemilu"),
            ("- awalnya tanda hubung: pns ikut rapat partai", "partai_politik"),
        ]
    )
    assert render_nlu_yaml({}) == 'version: "3.1"\nnlu:\n'


def test_only_a_directory_under_data_nlu_is_read_by_training(tmp_path: Path) -> None:
    assert read_by_training(REVIEWED_DIR)  # missing until the first export: still fine
    assert not read_by_training(tmp_path / "reviewed")
