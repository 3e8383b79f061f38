"""The report's charts as PNG, one per figure, readable on a phone: 1080 × 1350 px, large
type, Indonesian titles with the period. Drawn on matplotlib's ``Figure`` (Agg), without pyplot's
global state, so that it runs headless and in any thread."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.reports.model import OUTCOME_LABELS, RATINGS, Outcome, Report

WIDTH_INCHES, HEIGHT_INCHES, DPI = 10.8, 13.5, 100
"""1080 × 1350 px: a phone's width, a little taller than wide."""
STYLE: dict[Any, Any] = {
    "font.size": 20,
    "axes.titlesize": 24,
    "axes.labelsize": 20,
    "xtick.labelsize": 17,
    "ytick.labelsize": 18,
    "legend.fontsize": 18,
    "figure.titlesize": 27,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
OUTCOME_COLOURS = {
    Outcome.ANSWERED: "#2e7d32",
    Outcome.CLARIFIED: "#f9a825",
    Outcome.OUT_OF_SCOPE: "#9e9e9e",
    Outcome.ESCALATED: "#1565c0",
}
NO_DATA = "Tidak ada data pada periode ini"
MOST_TOPICS = 10
MOST_DATE_LABELS = 10


def render_charts(report: Report) -> dict[str, bytes]:
    """Each chart's file name (without ``.png``) → its PNG bytes, in reading order."""
    charts: dict[str, Callable[[Figure, Report], None]] = {
        "pertanyaan_harian": _questions_per_day,
        "topik": _topics,
        "tiket_harian": _tickets,
        "konsultan": _consultants,
        "nilai_dan_tren": _ratings_and_trend,
    }
    return {name: _png(draw, report) for name, draw in charts.items()}


def _png(draw: Callable[[Figure, Report], None], report: Report) -> bytes:
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
        draw(figure, report)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _questions_per_day(figure: Figure, report: Report) -> None:
    figure.suptitle(f"Pertanyaan per hari\n{report.period.label}")
    axes = figure.subplots()
    positions = range(len(report.days))
    bottom = [0] * len(report.days)
    for outcome in Outcome:
        counts = [day.questions[outcome] for day in report.days]
        axes.bar(
            positions,
            counts,
            bottom=bottom,
            color=OUTCOME_COLOURS[outcome],
            label=f"{OUTCOME_LABELS[outcome]} ({sum(counts)})",
        )
        bottom = [below + count for below, count in zip(bottom, counts, strict=True)]
    _date_axis(axes, [day.day for day in report.days])
    axes.set_ylabel("Pertanyaan")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="best")
    if not report.questions():
        _no_data(axes)


def _topics(figure: Figure, report: Report) -> None:
    figure.suptitle(f"Topik pertanyaan\n{report.period.label}")
    volume, feedback = figure.subplots(2, 1)
    topics = report.topics[:MOST_TOPICS][::-1]
    titles = [topic.title for topic in topics]
    volume.barh(titles, [topic.answered for topic in topics], color="#2e7d32")
    volume.set_title("Pertanyaan dijawab asisten")
    volume.xaxis.set_major_locator(MaxNLocator(integer=True))
    rated = [topic for topic in topics if topic.helpful + topic.unhelpful]
    shares = [topic.helpful_share or 0.0 for topic in rated]
    rated_titles = [topic.title for topic in rated]
    feedback.barh(rated_titles, [share * 100 for share in shares], color="#2e7d32")
    feedback.barh(
        rated_titles,
        [100 - share * 100 for share in shares],
        left=[share * 100 for share in shares],
        color="#c62828",
    )
    feedback.set_title("Membantu (hijau) / kurang (merah), %")
    feedback.set_xlim(0, 100)
    for axes, shown in ((volume, topics), (feedback, rated)):
        if not shown:
            _no_data(axes)


