"""Corrected examples saved by coaches from the transcripts, in Rasa's NLU YAML
format (``var/training_examples.yml``), ready to be reviewed and merged into nlu/.

Admins review them on the dashboard (edit, drop) and merge them in one click
into ``nlu/reviewed/nlu.yml`` (:func:`merge`): reviewed training data, one
entry per intent, each example still masked and still carrying its
conversation id, so that erasing a conversation erases its examples there too.

Each example is stored without the e-mail addresses and phone numbers it held
(``bot.redact.mask_personal``) and with the conversation it came from (Rasa's
per-example ``metadata``), so that erasing the conversation erases it too. The
file is the owner's only (0600).
"""
from __future__ import annotations

from dataclasses import dataclass, field
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
    from bot import domain

    intents = domain.intent_names()
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


REVIEWED_HEADER = ("# Examples saved by coaches from real conversations, reviewed and merged from the\n"
                   "# dashboard (« Exemples à intégrer », bot/training_examples.py). E-mails and phone\n"
                   "# numbers are masked; metadata.conversation lets an erasure remove them.\n")


def reviewed_path(data_dir: Optional[Path] = None) -> Path:
    return Path(data_dir or settings.DATA_DIR) / "reviewed" / "nlu.yml"


def _key(text: str) -> str:
    """Two examples are the same when they differ only by case and spaces."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Example:
    intent: str
    text: str
    conversation: Optional[str] = None


def examples(path: Optional[Path] = None) -> list[Example]:
    """The saved examples waiting for review, intent by intent."""
    return [Example(intent, e["text"], e.get("conversation"))
            for intent, items in sorted(_entries(path or default_path()).items()) for e in items]


def _clean(text: str) -> str:
    text = mask_personal(" ".join((text or "").split()))[:500]
    if not text:
        raise ValueError("empty example")
    return text


def update_example(intent: str, text: str, new_text: str, new_intent: str,
                   path: Optional[Path] = None) -> bool:
    """Change one saved example's text or intent (masked again); False when it
    is not there any more."""
    if new_intent not in known_intents():
        raise ValueError(f"unknown intent {new_intent!r}")
    new_text = _clean(new_text)
    path = path or default_path()
    entries = _entries(path)
    found = next((e for e in entries.get(intent, []) if e["text"] == text), None)
    if found is None:
        return False
    entries[intent].remove(found)
    if not any(_key(e["text"]) == _key(new_text) for e in entries.get(new_intent, [])):
        entries.setdefault(new_intent, []).append({"text": new_text, "conversation": found.get("conversation")})
    _save(path, entries)
    return True


def remove_example(intent: str, text: str, path: Optional[Path] = None) -> bool:
    path = path or default_path()
    entries = _entries(path)
    kept = [e for e in entries.get(intent, []) if e["text"] != text]
    if len(kept) == len(entries.get(intent, [])):
        return False
    entries[intent] = kept
    _save(path, entries)
    return True


def _nlu_examples(path: Path) -> dict[str, list[dict]]:
    """intent -> examples of one Rasa NLU file (block or list layout); {} for
    files without NLU data."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return {}
    result: dict[str, list[dict]] = {}
    for item in (data.get("nlu") or []) if isinstance(data, dict) else []:
        if not isinstance(item, dict) or "intent" not in item:
            continue
        examples = item.get("examples") or []
        if isinstance(examples, str):
            examples = [{"text": line.strip()[2:]} for line in examples.splitlines()
                        if line.strip().startswith("- ")]
        result.setdefault(str(item["intent"]), []).extend(
            {"text": str(e.get("text") or ""), "conversation": (e.get("metadata") or {}).get("conversation")}
            for e in examples if isinstance(e, dict))
    return result


def _save_reviewed(path: Path, entries: dict[str, list[dict]]) -> None:
    nlu = []
    for intent in sorted(entries):
        items = [{"text": e["text"], **({"metadata": {"conversation": e["conversation"]}}
                                        if e.get("conversation") else {})} for e in entries[intent]]
        if items:
            nlu.append({"intent": intent, "examples": items})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REVIEWED_HEADER + yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True,
                                                     sort_keys=False, width=1000), encoding="utf-8")


