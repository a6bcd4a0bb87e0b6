"""A second intent model, linear on words and character n-grams, blended with
Rasa's DIET classifier and response selector.

With some fifty FAQ topics and a few dozen questions each, DIET and the
response selector spread their confidence thin and miss wordings they have
not seen; a linear SVM on TF-IDF features of the same training data (whole
words and character n-grams, accents and case removed) generalises
differently, and on its own is the more accurate of the three. Its scores
become probabilities by temperature scaling: a softmax over the SVM's scores
divided by one temperature, chosen to best predict the labels of
cross-validated scores on the training data (one number, fitted at training
time, nothing from the held-out questions). Sigmoid calibration one label at
a time, tried first, spread the probability over the eighty-odd labels so
thinly that right answers seldom passed the answering threshold.

The two models are averaged over the *flattened* labels (``greet``,
``faq/vat``...): Rasa's own probability of ``faq/vat`` is P(faq) x P(vat|faq).

Plain Python (scikit-learn and SciPy come with Rasa); bot/rasa/nlu_components.py
wraps it as a Rasa component, so every Rasa server loads the same blended model.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping, MutableMapping, Optional, Sequence

from bot import vocabulary

# Weight of Rasa's own prediction in the blend; the rest goes to the linear
# model, the more accurate of the two on its own.
RASA_WEIGHT = 0.3
RANKING_LENGTH = 10
REGULARISATION_C = 1.0
# Folds of the cross-validation that fits the temperature.
TEMPERATURE_FOLDS = 5
TEMPERATURE_BOUNDS = (0.01, 10.0)


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(preprocessor=vocabulary.plain_text, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        TfidfVectorizer(preprocessor=vocabulary.plain_text, analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                        token_pattern=r"(?u)\b\w+\b"),
    )
    return make_pipeline(features, LinearSVC(C=REGULARISATION_C))


def _score_columns(scores: Any) -> Any:
    """One column of scores per label (LinearSVC gives one for two labels)."""
    import numpy

    return numpy.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _softmax(scores: Any, temperature: float) -> Any:
    from scipy.special import softmax

    return softmax(scores / temperature, axis=1)


def fit_temperature(scores: Any, label_indices: Any) -> float:
    """The temperature whose softmax best predicts the labels (least log loss)."""
    import numpy
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    rows = numpy.arange(len(label_indices))

    def log_loss(temperature: float) -> float:
        return float(-log_softmax(scores / temperature, axis=1)[rows, label_indices].mean())

    return float(minimize_scalar(log_loss, bounds=TEMPERATURE_BOUNDS, method="bounded").x)


class LinearIntentModel:
    """TF-IDF (words 1-2, characters 2-5 inside words) + linear SVM, with
    probabilities by temperature scaling fitted by cross-validation."""

    def __init__(self, pipeline: Any = None, temperature: float = 1.0) -> None:
        self._pipeline = pipeline
        self.temperature = temperature

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str]) -> "LinearIntentModel":
        import numpy
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        counts = Counter(labels)
        # Cross-validation needs two labels and each label in every fold's training part.
        if len(counts) < 2 or min(counts.values()) < 2:
            return cls(None)
        labels = numpy.asarray(labels)
        folds = StratifiedKFold(min(TEMPERATURE_FOLDS, min(counts.values())), shuffle=True, random_state=0)
        scores = _score_columns(
            cross_val_predict(_pipeline(), list(texts), labels, cv=folds, method="decision_function"))
        classes = numpy.unique(labels)  # the order of the score columns
        temperature = fit_temperature(scores, numpy.searchsorted(classes, labels))
        pipeline = _pipeline().fit(list(texts), labels)
        return cls(pipeline, temperature)

    @property
    def trained(self) -> bool:
        return self._pipeline is not None

    def probabilities(self, text: str) -> dict[str, float]:
        """Flattened label -> probability; empty when untrained or no text."""
        if not self.trained or not vocabulary.plain_text(text):
            return {}
        row = _softmax(_score_columns(self._pipeline.decision_function([text])), self.temperature)[0]
        return {str(label): float(p) for label, p in zip(self._pipeline.classes_, row)}

    def save(self, path) -> None:
        import joblib

        joblib.dump({"pipeline": self._pipeline, "temperature": self.temperature}, path)

    @classmethod
    def load(cls, path) -> "LinearIntentModel":
        import joblib

        saved = joblib.load(path)
        return cls(saved["pipeline"], saved["temperature"])


# --- Blending with Rasa's parse ----------------------------------------------

def rasa_probabilities(parse: Mapping[str, Any], retrieval_intents: Iterable[str]) -> dict[str, float]:
    """Rasa's parse as flattened label -> probability."""
    selectors = parse.get("response_selector") or {}
    probabilities: dict[str, float] = {}
    for ranked in parse.get("intent_ranking") or []:
        name, confidence = ranked.get("name"), float(ranked.get("confidence") or 0.0)
        if not name:
            continue
        if name in retrieval_intents:
            selector = selectors.get(name) or selectors.get("default") or {}
            for sub in selector.get("ranking") or []:
                key = sub.get("intent_response_key") or ""
                if key.startswith(f"{name}/"):
                    probabilities[key] = probabilities.get(key, 0.0) + confidence * float(sub.get("confidence") or 0.0)
        else:
            probabilities[name] = probabilities.get(name, 0.0) + confidence
    return probabilities


