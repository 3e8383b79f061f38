"""``python -m bot kb status`` and ``kb check`` read the lawyers' decisions from the database
(``DATABASE_URL``), as maintainers run them: a subprocess against a seeded SQLite database, and
against none at all (a fresh clone), which they must not create."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.knowledge import load_knowledge_base
from bot.knowledge.review import content_hash
from bot.settings import REPO_ROOT
from bot.storage import create_engine, create_session_factory, upgrade_database_async
from bot.storage.knowledge_reviews import record_review


def kb_command(database_url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TANYA_NETRAL_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "kb", *argv],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
async def seeded_url(tmp_path: Path) -> str:
    """A migrated database: salam approved (due for review in 2099), sanksi sent back with a
    note, kampanye approved but overdue; the rest never reviewed."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tanya_netral.db'}"
    await upgrade_database_async(url)
    kb = load_knowledge_base()
    engine = create_engine(url)
    decisions = [
        ("salam", "approved", None, date(2099, 1, 1)),
        ("sanksi", "needs_change", "Sebutkan PP 94/2021 Pasal 5 huruf n.", None),
        ("kampanye", "approved", None, date(2020, 1, 1)),
    ]
    async with create_session_factory(engine)() as session:
        for entry, decision, note, review_by in decisions:
            await record_review(
                session,
                entry=entry,
                content_hash=content_hash(kb, entry),
                decision=decision,
                lawyer_id=9001,
                lawyer_name="Dewi Lestari",
                note=note,
                review_by=review_by,
            )
        await session.commit()
    await engine.dispose()
    return url


def test_kb_status_shows_states_approvals_and_open_notes(seeded_url: str) -> None:
    done = kb_command(seeded_url, "status")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Review states read from the database."
    salam = next(line for line in lines if " salam " in line)
    assert salam.startswith("approved") and "approved by Dewi Lestari on" in salam
    assert "review by 2099-01-01" in salam
    assert next(line for line in lines if " kampanye " in line).startswith("overdue")
    sanksi = lines.index(next(line for line in lines if " sanksi " in line))
    assert lines[sanksi].startswith("needs change")
    assert lines[sanksi + 1].startswith("    note from Dewi Lestari, ")
    assert lines[sanksi + 1].endswith(": Sebutkan PP 94/2021 Pasal 5 huruf n.")
    assert lines[-1] == "Total 21: 18 draft, 1 needs change, 1 overdue, 1 approved"
    # Review order: drafts, needing change, overdue, approved.
    states = [line.split("  ")[0] for line in lines[1:-1] if not line.startswith("    ")]
    assert states == ["draft"] * 18 + ["needs change", "overdue", "approved"]


def test_kb_check_warns_of_unreviewed_answers_and_fails_on_them_only_when_strict(
    seeded_url: str,
) -> None:
    done = kb_command(seeded_url, "check")
    assert done.returncode == 0, done.stdout + done.stderr
    warnings = [line for line in done.stdout.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 3
    assert warnings[0].startswith("warning: 18 answer(s) not yet approved")
    assert warnings[1] == (
        "warning: 1 answer(s) sent back by a lawyer for a change (kb status: the notes): sanksi"
    )
    assert warnings[2] == "warning: 1 answer(s) approved, but past the review-by date: kampanye"
    assert done.stdout.splitlines()[-1].startswith("OK: 21 answers")

    strict = kb_command(seeded_url, "check", "--strict")
    assert strict.returncode == 1
    assert "3 review warning(s) (--strict)" in strict.stderr


def test_without_a_database_every_answer_is_a_draft_and_none_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "data" / "tanya_netral.db"
    url = f"sqlite+aiosqlite:///{missing}"
    check = kb_command(url, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"warning: Review states not read: no database at {missing}" in check.stdout
    assert "warning: 21 answer(s) not yet approved" in check.stdout
    status = kb_command(url, "status")
    assert status.returncode == 0
    assert (
        status.stdout.splitlines()[-1]
        == "Total 21: 21 draft, 0 needs change, 0 overdue, 0 approved"
    )
    assert not missing.exists() and not missing.parent.exists()
