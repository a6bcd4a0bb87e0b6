"""Start the action server (rasa_sdk, on Sanic) answering only Rasa.

    CAE_ACTIONS_TOKEN=... python -m bot.rasa.action_server --actions actions --port 5055

Every request but ``/health`` must carry ``?token=<the token>`` (Rasa adds it
to each action call: ``action_endpoint.token`` in the endpoints file that
bot/endpoints.py writes); without it the answer is 403. The token comes from
``CAE_ACTIONS_TOKEN`` (removed from the environment once read) or from the
file named by ``CAE_ACTIONS_TOKEN_FILE``. The listening address is
``SANIC_HOST``, as for ``python -m rasa_sdk``.
"""
from __future__ import annotations

import hmac
import os
import sys
from typing import Any, Optional, Sequence

from bot import settings

OPEN_PATHS = ("/health",)


def token_guard(token: str) -> Any:
    """A Sanic request middleware refusing calls without the token."""
    from sanic import response

    expected = token.encode()

    async def check(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        given = (request.args.get("token") or "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "forbidden"}, status=403)
        return None

    return check


def create_app(actions: str, token: str) -> Any:
    from rasa_sdk.endpoint import create_app as sdk_app
    from rasa_sdk.plugin import plugin_manager

    # No CORS: browsers have no business calling the action server.
    app = sdk_app(actions, cors_origins=None)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    app.register_middleware(token_guard(token), "request")
    return app


def main(argv: Optional[Sequence[str]] = None) -> None:
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
    from rasa_sdk.endpoint import create_argument_parser
    import logging

    args = create_argument_parser().parse_args(argv)
    token = settings.launch_token("CAE_ACTIONS_TOKEN", os.environ)
    if not token:
        sys.exit("bot.rasa.action_server: no token (CAE_ACTIONS_TOKEN or CAE_ACTIONS_TOKEN_FILE)")
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file,
                                 args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    app = create_app(args.actions, token)
    app.run(os.environ.get("SANIC_HOST", "127.0.0.1"), args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
