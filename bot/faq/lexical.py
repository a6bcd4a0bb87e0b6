"""A second, independent opinion on which FAQ topic a question is about.

The response selector's confidence is spread over some fifty topics, so a right
answer often comes with a modest score. When a plain lexical match on the same
training examples (TF-IDF on character n-grams, vote of the nearest examples)
names the same topic, the two agree from different evidence and the answer can
be given; when they disagree, the assistant proposes choices instead.
scikit-learn comes with Rasa.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Optional

NEIGHBOURS = 5


class LexicalMatcher:
    def __init__(self, examples: dict[str, list[str]]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from bot.faq import normalise_question

        self._normalise = normalise_question
        texts, self._labels = [], []
        for intent, lines in examples.items():
            topic = intent.split("/", 1)[-1]
            for line in lines:
                texts.append(normalise_question(line))
                self._labels.append(topic)
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform(texts)

    def topic(self, text: str) -> Optional[str]:
        """The topic the nearest training examples vote for (weighted by
        similarity), or None when nothing in the text resembles them."""
        query = self._normalise(text or "")
        if not query or not self._labels:
            return None
        # Rows are L2-normalised, so the dot product is the cosine similarity.
        scores = (self._matrix @ self._vectorizer.transform([query]).T).toarray().ravel()
        votes: Counter[str] = Counter()
        for index in scores.argsort()[::-1][:NEIGHBOURS]:
            if scores[index] > 0:
                votes[self._labels[index]] += float(scores[index])
        return votes.most_common(1)[0][0] if votes else None


@lru_cache(maxsize=1)
def default_matcher() -> LexicalMatcher:
    from bot.faq import load_training_examples

    return LexicalMatcher(load_training_examples())


def lexical_topic(text: str) -> Optional[str]:
    return default_matcher().topic(text)
