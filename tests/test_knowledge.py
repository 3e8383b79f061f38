"""The shipped knowledge base: it loads, passes its own check and renders for Telegram.

Broken copies are built in tmp_path to show the check rejects what must never ship.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.intents import ANSWER_INTENTS, SMALL_TALK_INTENTS, TOPIC_INTENTS
from bot.knowledge import (
    DEFAULT_PATH,
    Citation,
    KnowledgeBase,
    KnowledgeBaseError,
    TopicEntry,
    check_knowledge_base,
    load_knowledge_base,
    render_answer,
    render_citation,
)
from bot.knowledge.commands import register
from bot.knowledge.render import render_first_screen
from bot.knowledge.telegram_html import html_errors, telegram_length

AIMED_LENGTH = 3000
"""House aim for a whole answer (Telegram's hard limit is 4096). What a phone shows first is
budgeted by ``kb check`` (verdict line and short answer); the rest is folded away."""


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def test_default_path_is_the_repository_knowledge_directory() -> None:
    assert Path(__file__).resolve().parents[1] / "knowledge" == DEFAULT_PATH


def test_shipped_knowledge_base_passes_the_check(kb: KnowledgeBase) -> None:
    assert check_knowledge_base(kb) == []


def test_every_answer_intent_has_an_entry(kb: KnowledgeBase) -> None:
    assert set(kb.entries) == set(ANSWER_INTENTS)


@pytest.mark.parametrize("intent", ANSWER_INTENTS)
def test_answer_renders_as_valid_telegram_html_within_limits(
    kb: KnowledgeBase, intent: str
) -> None:
    rendered = render_answer(kb, intent)
    assert html_errors(rendered) == []
    assert len(rendered) <= 4096
    assert telegram_length(rendered) <= AIMED_LENGTH


@pytest.mark.parametrize("intent", TOPIC_INTENTS)
def test_topic_answer_has_verdict_legal_basis_and_consultant_route(
    kb: KnowledgeBase, intent: str
) -> None:
    rendered = render_answer(kb, intent)
    first_lines = rendered.split("\n")[1]
    assert any(mark in first_lines for mark in ("✅", "⛔", "🟡", "❓", "ℹ️"))
    assert "<b>Dasar hukum</b>" in rendered
    assert "<b>Saran</b>" in rendered
    assert "/konsultan" in rendered and "Tanya konsultan LKBH" in rendered


def test_titles_are_short_menu_labels(kb: KnowledgeBase) -> None:
    assert kb.title("media_sosial") == "Media sosial"
    assert all(len(kb.title(intent)) <= 28 for intent in ANSWER_INTENTS)


def test_contested_topics_say_so_on_the_first_screen(kb: KnowledgeBase) -> None:
    for intent in TOPIC_INTENTS:
        entry = kb.entry(intent)
        assert isinstance(entry, TopicEntry)
        if entry.contested:
            rendered = render_answer(kb, intent)
            assert rendered.index("Belum ada kepastian") < rendered.index("<b>Dasar hukum</b>")
    kampanye = _first_screen(kb, "kampanye")
    assert "hadir pasif" in kampanye and "diperdebatkan" in kampanye
    witness = _first_screen(kb, "penyelenggara_pemilu")
    assert "saksi" in witness and "anggap dilarang" in witness


def _first_screen(kb: KnowledgeBase, intent: str) -> str:
    entry = kb.entry(intent)
    assert isinstance(entry, TopicEntry)
    return render_first_screen(entry)


def test_no_topic_cites_a_revoked_regulation(kb: KnowledgeBase) -> None:
    for intent in TOPIC_INTENTS:
        entry = kb.entry(intent)
        assert isinstance(entry, TopicEntry)
        for citation in entry.citations:
            assert kb.regulations[citation.regulation].status != "dicabut"


def test_citation_is_rendered_with_short_name_and_article(kb: KnowledgeBase) -> None:
    citation = Citation(regulation="pp-94-2021", article="Pasal 5 huruf n angka 1")
    assert render_citation(kb, citation) == "PP 94/2021 Pasal 5 huruf n angka 1"
    assert "• PP 94/2021 Pasal 5 huruf n angka 7" in render_answer(kb, "dukungan_ktp")


def test_small_talk_is_plain_text_and_help_lists_every_topic(kb: KnowledgeBase) -> None:
    for intent in SMALL_TALK_INTENTS:
        assert "Dasar hukum" not in render_answer(kb, intent)
    help_text = render_answer(kb, "bantuan")
    assert "{topic_list}" not in help_text
    assert all(f"• {kb.title(intent)}" in help_text for intent in TOPIC_INTENTS)


def test_messages_escape_their_fields(kb: KnowledgeBase) -> None:
    text = kb.message("escalation_ack", ticket_number="<T&1>")
    assert "&lt;T&amp;1&gt;" in text
    assert "/selesai" in text
    assert "T-7" in kb.message("nlu_unavailable", ticket_number="T-7")
    assert "/bantuan" in kb.message("fallback")
    assert html_errors(kb.message("clarify")) == []


def test_unknown_intent_and_message_raise_key_error(kb: KnowledgeBase) -> None:
    with pytest.raises(KeyError):
        kb.entry("di_luar_topik")
    with pytest.raises(KeyError):
        kb.message("tidak_ada")


# --- broken copies -----------------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_PATH, target)
    return target


def edit_yaml(file: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    change(data)
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_of(path: Path) -> list[str]:
    return [str(problem) for problem in check_knowledge_base(load_knowledge_base(path))]


def test_citation_of_unknown_regulation_is_rejected(copy: Path) -> None:
    edit_yaml(
        copy / "answers/media_sosial.yml",
        lambda d: d["citations"].append({"regulation": "pp-99-2099", "article": "Pasal 1"}),
    )
    assert problems_of(copy) == ["media_sosial: citation of unknown regulation 'pp-99-2099'"]


def test_citation_of_revoked_pp_53_2010_is_rejected(copy: Path) -> None:
    edit_yaml(
        copy / "answers/sanksi.yml",
        lambda d: d["citations"].append({"regulation": "pp-53-2010", "article": "Pasal 7"}),
    )
    problems = problems_of(copy)
    assert problems[0].startswith("sanksi: cites PP 53/2010, which is revoked")
    # the rendered "Dasar hukum" line now presents it as current: the red-flag scan agrees
    assert problems[1:] == [
        "sanksi: red flag 1 (PP 53/2010 disajikan sebagai aturan berlaku): '┃ • PP 53/2010 Pasal 7'"
    ]


def test_revoked_regulation_described_as_current_is_a_red_flag(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["explanation"] += " Hukuman disiplin diatur PP 53/2010."

    edit_yaml(copy / "answers/sanksi.yml", change)
    assert any("red flag 1" in problem for problem in problems_of(copy))


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<b>tebal tanpa penutup", "never closed"),
        ("<div>blok</div>", "tag <div> is not allowed"),
        ("PNS & PPPK", "unescaped '&'"),
    ],
)
def test_invalid_html_in_an_answer_is_rejected(copy: Path, fragment: str, expected: str) -> None:
    edit_yaml(copy / "answers/kampanye.yml", lambda d: d.update(advice=fragment))
    problems = problems_of(copy)
    assert any(p.startswith("kampanye: advice:") and expected in p for p in problems), problems


def test_missing_entry_is_reported(copy: Path) -> None:
    (copy / "answers/hak_pilih.yml").unlink()
    assert problems_of(copy) == ["hak_pilih: no entry (expected answers/{intent}.yml)"]


def test_missing_required_field_and_reviewer_are_reported(copy: Path) -> None:
    edit_yaml(copy / "answers/pelaporan.yml", lambda d: d.pop("advice"))
    edit_yaml(copy / "answers/salam.yml", lambda d: d.pop("reviewer"))
    problems = problems_of(copy)
    assert "answers/pelaporan.yml: advice: Field required" in problems
    assert "answers/salam.yml: reviewer: Field required" in problems
    assert "pelaporan: no entry (expected answers/{intent}.yml)" in problems


def test_missing_verdict_and_long_title_are_reported(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d.pop("verdict")
        d["title"] = "Judul menu yang terlalu panjang untuk tombol"

    edit_yaml(copy / "answers/media_sosial.yml", change)
    problems = problems_of(copy)
    assert "media_sosial: verdict is missing" in problems
    assert any(p.startswith("media_sosial: title is") for p in problems)


def test_message_without_its_placeholder_is_reported(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["messages"]["escalation_ack"] = "Tiket Anda sudah dibuat."

    edit_yaml(copy / "messages.yml", change)
    assert problems_of(copy) == [
        "messages.yml:escalation_ack: placeholders [] (expected ['ticket_number'])"
    ]


def test_regulation_registry_links_are_checked(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        for regulation in d["regulations"]:
            if regulation["id"] == "pp-53-2010":
                regulation["revoked_by"] = "pp-00-0000"

    edit_yaml(copy / "regulations.yml", change)
    assert problems_of(copy) == [
        "regulations.yml:pp-53-2010: refers to unknown regulation 'pp-00-0000'"
    ]


# --- command line ------------------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


def test_kb_check_prints_ok_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kb", "check"]) == 0
    *warnings, ok = capsys.readouterr().out.splitlines()
    assert ok.startswith("OK: 21 answers")
    # Answers no lawyer approved are warned of (tests/test_knowledge_review_cli.py), not errors.
    assert all(line.startswith("warning: ") for line in warnings)


def test_kb_check_fails_on_a_broken_copy(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy / "answers/hak_pilih.yml").unlink()
    assert run_cli(["kb", "--path", str(copy), "check"]) == 1
    assert "hak_pilih: no entry" in capsys.readouterr().out


def test_kb_show_prints_html_and_phone_preview(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kb", "show", "media_sosial"]) == 0
    out = capsys.readouterr().out
    html_part, preview = out.split("── Pratinjau di ponsel")
    assert "<b>Media sosial</b>" in html_part
    assert "<b>" not in preview and "Media sosial" in preview and "Dasar hukum" in preview


def test_kb_show_unknown_intent_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["kb", "show", "tidak_ada"]) == 2
    assert "choose one of" in capsys.readouterr().out


def test_unreadable_yaml_and_wrong_intent_field_are_reported(copy: Path) -> None:
    (copy / "answers/salam.yml").write_text("intent: salam\ntext: [tidak ditutup\n")
    edit_yaml(copy / "answers/bantuan.yml", lambda d: d.update(intent="salam"))
    problems = problems_of(copy)
    assert any(p.startswith("answers/salam.yml: cannot be read") for p in problems)
    assert "answers/bantuan.yml: 'intent' must be 'bantuan' (the file name)" in problems


def test_red_flag_in_a_system_message_is_reported(copy: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["messages"]["fallback"] += " Ingat: ASN tidak boleh memilih."

    edit_yaml(copy / "messages.yml", change)
    assert [p.split(" (")[0] for p in problems_of(copy)] == ["messages.yml:fallback: red flag 10"]


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base(tmp_path / "tidak-ada")