@dataclass
class MergeResult:
    added: list[Example] = field(default_factory=list)
    duplicates: list[Example] = field(default_factory=list)  # already in the training data: dropped
    conflicts: list[tuple[Example, str]] = field(default_factory=list)  # (example, intent it has there): kept
    heldout: list[Example] = field(default_factory=list)  # a held-out test question: kept

    @property
    def kept(self) -> int:
        return len(self.conflicts) + len(self.heldout)


def _heldout_keys() -> set[str]:
    from bot.faq import HELDOUT_FILES, load_heldout

    return {_key(item["text"]) for path in HELDOUT_FILES.values() for item in load_heldout(path)}


def merge(path: Optional[Path] = None, data_dir: Optional[Path] = None,
          heldout: Optional[Iterable[str]] = None, dry_run: bool = False) -> MergeResult:
    """Move the saved examples into the reviewed training data
    (``<data_dir>/reviewed/nlu.yml``). An example already in the training data
    under the same intent is dropped; one found there under another intent, or
    one of the held-out test questions (``heldout``, default: both FAQ sets), is
    left in the saved file with the reason (Rasa refuses one text under two
    intents, and a test question trained on would make the figures lie).
    ``dry_run``: only say what would happen."""
    path = path or default_path()
    data_dir = Path(data_dir or settings.DATA_DIR)
    target = reviewed_path(data_dir)
    heldout_keys = {_key(t) for t in heldout} if heldout is not None else _heldout_keys()
    known: dict[str, str] = {}
    for nlu_file in sorted(data_dir.rglob("*.yml")):
        for intent, items in _nlu_examples(nlu_file).items():
            for item in items:
                known.setdefault(_key(item["text"]), intent)
    reviewed = _nlu_examples(target) if target.exists() else {}
    result = MergeResult()
    waiting: dict[str, list[dict]] = {}
    for example in examples(path):
        key = _key(example.text)
        entry = {"text": example.text, "conversation": example.conversation}
        if key in heldout_keys:
            result.heldout.append(example)
            waiting.setdefault(example.intent, []).append(entry)
        elif key in known and known[key] != example.intent:
            result.conflicts.append((example, known[key]))
            waiting.setdefault(example.intent, []).append(entry)
        elif key in known:
            result.duplicates.append(example)
        else:
            known[key] = example.intent
            reviewed.setdefault(example.intent, []).append(entry)
            result.added.append(example)
    if result.added and not dry_run:
        _save_reviewed(target, reviewed)
    if (result.added or result.duplicates) and not dry_run:
        _save(path, waiting)
    return result


def erase_from_reviewed(conversations: Iterable[str], data_dir: Optional[Path] = None) -> int:
    """Remove the reviewed examples taken from these conversations; returns how many."""
    target = reviewed_path(data_dir)
    if not target.exists():
        return 0
    wanted = {str(c) for c in conversations}
    entries = _nlu_examples(target)
    kept = {intent: [e for e in items if e.get("conversation") not in wanted] for intent, items in entries.items()}
    removed = sum(map(len, entries.values())) - sum(map(len, kept.values()))
    if removed:
        _save_reviewed(target, kept)
    return removed


def load(path: Optional[Path] = None) -> dict[str, list[str]]:
    return {intent: [e["text"] for e in entries]
            for intent, entries in _entries(path or default_path()).items()}


def add_example(text: str, intent: str, path: Optional[Path] = None,
                conversation_id: Optional[str] = None) -> bool:
    """Add one example (one line, trimmed, e-mails and phone numbers masked) taken
    from ``conversation_id``; False when it was already there."""
    if intent not in known_intents():
        raise ValueError(f"unknown intent {intent!r}")
    text = _clean(text)
    path = path or default_path()
    entries = _entries(path)
    if any(e["text"] == text for e in entries.get(intent, [])):
        return False
    entries.setdefault(intent, []).append({"text": text, "conversation": conversation_id})
    _save(path, entries)
    return True


def erase_conversations(conversations: Iterable[str], path: Optional[Path] = None) -> int:
    """Remove the examples taken from these conversations, waiting for review
    and (with the default file) already merged into nlu/reviewed/; returns how many."""
    wanted = {str(c) for c in conversations}
    reviewed = erase_from_reviewed(wanted) if path is None else 0
    path = path or default_path()
    entries = _entries(path)
    kept = {intent: [e for e in items if e.get("conversation") not in wanted]
            for intent, items in entries.items()}
    removed = sum(len(v) for v in entries.values()) - sum(len(v) for v in kept.values())
    if removed:
        _save(path, kept)
    return removed + reviewed
