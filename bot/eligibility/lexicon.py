"""Recognising activities in free text, as people type them.

How a phrase of the lexicon (activities.yml) is found in a message:

1. exact: the message is normalised (case, accents, apostrophes, hyphens) and
   cut into words; the longest phrase of the lexicon wins at each position, so
   "peintre en bâtiment" beats "peintre" and "chirurgien-dentiste" beats
   "chirurgien". Feminine and plural forms of each word are generated
   ("infirmière", "avocates", "masseuse-kinésithérapeute").
2. lemma: the same on spaCy lemmas, when spaCy is available.
3. fuzzy: words left over are compared with rapidfuzz (typos: "plomier",
   "electricen", "avocatte").
4. context: words such as "chantier" or "à domicile" turn an ambiguous or
   context-dependent entry into a precise one ("peintre" + "chantier" ->
   peintre en bâtiment), or, when nothing else was recognised, point to a
   sector ("refaire des salles de bain" -> artisan du bâtiment).

5. senses: a word with another sense in some contexts ("SAP" + "consultant",
   "architecte" + "naval", "électricien" + "automobile") switches to that sense,
   or is dropped when that sense is not an activity ("IDE" + "extensions").

A match preceded by a negation ("je ne suis pas avocat") is flagged ``negated``.
Each match then gets a role (the person's own activity, their clients, their
past): see bot/eligibility/roles.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

import yaml
from rapidfuzz import fuzz, process

from bot.eligibility import nlp
from bot.eligibility.roles import assign_roles
from bot.text import fold as fold_accents

ACTIVITIES_FILE = Path(__file__).resolve().parent / "activities.yml"

FUZZY_CUTOFF = 86  # rapidfuzz ratio: "plomier" 93, "electricen" 95, "avocatte" 93; "maison"/"macon" 73
FUZZY_MIN_LENGTH = 5
MAX_WORDS = 6
BREAK = "|"  # clause boundary (punctuation, "mais")
FUNCTION_WORDS = {"de", "d", "du", "des", "en", "a", "au", "aux", "la", "le", "les", "l", "et",
                  "pour", "chez", "sur", "un", "une", "dans"}
ARTICLES = {"un", "une", "le", "la", "l", "d", "de", "du", "des", "en", "vraiment", "du", "tout"}
CLAUSE_BREAKERS = {"mais", "cependant", "pourtant"}

SCORES = {"exact": 100, "synonym": 100, "lemma": 95, "context": 60}


# --- Normalising ---------------------------------------------------------------

def normalise(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, clause breaks as '|'."""
    text = fold_accents((text or "").lower().replace("œ", "oe").replace("æ", "ae"))
    text = re.sub(r"[,.;:!?()\[\]/\n]+", f" {BREAK} ", text)
    text = re.sub(r"[^a-z0-9|]+", " ", text)
    return " ".join(text.split())


def key(phrase: str) -> str:
    return normalise(phrase).replace(BREAK, " ").strip()


# --- Feminine / plural forms -----------------------------------------------------

def _feminine(word: str) -> list[str]:
    forms = []
    if word.endswith("ier"):
        forms.append(word[:-3] + "iere")
    elif word.endswith("er"):
        forms.append(word[:-2] + "ere")
    if word.endswith(("ien", "on")):
        forms.append(word + "ne")
    if word.endswith("teur"):
        forms += [word[:-4] + "trice", word[:-4] + "teuse"]
    if word.endswith("eur"):
        forms.append(word[:-3] + "euse")
    if word.endswith("el"):
        forms.append(word + "le")
    if word.endswith("if"):
        forms.append(word[:-2] + "ive")
    if word.endswith("eux"):
        forms.append(word[:-3] + "euse")
    if word.endswith(("t", "d", "i", "u", "an", "al", "is")):  # avocate, marchande, libérale
        forms.append(word + "e")
    return forms or [word]


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith("al"):
        return word[:-2] + "aux"
    if word.endswith(("eau", "eu")):
        return word + "x"
    return word + "s"


def inflections(word: str) -> dict[str, list[str]]:
    feminine = _feminine(word)
    return {
        "m": [word],
        "p": [_plural(word)],
        "f": feminine,
        "fp": [_plural(f) for f in feminine],
    }


def variants(phrase: str) -> set[str]:
    """The phrase with its head word (and, in parallel, its other words) in feminine / plural."""
    words = phrase.split()
    content = [i for i, w in enumerate(words) if w not in FUNCTION_WORDS and len(w) > 1]
    if not content:
        return {phrase}
    head = content[0]
    found = {phrase}
    for kind in ("p", "f", "fp"):
        for head_form in inflections(words[head])[kind]:
            just_head = list(words)
            just_head[head] = head_form
            found.add(" ".join(just_head))
            every = [inflections(w)[kind][0] if i in content else w for i, w in enumerate(words)]
            every[head] = head_form
            found.add(" ".join(every))
    return found


