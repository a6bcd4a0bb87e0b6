"""Start ``rasa run`` with its HTTP API token read from the environment or a
file, never from the command line (which any local user can read with ``ps``).

    CAE_RASA_TOKEN=... python -m bot.rasa.server run --model ... --enable-api ...

The token comes from ``CAE_RASA_TOKEN`` (removed from this process's
environment once read) or from the file named by ``CAE_RASA_TOKEN_FILE``.
Rasa's own CLI then runs in this process with ``--auth-token`` added to its
argument list only: ``/proc/<pid>/cmdline`` keeps the arguments above.
"""
from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

from bot import settings


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--auth-token" in args:
        sys.exit("bot.rasa.server: give the token in CAE_RASA_TOKEN or CAE_RASA_TOKEN_FILE, not on the command line")
    token = settings.launch_token("CAE_RASA_TOKEN", os.environ)
    if not token:
        sys.exit("bot.rasa.server: no token (CAE_RASA_TOKEN or CAE_RASA_TOKEN_FILE): Rasa's API would be open")
    from bot.rasa import speedups

    speedups.apply()
    sys.argv = ["rasa", *args, "--auth-token", token]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
