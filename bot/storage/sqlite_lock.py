"""SQLite serves one bot process: a second one on the same file is refused at start.

Per-chat order, the rate limit and the scheduled jobs live in the process; several workers
need PostgreSQL (docs/deploy.md). The lock is an exclusive ``flock`` on ``<database>.lock``,
held for the life of the process and released by the kernel however the process ends.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.storage.database import normalize_database_url


class SecondWorker(Exception):
    """Another bot process already works on this SQLite database."""


@contextmanager
def one_worker_on_sqlite(url: str) -> Iterator[None]:
    """Hold the database's worker lock (SQLite only); ``SecondWorker`` if another holds it."""
    parsed = normalize_database_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        yield
        return
    lock_path = Path(f"{parsed.database}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SecondWorker(
                f"Another bot process already uses the SQLite database {parsed.database}. "
                "SQLite serves one bot process: stop the other one, or use PostgreSQL "
                "(DATABASE_URL) for several workers."
            ) from None
        yield
    finally:
        os.close(descriptor)
