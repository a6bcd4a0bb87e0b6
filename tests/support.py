"""Helpers shared by the tests, in one place: talk to the running servers
(``chat``, ``tracker``, ``post``, ``user_events``), read their replies
(``texts``, ``payloads``) and their database (``stored_rows``), serve a channel's
blueprint in this process (``serving``), wait on a condition with a deadline
(``eventually``), and read what the actions say through the domain's responses
(``said``, with Rasa's own filler; ``rendered_texts``, ``rendered_buttons``)."""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Optional, Union

import yaml


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


def post(url: str, data: Union[bytes, dict], headers: Optional[dict] = None,
         timeout: float = 90) -> tuple[int, Any]:
    """POST ``data`` (a dict goes as JSON) and return ``(status, body)``, an
    error status included (nothing raised); the body is decoded JSON when it is
    JSON, else text."""
    headers = dict(headers or {})
    if isinstance(data, dict):
        data = json.dumps(data).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            status, raw = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def texts(replies: list[dict]) -> str:
    """The replies' texts, one per line."""
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    """The payloads of the replies' buttons, in order."""
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def tracker(servers, sender: str) -> dict:
    """The conversation's tracker, from Rasa's HTTP API."""
    url = servers.api_url(f"/conversations/{urllib.parse.quote(sender, safe=':+')}/tracker")
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.load(reply)


def user_events(servers, sender: str) -> list[dict]:
    """The person's messages as Rasa stored them."""
    return [e for e in tracker(servers, sender)["events"] if e["event"] == "user"]


def stored_rows(servers, model, conversation_id: str) -> list:
    """Rows of ``model`` the servers stored for one conversation."""
    from sqlalchemy import select

    from bot.storage.db import Database

    db = Database(servers.database_url)
    try:
        with db.reader() as s:
            return s.execute(select(model).where(model.conversation_id == conversation_id)
                             ).scalars().all()
    finally:
        db.dispose()


async def eventually(check: Callable[[], bool], timeout: float = 10.0, what: str = "the condition",
                     step: float = 0.05) -> None:
    """Wait (without blocking the event loop) until ``check()`` is true; fail
    after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not reached within {timeout} s"
        await asyncio.sleep(step)


_apps = itertools.count()


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


# --------------------------------------------------------------------------- rendered responses

_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")  # Rasa's interpolator (rasa/core/nlg/interpolator.py)
# What an action's dispatcher message holds besides the variables of its response.
_MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


def domain_responses() -> dict:
    """Every response of the project's domain (``domain/``), with the retrieval
    answers ``utter_faq/<topic>`` of the FAQ data."""
    from bot import settings
    from bot.domain import load

    responses = dict(load()["responses"])
    for path in settings.DATA_DIR.rglob("responses.yml"):
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {})
    return responses


def said(dispatcher, slots: Optional[dict] = None) -> list[dict]:
    """The messages of a ``CollectingDispatcher`` as Rasa sends them: a message
    naming a response is rendered from the domain's responses by Rasa's own
    ``TemplatedNaturalLanguageGenerator`` (variables from the slots, then the
    message's keyword arguments), and its buttons are added after the
    response's, as ``RemoteAction._utter_responses`` does; a message with inline
    text is that text. Fails on an unknown response and on a variable without a
    value (the person would read ``{name}`` or ``None``). Each: ``text``,
    ``buttons``, ``response``."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    responses = domain_responses()
    nlg = TemplatedNaturalLanguageGenerator(responses)
    rendered = []
    for message in dispatcher.messages:
        name = message.get("response")
        draft: dict = {}
        if name:
            assert name in responses, f"{name} is not in the domain's responses"
            assert len(responses[name]) == 1, f"{name}: one variation, so that the text is known"
            variables = {k: v for k, v in message.items() if k not in _MESSAGE_KEYS}
            values = {**(slots or {}), **variables}  # the action's variables win over the slots, as in Rasa
            missing = [k for k in _PLACEHOLDER.findall(responses[name][0].get("text") or "") if values.get(k) is None]
            assert not missing, f"{name}: no value for {missing}"
            draft = nlg.generate_from_slots(name, dict(slots or {}), "rest", **variables) or {}
            assert "{" not in (draft.get("text") or ""), f"{name}: Rasa did not fill {draft}"
        buttons = list(draft.get("buttons") or []) + list(message.get("buttons") or [])
        text = message.get("text") or draft.get("text") or ""
        rendered.append({"text": text, "buttons": buttons, "response": name})
    return rendered


def rendered_texts(dispatcher, slots: Optional[dict] = None) -> list[str]:
    """The texts a person reads from a dispatcher (``said``)."""
    return [message["text"] for message in said(dispatcher, slots)]


def rendered_buttons(dispatcher, slots: Optional[dict] = None) -> list[list[dict]]:
    """The buttons of each message as Rasa sends them (``said``)."""
    return [message["buttons"] for message in said(dispatcher, slots)]
