"""Two changes to Rasa 3.6, applied in every Rasa process.

1. Speed. Rasa checks each action server response with ``jsonschema.validate``, which
first re-checks the (large, constant) events schema itself against the JSON
Schema meta-schema: about 50 ms of CPU per custom action call, nearly half of
a turn with actions (``python -m bench.profile_turn``). ``apply()`` makes
``RemoteAction`` validate with a validator built once: the same schema, the
same errors and message, without re-checking the schema every time.

2. An action server that restarts loses no message. When the action server
cannot be reached (connection refused while its supervisor restarts it,
bot/servers.py; or 502/503 from the production profile's nginx), the call is
retried with backoff for ``CAE_ACTIONS_RETRY_SECONDS`` (default 30 s), so the
turn completes once the server is back. If it is still down, the turn stops
there: what that message changed is undone (slots and active form back to
what they were before it; earlier turns are kept) and the person reads
``DOWN_REPLY`` instead of an empty reply, so sending it again goes on where
the conversation was; the other calls of that turn do not wait again.
(Rasa's ``UserUtteranceReverted`` cannot do this: inside a form it rewinds to
the message that started the form.)

3. Live takeover (bot/takeover.py). Before a message is understood, the
conversation's takeover state is read from our database: the messages waiting
for the person (a coach's, "an advisor is here", "the assistant is back") are
sent first, and while a coach holds the conversation the assistant extracts
no slot and predicts nothing (the person's message stays in the transcript for
the coach), except for a request about the person's data (the usual flow). The state lives in our database rather than in the tracker
(Rasa's ``ConversationPaused``) because every Rasa server reads it afresh on
each message: no event has to be appended through one server's API while
another may be saving the same tracker, and a timeout needs no job to resume.
If the database cannot be read, the assistant answers (logged).

``bot/rasa/nlu_components.py`` applies all three (every Rasa process that loads our
model imports it), and so does bot/rasa/server.py, which starts Rasa.
"""
from __future__ import annotations

import asyncio
import logging
import time
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Dict, List, Optional

from bot import settings

logger = logging.getLogger(__name__)

DOWN_REPLY = "Un instant, je redémarre : renvoyez votre message dans une minute…"
# HTTP statuses from a proxy in front of the action servers (the production
# profile's nginx) meaning "none is up". A 502 can also mean that the server
# died while running the action; running it again then is the lesser evil
# (booking twice for one session is refused: bot/booking/errors.py, AlreadyBooked).
RETRY_STATUSES = (502, 503)


@lru_cache(maxsize=None)
def _validator(action_class: type) -> Any:
    from jsonschema.validators import validator_for

    schema = action_class.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[str, Any]) -> bool:
    from jsonschema import exceptions

    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_validator(type(self)).iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


# The takeover state of the turn being handled: (messages to send, holder).
_turn_takeover: ContextVar[Optional[list]] = ContextVar("cae_takeover", default=None)
# The failed action calls of the turn being handled (None outside handle_message).
_turn_failures: ContextVar[Optional[List[str]]] = ContextVar("cae_action_failures", default=None)
# The slots and active form before the turn's slot extraction.
_turn_start: ContextVar[Optional[Dict[str, Any]]] = ContextVar("cae_turn_start", default=None)


def retry_seconds() -> float:
    try:
        return settings.current().actions_retry_seconds
    except ValueError:
        return 30.0


def _retryable(error: Exception) -> bool:
    import aiohttp

    from rasa.utils.endpoints import ClientResponseError

    if isinstance(error, ClientResponseError):
        return error.status in RETRY_STATUSES
    # Refused or unreachable: the request was never sent, so sending it again is safe.
    return isinstance(error, aiohttp.ClientConnectorError)


async def request_with_retry(endpoint: Any, budget: Optional[float] = None, **kwargs: Any) -> Any:
    """``endpoint.request(**kwargs)``, retried while the action server is unreachable."""
    failures = _turn_failures.get()
    budget = retry_seconds() if budget is None else budget
    deadline = time.monotonic() + (0 if failures else budget)
    delay = 0.25
    while True:
        try:
            return await endpoint.request(**kwargs)
        except Exception as error:
            if not _retryable(error):
                raise
            if time.monotonic() + delay > deadline:
                if failures is not None and not failures:
                    failures.append(str(endpoint.url))
                    logger.error("Action server %s still unreachable after %.0f s: %s",
                                 endpoint.url, budget, error)
                raise
            logger.warning("Action server %s unreachable (%s); retrying in %.2f s",
                           endpoint.url, error, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)


class _RetryingEndpoint:
    """An action endpoint whose ``request`` is :func:`request_with_retry`."""

    def __init__(self, endpoint: Any) -> None:
        self._endpoint = endpoint

    def __getattr__(self, name: str) -> Any:
        return getattr(self._endpoint, name)

    async def request(self, **kwargs: Any) -> Any:
        return await request_with_retry(self._endpoint, **kwargs)


