"""Load once, before the first person waits: the action server's caches.

The FAQ topics, the eligibility rules and lexicon, and the
spaCy pipeline the eligibility engine uses are built lazily on first use; left
to the first conversation, they cost it several seconds. The action server
builds them when it imports ``actions`` (see ``actions/__init__.py``), before
it answers its health check.
"""
from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


def warm_up() -> float:
    """Build the caches; return the seconds it took."""
    from bot.curriculum.modules import load_modules
    from bot.eligibility import assess
    from bot.faq import topic_titles

    start = time.perf_counter()
    topic_titles()
    assess("je suis plombière")
    load_modules()
    seconds = time.perf_counter() - start
    log.info("action server caches ready in %.1f s", seconds)
    return seconds
