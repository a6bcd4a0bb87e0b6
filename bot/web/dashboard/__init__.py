"""The coaches' dashboard (server-rendered, Jinja2 templates in templates/coach/),
one module per subject:

- ``common``: templates and filters, ``render``, the tracker reader, the coach's
  scope, CSV responses (no route, no query);
- ``login``: log in, log out, ``/coach/``;
- ``conversations``: triage list, one conversation, review, training examples;
- ``handoffs``: requests to talk to a person;
- ``people``: people in scope, one person's file, validating an objective;
- ``sessions``: information sessions and attendance;
- ``session_tools``: series of sessions, a message to a session's people, the
  sign-in sheet, sessions "à clore" and no-show rates;
- ``exports``: the CSV files;
- ``cae_profiles``: the profile of the coach's CAE (admins edit it);
- ``takeover``: a coach takes a conversation over live (bot/takeover.py);
- ``search``: one search across conversations, people and requests (bot/search.py).

Handlers parse the request, call the domain (bot/…, which applies the coach's
scope in SQL: bot/scope.py) and render. Every page needs a login except the
login page itself; every form carries the session's CSRF token; all text is
escaped by Jinja2's autoescape. Numeric ids in URLs have at most 9 digits (they
fit every integer column); anything else is a 404.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from aiohttp import web

from bot import labels, transcripts
from bot import search as search_index
from bot.web import auth
from bot.web.dashboard import (
    cae_profiles, common, conversations, exports, handoffs, login, people, search, session_tools, sessions,
    takeover,
)
from bot.web.dashboard.common import TRACKER_KEY

SUBJECTS = (login, conversations, handoffs, people, sessions, session_tools, exports, cae_profiles,
            takeover, search)
# The start-up build of the conversations' summary cache: {"future": …} once started.
WARMUP_KEY = web.AppKey("summary_warmup", dict)

logger = logging.getLogger(__name__)


def setup(app: web.Application, templates_dir, tracker_url: Optional[str] = None) -> None:
    """Templates, the tracker reader and every dashboard route (``/coach/...``)."""
    common.setup_templates(app, templates_dir)
    app[TRACKER_KEY] = transcripts.TrackerReader(tracker_url)
    app[WARMUP_KEY] = {}
    app.on_cleanup.append(_dispose_tracker)
    app.on_startup.append(_warm_labels)
    app.on_startup.append(_warm_summaries)
    for subject in SUBJECTS:
        subject.add_routes(app)


async def _warm_labels(app: web.Application) -> None:
    """Parse the domain and FAQ titles once at start (~0.4 s), not on a coach's first page."""
    try:
        labels.example_choices()
    except (OSError, ValueError):  # a broken file shows on the page that needs it
        pass


async def _warm_summaries(app: web.Application) -> None:
    """Build the conversations' summary cache in a thread as the app starts (about
    10 s for 100 000 conversations), so that a coach's first list does not wait for
    it; a list asked meanwhile waits for the build under way, then only reads what
    was added since."""
    reader = app[TRACKER_KEY]
    app[WARMUP_KEY]["future"] = asyncio.get_running_loop().run_in_executor(
        None, _build_summaries, reader, app.get(auth.DB_KEY))


def _build_summaries(reader: transcripts.TrackerReader, db=None) -> Any:
    try:
        if reader.store_exists():
            reader.cache.summaries(reader)
    except Exception:  # the list page builds it again and shows the error, if any
        logger.warning("conversation summaries not built at start", exc_info=True)
    try:  # the search's index of the transcripts (bot/search.py), the same way
        if db is not None and reader.store_exists():
            search_index.refresh_index(db, reader)
    except Exception:
        logger.warning("conversation search index not refreshed at start", exc_info=True)


async def _dispose_tracker(app: web.Application) -> None:
    app[TRACKER_KEY].cache.stop()
    future = app[WARMUP_KEY].get("future")
    if future is not None:
        await future
    app[TRACKER_KEY].dispose()
