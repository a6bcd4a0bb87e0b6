"""Helpers shared by the tests: talk to the running servers (``chat``, ``tracker``)
and wait on a condition with a deadline (``eventually``)."""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import urllib.request
from typing import Callable, Optional, Union


def chat(target: Union[str, object], sender: str, text: str, cae: Optional[str] = None,
         timeout: float = 120) -> list[dict]:
    """Post one message to the REST channel and return the bot's replies.

    ``target`` is the test servers (their ``rest_webhook``) or a base URL (a
    deployment behind nginx); ``cae`` goes in the metadata like the widget's.
    A status other than 200 raises ``urllib.error.HTTPError``."""
    url = f"{target}/webhooks/rest/webhook" if isinstance(target, str) else target.rest_webhook
    body: dict = {"sender": sender, "message": text}
    if cae is not None:
        body["metadata"] = {"cae": cae}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.load(reply)


def tracker(servers, sender: str) -> dict:
    """The conversation's tracker, from Rasa's HTTP API."""
    url = servers.api_url(f"/conversations/{urllib.parse.quote(sender, safe=':+')}/tracker")
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.load(reply)


async def eventually(check: Callable[[], bool], timeout: float = 10.0, what: str = "the condition",
                     step: float = 0.05) -> None:
    """Wait (without blocking the event loop) until ``check()`` is true; fail
    after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not reached within {timeout} s"
        await asyncio.sleep(step)
