"""python -m bot.eligibility.evaluate: accuracy of the eligibility engine on its case tables.

Two tables: tests/data/eligibility_cases.yml (the engine is tuned on it) and
tests/data/eligibility_blind.yml (written before reading the lexicon, never
tuned on). Prints, for each, the accuracy (status and redirect both right), the
confusion (expected -> given) and the cases that miss. A benchmark, not a test:
the tests hold the first table at 100 % and the blind one at a floor.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "cases": ROOT / "tests" / "data" / "eligibility_cases.yml",
    "blind": ROOT / "tests" / "data" / "eligibility_blind.yml",
}
CRITERIA = ("situation", "hire_staff", "commercial_lease", "heavy_investment")


def outcome(status: str, redirect: Any) -> str:
    return f"redirect:{redirect}" if status == "redirect" else status


def evaluate(path: Path, use_spacy: bool = True) -> dict[str, Any]:
    from bot.eligibility.engine import assess

    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    confusion: Counter = Counter()
    misses = []
    for case in cases:
        verdict = assess(case["text"], use_spacy=use_spacy, **{k: case[k] for k in CRITERIA if k in case})
        expected = outcome(case["status"], case.get("redirect"))
        given = outcome(verdict.status, verdict.redirect)
        confusion[(expected, given)] += 1
        if expected != given:
            misses.append((case["text"], expected, given))
    right = sum(n for (e, g), n in confusion.items() if e == g)
    refused = sum(n for (e, g), n in confusion.items() if g == "not_eligible" and e != "not_eligible")
    return {"cases": len(cases), "right": right, "accuracy": right / len(cases) if cases else 0.0,
            "wrongly_refused": refused, "confusion": confusion, "misses": misses}


def report(name: str, result: dict[str, Any]) -> str:
    lines = [f"{name}: {result['right']}/{result['cases']} = {100 * result['accuracy']:.1f} %"
             f" (wrongly refused: {result['wrongly_refused']})",
             "  confusion (expected -> given: count):"]
    for (expected, given), count in sorted(result["confusion"].items()):
        mark = "" if expected == given else "   <- wrong"
        lines.append(f"    {expected:>18} -> {given:<18} {count:>4}{mark}")
    if result["misses"]:
        lines.append("  misses:")
        lines += [f"    {text!r}: expected {e}, given {g}" for text, e, g in result["misses"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eligibility.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("tables", nargs="*", choices=[*TABLES, []], help="tables to run (default: all)")
    parser.add_argument("--no-spacy", action="store_true", help="without spaCy (as `--no-spacy` in the CLI)")
    args = parser.parse_args(argv)
    for name in args.tables or list(TABLES):
        print(report(name, evaluate(TABLES[name], use_spacy=not args.no_spacy)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
