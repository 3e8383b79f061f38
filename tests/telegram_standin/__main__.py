"""Run the stand-in alone for manual trials of the bot.

    python -m tests.telegram_standin --port 8081 --token 123456:TEST

Point the bot at the printed base_url, then type messages here as the simulated user.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from .models import FakeUser
from .server import BotApiStandIn

_HELP = """Type a line to send it as the simulated user. Commands:
  !press <message_id> <callback_data>   press an inline button on a bot message
  !user <id> [first name]               write as another user from now on
  !help                                 this text
  !quit                                 stop the stand-in"""


async def _echo_bot_output(standin: BotApiStandIn) -> None:
    shown_sent = shown_calls = 0
    while True:
        for record in standin.sent[shown_sent:]:
            print(f"<< {record.describe()}")
            if record.callback_data:
                print(f"   buttons: {record.callback_data}")
        for call in standin.calls[shown_calls:]:
            if call.status != 200:
                print(f"!! {call.method} {call.status}: {call.description}")
        shown_sent, shown_calls = len(standin.sent), len(standin.calls)
        await standin.state.changed.wait(3600)


async def _handle_line(standin: BotApiStandIn, user: FakeUser, line: str) -> FakeUser | None:
    """Act on one typed line; return the user to write as next, None to quit."""
    words = line.split()
    if line.startswith("!quit"):
        return None
    if line.startswith("!help") or not words:
        print(_HELP)
    elif words[0] == "!user" and len(words) >= 2 and words[1].lstrip("-").isdigit():
        user = FakeUser(int(words[1]), first_name=" ".join(words[2:]) or f"Pengguna{words[1]}")
        standin.add_user(user)
        print(f"-- now writing as {user.first_name} ({user.id})")
    elif words[0] == "!press" and len(words) == 3 and words[1].isdigit():
        try:
            await standin.press_button(user, int(words[1]), words[2])
        except AssertionError as exc:
            print(f"-- {exc}")
    else:
        await standin.send_text(user, line)
    return user


async def _serve(args: argparse.Namespace) -> None:
    standin = BotApiStandIn(args.token)
    await standin.start(args.host, args.port)
    user: FakeUser | None = standin.add_user(FakeUser(args.user_id, first_name=args.first_name))
    print(f"base_url: {standin.base_url}", flush=True)
    print(f"base_file_url: {standin.base_file_url}", flush=True)
    print(_HELP, flush=True)
    echo = asyncio.create_task(_echo_bot_output(standin))
    try:
        while user is not None:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:  # stdin closed: keep serving until interrupted
                await asyncio.Event().wait()
            user = await _handle_line(standin, user, line.strip())
    finally:
        echo.cancel()
        await standin.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.telegram_standin", description=__doc__)
    parser.add_argument("--token", required=True, help="the bot token the bot will use")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--user-id", type=int, default=1001, help="the simulated user's id")
    parser.add_argument("--first-name", default="Budi")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
