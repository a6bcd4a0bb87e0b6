"""Our NLU component in Rasa's engine: trained, persisted, loaded, blending
Rasa's parse with the linear model (loads Rasa's engine and TensorFlow, ~5 s)."""
from __future__ import annotations

from tests.unit.test_linear_intents import TEXTS, parse


def test_the_rasa_component_trains_persists_loads_and_blends(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.rasa.nlu_components import LinearIntentBlend

    examples = []
    for label, texts in TEXTS.items():
        intent, _, _ = label.partition("/")
        for text in texts:
            data = {"text": text, "intent": intent}
            if "/" in label:
                data["intent_response_key"] = label
            examples.append(Message(data=data))
    responses = {"utter_faq/vat": [{"text": "La TVA…"}], "utter_faq/cape_what": [{"text": "Le CAPE…"}]}
    storage, resource = LocalModelStorage(tmp_path), Resource("linear_blend")
    context = ExecutionContext(GraphSchema({}), "test")
    LinearIntentBlend.create({}, storage, resource, context).train(TrainingData(examples, responses=responses))

    loaded = LinearIntentBlend.load({}, storage, resource, context)
    # Rasa hesitates between greet and the wrong topic; the linear model knows better.
    message = Message(data={"text": "est-ce que je dois facturer la tva",
                            **parse([("greet", 0.55), ("faq", 0.45)], [("cape_what", 0.9), ("vat", 0.1)])})
    loaded.process([message])
    assert message.data["intent"]["name"] == "faq"
    selector = message.data["response_selector"]["default"]
    assert selector["ranking"][0]["intent_response_key"] == "faq/vat"
    assert selector["response"]["utter_action"] == "utter_faq/vat"
    assert selector["response"]["responses"] == [{"text": "La TVA…"}]
    # Nothing to say about an emoji: Rasa's parse is left as it was.
    emoji = Message(data={"text": "🙂", **parse([("greet", 1.0)], [("vat", 1.0)])})
    loaded.process([emoji])
    assert emoji.data["intent"] == {"name": "greet", "confidence": 1.0}
