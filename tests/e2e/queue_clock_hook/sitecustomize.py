"""Run by the bot process of an end-to-end test that puts this folder on PYTHONPATH: the
queue's clock (``bot.queue.clock.now``, which decides office hours and reminders) runs ahead of
the real one by the seconds written in the file named by ``TANYA_NETRAL_TEST_QUEUE_CLOCK``,
read at every call; ``tests.e2e.queue_clock.QueueClock`` writes it. Nothing else is changed:
the database's timestamps keep the real time."""

import os

_path = os.environ.get("TANYA_NETRAL_TEST_QUEUE_CLOCK")
if _path:
    from datetime import datetime, timedelta
    from pathlib import Path

    from bot.queue import clock

    _real_now = clock.now

    def _now() -> datetime:
        return _real_now() + timedelta(seconds=float(Path(_path).read_text()))

    clock.now = _now