# --- The lexicon -----------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    id: str
    label: str
    category: str
    synonyms: tuple[str, ...] = ()
    resolve: tuple[tuple[str, str], ...] = ()
    clarify: Optional[str] = None
    source: dict = field(default_factory=dict, hash=False, compare=False)
    senses: tuple[tuple[str, Optional[str]], ...] = ()  # (context, entry id or None: not an activity)
    sense_forms: frozenset[str] = frozenset()  # the phrases the senses apply to (all when empty)


@dataclass
class Lexicon:
    entries: dict[str, Entry]
    index: dict[str, tuple[str, str]]  # phrase key -> (entry id, "exact" | "synonym")
    by_length: dict[tuple[int, str], list[str]]  # (number of words, first letter) -> keys
    contexts: dict[str, set[str]]  # group -> phrase keys
    fallbacks: dict[str, str]  # group -> entry id
    negations: set[str]
    fuzzy_ignore: set[str]
    collisions: list[tuple[str, str, str]]  # (key, kept entry, other entry) among declared phrases
    roles: dict[str, Any] = field(default_factory=dict)  # the `roles` section, phrases as keys


def load_raw(path: Path = ACTIVITIES_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build(raw: dict[str, Any]) -> Lexicon:
    entries: dict[str, Entry] = {}
    index: dict[str, tuple[str, str]] = {}
    declared: dict[str, str] = {}
    collisions: list[tuple[str, str, str]] = []
    for item in raw["activities"]:
        entry = Entry(
            id=item["id"], label=item["label"], category=item["category"],
            synonyms=tuple(item.get("synonyms") or ()),
            resolve=tuple((item.get("resolve") or {}).items()), clarify=item.get("clarify"),
            source=item.get("source") or {},
            senses=tuple((item.get("senses") or {}).items()),
            sense_forms=frozenset(form for f in item.get("sense_forms") or () for form in variants(key(f))),
        )
        entries[entry.id] = entry
        phrases = [(key(entry.label), "exact")] + [(key(s), "synonym") for s in entry.synonyms]
        for phrase, how in phrases:
            if phrase in declared and declared[phrase] != entry.id:
                collisions.append((phrase, declared[phrase], entry.id))
                continue
            if phrase not in declared:
                declared[phrase] = entry.id
                index[phrase] = (entry.id, how)
    # Generated forms never override a declared phrase.
    for phrase, entry_id in list(declared.items()):
        how = index[phrase][1]
        for form in variants(phrase):
            index.setdefault(form, (entry_id, how))
    by_length: dict[tuple[int, str], list[str]] = {}
    for phrase in index:
        by_length.setdefault((len(phrase.split()), phrase[0]), []).append(phrase)
    contexts = {
        group: {form for word in spec["words"] for form in variants(key(word))}
        for group, spec in raw["contexts"].items()
    }
    fallbacks = {group: spec["fallback"] for group, spec in raw["contexts"].items() if spec.get("fallback")}
    return Lexicon(
        entries=entries, index=index, by_length=by_length, contexts=contexts, fallbacks=fallbacks,
        negations={form for n in raw.get("negations") or () for form in variants(key(n))},
        fuzzy_ignore={key(w) for w in raw.get("fuzzy_ignore") or ()},
        collisions=collisions,
        roles=_role_cues(raw.get("roles") or {}),
    )


def _role_cues(raw: dict[str, Any]) -> dict[str, Any]:
    """The `roles` section with its phrases normalised like the messages."""
    return {
        "before": {role: sorted({key(p) for p in phrases}) for role, phrases in (raw.get("before") or {}).items()},
        "after": {role: sorted({key(p) for p in phrases}) for role, phrases in (raw.get("after") or {}).items()},
        "reconversion": sorted({key(p) for p in raw.get("reconversion") or ()}),
        "serve_verbs": sorted(set(raw.get("serve_verbs") or ())),
    }


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return build(load_raw())


# --- Matching --------------------------------------------------------------------

@dataclass
class Match:
    id: str
    label: str
    category: str
    score: int
    how: str  # exact | synonym | lemma | fuzzy | context, "+context" when resolved by context
    text: str  # the words of the message that matched
    negated: bool = False
    clarify: Optional[str] = None
    start: int = 0
    end: int = 0  # token after the match
    role: str = "own"  # own | client | past | unclear (bot/eligibility/roles.py)
    role_cue: str = ""  # the words that gave the role ("pour des", "ancienne", "de formation")

    @property
    def needs_confirmation(self) -> bool:
        """Worth asking "Vous êtes bien … ?" before relying on it."""
        return self.score < 90 or self.how.startswith(("fuzzy", "context")) or self.negated

    @property
    def confirmation_text(self) -> str:
        return confirmation_text([self])

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "category": self.category, "score": self.score,
                "how": self.how, "text": self.text, "negated": self.negated, "role": self.role}

    def became(self, other: Entry, how: str) -> "Match":
        """This match, read as another entry (a context or another sense)."""
        return Match(other.id, other.label, other.category, self.score, how, self.text, self.negated,
                     other.clarify, self.start, self.end)


