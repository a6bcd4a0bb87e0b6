"""Several questions in one message ("c'est quoi un CAPE et combien ça coûte ?").

The intent model ranks a message as a whole: with two questions in it, the
two topics share the score and neither passes the answer thresholds
(bot/answering.py), so the person gets choices instead of answers. Here a
message is cut where a new question starts — after "?", "!", "." or ";", and
before "et"/"puis"/"aussi" when a question word follows ("… et combien ça
coûte ?") —, never on commas, so that "je touche l'ARE, je la garde ?" stays
one question. Each part is then classified on its own (in the Rasa process:
bot/rasa/questions.py puts them in the parse data as ``questions``) and the
FAQ action answers each part's topic in order, but only when at least two
parts are each confidently a different FAQ topic. Anything less (one topic, a
greeting beside a question, a part the model is unsure of) leaves the message
to the usual whole-message decision, so a single question is not split into
wrong answers (measured on the held-out sets: ``python -m bot.questions``).

No framework here; the parse data are plain dicts as Rasa gives them.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from bot.answering import decide_topic

PARSE_KEY = "questions"
# Longer messages are descriptions or pasted text, not a list of questions;
# at most this many parts are classified.
MAX_CHARS = 600
MAX_PARTS = 4
# A part needs this many letters to be a question of its own.
MIN_LETTERS = 6
# The whole message's FAQ intent is not required (two topics make it unsure),
# each part's is, with this confidence.
MIN_PART_INTENT = 0.5

# Words that start a new question after "et", "puis", "aussi", "mais".
_QUESTION_START = (
    r"combien|comment|pourquoi|quand|quel|quelle|quels|quelles|qui|o[uù]\b|"
    r"est[- ]ce|c'?est quoi|c quoi|qu'?est[- ]ce|que|qu'|"
    r"[çc]a co[uû]te|[çc]a marche|[çc]a se passe|"
    r"je peux|j'?peux|je pourrai[s]?|je dois|je garde|je touche|je serai[s]?|j'?aurai[s]?|"
    r"on peut|on doit|on garde|on signe|on touche|peut[- ]on|faut[- ]il|il faut|"
    r"y a[- ]t[- ]il|il y a|dois[- ]je|puis[- ]je|est[- ]il|sont[- ]ils|"
    r"vous|la cae|une cae|les cae|l'are|le cape|un cape|le cesa|un cesa"
)
_SENTENCE_END = re.compile(r"(?<=[?!;])\s*|(?<=[^.\d][a-zà-ÿ]{2}\.)\s+|(?<=…)\s+", re.IGNORECASE)
_CONJUNCTION = re.compile(
    r"(?:,\s*|\s+)(?:et|puis|mais|et puis|et aussi|aussi|sinon)\s+(?=(?:" + _QUESTION_START + r"))",
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A part asks something when it has a "?" or one of these words; a statement
# ("Je viens de devenir associée ;") is context for the question after it.
_ASKS = re.compile(
    r"\?|\b(?:combien|cmb|cb|comment|pourquoi|quand|quel|quelle|quels|quelles|qui|o[uù]|"
    r"est[- ]ce|quoi|koi|peut[- ]on|faut[- ]il|dois[- ]je|puis[- ]je|je peux|on peut|"
    r"y a[- ]t[- ]il|savoir|expliquer|explique[rz]?)\b",
    re.IGNORECASE,
)
# Words that carry no subject: a part made only of them ("ça se passe comment ?",
# "combien ?", "c koi concrètement") leans on the question before it.
_EMPTY_WORDS = frozenset("""
a à au aux avec c ca ça ce cela ces cet cette chez comme comment combien cmb cb concretement concrètement
d dans de des du donc du elle en est et etc eux faire fait faut fonctionne fonctionnent il ils j je
l la le les leur lui m ma mais me moi mon n ne ni nous o on ou où par pas passe passent peut peuvent
pour pourquoi puis qu quand que quel quelle quelles quels qui quoi koi s sa se ses si son sont sur
t ta te toi ton tu un une vous y marche marchent va vont aussi alors exactement plus alors bien
c'est ok oui non svp stp merci bon ben bah hein genre sinon voilà voila
""".split())


def split_questions(text: str) -> list[str]:
    """The parts of a message that may each be a question, in order; one part
    (the text itself, stripped) when nothing looks like a second question."""
    text = (text or "").strip()
    if not text or len(text) > MAX_CHARS:
        return [text] if text else []
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        for piece in _CONJUNCTION.split(sentence):
            piece = piece.strip(" ,")
            if piece:
                parts.append(piece)
    # A statement is context: it joins the part after it.
    forward: list[str] = []
    for part in parts:
        if forward and not _ASKS.search(forward[-1]):
            forward[-1] = f"{forward[-1]} {part}"
        else:
            forward.append(part)
    # A part without a subject of its own ("combien ?", "ok ?") joins the part before.
    merged: list[str] = []
    for part in forward:
        if merged and not _has_subject(part):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) > MAX_PARTS:  # the rest stays together in the last part
        merged = merged[:MAX_PARTS - 1] + [" ".join(merged[MAX_PARTS - 1:])]
    return merged if len(merged) > 1 else [text]


def _has_subject(part: str) -> bool:
    words = [w.lower() for w in _WORD.findall(part.replace("’", "'"))]
    return len(_LETTER.findall(part)) >= MIN_LETTERS and any(w not in _EMPTY_WORDS for w in words)


def part_summary(text: str, parse: Mapping[str, Any]) -> dict[str, Any]:
    """What the dialogue needs of a part's parse data: its text, intent and
    the FAQ ranking (kept short: it is stored with the message)."""
    selectors = parse.get("response_selector") or {}
    summary: dict[str, Any] = {"text": text, "intent": dict(parse.get("intent") or {})}
    for key, selector in selectors.items():
        if isinstance(selector, Mapping) and selector.get("ranking"):
            summary["response_selector"] = {key: {"ranking": [
                {"intent_response_key": r.get("intent_response_key"), "confidence": r.get("confidence")}
                for r in selector["ranking"][:3]
            ]}}
            break
    return summary


def topics_to_answer(parse_data: Mapping[str, Any], known_topics: Optional[Iterable[str]] = None) -> list[str]:
    """The FAQ topics to answer one after the other, in the message's order,
    or [] when the message is not several confident FAQ questions (then the
    whole-message decision applies)."""
    known = set(known_topics) if known_topics is not None else None
    topics: list[str] = []
    for part in parse_data.get(PARSE_KEY) or ():
        intent = part.get("intent") or {}
        if intent.get("name") != "faq" or float(intent.get("confidence") or 0.0) < MIN_PART_INTENT:
            continue
        topic = decide_topic(part).topic
        if topic and (known is None or topic in known) and topic not in topics:
            topics.append(topic)
    return topics if len(topics) >= 2 else []
