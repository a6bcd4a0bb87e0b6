"""Small HTTP helpers for the channel tests."""
from __future__ import annotations

import urllib.error
import urllib.request

from tests.support import tracker  # noqa: F401  (re-exported for the channel tests)


def post(url: str, data: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=90) as reply:
            return reply.status, reply.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def user_events(servers, sender: str) -> list[dict]:
    return [e for e in tracker(servers, sender)["events"] if e["event"] == "user"]


_apps = __import__("itertools").count()


def _touch_up_once() -> None:
    """Sanic 21.12 rewrites its protocol class at each app start-up and fails
    the second time in one process; the rewrite is class-wide: once is enough."""
    import sanic.app

    touch_up = sanic.app.TouchUp
    if getattr(touch_up, "_once", False):
        return
    first = touch_up.run
    done: list = []

    def run(app) -> None:
        if not done:
            done.append(True)
            first(app)

    touch_up.run, touch_up._once = staticmethod(run), True


class serving:
    """``async with serving(blueprint, "/webhooks/rest") as url``: a channel's
    blueprint in a real Sanic server on a free loopback port, in this loop."""

    def __init__(self, blueprint, prefix: str) -> None:
        self.blueprint, self.prefix = blueprint, prefix

    async def __aenter__(self) -> str:
        from sanic import Sanic

        from bot.servers import free_port

        _touch_up_once()
        app = Sanic(f"channel_test_{next(_apps)}")
        app.blueprint(self.blueprint, url_prefix=self.prefix)
        port = free_port()
        self.server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                              access_log=False)
        await self.server.startup()
        await self.server.before_start()
        return f"http://127.0.0.1:{port}{self.prefix}"

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()
