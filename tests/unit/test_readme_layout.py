"""The README's Layout section matches the tree: every top-level folder, every
module and package of bot/ and every folder of tests/ is named there, and every
path it names exists (a newcomer finds a thing from its name)."""
from __future__ import annotations

import re

from bot import settings

ROOT = settings.ROOT
IGNORED = {"var", "node_modules", "__pycache__", "wt", "static"}


def layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("\n## Layout"):text.index("\n## ", text.index("\n## Layout") + 5)]


def named(section: str) -> set[str]:
    return set(re.findall(r"`([^`\s]+)`", section))


def test_every_top_level_folder_and_bot_module_is_named():
    section = layout()
    words = named(section)
    folders = {p.name for p in ROOT.iterdir()
               if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED}
    assert {f for f in folders if not any(w == f or w.startswith(f + "/") for w in words)} == set()
    bot = {p.stem for p in (ROOT / "bot").iterdir()
           if (p.suffix == ".py" or p.is_dir()) and not p.name.startswith("__") and p.name != "__pycache__"}
    mentioned = {w.rstrip("/").split("/")[-1].removesuffix(".py") for w in words}
    assert sorted(bot - mentioned) == []
    tests = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert sorted(t for t in tests if f"{t}/" not in words) == []


def test_every_path_the_layout_names_exists():
    """Paths written from the root (``bot/scope.py``) or inside bot/'s row
    (``curriculum/dialogue.py``); patterns (``domain/<topic>.yml``) are skipped."""
    missing = []
    for word in named(layout()):
        if "/" not in word or "<" in word or "*" in word or word.startswith(("/", "http")):
            continue
        top = word.split("/")[0]
        if top in {"bot", "actions", "tests", "domain", "nlu", "caes", "curriculum", "bench", "docs", "scripts"} \
                and not (ROOT / word).exists() and not (ROOT / "bot" / word).exists():
            missing.append(word)
    assert missing == []