def _tickets(figure: Figure, report: Report) -> None:
    figure.suptitle(f"Tiket konsultasi\n{report.period.label}")
    flows, waits = figure.subplots(2, 1, height_ratios=(3, 2))
    width = 0.28
    for shift, label, colour, counts in (
        (-width, "Dibuka", "#1565c0", [day.tickets_opened for day in report.days]),
        (0.0, "Diambil", "#f9a825", [day.tickets_claimed for day in report.days]),
        (width, "Ditutup", "#2e7d32", [day.tickets_closed for day in report.days]),
    ):
        positions = [index + shift for index in range(len(report.days))]
        flows.bar(positions, counts, width=width, color=colour, label=f"{label} ({sum(counts)})")
    _date_axis(flows, [day.day for day in report.days])
    flows.yaxis.set_major_locator(MaxNLocator(integer=True))
    flows.legend(loc="best")
    names = ["Balasan pertama", "Selesai"]
    medians = [_hours(report.first_reply.median), _hours(report.close.median)]
    p90s = [_hours(report.first_reply.p90), _hours(report.close.p90)]
    slow = waits.barh([0.2, 1.2], p90s, height=0.4, color="#90caf9", label="90% tiket dalam")
    typical = waits.barh([-0.2, 0.8], medians, height=0.4, color="#1565c0", label="Median")
    for bars in (slow, typical):
        labels = [f"{hours:.1f} jam".replace(".", ",") for hours in bars.datavalues]
        waits.bar_label(bars, labels, padding=4)
    waits.set_xlim(0, max([*p90s, *medians, 1.0]) * 1.3)
    waits.set_yticks([0, 1], names)
    waits.set_xlabel("Jam kerja kantor (tanpa malam, akhir pekan, hari libur)")
    waits.legend(loc="lower right")
    if not report.first_reply.count and not report.close.count:
        _no_data(waits)


def _consultants(figure: Figure, report: Report) -> None:
    figure.suptitle(f"Per konsultan\n{report.period.label}")
    tickets, waits, ratings = figure.subplots(3, 1)
    consultants = report.consultants[::-1]
    labels = [consultant.label for consultant in consultants]
    tickets.barh(labels, [consultant.tickets for consultant in consultants], color="#1565c0")
    tickets.set_title("Tiket ditangani")
    tickets.xaxis.set_major_locator(MaxNLocator(integer=True))
    medians = [_hours(consultant.first_reply.median) for consultant in consultants]
    waits.barh(labels, medians, color="#f9a825")
    waits.set_title("Median waktu ke balasan pertama (jam kerja)")
    means = [consultant.rating_mean or 0.0 for consultant in consultants]
    bars = ratings.barh(labels, means, color="#2e7d32")
    ratings.bar_label(bars, [f"n={consultant.rating_count}" for consultant in consultants])
    ratings.set_xlim(0, 5.9)
    ratings.set_title("Nilai rata-rata (1–5)")
    if not consultants:
        for axes in (tickets, waits, ratings):
            _no_data(axes)


def _ratings_and_trend(figure: Figure, report: Report) -> None:
    figure.suptitle(f"Nilai dan pertanyaan tak terjawab\n{report.period.label}")
    ratings, trend = figure.subplots(2, 1)
    bars = ratings.bar(RATINGS, [report.ratings.get(value, 0) for value in RATINGS])
    ratings.bar_label(bars)
    ratings.set_xticks(RATINGS)
    ratings.yaxis.set_major_locator(MaxNLocator(integer=True))
    ratings.set_title("Nilai tiket (1 = buruk, 5 = sangat baik)")
    if not sum(report.ratings.values()):
        _no_data(ratings)
    weeks = [week for week in report.weeks if week.questions]
    shares = [(week.unplaced_share or 0.0) * 100 for week in weeks]
    trend.plot(range(len(weeks)), shares, marker="o", linewidth=3, markersize=12, color="#c62828")
    trend.set_xticks(range(len(weeks)), [f"{week.monday:%d/%m}" for week in weeks])
    trend.set_ylim(0, max([*shares, 10.0]) * 1.2)
    trend.set_title("Diperjelas + di luar topik, % per minggu")
    trend.set_xlabel("Minggu mulai Senin")
    if not weeks:
        _no_data(trend)


def _date_axis(axes: Axes, days: Sequence[date]) -> None:
    step = max(1, -(-len(days) // MOST_DATE_LABELS))
    shown = range(0, len(days), step)
    axes.set_xticks(list(shown), [f"{days[index]:%d/%m}" for index in shown], rotation=45)


def _hours(minutes: float | None) -> float:
    return (minutes or 0.0) / 60


def _no_data(axes: Axes) -> None:
    axes.text(0.5, 0.5, NO_DATA, transform=axes.transAxes, ha="center", va="center")
