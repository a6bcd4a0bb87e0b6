"""Rasa's action-response validation, with its validator built once."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot.rasa.nlu_components  # noqa: F401  (applies bot.rasa.speedups)
from bot.rasa import speedups as rasa_speedups


@pytest.fixture()
def action():
    return RemoteAction("action_answer_faq", None)


def test_the_patch_is_applied_by_importing_our_component():
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result


def test_valid_responses_pass(action):
    assert action._validate_action_result({
        "events": [{"event": "slot", "name": "faq_topic", "value": "cape"}],
        "responses": [{"response": "utter_faq/cape"}],
    })
    assert action._validate_action_result({"events": [], "responses": []})


@pytest.mark.parametrize("response", [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"responses": "text"},
])
def test_invalid_responses_are_refused_with_rasas_message(action, response):
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result(response)
    assert "Failed to validate Action server response from API" in raised.value.message


# --- An action server that restarts loses no message -------------------------

def test_an_unreachable_action_server_is_retried_until_it_is_back():
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from bot.servers import free_port

    port = free_port()

    async def scenario():
        async def webhook(request):
            assert request.query["token"] == "t"
            return web.json_response({"events": [], "responses": []})

        async def start_later():
            await asyncio.sleep(1.0)  # "the supervisor restarts it"
            app = web.Application()
            app.router.add_post("/webhook", webhook)
            runner = web.AppRunner(app)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            return runner

        later = asyncio.create_task(start_later())
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token="t")
        started = asyncio.get_running_loop().time()
        result = await rasa_speedups.request_with_retry(endpoint, budget=20, json={}, method="post")
        waited = asyncio.get_running_loop().time() - started
        await (await later).cleanup()
        return result, waited

    result, waited = asyncio.run(scenario())
    assert result == {"events": [], "responses": []}
    assert 0.9 < waited < 10


def test_past_the_budget_the_failure_is_recorded_and_later_calls_do_not_wait():
    import asyncio

    import aiohttp
    from rasa.utils.endpoints import EndpointConfig

    from bot.servers import free_port

    endpoint = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")

    async def scenario():
        failures = []
        rasa_speedups._turn_failures.set(failures)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(aiohttp.ClientConnectorError):
            await rasa_speedups.request_with_retry(endpoint, budget=1, json={}, method="post")
        first = loop.time() - started
        started = loop.time()
        with pytest.raises(aiohttp.ClientConnectorError):
            await rasa_speedups.request_with_retry(endpoint, budget=1, json={}, method="post")
        return failures, first, loop.time() - started

    failures, first, second = asyncio.run(scenario())
    assert failures == [endpoint.url]  # the turn stops there (bot/rasa/speedups.py)
    assert 0.5 < first < 5 and second < 0.5


def test_other_errors_are_not_retried():
    from rasa.utils.endpoints import ClientResponseError

    assert rasa_speedups._retryable(ClientResponseError(503, "down", "")) is True
    assert rasa_speedups._retryable(ClientResponseError(403, "forbidden", "")) is False
    assert rasa_speedups._retryable(ClientResponseError(500, "bug", "")) is False
    assert rasa_speedups._retryable(ValueError("x")) is False


def test_the_retry_and_the_turn_guard_are_applied():
    from rasa.core.processor import MessageProcessor

    assert RemoteAction.run is rasa_speedups._remote_run
    assert MessageProcessor.handle_message is rasa_speedups._handle_message
    assert MessageProcessor._run_prediction_loop is rasa_speedups._run_prediction_loop


def test_a_turn_that_failed_is_undone_without_touching_the_form_before_it():
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.settings import DOMAIN_DIR

    domain = Domain.load(str(DOMAIN_DIR))
    before = [ActionExecuted("action_listen"), UserUttered("je veux m'inscrire"),
              ActionExecuted("booking_form"), ActiveLoop("booking_form"),
              SlotSet("first_name", "Paul"), SlotSet("requested_slot", "last_name"),
              ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("me", before, domain.slots)
    start = {"slots": dict(tracker.current_slot_values()), "loop": tracker.active_loop_name}
    # The failed turn: the message, its extracted slot, the form that could not validate.
    tracker.update_with_events([UserUttered("Durand"), SlotSet("last_name", "Durand"),
                                ActionExecuted("booking_form"), ActiveLoop(None)], domain)
    tracker.update_with_events(rasa_speedups.undo_turn(tracker, start), domain)
    assert tracker.get_slot("last_name") is None
    assert tracker.get_slot("first_name") == "Paul"
    assert tracker.get_slot("requested_slot") == "last_name"
    assert tracker.active_loop_name == "booking_form"
    assert tracker.latest_bot_utterance.text == rasa_speedups.DOWN_REPLY
    assert tracker.latest_action_name == "action_listen"
    # Replayed from the stored events (as the next turn loads it): the same.
    replayed = DialogueStateTracker.from_events("me", list(tracker.events), domain.slots)
    assert replayed.current_slot_values() == tracker.current_slot_values()
    assert replayed.active_loop_name == "booking_form"
