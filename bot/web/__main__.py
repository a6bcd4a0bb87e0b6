"""``python -m bot.web``: serve the widget page (port ``CAE_WEB_PORT``, default 8000)."""
from __future__ import annotations

import argparse

from aiohttp import web

from bot import settings
from bot.storage.files import private_umask
from bot.web.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.web")
    parser.add_argument("--host", default=settings.HOST)
    parser.add_argument("--port", type=int, default=settings.current().web_port)
    parser.add_argument("--rasa-url", default=None, help="Rasa's URL as the browser sees it")
    args = parser.parse_args()
    private_umask()  # files written by the web app (database, e-mails) are the owner's only
    web.run_app(create_app(rasa_url=args.rasa_url), host=args.host, port=args.port,
                print=None, access_log=None)


if __name__ == "__main__":
    main()
