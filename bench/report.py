"""The bench's figures, the floors of issue 20 (point 6) with their verdicts, as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.load import BurstResult, LoadResult
from bench.steady import FLOOR_MS, floor_kept, p99_margin_ms

THROUGHPUT_FLOOR = 90.0  # messages a second: three times Telegram's send limit
THROUGHPUT_FLOOR_LEVELS = (8, 32)
MEMORY_FLOOR_MB = 200.0
NAN = float("nan")


@dataclass
class BotRun:
    """One bot process under the bench: one database, one code, and raw parse beside it."""

    database: str
    code: str
    raw: dict[int, LoadResult] = field(default_factory=dict)
    bot: dict[int, LoadResult] = field(default_factory=dict)
    raw_steady: BurstResult | None = None
    bot_steady: BurstResult | None = None
    cpu_ms: dict[str, float] = field(default_factory=dict)  # bot CPU per reply, by load
    peak_rss_mb: float = NAN
    escalated: int = 0  # questions escalated because Rasa did not answer in time
    problems: list[str] = field(default_factory=list)  # ERROR lines and tracebacks in its log

    @property
    def name(self) -> str:
        return f"{self.database}, {self.code}"


@dataclass
class BenchFigures:
    """Everything one bench run measured."""

    command: str
    machine: str
    levels: tuple[int, ...]
    steady_rate: int
    window: str = ""
    rasa_ready_seconds: float = NAN
    runs: list[BotRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def render(figures: BenchFigures) -> str:
    rate = figures.steady_rate
    lines = [
        "# Tanya Netral — benchmark",
        "",
        f"Command: `{figures.command}`  ",
        f"Machine: {figures.machine}  ",
        f"Run: {figures.window}; Rasa ready in {figures.rasa_ready_seconds:.1f} s",
        "",
        "Every message a new question from a new user: the update POSTed to the real bot's"
        " webhook → NLU → policy → database → reply recorded by the Bot API stand-in (which"
        " answers at once; `TELEGRAM_MAX_SENDS_PER_SECOND=0`). Raw = `POST /model/parse`"
        " straight to the same Rasa, measured right before the bot at the same load. Runs in the"
        " order listed.",
        "",
        "## Summary",
        "",
        f"| database | code | {' | '.join(f'c={level} msg/s (raw)' for level in figures.levels)}"
        f" | steady {rate}/s p99 ms: bot / raw | peak RSS MB"
        f" | bot CPU ms/msg: c={max(figures.levels)} / steady |",
        "|---|---|" + "---:|" * (len(figures.levels) + 3),
    ]
    for run in figures.runs:
        throughput = " | ".join(
            f"{run.bot[level].throughput:.1f} ({run.raw[level].throughput:.1f})"
            if level in run.bot
            else "–"
            for level in figures.levels
        )
        lines.append(
            f"| {run.database} | {run.code} | {throughput} | {_steady_p99(run)}"
            f" | {run.peak_rss_mb:.0f} | {_cpu(run, f'c={max(figures.levels)}')}"
            f" / {_cpu(run, 'steady')} |"
        )
    lines += ["", "## Floors (issue 20, point 6)", "", *_floors(figures)]
    lines += ["", *_costs(figures)]
    lines += ["", "## Latencies", "", *_latencies(figures)]
    lines += ["", "## The bots' logs", "", *_logs(figures)]
    if figures.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in figures.notes)]
    return "\n".join(lines) + "\n"


def _steady_p99(run: BotRun) -> str:
    if run.bot_steady is None or run.raw_steady is None:
        return "–"
    return f"{_ms(run.bot_steady.replies.p99)} / {_ms(run.raw_steady.replies.p99)}"


def _cpu(run: BotRun, load: str) -> str:
    return f"{run.cpu_ms.get(load, NAN):.2f}"


def _floors(figures: BenchFigures) -> list[str]:
    runs = figures.runs
    rows = [
        "| floor | " + " | ".join(run.name for run in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for level in (level for level in figures.levels if level in THROUGHPUT_FLOOR_LEVELS):
        cells = [
            f"{run.bot[level].throughput:.1f}"
            f" {_verdict(run.bot[level].throughput >= THROUGHPUT_FLOOR)}"
            for run in runs
        ]
        rows.append(f"| c={level}: ≥ {THROUGHPUT_FLOOR:g} msg/s | " + " | ".join(cells) + " |")
    cells = []
    for run in runs:
        bot, raw = run.bot_steady, run.raw_steady
        if bot is None or raw is None:
            cells.append("–")
            continue
        lost = f", {bot.lost} lost" if bot.lost else ""
        cells.append(f"{p99_margin_ms(bot, raw):+.1f} ms{lost} {_verdict(floor_kept(bot, raw))}")
    rows.append(
        f"| steady {figures.steady_rate}/s: reply p99 ≤ raw parse p99 + {FLOOR_MS:g} ms,"
        " none lost | " + " | ".join(cells) + " |"
    )
    cells = [
        f"{run.peak_rss_mb:.0f} MB {_verdict(run.peak_rss_mb <= MEMORY_FLOOR_MB)}" for run in runs
    ]
    rows.append(f"| each worker ≤ {MEMORY_FLOOR_MB:g} MB (peak RSS) | " + " | ".join(cells) + " |")
    return rows


def _costs(figures: BenchFigures) -> list[str]:
    """New minus baseline, per database: what the durable path costs."""
    pairs = []
    for database in dict.fromkeys(run.database for run in figures.runs):
        same = [run for run in figures.runs if run.database == database]
        new = next((run for run in same if run.code == "new"), None)
        baseline = next((run for run in same if run.code.startswith("baseline")), None)
        if new is not None and baseline is not None:
            pairs.append((database, new, baseline))
    if not pairs:
        return []
    top = max(figures.levels)
    rows = [
        "## What the durability costs (new − baseline, same run)",
        "",
        f"| database | bot CPU ms/msg c={top} | bot CPU ms/msg steady | steady p50 ms"
        f" | steady p99 ms | c={top} msg/s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for database, new, baseline in pairs:
        steady = ["–", "–"]
        if new.bot_steady and baseline.bot_steady:
            steady = [
                f"{(new.bot_steady.replies.p50 - baseline.bot_steady.replies.p50) * 1000:+.1f}",
                f"{(new.bot_steady.replies.p99 - baseline.bot_steady.replies.p99) * 1000:+.1f}",
            ]
        cpu = [
            f"{new.cpu_ms.get(load, NAN) - baseline.cpu_ms.get(load, NAN):+.2f}"
            for load in (f"c={top}", "steady")
        ]
        throughput = new.bot[top].throughput - baseline.bot[top].throughput
        rows.append(
            f"| {database} | {cpu[0]} | {cpu[1]} | {steady[0]} | {steady[1]}"
            f" | {throughput:+.1f} | {new.peak_rss_mb - baseline.peak_rss_mb:+.0f} |"
        )
    return rows


def _latencies(figures: BenchFigures) -> list[str]:
    rows = [
        "| database | code | load | bot msg/s | bot p50 / p99 / slowest ms | raw req/s"
        " | raw p50 / p99 / slowest ms | bot failed or lost |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for run in figures.runs:
        loads: list[tuple[str, LoadResult, LoadResult, int]] = [
            (f"c={level}", run.bot[level], run.raw[level], run.bot[level].failed)
            for level in figures.levels
            if level in run.bot
        ]
        if run.bot_steady and run.raw_steady:
            loads.append(
                (
                    f"steady {figures.steady_rate}/s",
                    run.bot_steady.replies,
                    run.raw_steady.replies,
                    run.bot_steady.lost,
                )
            )
        for load, bot, raw, failed in loads:
            rows.append(
                f"| {run.database} | {run.code} | {load} | {bot.throughput:.1f}"
                f" | {_ms(bot.p50)} / {_ms(bot.p99)} / {_ms(bot.slowest)}"
                f" | {raw.throughput:.1f} | {_ms(raw.p50)} / {_ms(raw.p99)} / {_ms(raw.slowest)}"
                f" | {failed} |"
            )
    return rows


def _logs(figures: BenchFigures) -> list[str]:
    rows = []
    for run in figures.runs:
        distinct = list(dict.fromkeys(line.split(": ", 1)[-1][:160] for line in run.problems))
        rows.append(
            f"- {run.name}: {run.escalated} questions escalated because Rasa did not answer in"
            f" time; {len(run.problems)} ERROR lines or tracebacks" + (":" if distinct else ".")
        )
        rows += [f"  - `{line}`" for line in distinct[:5]]
    return rows
