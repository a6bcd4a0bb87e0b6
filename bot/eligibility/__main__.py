"""python -m bot.eligibility [--json] "TEXT" [--situation S] [--hire-staff] [--commercial-lease] [--heavy-investment]
python -m bot.eligibility --batch FILE   (one description a line, "-" for stdin; JSON lines out)

Only the engine is imported here: spaCy loads on the first description, once
for a whole batch.
"""
from __future__ import annotations

import argparse
import json
import sys

from bot.eligibility.engine import SITUATIONS, assess

STATUS_FR = {
    "eligible": "Éligible",
    "redirect": "À orienter vers une CAE spécialisée",
    "not_eligible": "Non éligible",
    "to_review": "À étudier en entretien individuel",
}
REDIRECT_FR = {"batiment": "CAE du bâtiment", "sap": "CAE de services à la personne",
               "agri": "CAE agri-rurale", "culture": "CAE culture"}
ROLE_FR = {"own": "votre activité", "client": "vos clients", "past": "votre passé", "unclear": "à préciser"}


def _batch(path: str, criteria: dict) -> int:
    stream = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with stream:
        for line in stream:
            text = line.rstrip("\n")
            if not text.strip():
                continue
            data = assess(text, **criteria).to_dict()
            print(json.dumps({"text": text, **data}, ensure_ascii=False), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eligibility",
                                     description="Can this project be hosted by a CAE?")
    parser.add_argument("text", nargs="?", help="the activity, as the person wrote it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--batch", metavar="FILE", help="one description a line ('-': stdin); JSON lines out")
    parser.add_argument("--no-spacy", action="store_true",
                        help="skip spaCy (answers in well under a second; no lemmas nor parse)")
    parser.add_argument("--situation", choices=list(SITUATIONS))
    parser.add_argument("--hire-staff", action="store_true", default=None)
    parser.add_argument("--commercial-lease", action="store_true", default=None)
    parser.add_argument("--heavy-investment", action="store_true", default=None)
    args = parser.parse_args(argv)
    criteria = dict(situation=args.situation, hire_staff=args.hire_staff,
                    commercial_lease=args.commercial_lease, heavy_investment=args.heavy_investment,
                    use_spacy=not args.no_spacy)
    if args.batch:
        return _batch(args.batch, criteria)
    if args.text is None:
        parser.error("a description (TEXT) or --batch FILE is required")
    verdict = assess(args.text, **criteria)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False))
        return 0
    status = STATUS_FR[verdict.status]
    if verdict.redirect:
        status += f" ({REDIRECT_FR[verdict.redirect]})"
    print(f"Verdict : {status}")
    understood = [f"{m['label']} ({ROLE_FR[m['role']]})" for m in verdict.matched]
    print(f"Activités reconnues : {', '.join(understood) or 'aucune'}")
    for reason in verdict.reasons:
        print(f"- {reason}")
    print("Sources :")
    for source in verdict.sources:
        print(f"  [{source['file']}] « {' '.join(source['passage'].split())} »")
    return 0


if __name__ == "__main__":
    sys.exit(main())
