"""The coaches' dashboard (server-rendered, Jinja2 templates in templates/coach/),
one module per subject:

- ``common``: templates and filters, ``render``, the tracker reader, the coach's
  scope, CSV responses (no route, no query);
- ``login``: log in, log out, ``/coach/``;
- ``conversations``: triage list, one conversation, review, training examples;
- ``handoffs``: requests to talk to a person;
- ``people``: people in scope, one person's file, validating an objective;
- ``sessions``: information sessions and attendance;
- ``exports``: the CSV files.

Handlers parse the request, call the domain (bot/…, which applies the coach's
scope in SQL: bot/scope.py) and render. Every page needs a login except the
login page itself; every form carries the session's CSRF token; all text is
escaped by Jinja2's autoescape. Numeric ids in URLs have at most 9 digits (they
fit every integer column); anything else is a 404.
"""
from __future__ import annotations

from typing import Optional

from aiohttp import web

from bot import labels, transcripts
from bot.web.dashboard import common, conversations, exports, handoffs, login, people, sessions
from bot.web.dashboard.common import TRACKER_KEY, render  # noqa: F401  (used by overview, learning)

SUBJECTS = (login, conversations, handoffs, people, sessions, exports)


def setup(app: web.Application, templates_dir, tracker_url: Optional[str] = None) -> None:
    """Templates, the tracker reader and every dashboard route (``/coach/...``)."""
    common.setup_templates(app, templates_dir)
    app[TRACKER_KEY] = transcripts.TrackerReader(tracker_url)
    app.on_cleanup.append(_dispose_tracker)
    app.on_startup.append(_warm_labels)
    for subject in SUBJECTS:
        subject.add_routes(app)


async def _warm_labels(app: web.Application) -> None:
    """Parse the domain and FAQ titles once at start (~0.4 s), not on a coach's first page."""
    try:
        labels.example_choices()
    except (OSError, ValueError):  # a broken file shows on the page that needs it
        pass


async def _dispose_tracker(app: web.Application) -> None:
    app[TRACKER_KEY].dispose()
