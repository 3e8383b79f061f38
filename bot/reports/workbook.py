"""The report as an XLSX workbook (openpyxl): a daily summary, one row per ticket, topics and
consultants, each sheet with a total row where a total means something. Times are the office's
local time; no names, usernames or Telegram ids (consultants are "Konsultan N")."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.reports.model import OUTCOME_LABELS, Outcome, Report

TOTAL = "Jumlah"
DAILY, TICKETS, TOPICS, CONSULTANTS = "Ringkasan harian", "Tiket", "Topik", "Konsultan"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
QUESTION_HEADER = "Pertanyaan"


def workbook_bytes(report: Report) -> bytes:
    """The workbook of ``report``; question texts only if the report was built with them."""
    book = Workbook()
    daily = book.active
    assert daily is not None
    daily.title = DAILY
    _daily(daily, report)
    _tickets(book.create_sheet(TICKETS), report)
    _topics(book.create_sheet(TOPICS), report)
    _consultants(book.create_sheet(CONSULTANTS), report)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _daily(sheet: Worksheet, report: Report) -> None:
    outcomes = list(Outcome)
    header = [
        "Tanggal",
        *(OUTCOME_LABELS[outcome] for outcome in outcomes),
        "Pertanyaan",
        "Tiket dibuka",
        "Tiket diambil",
        "Tiket ditutup",
    ]
    rows = [
        [
            day.day,
            *(day.questions[outcome] for outcome in outcomes),
            sum(day.questions.values()),
            day.tickets_opened,
            day.tickets_claimed,
            day.tickets_closed,
        ]
        for day in report.days
    ]
    _fill(sheet, header, rows, total_from=1)
    for (cell,) in sheet.iter_rows(min_row=2, max_row=len(rows) + 1, max_col=1):
        cell.number_format = "yyyy-mm-dd"


def _tickets(sheet: Worksheet, report: Report) -> None:
    zone = report.period.zone.key
    header = [
        "No. tiket",
        "Pseudonim",
        "Topik",
        "Alasan",
        f"Dibuka ({zone})",
        f"Diambil ({zone})",
        f"Balasan pertama ({zone})",
        f"Ditutup ({zone})",
        "Menit kerja ke balasan pertama",
        "Menit kerja ke penutupan",
        "Konsultan",
        "Nilai",
    ]
    with_texts = report.texts_included
    rows: list[list[Any]] = [
        [
            ticket.number,
            ticket.pseudonym,
            ticket.topic,
            ticket.reason,
            *(_naive(moment) for moment in (ticket.opened, ticket.claimed)),
            *(_naive(moment) for moment in (ticket.first_reply, ticket.closed)),
            _rounded(ticket.minutes_to_first_reply),
            _rounded(ticket.minutes_to_close),
            ticket.consultant,
            ticket.rating,
            *([ticket.question] if with_texts else []),
        ]
        for ticket in report.tickets
    ]
    _fill(sheet, [*header, *([QUESTION_HEADER] if with_texts else [])], rows)
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=8):
        for cell in row:
            cell.number_format = TIME_FORMAT


def _topics(sheet: Worksheet, report: Report) -> None:
    header = ["Topik", "Dijawab asisten", "Membantu", "Kurang membantu", "% membantu", "Tiket"]
    rows = [
        [
            topic.title,
            topic.answered,
            topic.helpful,
            topic.unhelpful,
            _percent(topic.helpful_share),
            topic.tickets,
        ]
        for topic in report.topics
    ]
    _fill(sheet, header, rows, total_from=1, total_skip={4})


def _consultants(sheet: Worksheet, report: Report) -> None:
    header = [
        "Konsultan",
        "Tiket ditangani",
        "Median menit kerja ke balasan pertama",
        "Jumlah nilai",
        "Nilai rata-rata",
    ]
    rows = [
        [
            consultant.label,
            consultant.tickets,
            _rounded(consultant.first_reply.median),
            consultant.rating_count,
            _rounded(consultant.rating_mean, 2),
        ]
        for consultant in report.consultants
    ]
    _fill(sheet, header, rows, total_from=1, total_skip={2, 4})


def _fill(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    total_from: int | None = None,
    total_skip: set[int] | frozenset[int] = frozenset(),
) -> None:
    """Write the header (bold), the rows and, with ``total_from``, a total row summing each
    column from that index on, except ``total_skip`` (medians, means, shares)."""
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    written = [list(row) for row in rows]
    for row in written:
        sheet.append(row)
    if total_from is not None:
        totals: list[Any] = [TOTAL, *[None] * (len(header) - 1)]
        for index in range(total_from, len(header)):
            if index not in total_skip:
                totals[index] = sum(row[index] or 0 for row in written)
        sheet.append(totals)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for column, title in zip(sheet.columns, header, strict=False):
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(title) + 2))


def _naive(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: the local time, its zone named in the header."""
    return moment.replace(tzinfo=None) if moment is not None else None


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None


def _percent(share: float | None) -> float | None:
    return round(share * 100, 1) if share is not None else None
