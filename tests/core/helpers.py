"""Small helpers shared by the end-to-end conversation tests."""
from __future__ import annotations

from sqlalchemy import select

from bot.storage.db import Database
from tests.support import chat as ask  # noqa: F401  (re-exported)


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


def stored_rows(servers, model, conversation_id: str) -> list:
    """Rows of ``model`` the servers stored for one conversation."""
    db = Database(servers.database_url)
    try:
        with db.reader() as s:
            return s.execute(select(model).where(model.conversation_id == conversation_id)
                             ).scalars().all()
    finally:
        db.dispose()
