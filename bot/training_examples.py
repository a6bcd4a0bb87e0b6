"""Corrected examples saved by coaches from the transcripts, in Rasa's NLU YAML
format (``var/training_examples.yml``), ready to be reviewed and merged into nlu/."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import yaml

from bot import settings


def default_path() -> Path:
    return Path(settings.VAR_DIR) / "training_examples.yml"


def known_intents() -> list[str]:
    """The domain's intents and the FAQ retrieval intents (faq/<topic>)."""
    domain = yaml.safe_load(settings.DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []]
    from bot.faq import load_topics

    return sorted(set(intents)) + [f"faq/{t.id}" for t in load_topics()]


def load(path: Optional[Path] = None) -> dict[str, list[str]]:
    path = path or default_path()
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result: dict[str, list[str]] = {}
    for item in data.get("nlu") or []:
        lines = str(item.get("examples") or "").splitlines()
        result[item["intent"]] = [line.strip()[2:] for line in lines if line.strip().startswith("- ")]
    return result


def add_example(text: str, intent: str, path: Optional[Path] = None) -> bool:
    """Add one example (one line, trimmed); False when it was already there."""
    if intent not in known_intents():
        raise ValueError(f"unknown intent {intent!r}")
    text = " ".join((text or "").split())[:500]
    if not text:
        raise ValueError("empty example")
    path = path or default_path()
    examples = load(path)
    if text in examples.get(intent, []):
        return False
    examples.setdefault(intent, []).append(text)
    lines = ['version: "3.1"', "nlu:"]
    for name in sorted(examples):
        lines.append(f"  - intent: {name}")
        lines.append("    examples: |")
        lines += [f"      - {example}" for example in examples[name]]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return True
