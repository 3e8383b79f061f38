"""The NLU against a real Rasa server trained on the project's data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.intents import ALL_INTENTS
from bot.nlu.client import NluClient
from bot.nlu.rasa_server import LAUNCHER, RasaProcess
from bot.nlu.training import train_model
from bot.settings import REPO_ROOT
from tests.conftest import RunningRasa

pytestmark = pytest.mark.rasa


def rasa_server_pids() -> set[int]:
    """Pids of every Rasa server this checkout started (through its launcher) on this machine."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if str(LAUNCHER).encode() in cmdline:
            pids.add(int(entry.name))
    return pids


def children_of(pid: int) -> set[int]:
    found = set()
    for candidate in rasa_server_pids():
        try:
            stat = Path(f"/proc/{candidate}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(candidate)
    return found


def run_classify(lines: list[str], env: dict[str, str]) -> list[dict[str, object]]:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "classify"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in completed.stdout.splitlines()]


async def test_parse_classifies_clear_questions(rasa_server: RunningRasa) -> None:
    async with NluClient(rasa_server.url, auth_token=rasa_server.auth_token) as client:
        like = await client.parse("bolehkah pns like postingan capres?")
        greeting = await client.parse("assalamualaikum min")
    assert like.intent == "media_sosial"
    assert greeting.intent == "salam"
    assert like.scope is not None and 0.0 <= like.scope.similarity <= 1.0
    assert {name for name, _ in like.ranking} <= set(ALL_INTENTS)


async def test_wrong_token_is_refused(rasa_server: RunningRasa) -> None:
    from bot.nlu.result import NluUnavailable

    async with NluClient(rasa_server.url, auth_token="wrong") as client:
        with pytest.raises(NluUnavailable):
            await client.parse("halo")


def test_classify_against_a_running_server_prints_one_json_line_per_question(
    rasa_server: RunningRasa,
) -> None:
    env = {**os.environ, "RASA_URL": rasa_server.url, "RASA_AUTH_TOKEN": rasa_server.auth_token}
    questions = ["bolehkah pns like postingan capres?", "sy dipanggil bawaslu besok, tolong"]
    records = run_classify(questions, env)
    assert [r["text"] for r in records] == questions
    for record in records:
        assert set(record) == {"text", "intent", "confidence", "action"}
        assert record["intent"] in ALL_INTENTS
        assert record["action"] in {"answer", "escalate", "clarify", "fallback"}
    assert records[0]["intent"] == "media_sosial"
    assert records[1]["action"] == "escalate"


def test_classify_starts_and_stops_its_own_server() -> None:
    before = rasa_server_pids()
    env = {k: v for k, v in os.environ.items() if k not in {"RASA_URL", "RASA_AUTH_TOKEN"}}
    records = run_classify(["bolehkah pns like postingan capres?"], env)
    assert records[0]["intent"] == "media_sosial"
    assert rasa_server_pids() <= before, "classify left a Rasa process behind"


def test_rasa_dies_with_a_killed_parent() -> None:
    """Even a SIGKILLed CLI leaves no orphan: the child gets SIGTERM from the kernel."""
    env = {k: v for k, v in os.environ.items() if k not in {"RASA_URL", "RASA_AUTH_TOKEN"}}
    parent = subprocess.Popen(
        [sys.executable, "-m", "bot", "classify"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while not (children := children_of(parent.pid)):
            assert time.monotonic() < deadline, "classify never started Rasa"
            time.sleep(0.2)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while children & rasa_server_pids():
            assert time.monotonic() < deadline, f"orphaned Rasa processes: {children}"
            time.sleep(0.2)
    finally:
        if parent.poll() is None:
            parent.kill()


async def test_a_token_starting_with_a_dash_reaches_rasa_intact() -> None:
    """Random tokens may start with '-'; Rasa's argument parser must still take it as a value."""
    server = RasaProcess(train_model().model_path)
    server.auth_token = "-" + server.auth_token
    server.start()
    try:
        await server.wait_ready(timeout=240)
        async with NluClient(server.url, auth_token=server.auth_token) as client:
            assert (await client.parse("assalamualaikum min")).intent == "salam"
    finally:
        server.stop()
