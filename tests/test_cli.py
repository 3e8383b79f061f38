"""The command line as users run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import REPO_ROOT
from bot.storage.sqlite_lock import SecondWorker, one_worker_on_sqlite
from tests.conftest import RunningRasa


def run_bot_cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "RASA_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**clean, **env},
        timeout=300,
        check=False,
    )


def test_run_without_a_token_explains_how_to_get_one() -> None:
    completed = run_bot_cli("run")
    assert completed.returncode == 2
    assert "@BotFather" in completed.stderr
    assert "make chat" in completed.stderr
    assert completed.stdout == ""


def test_webhook_mode_needs_url_and_secret() -> None:
    completed = run_bot_cli("run", TELEGRAM_BOT_TOKEN="1:x", BOT_MODE="webhook")
    assert completed.returncode == 2
    assert "WEBHOOK_URL" in completed.stderr


def test_a_second_bot_on_the_same_sqlite_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    with one_worker_on_sqlite(url):  # the first worker
        with pytest.raises(SecondWorker), one_worker_on_sqlite(url):
            pass
        completed = run_bot_cli("run", TELEGRAM_BOT_TOKEN="1:x", DATABASE_URL=url)
    assert completed.returncode == 2
    assert "SQLite serves one bot process" in completed.stderr and "PostgreSQL" in completed.stderr
    with one_worker_on_sqlite(url):  # released with the first worker
        pass


@pytest.mark.rasa
def test_offline_chat_answers_through_the_same_pipeline(rasa_server: RunningRasa) -> None:
    completed = run_bot_cli(
        "chat",
        stdin="bolehkah pns like postingan capres?\nberapa gaji pppk golongan IX?\n",
        RASA_URL=rasa_server.url,
        RASA_AUTH_TOKEN=rasa_server.auth_token,
    )
    assert completed.returncode == 0, completed.stderr
    assert "[answer: media_sosial" in completed.stdout
    assert "Dasar hukum" in completed.stdout
    assert "[fallback:" in completed.stdout
    assert "<b>" not in completed.stdout  # HTML is rendered as plain text


def test_the_bot_process_does_not_load_the_report_libraries() -> None:
    """matplotlib and openpyxl (about 35 MB per worker) load only when a report is made."""
    probe = (
        "import sys; from bot.cli import build_parser; import bot.app; build_parser(); "
        "print(sorted(m for m in ('matplotlib', 'openpyxl', 'numpy') if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=True,
    )
    assert completed.stdout.strip() == "[]"
