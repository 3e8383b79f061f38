"""Migrations: idempotent, matching the models, safe to run from two processes at once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import Base, create_engine, default_database_url, upgrade_database_async

REPO_ROOT = Path(__file__).resolve().parents[2]
HEAD_REVISION = "0010"


async def test_upgrade_is_idempotent(database_url: str) -> None:
    assert await upgrade_database_async(database_url) == HEAD_REVISION
    assert await upgrade_database_async(database_url) == HEAD_REVISION


async def test_migrated_schema_matches_models(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def _run_python(code: str, *, env: dict[str, str] | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_two_processes_upgrade_at_once(database_url: str) -> None:
    code = f"from bot.storage import upgrade_database; print(upgrade_database({database_url!r}))"
    results = await asyncio.gather(*(_run_python(code) for _ in range(2)))
    for returncode, output in results:
        assert returncode == 0, output
        assert output.strip().endswith(HEAD_REVISION)


async def test_db_upgrade_command_prints_revision(database_url: str, tmp_path: Path) -> None:
    code = (
        "import argparse, sys\n"
        "from bot.storage.commands import register\n"
        "parser = argparse.ArgumentParser()\n"
        "register(parser.add_subparsers(dest='command', required=True))\n"
        "args = parser.parse_args(['db', 'upgrade'])\n"
        "sys.exit(args.func(args))\n"
    )
    returncode, output = await _run_python(code, env={"DATABASE_URL": database_url})
    assert returncode == 0, output
    assert f"revision {HEAD_REVISION}" in output
    # The same settings as the bot: the URL may come from a file (a secret, in production).
    secret = tmp_path / "database_url"
    secret.write_text(database_url, encoding="utf-8")
    returncode, output = await _run_python(code, env={"DATABASE_URL_FILE": str(secret)})
    assert returncode == 0, output
    assert f"revision {HEAD_REVISION}" in output and "data/tanya_netral.db" not in output


def test_default_database_is_sqlite_under_data() -> None:
    url = default_database_url()
    assert url.startswith("sqlite+aiosqlite:///")
    assert url.endswith(str(REPO_ROOT / "data" / "tanya_netral.db"))


async def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/nested/dir/app.db")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["foreign_keys"] == 1
    assert pragmas["busy_timeout"] >= 5000
    assert (tmp_path / "nested" / "dir" / "app.db").exists()