def blend(rasa: Mapping[str, float], linear: Mapping[str, float], rasa_weight: float = RASA_WEIGHT) -> dict[str, float]:
    if not linear:
        return dict(rasa)
    if not rasa:
        return dict(linear)
    labels = set(rasa) | set(linear)
    return {
        label: rasa_weight * rasa.get(label, 0.0) + (1 - rasa_weight) * linear.get(label, 0.0)
        for label in labels
    }


def apply_blend(
    parse: MutableMapping[str, Any],
    blended: Mapping[str, float],
    retrieval_intents: Iterable[str],
    responses: Optional[Mapping[str, list]] = None,
    ranking_length: int = RANKING_LENGTH,
) -> None:
    """Write a flattened distribution back into Rasa's parse: the intent and its
    ranking, and each retrieval intent's response-selector ranking (topics
    renormalised within their retrieval intent)."""
    retrieval = set(retrieval_intents)
    intents: dict[str, float] = {}
    topics: dict[str, dict[str, float]] = {}
    for label, p in blended.items():
        intent, _, sub = label.partition("/")
        if intent in retrieval and sub:
            topics.setdefault(intent, {})[label] = p
        intents[intent] = intents.get(intent, 0.0) + p
    if not intents:
        return
    ranking = sorted(intents.items(), key=lambda kv: kv[1], reverse=True)[:ranking_length]
    parse["intent_ranking"] = [{"name": name, "confidence": p} for name, p in ranking]
    parse["intent"] = dict(parse["intent_ranking"][0])
    selectors = parse.setdefault("response_selector", {})
    for intent, sub in topics.items():
        key = intent if intent in selectors else "default"
        total = sum(sub.values()) or 1.0
        sub_ranking = sorted(sub.items(), key=lambda kv: kv[1], reverse=True)[:ranking_length]
        entry = selectors.setdefault(key, {})
        ids = {r.get("intent_response_key"): r.get("id") for r in entry.get("ranking") or []}
        entry["ranking"] = [
            {"id": ids.get(label), "confidence": p / total, "intent_response_key": label}
            for label, p in sub_ranking
        ]
        best, best_p = sub_ranking[0]
        entry["response"] = {
            "responses": list((responses or {}).get(best) or [{"text": best}]),
            "confidence": best_p / total,
            "intent_response_key": best,
            "utter_action": f"utter_{best}",
        }
