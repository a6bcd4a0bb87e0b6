"""Eligibility verdicts given in the chat, kept for the coaches.

No personal data: the verdict, the recognised activity labels, the rule ids,
the situation and the conversation id (to open the transcript). ``person_id``
is set only for someone who gave their details with consent.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from bot.storage.db import Database
from bot.storage.models import EligibilityOutcome


def _matched(items: list) -> list[str]:
    """'graphiste', 'avocat (client)': labels, with the role when it is not the person's own."""
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif item.get("role", "own") == "own":
            out.append(str(item.get("label")))
        else:
            out.append(f"{item.get('label')} ({item.get('role')})")
    return out


def record_outcome(db: Database, verdict: Mapping[str, Any], conversation_id: Optional[str],
                   channel: Optional[str] = None, situation: Optional[str] = None,
                   person_id: Optional[int] = None) -> int:
    """Store one verdict (``Verdict.to_dict()``); returns its id."""

    def work(s) -> int:
        row = EligibilityOutcome(
            conversation_id=(conversation_id or None) and str(conversation_id)[:255],
            channel=(channel or None) and str(channel)[:40],
            status=str(verdict["status"]),
            redirect=verdict.get("redirect"),
            matched="; ".join(_matched(verdict.get("matched") or []))[:300],
            rules=",".join(verdict.get("rules") or [])[:300],
            situation=situation,
            person_id=person_id,
        )
        s.add(row)
        s.flush()
        return row.id

    return db.run(work)
