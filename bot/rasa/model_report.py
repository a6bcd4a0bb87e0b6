"""What a model understands, through its NLU only, for the dashboard's
comparison of a candidate with the active model (bot/learning.py).

    python -m bot.rasa.model_report --model A.tar.gz [--model B.tar.gz] --out report.json

Each model is loaded in this process (no server, no action server) and parses:
- both held-out FAQ sets (bot.faq.HELDOUT_FILES): the topic the assistant
  would answer is decided as in the chat (intent ``faq``, then
  bot/answering.py's confidence and margin); anything else answers nothing;
- the user turns of the test stories (tests/stories/*.yml): the intent found.
Prints ``PROGRESS done total`` lines for the progress bar.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

import yaml

from bot import settings
from bot.answering import decide_topic
from bot.faq import HELDOUT_FILES, load_heldout

STORIES_DIR = settings.ROOT / "tests" / "stories"


def story_turns(directory: Path = STORIES_DIR) -> list[dict[str, str]]:
    """Each user turn of the test stories with its expected intent (once per text)."""
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for story in data.get("stories") or []:
            for step in story.get("steps") or []:
                if isinstance(step, dict) and step.get("user") and step.get("intent"):
                    seen.setdefault(str(step["user"]).strip(), str(step["intent"]))
    return [{"text": text, "intent": intent} for text, intent in seen.items()]


def answered(parse: dict) -> Optional[str]:
    if (parse.get("intent") or {}).get("name") != "faq":
        return None
    return decide_topic(parse).topic


async def _report(model: str, sets: dict[str, list[dict]], turns: list[dict], tick) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    result: dict = {"sets": {}, "stories": []}
    for name, items in sets.items():
        rows = []
        for item in items:
            parse = await agent.parse_message(item["text"])
            rows.append({"text": item["text"], "expected": item["topic"], "answered": answered(parse)})
            tick()
        result["sets"][name] = rows
    for turn in turns:
        parse = await agent.parse_message(turn["text"])
        result["stories"].append({"text": turn["text"], "expected": turn["intent"],
                                  "got": (parse.get("intent") or {}).get("name")})
        tick()
    return result


def build(models: Sequence[str]) -> dict:
    sets = {name: load_heldout(path) for name, path in HELDOUT_FILES.items()}
    turns = story_turns()
    total = len(models) * (sum(map(len, sets.values())) + len(turns))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if done % 20 == 0 or done == total:
            print(f"PROGRESS {done} {total}", flush=True)

    return {"models": {Path(m).name: asyncio.run(_report(m, sets, turns, tick)) for m in models}}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.rasa.model_report")
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    report = build(args.model)
    args.out.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
