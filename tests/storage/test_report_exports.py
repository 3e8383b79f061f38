"""The report's charts and workbook from known activity, and ``python -m bot report``."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from bot.knowledge import load_knowledge_base
from bot.reports.charts import render_charts
from bot.reports.figures import build_report
from bot.reports.workbook import workbook_bytes
from tests.storage.report_seed import (
    ERASED_TEXT,
    OFFICE_HOURS,
    QUESTION_4,
    seed_report_activity,
    seeded_period,
    seeded_report,
)
from tests.test_cli import run_bot_cli

CHARTS = ("pertanyaan_harian", "topik", "tiket_harian", "konsultan", "nilai_dan_tren")


def assert_readable_chart(png: bytes) -> None:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (1080, 1350)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 10, "a blank or nearly blank chart"


def sheet_rows(content: bytes, name: str) -> list[tuple[object, ...]]:
    return list(load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True))


async def test_every_chart_renders_at_phone_size(session: AsyncSession) -> None:
    charts = render_charts(await seeded_report(session))
    assert tuple(charts) == CHARTS
    for png in charts.values():
        assert_readable_chart(png)


async def test_charts_of_an_empty_period_render_too(session: AsyncSession) -> None:
    report = await build_report(
        session, seeded_period(), knowledge=load_knowledge_base(), office_hours=OFFICE_HOURS
    )
    for png in render_charts(report).values():
        assert_readable_chart(png)


async def test_daily_sheet_totals_match_the_activity(session: AsyncSession) -> None:
    content = workbook_bytes(await seeded_report(session))
    assert load_workbook(io.BytesIO(content)).sheetnames == [
        "Ringkasan harian",
        "Tiket",
        "Topik",
        "Konsultan",
    ]
    rows = sheet_rows(content, "Ringkasan harian")
    assert rows[0] == (
        "Tanggal",
        "Dijawab",
        "Diperjelas",
        "Di luar topik",
        "Ke konsultan",
        "Pertanyaan",
        "Tiket dibuka",
        "Tiket diambil",
        "Tiket ditutup",
    )
    assert len(rows) == 1 + 14 + 1
    assert rows[-1] == ("Jumlah", 5, 2, 1, 1, 9, 4, 3, 3)
    assert rows[2][0] == datetime(2026, 8, 11)
    assert rows[2][1:6] == (2, 0, 1, 1, 4)


async def test_ticket_sheet_one_row_per_ticket_in_local_time(session: AsyncSession) -> None:
    rows = sheet_rows(workbook_bytes(await seeded_report(session)), "Tiket")
    assert rows[0][4] == "Dibuka (Asia/Jakarta)"
    assert "Pertanyaan" not in rows[0]
    tickets = rows[1:]
    assert len(tickets) == 4
    friday = tickets[2]
    assert friday[2:4] == ("Media sosial", "ASN menekan tombol Tanya konsultan")
    assert friday[4:8] == (
        datetime(2026, 8, 14, 15),
        datetime(2026, 8, 14, 15, 30),
        datetime(2026, 8, 18, 9),
        datetime(2026, 8, 18, 11),
    )
    assert friday[8:12] == (120, 240, "Konsultan 1", 5)
    assert sum(row[11] or 0 for row in tickets) == 9
    assert [row[10] for row in tickets] == ["Konsultan 1", "Konsultan 2", "Konsultan 1", None]


async def test_ticket_sheet_texts_only_when_configured_never_erased(
    session: AsyncSession,
) -> None:
    content = workbook_bytes(await seeded_report(session, include_texts=True))
    rows = sheet_rows(content, "Tiket")
    assert rows[0][-1] == "Pertanyaan"
    assert [row[-1] for row in rows[1:]] == [
        "Saya dilaporkan ke Bawaslu.",
        None,
        "Apakah boleh like postingan calon?",
        QUESTION_4,
    ]
    assert ERASED_TEXT.encode() not in content


async def test_topic_and_consultant_sheets(session: AsyncSession) -> None:
    content = workbook_bytes(await seeded_report(session))
    assert sheet_rows(content, "Topik") == [
        ("Topik", "Dijawab asisten", "Membantu", "Kurang membantu", "% membantu", "Tiket"),
        ("Media sosial", 3, 2, 1, 66.7, 2),
        ("Kampanye", 1, 0, 1, 0, 1),
        ("Tanpa topik", 0, 0, 0, None, 1),
        ("Jumlah", 4, 2, 2, None, 4),
    ]
    assert sheet_rows(content, "Konsultan")[1:] == [
        ("Konsultan 1", 2, 75, 2, 4.5),
        ("Konsultan 2", 1, 180, 0, None),
        ("Jumlah", 3, None, 2, None),
    ]


async def test_the_command_line_writes_charts_and_workbook(
    session: AsyncSession, migrated_url: str, tmp_path: Path
) -> None:
    await seed_report_activity(session)
    out = tmp_path / "laporan"
    period = ["--from", "2026-08-10", "--to", "2026-08-23"]
    completed = run_bot_cli("report", *period, "--out", str(out), DATABASE_URL=migrated_url)
    assert completed.returncode == 0, completed.stderr
    stem = "laporan_2026-08-10_2026-08-23"
    expected = {f"{stem}_{name}.png" for name in CHARTS} | {f"{stem}.xlsx"}
    assert {path.name for path in out.iterdir()} == expected
    assert sorted(completed.stdout.split()) == sorted(str(out / name) for name in expected)
    for name in CHARTS:
        assert_readable_chart((out / f"{stem}_{name}.png").read_bytes())
    daily = sheet_rows((out / f"{stem}.xlsx").read_bytes(), "Ringkasan harian")
    assert daily[-1] == ("Jumlah", 5, 2, 1, 1, 9, 4, 3, 3)


def test_the_command_line_refuses_half_a_period(tmp_path: Path) -> None:
    completed = run_bot_cli("report", "--from", "2026-08-10", "--out", str(tmp_path))
    assert completed.returncode == 2
    assert "--from and --to together" in completed.stdout
    assert list(tmp_path.iterdir()) == []
