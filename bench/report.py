"""The benchmark's table and target verdicts, as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.load import BurstResult, LoadResult


@dataclass
class BenchFigures:
    """Everything one bench run measured."""

    command: str
    machine: str
    raw: dict[int, LoadResult] = field(default_factory=dict)
    bot: dict[int, LoadResult] = field(default_factory=dict)
    mix_cached: LoadResult | None = None
    mix_uncached: LoadResult | None = None
    mix_uncached_note: str = ""
    nlu_mix_cached: LoadResult | None = None
    raw_rasa_cpu_ms: float = float("nan")  # Rasa CPU per parse, raw, top concurrency
    bot_cpu_ms: float = float("nan")  # bot CPU per message, bot path, top concurrency
    bot_rasa_cpu_ms: float = float("nan")  # Rasa CPU per message, bot path, top concurrency
    burst: BurstResult | None = None
    burst_peak_rate: int = 0
    burst_rejected_429: int = 0
    bot_memory_mb: float = float("nan")
    rasa_memory_mb: float = float("nan")
    training_seconds: float | None = None
    rasa_ready_seconds: float = float("nan")
    nlu_unavailable: dict[str, int] = field(default_factory=dict)  # escalated, by bot run
    notes: list[str] = field(default_factory=list)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def render(figures: BenchFigures) -> str:
    lines = [
        "# Tanya Netral — pipeline benchmark",
        "",
        f"Command: `{figures.command}`  ",
        f"Machine: {figures.machine}",
        "",
        "## Throughput and latency (flood control OFF: the stand-in answers at once)",
        "",
        "Raw = `POST /model/parse` straight to Rasa, measured right before the bot at the same"
        " concurrency. Bot = update POSTed to the real bot's webhook → NLU → policy → database"
        " log → reply recorded by the Bot API stand-in. Every message a different question (no"
        " cache hit) from a different user.",
        "",
        "| Concurrency | Raw req/s | Raw p50 ms | Raw p99 ms | Raw max ms | Bot msg/s | Bot p50 ms"
        " | Bot p99 ms | Bot max ms | Throughput bot/raw | p50 bot/raw |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level, raw in figures.raw.items():
        bot = figures.bot.get(level)
        if bot is None:
            continue
        lines.append(
            f"| {level} | {raw.throughput:.1f} | {_ms(raw.p50)} | {_ms(raw.p99)}"
            f" | {_ms(raw.slowest)} | {bot.throughput:.1f} | {_ms(bot.p50)} | {_ms(bot.p99)}"
            f" | {_ms(bot.slowest)}"
            f" | {bot.throughput / raw.throughput:.2f}× | {bot.p50 / raw.p50:.2f}×"
            + (f" ({bot.failed} failed)" if bot.failed else "")
            + " |"
        )
    top = max(figures.raw) if figures.raw else None
    raw_top = figures.raw[top] if top is not None else None
    lines += ["", "## Repeated questions (80% from 20 common questions), flood control OFF", ""]
    lines += [
        "| Run | Concurrency | Bot msg/s | p50 ms | p99 ms | vs raw parse at same concurrency |"
    ]
    lines += ["|---|---:|---:|---:|---:|---:|"]
    for name, mix in (
        ("with parse cache", figures.mix_cached),
        ("cache off", figures.mix_uncached),
    ):
        if mix is None or raw_top is None:
            continue
        label = name + (
            f" ({figures.mix_uncached_note})" if "off" in name and figures.mix_uncached_note else ""
        )
        lines.append(
            f"| {label} | {mix.concurrency} | {mix.throughput:.1f} | {_ms(mix.p50)}"
            f" | {_ms(mix.p99)} | {mix.throughput / raw_top.throughput:.2f}× |"
        )
    nlu_mix = figures.nlu_mix_cached
    if nlu_mix is not None and raw_top is not None:
        lines += [
            "",
            "The NLU step alone (the bot's `Understanding.read`: parse cache, then Rasa on a miss;"
            " no webhook, database or reply) on the same mix:"
            f" {nlu_mix.throughput:.0f} questions/s at c={nlu_mix.concurrency},"
            f" {nlu_mix.throughput / raw_top.throughput:.1f}× raw parse,"
            f" p50 {nlu_mix.p50 * 1000:.2f} ms, p99 {_ms(nlu_mix.p99)} ms.",
        ]
    burst = figures.burst
    if burst is not None:
        lines += [
            "",
            f"## Burst: {burst.rate} msg/s for {burst.seconds:.0f} s, different users,"
            " flood control ON (stand-in: 30 msg/s overall, 429 + retry_after beyond)",
            "",
            "| Sent | Answered | Lost | Send window s | Peak sends in any 1 s | 429 answers"
            " | Backlog drained after last message s | Reply p50 s | Reply p99 s |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {burst.sent} | {burst.answered} | {burst.lost} | {burst.send_window:.1f}"
            f" | {figures.burst_peak_rate} | {figures.burst_rejected_429}"
            f" | {burst.drain_seconds:.1f} | {_p(burst.latencies, 0.5)}"
            f" | {_p(burst.latencies, 0.99)} |",
        ]
    training = (
        f"{figures.training_seconds:.1f} s (full: empty model directory and Rasa cache)"
        if figures.training_seconds is not None
        else "not timed (--no-train); the cached model was used"
    )
    lines += [
        "",
        "## Resources",
        "",
        "| Measure | Value |",
        "|---|---:|",
        f"| Bot process peak memory (VmHWM) | {figures.bot_memory_mb:.0f} MB |",
        f"| Rasa process peak memory (VmHWM) | {figures.rasa_memory_mb:.0f} MB |",
        f"| Training time | {training} |",
        f"| Rasa ready time (start → /status has a model) | {figures.rasa_ready_seconds:.1f} s |",
        f"| CPU per parse, raw (Rasa), c={top} | {figures.raw_rasa_cpu_ms:.2f} ms |",
        f"| CPU per message, bot path (bot / Rasa), c={top}"
        f" | {figures.bot_cpu_ms:.2f} / {figures.bot_rasa_cpu_ms:.2f} ms |",
        *(
            f"| Questions escalated because Rasa did not answer in time: {run} | {count} |"
            for run, count in figures.nlu_unavailable.items()
        ),
        "",
        "## Targets",
        "",
        *_targets(figures),
    ]
    if figures.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in figures.notes)]
    return "\n".join(lines) + "\n"


def _p(values: tuple[float, ...], share: float) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))]:.1f}"


def _targets(figures: BenchFigures) -> list[str]:
    rows = ["| Target | Measured | Verdict |", "|---|---:|---|"]
    for level, raw in figures.raw.items():
        bot = figures.bot.get(level)
        if bot is None:
            continue
        ratio = bot.p50 / raw.p50
        rows.append(
            f"| p50 bot/raw ≤ 1.10× (c={level}) | {ratio:.2f}× | {_verdict(ratio <= 1.10)} |"
        )
    for level, raw in figures.raw.items():
        bot = figures.bot.get(level)
        if bot is None:
            continue
        ratio = bot.throughput / raw.throughput
        rows.append(
            f"| throughput bot/raw, no cache ≥ 0.9× (c={level}) | {ratio:.2f}×"
            f" | {_verdict(ratio >= 0.9)} |"
        )
    if figures.mix_cached is not None and figures.raw:
        raw = figures.raw[figures.mix_cached.concurrency]
        ratio = figures.mix_cached.throughput / raw.throughput
        rows.append(
            f"| repeated mix with cache vs raw ≥ 5× | {ratio:.2f}× | {_verdict(ratio >= 5)} |"
        )
    if figures.burst is not None:
        burst = figures.burst
        ok = burst.lost == 0 and burst.answered == burst.sent
        rows.append(
            f"| burst {burst.rate}/s × {burst.seconds:.0f} s: 0 lost, all answered"
            f" | {burst.answered}/{burst.sent} answered | {_verdict(ok)} |"
        )
        rows.append(
            f"| burst sends within 30 msg/s | peak {figures.burst_peak_rate}/s"
            f" | {_verdict(figures.burst_peak_rate <= 30)} |"
        )
    memory = figures.bot_memory_mb
    rows.append(f"| bot peak memory ≤ 200 MB | {memory:.0f} MB | {_verdict(memory <= 200)} |")
    return rows