def confirmation_text(matches: Iterable[Match]) -> str:
    """'Vous êtes bien plombier ?' / 'Vous êtes bien plombier et graphiste ?'"""
    labels = []
    for match in matches:
        if match.label not in labels:
            labels.append(match.label)
    if not labels:
        return "Pouvez-vous décrire votre activité en quelques mots ?"
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " et " + labels[-1]
    return f"Vous êtes bien {joined} ?"


@dataclass
class Token:
    surface: str
    lemma: str
    known: bool = False  # a French word spaCy knows: not a typo
    doc_i: Optional[int] = None  # index of the spaCy token it comes from


def tokenise(text: str, use_spacy: bool = True) -> list[Token]:
    """Normalised words with their lemma (the word itself without spaCy); '|' at clause breaks."""
    doc = nlp.parse(text) if use_spacy and text.strip() else None
    tokens: list[Token] = []
    if doc is None:
        triples = [(word, word, None) for word in normalise(text).split()]
    else:
        triples = [(t.text, nlp.lemma_of(t), t.i) for t in doc]
    for surface, lemma, doc_i in triples:
        words = normalise(surface).split()
        lemma_words = normalise(lemma).split()
        for word in words:
            same = len(words) == 1 and len(lemma_words) == 1 and BREAK not in lemma_words
            known = doc is not None and (nlp.is_french_word(surface, lemma) if same else nlp.is_french_word(word))
            tokens.append(Token(word, lemma_words[0] if same else word, known, doc_i))
    return [Token(BREAK, BREAK) if t.surface in CLAUSE_BREAKERS else t for t in tokens]


def _is_negated(tokens: list[Token], start: int, lex: Lexicon) -> bool:
    before: list[str] = []
    for token in reversed(tokens[:start]):
        if token.surface == BREAK:
            break
        before.insert(0, token.surface)
    close = [w for w in before if w not in ARTICLES]
    # "pas avocat", "ex-infirmière", "ancienne infirmière", "plutôt que plombier"
    if close and close[-1] in lex.negations:
        return True
    if len(close) >= 2 and " ".join(close[-2:]) in lex.negations:
        return True
    # "je ne suis pas avocat", "je n'ai jamais été plombier"
    for i, word in enumerate(before):
        if word in ("ne", "n") and any(w in ("pas", "plus", "jamais") for w in before[i + 1:]):
            return True
    return False


def _fuzzy(span: list[Token], lex: Lexicon) -> Optional[tuple[str, float]]:
    """The closest phrase of the lexicon when the words differ only by typos.

    Every word must be either identical or a close, unknown word: "masseur
    kinesiterapeute" matches, "création de société" is not "création de site".
    """
    words = [t.surface for t in span]
    query = " ".join(words)
    choices = lex.by_length.get((len(words), query[0]))
    if not choices:
        return None
    candidates = process.extract(query, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5)
    candidates += process.extract(query, choices, scorer=fuzz.ratio, processor=fold,
                                  score_cutoff=FUZZY_CUTOFF, limit=5)
    for phrase, score, _ in sorted(candidates, key=lambda c: -c[1]):
        pairs = list(zip(span, phrase.split()))
        typos = [(t, w) for t, w in pairs if t.surface != w]
        if all(not t.known and t.surface not in lex.fuzzy_ignore and t.surface not in FUNCTION_WORDS
               and len(t.surface) >= FUZZY_MIN_LENGTH - 1
               and fuzz.ratio(fold(t.surface), fold(w)) >= FUZZY_CUTOFF - 6 for t, w in typos):
            return phrase, min(score, 99)
    return None


def fold(text: str) -> str:
    """A rough French sound-alike key for typos: "grafiste" ~ "graphiste", "avocatte" ~ "avocate"."""
    text = text.replace("ph", "f").replace("th", "t").replace("qu", "k").replace("y", "i")
    return re.sub(r"([a-z])\1+", r"\1", text)


