"""Set the bot process's queue clock from a test: "it is now Christmas, 10.00 WIB"."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.settings import REPO_ROOT

HOOK = Path(__file__).parent / "queue_clock_hook"


class QueueClock:
    """The offset of the bot's queue clock, in a file its ``sitecustomize`` reads at every
    call (``queue_clock_hook``): time runs on from each moment set, as it does for real."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.write_text("0")

    @property
    def env(self) -> dict[str, str]:
        """What the bot process needs (the checkout too: ``sitecustomize`` runs before
        ``python -m bot`` puts the working directory on the path)."""
        paths = [str(HOOK), str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]
        return {
            "PYTHONPATH": os.pathsep.join(path for path in paths if path),
            "TANYA_NETRAL_TEST_QUEUE_CLOCK": str(self.path),
        }

    def set(self, moment: datetime) -> None:
        """From now on the bot's queue clock reads ``moment``, then runs on."""
        offset = (moment - datetime.now(UTC)).total_seconds()
        written = self.path.with_suffix(".new")
        written.write_text(repr(offset))
        written.replace(self.path)  # whole, never half-written
