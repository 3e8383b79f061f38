"""The checks that keep answers readable and honest on a phone: each fed a broken copy.

The shipped knowledge base passes them (``test_knowledge``); here each is shown to catch what
the legal review of 2026-12 found, and to stay quiet about the corrected text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge import TopicEntry, load_knowledge_base, render_answer
from bot.knowledge.render import DETAILS_OPEN, render_first_screen
from bot.knowledge.telegram_html import telegram_length
from tests.test_knowledge import copy, edit_yaml, problems_of

__all__ = ["copy"]  # the fixture, used by name


def _prepend(field: str, text: str) -> Any:
    def change(d: dict[str, Any]) -> None:
        d[field] = f"{text} {d[field]}"

    return change


def test_first_screen_and_verdict_line_over_budget_are_reported(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["short_answer"] = "Jawaban yang terlalu panjang. " * 15
        d["verdict_note"] = "Putusan " * 25

    edit_yaml(copy / "answers/hak_pilih.yml", change)
    assert problems_of(copy) == [
        "hak_pilih: verdict line is 199 characters (at most 160)",
        "hak_pilih: short answer (first screen) is 449 characters (at most 400)",
    ]


def test_absolute_verdict_line_on_a_contested_point_is_reported(copy: Path) -> None:
    absolute = "ASN dilarang ikut kampanye."
    edit_yaml(copy / "answers/kampanye.yml", lambda d: d.update(verdict_note=absolute))
    problems = problems_of(copy)
    assert (
        "kampanye: verdict line is absolute while the answer flags a point as contested: say "
        "in the verdict line what is not settled"
    ) in problems
    assert any("red flag 15" in problem for problem in problems)


def test_a_how_to_topic_carries_no_verdict(copy: Path) -> None:
    edit_yaml(copy / "answers/pelaporan.yml", lambda d: d.update(verdict="Boleh"))
    assert problems_of(copy) == [
        "pelaporan: a how-to or informational topic carries a verdict ('Boleh')"
    ]


def test_bare_or_wrongly_defined_ambiguous_abbreviation_is_reported(copy: Path) -> None:
    edit_yaml(copy / "answers/hak_pilih.yml", _prepend("short_answer", "PPK mengizinkan cuti."))
    edit_yaml(
        copy / "answers/dukungan_ktp.yml",
        _prepend("explanation", "Petugas Panitia Pemilihan Kecamatan (PPK) memeriksa dukungan."),
    )
    problems = problems_of(copy)
    assert (
        "hak_pilih: PPK is used bare; at first use write 'Pejabat Pembina Kepegawaian (PPK)'"
    ) in problems
    assert "dukungan_ktp: PPK stands for 'Panitia Pemilihan Kecamatan': write that one out" in (
        problems
    )


def test_defined_abbreviation_passes(copy: Path) -> None:
    edit_yaml(
        copy / "answers/hak_pilih.yml",
        _prepend("short_answer", "Pejabat Pembina Kepegawaian (PPK) mengizinkan cuti; PPK tahu."),
    )
    assert problems_of(copy) == []


def test_unexplained_jargon_and_juncto_are_reported(copy: Path) -> None:
    edit_yaml(copy / "answers/hak_pilih.yml", _prepend("short_answer", "Lapor lewat SBT."))
    juncto = "Lihat PP 11/2017 jo. PP 17/2020."
    edit_yaml(copy / "answers/dukungan_ktp.yml", _prepend("advice", juncto))
    problems = problems_of(copy)
    assert "hak_pilih: 'SBT' is not explained at first use (add it in parentheses)" in problems
    assert "dukungan_ktp: 'jo.' is lawyers' jargon: write 'sebagaimana diubah'" in problems


def test_regulation_named_in_text_must_be_in_the_registry(copy: Path) -> None:
    edit_yaml(
        copy / "answers/hak_pilih.yml",
        _prepend("explanation", "Lihat PerBKN 6/2022, UU Nomor 7 Tahun 2017 dan PP No. 94/2021."),
    )
    assert problems_of(copy) == [
        "hak_pilih: names 'PerBKN 6/2022', which is not in the regulation registry"
    ]


def test_length_is_counted_in_utf16_units_as_telegram_counts(copy: Path) -> None:
    edit_yaml(copy / "answers/hak_pilih.yml", lambda d: d.update(advice="𝐀" * 1700))
    rendered = render_answer(load_knowledge_base(copy), "hak_pilih")
    assert len(rendered) <= 4096 < telegram_length(rendered)
    assert any(
        p.startswith("hak_pilih: rendered answer is") and "as Telegram counts them" in p
        for p in problems_of(copy)
    )


def test_answer_shows_the_verdict_and_short_answer_first_and_folds_the_rest() -> None:
    kb = load_knowledge_base()
    for intent, entry in kb.entries.items():
        if not isinstance(entry, TopicEntry):
            continue
        rendered = render_answer(kb, intent)
        first, details = rendered.split(DETAILS_OPEN)
        assert first.rstrip("\n") == render_first_screen(entry)
        assert "<b>Dasar hukum</b>" in details and "<b>Saran</b>" in details
        assert details.count("</blockquote>") == 1
