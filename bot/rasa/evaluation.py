"""``make eval``: the held-out FAQ questions, then the messages holding several
questions (tests/data/faq_multi.yml), asked to the trained model.

The model runs in Rasa's agent with a real action server; the scoring is
bot/evaluation.py's. A benchmark: it prints figures, it asserts nothing.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.evaluation import evaluate_agent, evaluate_multi, faq_answers, load_multi
from bot.faq import HELDOUT_FILES, load_heldout


async def _evaluate(model: Path, actions_url: str, actions_token: str | None = None) -> dict[str, Any]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    endpoints = AvailableEndpoints(action=EndpointConfig(f"{actions_url}/webhook", token=actions_token))
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    answers = faq_answers()
    reports: dict[str, Any] = {name: await evaluate_agent(agent, load_heldout(path), answers)
                               for name, path in HELDOUT_FILES.items()}
    reports["several questions"] = await evaluate_multi(agent, load_multi(), answers)
    return reports


def main() -> int:
    from bot.servers import ActionServer, free_port
    from bot.storage.db import Database, upgrade
    from bot.training import ensure_model

    # The agent runs in this process and reads our database on each message
    # (a coach's takeover, bot/takeover.py): it must have the current schema.
    upgrade(Database().url)
    model = ensure_model()
    with ActionServer(port=free_port()) as actions:
        reports = asyncio.run(_evaluate(model, actions.url, actions.token))
    for name, report in reports.items():
        print(f"\n=== {name} ===\n{report.format()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
