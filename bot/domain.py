"""The Rasa domain as plain data: ``domain/<topic>.yml`` (beside ``nlu/<topic>/``)
merged the way Rasa merges a domain folder, read with YAML only (no Rasa import).

Each file declares its topic's intents, slots, forms, actions and responses.
Its ``config: personal_slots`` lists the slots of that file that hold what a
person typed or who they are (erased on request, ``actions/privacy.py``):
Rasa 3.6 refuses unknown keys on a slot (``Slot.__init__`` gets them as
arguments), and keeps unknown keys of ``config``, so the flag lives there.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

import yaml

from bot import settings

LIST_KEYS = ("intents", "entities", "actions")
DICT_KEYS = ("slots", "forms", "responses")


def files(directory: Optional[Path] = None) -> list[Path]:
    """The domain's files, in a stable order (Rasa reads every YAML file below the folder)."""
    directory = directory or settings.DOMAIN_DIR
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml"))


def stamp(directory: Optional[Path] = None) -> tuple[tuple[str, int], ...]:
    """Changes when a domain file changes: a cache key."""
    return tuple((str(p), p.stat().st_mtime_ns) for p in files(directory))


def read_file(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def load(directory: Optional[Path] = None) -> dict[str, Any]:
    """The merged domain: lists end to end, mappings side by side, ``config.personal_slots``
    gathered from every file. A copy: callers may change it."""
    import copy

    return copy.deepcopy(_load(stamp(directory)))


@lru_cache(maxsize=4)
def _load(key: tuple[tuple[str, int], ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {"intents": [], "entities": [], "actions": [], "slots": {}, "forms": {},
                              "responses": {}, "config": {"personal_slots": []}}
    for name, _ in key:
        data = read_file(Path(name))
        for k in LIST_KEYS:
            merged[k] += data.get(k) or []
        for k in DICT_KEYS:
            merged[k].update(data.get(k) or {})
        merged["config"]["personal_slots"] += (data.get("config") or {}).get("personal_slots") or []
        if "session_config" in data:
            merged["session_config"] = data["session_config"]
    return merged


def intent_names(domain: Optional[dict[str, Any]] = None) -> list[str]:
    domain = domain if domain is not None else load()
    return [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []]


def personal_slots(directory: Optional[Path] = None) -> tuple[str, ...]:
    """Every slot flagged as holding personal data (``config: personal_slots``)."""
    return tuple(_load(stamp(directory))["config"]["personal_slots"])
