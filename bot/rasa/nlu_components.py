"""Our own Rasa NLU components (named in config.yml).

LinearIntentBlend averages DIET's and the response selector's predictions with
a linear model on the same data; see bot/linear_intents.py for the logic.
UnknownWordsFallback predicts ``nlu_fallback`` for a message with no word
known from the training data; see bot/vocabulary.py for the logic.
Importing this module also applies bot/rasa/speedups.py: every Rasa process
that loads our model imports it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import linear_intents
from bot.rasa import speedups
from bot.training import COMPONENT_SOURCES
from bot.vocabulary import Vocabulary

speedups.apply()

# The code our components train and predict with. Rasa's training cache keys a
# component by its class name and config only; the hash of this code is added
# to that key (``fingerprint_addon``) so that a change to it retrains them.
# The same files make the model's fingerprint (bot/training.py).
ROOT = Path(__file__).resolve().parents[2]


def code_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in COMPONENT_SOURCES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[type]:
        # Placed after the classifiers in config.yml; at training time it only
        # needs the raw texts.
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        return code_fingerprint()

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, vocabulary: Optional[Vocabulary] = None
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or Vocabulary([])

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsFallback":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        self.vocabulary = Vocabulary.from_texts(
            m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(self.vocabulary.words))
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "UnknownWordsFallback":
        try:
            with model_storage.read_from(resource) as directory:
                words = json.loads((directory / VOCABULARY_FILE).read_text())
        except (ValueError, FileNotFoundError):
            words = []
        return cls(model_storage, resource, Vocabulary(words))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.vocabulary.understands_any(message.get(TEXT) or ""):
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [fallback] + [
                r for r in message.data.get(INTENT_RANKING_KEY, [])
                if r.get("name") != DEFAULT_NLU_FALLBACK_INTENT_NAME
            ], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


LINEAR_MODEL_FILE = "linear_intents.joblib"
RESPONSES_FILE = "responses.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentBlend(GraphComponent, IntentClassifier):
    """Blends DIET's intents and the response selector's topics with a linear
    model on the same training data (bot/linear_intents.py). Placed after the
    ResponseSelector and before the FallbackClassifier in config.yml."""

    @classmethod
    def required_components(cls) -> List[type]:
        return []

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"rasa_weight": linear_intents.RASA_WEIGHT, "retrieval_intents": ["faq"]}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        return code_fingerprint()

    def __init__(
        self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        model: Optional[linear_intents.LinearIntentModel] = None,
        responses: Optional[Dict[Text, list]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model or linear_intents.LinearIntentModel()
        self.responses = responses or {}

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentBlend":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for message in training_data.intent_examples:
            label = message.get(INTENT_RESPONSE_KEY) or message.get(INTENT)
            if message.get(TEXT) and label:
                texts.append(message.get(TEXT))
                labels.append(label)
        self.model = linear_intents.LinearIntentModel.fit(texts, labels)
        # "utter_faq/vat" -> responses, keyed "faq/vat" like the labels.
        self.responses = {
            name.removeprefix("utter_"): variants for name, variants in training_data.responses.items()
        }
        with self._model_storage.write_to(self._resource) as directory:
            if self.model.trained:
                self.model.save(directory / LINEAR_MODEL_FILE)
            (directory / RESPONSES_FILE).write_text(json.dumps(self.responses, ensure_ascii=False))
        return self._resource

    @classmethod
    def load(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> "LinearIntentBlend":
        model, responses = None, {}
        try:
            with model_storage.read_from(resource) as directory:
                if (directory / LINEAR_MODEL_FILE).exists():
                    model = linear_intents.LinearIntentModel.load(directory / LINEAR_MODEL_FILE)
                responses = json.loads((directory / RESPONSES_FILE).read_text())
        except (ValueError, FileNotFoundError):
            pass
        return cls(config, model_storage, resource, model, responses)

    def process(self, messages: List[Message]) -> List[Message]:
        retrieval = self._config["retrieval_intents"]
        for message in messages:
            linear = self.model.probabilities(message.get(TEXT) or "")
            if not linear and INTENT not in message.data:
                # No text (or no model): no intent, as Rasa's classifiers say
                # it; the FallbackClassifier after us then predicts the fallback.
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
            if not linear:
                continue
            rasa = linear_intents.rasa_probabilities(message.data, retrieval)
            blended = linear_intents.blend(rasa, linear, float(self._config["rasa_weight"]))
            linear_intents.apply_blend(message.data, blended, retrieval, self.responses)
            # Rasa returns only the properties a component declared as output
            # (DIET and the response selector used to declare these).
            for key in (INTENT, INTENT_RANKING_KEY, RESPONSE_SELECTOR_PROPERTY_NAME):
                if key in message.data:
                    message.set(key, message.data[key], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
