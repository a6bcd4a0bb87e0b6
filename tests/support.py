"""Helpers shared by the tests: talk to the running servers (``chat``, ``tracker``),
wait on a condition with a deadline (``eventually``), read what an action said
as a person reads it (``said``)."""
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


# What an action's dispatcher message holds besides the variables of its response.
_MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


def said(dispatcher, slots: Optional[dict] = None) -> list[dict]:
    """The messages of a ``CollectingDispatcher`` as Rasa sends them: a message
    naming a response is rendered from the domain's responses by Rasa's own
    ``TemplatedNaturalLanguageGenerator`` (variables from the slots, then the
    message's keyword arguments), and its buttons are added after the
    response's, as ``RemoteAction._utter_responses`` does. Each: ``text``, ``buttons``."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    import yaml

    from bot import settings
    from bot.domain import load

    responses = load()["responses"]
    for path in settings.DATA_DIR.rglob("responses.yml"):  # retrieval answers: utter_faq/<topic>
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    nlg = TemplatedNaturalLanguageGenerator(responses)
    rendered = []
    for message in dispatcher.messages:
        name = message.get("response")
        draft: dict = {}
        if name:
            assert name in responses, f"{name} is not in the domain's responses"
            assert len(responses[name]) == 1, f"{name}: one variation, so that the text is known"
            variables = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}
            draft = nlg.generate_from_slots(name, dict(slots or {}), "rest", **variables) or {}
            assert "{" not in (draft.get("text") or ""), f"{name}: a variable is missing: {draft}"
        buttons = list(draft.get("buttons") or []) + list(message.get("buttons") or [])
        text = message.get("text") or draft.get("text")
        rendered.append({"text": text, "buttons": buttons, "response": name})
    return rendered
