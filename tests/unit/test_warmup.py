"""The action server builds its caches before its first conversation."""
from __future__ import annotations

import pytest

from bot import warmup
from bot.eligibility import nlp
from bot.faq import load_topics, topic_titles


def test_warm_up_builds_every_lazy_cache():
    for cached in (topic_titles, nlp.load):
        cached.cache_clear()
    warmup.warm_up()
    for cached in (topic_titles, nlp.load):
        assert cached.cache_info().currsize == 1, cached.__name__


def test_topic_titles_are_read_once_and_read_only():
    titles = topic_titles()
    assert titles is topic_titles()
    assert dict(titles) == {topic.id: topic.title for topic in load_topics()}
    with pytest.raises(TypeError):
        titles["new"] = "x"  # type: ignore[index]