_original: Dict[str, Any] = {}


async def _remote_run(self, output_channel, nlg, tracker, domain):  # type: ignore[no-untyped-def]
    if self.action_endpoint is not None and not isinstance(self.action_endpoint, _RetryingEndpoint):
        self.action_endpoint = _RetryingEndpoint(self.action_endpoint)
    return await _original["remote_run"](self, output_channel, nlg, tracker, domain)


async def _handle_message(self, message):  # type: ignore[no-untyped-def]
    token, start = _turn_failures.set([]), _turn_start.set({})
    held = _turn_takeover.set(await takeover_state(message.sender_id))
    try:
        return await _original["handle_message"](self, message)
    finally:
        _turn_failures.reset(token)
        _turn_start.reset(start)
        _turn_takeover.reset(held)


async def takeover_state(sender_id: Optional[str]) -> Optional[list]:
    """[messages waiting for the person, holder or None, answered anyway], read from our database."""
    if not sender_id:
        return None
    from bot import takeover
    from bot.storage.db import get_database

    try:
        messages, holder = await asyncio.to_thread(takeover.on_person_message, get_database(), sender_id)
        return [messages, holder, False]  # [.., .., the assistant answers this one anyway]
    except Exception:  # noqa: BLE001 - never lose the conversation: the assistant answers
        logger.exception("takeover state unreadable: the assistant answers")
        return None


async def send_takeover_messages(output_channel, tracker, messages) -> None:  # type: ignore[no-untyped-def]
    """Send (and record in the transcript, with who wrote them) the takeover's messages."""
    from rasa.shared.core.events import BotUttered

    from bot.takeover import shown_text

    for message in messages:
        text = shown_text(message)
        await output_channel.send_text_message(tracker.sender_id, text)
        tracker.update(BotUttered(text, metadata={"takeover_author": message.author or "assistant"}))


def _held() -> bool:
    state = _turn_takeover.get()
    return bool(state and state[1] is not None and not state[2])


async def _run_action_extract_slots(self, output_channel, tracker):  # type: ignore[no-untyped-def]
    state = _turn_takeover.get()
    if state and state[1] is not None:
        from bot.takeover import assistant_answers_anyway

        # A request about the person's data gets the usual flow, even now.
        state[2] = assistant_answers_anyway((tracker.latest_message.intent or {}).get("name"),
                                            tracker.active_loop_name)
    if _held():  # a coach answers: nothing is extracted from the person's words
        return tracker
    start = _turn_start.get()
    if start is not None and not start:
        start.update(slots=dict(tracker.current_slot_values()), loop=tracker.active_loop_name)
    return await _original["extract_slots"](self, output_channel, tracker)


async def _run_action(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    should_go_on = await _original["run_action"](self, *args, **kwargs)
    return should_go_on and not _turn_failures.get()


async def _run_prediction_loop(self, output_channel, tracker):  # type: ignore[no-untyped-def]
    state = _turn_takeover.get()
    if state:
        await send_takeover_messages(output_channel, tracker, state[0])
    if _held():
        from rasa.shared.core.constants import ACTION_LISTEN_NAME
        from rasa.shared.core.events import ActionExecuted

        tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        return
    if not _turn_failures.get():
        await _original["prediction_loop"](self, output_channel, tracker)
    if _turn_failures.get():
        tracker.update_with_events(undo_turn(tracker, _turn_start.get() or {}), self.domain)
        await output_channel.send_text_message(tracker.sender_id, DOWN_REPLY)


def undo_turn(tracker: Any, start: Dict[str, Any]) -> List[Any]:
    """Events putting the slots and the active form back as they were before
    this message, then ``DOWN_REPLY`` and a listen (the message stays in the
    history; its effects are gone)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet

    events: List[Any] = []
    before = start.get("slots")
    if before is not None:
        now = tracker.current_slot_values()
        events += [SlotSet(name, value) for name, value in before.items() if now.get(name) != value]
        if tracker.active_loop_name != start.get("loop"):
            events.append(ActiveLoop(start.get("loop")))
    return events + [BotUttered(DOWN_REPLY), ActionExecuted(ACTION_LISTEN_NAME)]


def apply() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    RemoteAction._validate_action_result = _validate_action_result
    if _original:
        return
    _original.update(remote_run=RemoteAction.run, handle_message=MessageProcessor.handle_message,
                     run_action=MessageProcessor._run_action,
                     prediction_loop=MessageProcessor._run_prediction_loop,
                     extract_slots=MessageProcessor.run_action_extract_slots)
    RemoteAction.run = _remote_run
    MessageProcessor.handle_message = _handle_message
    MessageProcessor._run_action = _run_action
    MessageProcessor._run_prediction_loop = _run_prediction_loop
    MessageProcessor.run_action_extract_slots = _run_action_extract_slots
    # Not a speed-up, but applied in the same processes: several questions in
    # one message are classified part by part (bot/rasa/questions.py).
    from bot.rasa import questions
    questions.apply()
