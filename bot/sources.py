"""Where the seed documents live, and how to check that a quote really is in one.

The seeds are the public documents the assistant's knowledge comes from
(/work/shared/seeds, the repository's sibling ``../shared/seeds``; override
with the ``CAE_SEEDS_DIR`` environment variable).

``passage_in_seed(file, passage)`` is True when ``passage`` is a verbatim
excerpt of ``file`` once both are normalised: whitespace collapsed,
typographic quotes and apostrophes made plain, hyphenation at line ends
joined (hyphens are dropped altogether, so "dé-\\nterminée" == "déterminée").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from bot import settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = settings.current().seeds_dir

_TYPOGRAPHIC = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ",
    "\u2013": "-", "\u2014": "-", "\u2011": "-", "\u00ad": "",
    "\u2026": "...",
})


def normalise(text: str) -> str:
    """Normalise a seed or a quote so that an exact excerpt can be found in the seed."""
    text = unicodedata.normalize("NFC", text).translate(_TYPOGRAPHIC)
    text = re.sub(r"-\s*\n\s*", "", text)  # hyphenation at a line end
    text = text.replace("-", "")
    text = re.sub(r'"\s*', '"', text)  # « mot » vs "mot"
    text = re.sub(r'\s*"', '"', text)
    text = text.replace("*", "")  # markdown emphasis in some seeds
    return " ".join(text.split())


@lru_cache(maxsize=None)
def _normalised_seed(path: str) -> str:
    return normalise(Path(path).read_text(encoding="utf-8"))


def seed_exists(file: str) -> bool:
    return (SEEDS_DIR / file).is_file()


def passage_in_seed(file: str, passage: str) -> bool:
    """True when ``passage`` is a verbatim excerpt of the seed ``file`` (after normalising)."""
    path = SEEDS_DIR / file
    quote = normalise(passage or "")
    return bool(quote) and path.is_file() and quote in _normalised_seed(str(path))
