"""Whose activity is a recognised word: the person's own, their clients', or their past one.

"Community manager pour des médecins" names two activities, but only one is the
person's: the doctors are the clients. "Infirmière, je veux me reconvertir en
sophrologue" names the past and the future. Only the person's own (current or
future) activity decides the verdict; the others are kept with their role.

Three layers, all read from the `roles` section of activities.yml:

1. cue phrases found with spaCy's ``Matcher`` on the message's words and lemmas
   (a plain scan of the same phrases without spaCy): the nearest cue before an
   activity, in the same clause, gives its role ("pour des" -> client,
   "ancienne" -> past, "je veux devenir" -> own); a cue just after it can make
   it past ("de formation", "reconvertie en"). An activity joined to the
   previous one by "et" / "ou" shares its role; one joined by "de"
   ("assistante d'avocat") is the other's client.
2. spaCy's ``DependencyMatcher`` on the parse: the object of a verb of serving
   ("j'accompagne des infirmières", "je forme des médecins") is a client.
3. a reconversion said in the sentence ("je me reconvertis", "maintenant"):
   an activity named before it with no cue of its own is the past one.

An activity with no cue is the person's own. When the person says their own
activity elsewhere ("avocats, je suis graphiste"), a regulated one with no cue
of its own is ``unclear``: the verdict is then to review, never a refusal.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # no import cycle at run time
    from bot.eligibility.lexicon import Lexicon, Match, Token

OWN, CLIENT, PAST, UNCLEAR = "own", "client", "past", "unclear"
ROLES = (OWN, CLIENT, PAST, UNCLEAR)
BREAK = "|"
JOINERS = {"et", "ou", "ainsi", "que", "aussi", "puis"}
DETERMINERS = {"des", "de", "d", "du", "les", "la", "le", "l", "un", "une", "aux", "au"}
DE_LINK = {"de", "d", "du", "des"}
# The last word of a client cue that may end a clause: "ma clientèle : des kinés".
CLIENT_HEADS = {"clients", "clientes", "clientele", "public", "cible", "patientele", "patients"}
# Categories that could refuse a project: an uncued one among explicit others is unclear.
REFUSING = ("regulated",)


# --- Cue phrases (spaCy Matcher, or a plain scan of the same phrases) -------------------

Cue = tuple[int, int, str, str]  # start, end (exclusive), role, kind ("before" | "after" | "reconversion")


@lru_cache(maxsize=4)
def _matcher(nlp: Any, lex_id: int, cues: tuple) -> Any:
    from spacy.matcher import Matcher

    matcher = Matcher(nlp.vocab)
    for kind, role, phrase in cues:
        words = phrase.split()
        label = f"{kind}:{role}"
        matcher.add(label, [[{"LOWER": w} for w in words], [{"LEMMA": w} for w in words]])
    return matcher


def _cue_table(lex: "Lexicon") -> tuple:
    roles = lex.roles
    table = [("before", role, p) for role, phrases in roles.get("before", {}).items() for p in phrases]
    table += [("after", role, p) for role, phrases in roles.get("after", {}).items() for p in phrases]
    table += [("reconversion", PAST, p) for p in roles.get("reconversion", ())]
    return tuple(table)


def find_cues(tokens: list["Token"], lex: "Lexicon", nlp_model: Optional[Any]) -> list[Cue]:
    """Every cue phrase in the message, on its normalised words and their lemmas."""
    table = _cue_table(lex)
    if not table or not tokens:
        return []
    if nlp_model is not None:
        from spacy.tokens import Doc

        doc = Doc(nlp_model.vocab, words=[t.surface for t in tokens], lemmas=[t.lemma for t in tokens])
        matcher = _matcher(nlp_model, id(lex), table)
        found = []
        for label_id, start, end in matcher(doc):
            kind, role = nlp_model.vocab.strings[label_id].split(":")
            found.append((start, end, role, kind))
        return sorted(set(found))
    found = []
    surfaces = [t.surface for t in tokens]
    lemmas = [t.lemma for t in tokens]
    for kind, role, phrase in table:
        words = phrase.split()
        for i in range(len(tokens) - len(words) + 1):
            if surfaces[i:i + len(words)] == words or lemmas[i:i + len(words)] == words:
                found.append((i, i + len(words), role, kind))
    return sorted(set(found))


# --- Serving verbs (spaCy DependencyMatcher) ----------------------------------------------

def served_tokens(doc: Any, lex: "Lexicon") -> set[int]:
    """spaCy token indices that are the object of a verb of serving, with their conjuncts."""
    verbs = lex.roles.get("serve_verbs") or ()
    if doc is None or not verbs or not doc.has_annotation("DEP"):
        return set()
    from spacy.matcher import DependencyMatcher

    matcher = DependencyMatcher(doc.vocab)
    matcher.add("SERVED", [[
        {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"LEMMA": {"IN": list(verbs)}, "POS": "VERB"}},
        {"LEFT_ID": "verb", "REL_OP": ">", "RIGHT_ID": "object",
         "RIGHT_ATTRS": {"DEP": {"IN": ["obj", "obl:arg", "iobj"]}, "POS": {"IN": ["NOUN", "PROPN", "ADJ"]}}},
    ]])
    served: set[int] = set()
    for _, (verb_i, object_i) in matcher(doc):
        served.add(object_i)
        served.update(t.i for t in doc[object_i].conjuncts)
    return served


# --- Assigning the roles ---------------------------------------------------------------------

def assign_roles(matches: list["Match"], tokens: list["Token"], lex: "Lexicon", doc: Optional[Any]) -> None:
    """Set ``role`` and ``role_cue`` on each match (in place; matches sorted by start)."""
    if not matches:
        return
    from bot.eligibility import nlp

    cues = find_cues(tokens, lex, nlp.load() if doc is not None else None)
    ends: dict[int, list[Cue]] = {}
    for cue in cues:
        ends.setdefault(cue[1], []).append(cue)
    words = [t.surface for t in tokens]
    served = served_tokens(doc, lex)
    explicit: dict[int, bool] = {}
    reconversions = [c for c in cues if c[3] == "reconversion"]

    def text(cue: Cue) -> str:
        return " ".join(words[cue[0]:cue[1]])

    for n, match in enumerate(matches):
        inside = range(match.start, match.end)
        role, cue_text, is_explicit = OWN, "", False
        # A cue just after: "infirmière de formation", "sage-femme reconvertie en doula".
        after = [c for c in cues if c[3] == "after" and c[0] in (match.end, match.end + 1)
                 and all(w in DETERMINERS for w in words[match.end:c[0]])]
        if after:
            best = max(after, key=lambda c: c[1] - c[0])
            role, cue_text, is_explicit = best[2], text(best), True
        else:
            found = _before(match, matches[:n], ends, words, explicit)
            if found:
                role, cue_text, is_explicit = found
        # The parse: the object of a verb of serving is a client.
        if role == OWN and any(tokens[i].doc_i in served for i in inside if tokens[i].doc_i is not None):
            role, cue_text, is_explicit = CLIENT, "(complément d'un verbe de service)", True
        # A reconversion said later in the sentence: what comes before it, uncued, is the past.
        if not is_explicit and any(c[0] >= match.end for c in reconversions):
            later = [c for c in reconversions if c[0] >= match.end]
            role, cue_text, is_explicit = PAST, text(later[0]), True
        match.role, match.role_cue = role, cue_text
        explicit[id(match)] = is_explicit

    # The person said their own activity elsewhere: a refusing word with no cue of its own is unclear.
    if any(m.role == OWN and explicit[id(m)] for m in matches):
        for match in matches:
            if match.role == OWN and not explicit[id(match)] and match.category.startswith(REFUSING):
                match.role, match.role_cue = UNCLEAR, ""


def _before(match: "Match", previous: list["Match"], ends: dict[int, list[Cue]], words: list[str],
            explicit: dict[int, bool]) -> Optional[tuple[str, str, bool]]:
    """The role given by the nearest cue before the match, in the same clause."""
    by_end = {m.end: m for m in previous}
    for position in range(match.start, 0, -1):  # a cue ending at `position` (exclusive)
        candidates = [c for c in ends.get(position, ()) if c[3] == "before"]
        if candidates:
            best = max(candidates, key=lambda c: c[1] - c[0])
            return best[2], " ".join(words[best[0]:best[1]]), True
        word = words[position - 1]
        if word == BREAK:
            # "ma clientèle : des kinés": a client cue just before the break still holds.
            client = [c for c in ends.get(position - 1, ()) if c[2] == CLIENT and words[c[1] - 1] in CLIENT_HEADS]
            if client:
                return CLIENT, " ".join(words[client[0][0]:client[0][1]]), True
            return None
        if position in by_end:  # another activity just before
            other = by_end[position]
            between = words[other.end:match.start]
            if any(w in JOINERS for w in between) and all(w in JOINERS | DETERMINERS for w in between):
                return other.role, other.role_cue, explicit.get(id(other), False)
            if between and all(w in DE_LINK for w in between):
                return CLIENT, f"{other.text} {' '.join(between)}", True
            return None
    return None