def _contexts(tokens: list[Token], consumed: set[int], lex: Lexicon) -> set[str]:
    found: set[str] = set()
    free_runs: list[list[Token]] = [[]]
    for i, token in enumerate(tokens):
        if i in consumed or token.surface == BREAK:
            free_runs.append([])
        else:
            free_runs[-1].append(token)
    for run in free_runs:
        for forms in ([t.surface for t in run], [t.lemma for t in run]):
            text = f" {' '.join(forms)} "
            for group, phrases in lex.contexts.items():
                if any(f" {p} " in text for p in phrases):
                    found.add(group)
    return found


def recognize(text: str, *, use_spacy: bool = True, lex: Optional[Lexicon] = None) -> list[Match]:
    """The activities found in ``text``, in the order they appear."""
    lex = lex or lexicon()
    tokens = tokenise(text or "", use_spacy=use_spacy)
    consumed: set[int] = set()
    found: list[Match] = []

    def add(entry_id: str, start: int, n: int, score: int, how: str) -> None:
        entry = lex.entries[entry_id]
        words = " ".join(t.surface for t in tokens[start:start + n])
        found.append(Match(entry.id, entry.label, entry.category, score, how, words,
                           _is_negated(tokens, start, lex), entry.clarify, start, start + n))
        consumed.update(range(start, start + n))

    # 1-2. exact phrases, then lemmas; the longest phrase wins at each position.
    i = 0
    while i < len(tokens):
        hit = None
        for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
            span = tokens[i:i + n]
            if any(t.surface == BREAK for t in span):
                continue
            surface = " ".join(t.surface for t in span)
            lemma = " ".join(t.lemma for t in span)
            if surface in lex.index:
                entry_id, how = lex.index[surface]
                hit = (entry_id, n, SCORES[how], how)
            elif lemma in lex.index:
                hit = (lex.index[lemma][0], n, SCORES["lemma"], "lemma")
            if hit:
                break
        if hit:
            add(hit[0], i, hit[1], hit[2], hit[3])
            i += hit[1]
        else:
            i += 1

    # 3. typos among the words left over.
    i = 0
    while i < len(tokens):
        hit = None
        for n in range(min(3, len(tokens) - i), 0, -1):
            span = list(range(i, i + n))
            words = [tokens[j].surface for j in span]
            if any(j in consumed for j in span) or BREAK in words:
                continue
            if words[0] in FUNCTION_WORDS or words[-1] in FUNCTION_WORDS:
                continue
            if n == 1 and (words[0] in lex.fuzzy_ignore or len(words[0]) < FUZZY_MIN_LENGTH):
                continue
            best = _fuzzy([tokens[j] for j in span], lex)
            if best:
                hit = (lex.index[best[0]][0], n, int(round(best[1])))
                break
        if hit:
            add(hit[0], i, hit[1], hit[2], "fuzzy")
            i += hit[1]
        else:
            i += 1

    # 4. context words: resolve context-dependent entries, or point to a sector.
    groups = _contexts(tokens, consumed, lex)
    resolved: list[Match] = []
    for match in found:
        entry = lex.entries[match.id]
        target = next((t for group, t in entry.resolve if group in groups), None)
        if target:
            match = match.became(lex.entries[target], f"{match.how}+context")
        match = _sense(match, tokens, lex)
        if match is not None:
            resolved.append(match)
    if not found:
        for group in ("construction", "farm", "stage", "home"):
            if group in groups and group in lex.fallbacks:
                entry = lex.entries[lex.fallbacks[group]]
                resolved.append(Match(entry.id, entry.label, entry.category, SCORES["context"], "context",
                                      group, False, entry.clarify, len(tokens), len(tokens)))
                break

    # 5. whose activity each one is.
    resolved.sort(key=lambda m: m.start)
    assign_roles(resolved, tokens, lex, nlp.parse(text) if use_spacy and (text or "").strip() else None)

    # One match per activity and role: the best one (not negated first).
    best: dict[tuple[str, str], Match] = {}
    for match in resolved:
        current = best.get((match.id, match.role))
        if current is None or (current.negated, -current.score) > (match.negated, -match.score):
            best[(match.id, match.role)] = match
    return sorted(best.values(), key=lambda m: m.start)


def _sense(match: Match, tokens: list[Token], lex: Lexicon) -> Optional[Match]:
    """The match in the sense its context gives it; None when that sense is not an activity."""
    entry = lex.entries[match.id]
    if not entry.senses or (entry.sense_forms and match.text not in entry.sense_forms):
        return match
    others = [t if not (match.start <= i < match.end) else Token(BREAK, BREAK) for i, t in enumerate(tokens)]
    groups = _contexts(others, set(), lex)
    for group, target in entry.senses:
        if group in groups:
            return None if target is None else match.became(lex.entries[target], f"{match.how}+sense")
    return match
