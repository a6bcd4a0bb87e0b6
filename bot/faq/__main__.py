"""``python -m bot.faq sync|check``: keep nlu/faq/responses.yml in step with the knowledge file."""
from __future__ import annotations

import argparse
import sys

from bot.faq import RESPONSES_FILE, ROOT, content_problems, is_up_to_date, load_topics, sync


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.faq", description=__doc__)
    parser.add_argument("command", choices=["sync", "check"])
    args = parser.parse_args(argv)
    relative = RESPONSES_FILE.relative_to(ROOT)
    if args.command == "sync":
        changed = sync()
        print(f"{relative}: {'written' if changed else 'already up to date'} ({len(load_topics())} topics)")
        return 0
    problems = []
    if not is_up_to_date():
        problems.append(f"{relative} is out of date: run `python -m bot.faq sync`")
    problems += content_problems()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{relative} is up to date")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
