"""Run ``rasa run --enable-api`` with its API token from the environment, not the command line.

Rasa reads ``--auth-token`` only from its arguments, and any local user can read a process's
arguments (``ps``, ``/proc/<pid>/cmdline``); its environment only the same user. So the token
comes in ``RASA_AUTH_TOKEN`` and joins Rasa's arguments inside this process:

    RASA_AUTH_TOKEN=... .venv-rasa/bin/python rasa_project/serve.py --port 5005 --model MODEL

runs ``rasa run --enable-api --auth-token=... --port 5005 --model MODEL``. The bot starts its
local Rasa this way (bot/nlu/rasa_server.py), with the Python of Rasa's environment.

Clients send the token in the URL (``?token=``, the only way Rasa takes it), so Sanic's access
log, which writes each request's URL (at ``LOG_LEVEL_LIBRARIES`` INFO or DEBUG), stays off.
"""

import os
import sys

from rasa.__main__ import main as rasa_main

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


def serve() -> None:
    # Popped so that nothing Rasa starts inherits it.
    token = os.environ.pop(TOKEN_VARIABLE, "")
    if not token:
        sys.exit(f"serve.py: set {TOKEN_VARIABLE} to the token clients must send")
    os.environ["SANIC_ACCESS_LOG"] = "false"
    sys.argv = ["rasa", "run", "--enable-api", f"--auth-token={token}", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    serve()
