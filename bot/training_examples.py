"""Corrected examples saved by coaches from the transcripts, in Rasa's NLU YAML
format (``var/training_examples.yml``), ready to be reviewed and merged into nlu/.

Each example is stored without the e-mail addresses and phone numbers it held
(``bot.redact.mask_personal``) and with the conversation it came from (Rasa's
per-example ``metadata``), so that erasing the conversation erases it too. The
file is the owner's only (0600).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

import yaml

from bot import settings
from bot.redact import mask_personal
from bot.storage.files import write_private


def default_path() -> Path:
    return Path(settings.VAR_DIR) / "training_examples.yml"


def known_intents() -> list[str]:
    """The domain's intents and the FAQ retrieval intents (faq/<topic>)."""
    domain = yaml.safe_load(settings.DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []]
    from bot.faq import load_topics

    return sorted(set(intents)) + [f"faq/{t.id}" for t in load_topics()]


def _entries(path: Path) -> dict[str, list[dict]]:
    """intent → [{"text": ..., "conversation": ... or None}] (both layouts read)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result: dict[str, list[dict]] = {}
    for item in data.get("nlu") or []:
        examples = item.get("examples") or []
        if isinstance(examples, str):  # older files: a "- text" block
            examples = [{"text": line.strip()[2:]} for line in examples.splitlines()
                        if line.strip().startswith("- ")]
        result[item["intent"]] = [
            {"text": str(e.get("text") or ""),
             "conversation": (e.get("metadata") or {}).get("conversation")}
            for e in examples if isinstance(e, dict)]
    return result


def _save(path: Path, entries: dict[str, list[dict]]) -> None:
    nlu = []
    for intent in sorted(entries):
        if not entries[intent]:
            continue
        examples = []
        for entry in entries[intent]:
            example = {"text": entry["text"]}
            if entry.get("conversation"):
                example["metadata"] = {"conversation": entry["conversation"]}
            examples.append(example)
        nlu.append({"intent": intent, "examples": examples})
    text = yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False)
    write_private(path, text)


def load(path: Optional[Path] = None) -> dict[str, list[str]]:
    return {intent: [e["text"] for e in entries]
            for intent, entries in _entries(path or default_path()).items()}


def add_example(text: str, intent: str, path: Optional[Path] = None,
                conversation_id: Optional[str] = None) -> bool:
    """Add one example (one line, trimmed, e-mails and phone numbers masked) taken
    from ``conversation_id``; False when it was already there."""
    if intent not in known_intents():
        raise ValueError(f"unknown intent {intent!r}")
    text = mask_personal(" ".join((text or "").split()))[:500]
    if not text:
        raise ValueError("empty example")
    path = path or default_path()
    entries = _entries(path)
    if any(e["text"] == text for e in entries.get(intent, [])):
        return False
    entries.setdefault(intent, []).append({"text": text, "conversation": conversation_id})
    _save(path, entries)
    return True


def erase_conversations(conversations: Iterable[str], path: Optional[Path] = None) -> int:
    """Remove the examples taken from these conversations; returns how many."""
    wanted = {str(c) for c in conversations}
    path = path or default_path()
    entries = _entries(path)
    kept = {intent: [e for e in items if e.get("conversation") not in wanted]
            for intent, items in entries.items()}
    removed = sum(len(v) for v in entries.values()) - sum(len(v) for v in kept.values())
    if removed:
        _save(path, kept)
    return removed
