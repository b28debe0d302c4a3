"""Ordinary words of the languages the names cover, and clinical words that name no drug (development time only).

A word used at least once in a million words (Zipf 3) in a language the names cover (LANGUAGES, the
wordfreq package) is an ordinary word; so is every word of the real clinical
strings that name no drug in tests/data/synthea_not_drugs.txt (conditions, devices, supplies, care
plans, immunizations: "catheter", "dialysis", "nebulizer"). Only those a misspelling rule could read
as a catalog name are kept (within the edits the matcher allows of a name that may match fuzzily, or
the beginning of a generic name, which a word cut short may be), so the file stays small; words that
are catalog or guard names themselves are left out.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "tr", "nl", "pl", "sv", "cs")
ZIPF = 3.0
MIN_LETTERS = 5  # shorter words never match fuzzily (medcheck.matcher.MIN_FUZZY_LENGTH)


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def ordinary_words() -> set[str]:
    from wordfreq import iter_wordlist, zipf_frequency

    words: set[str] = set()
    for lang in LANGUAGES:
        for w in iter_wordlist(lang):
            if zipf_frequency(w, lang) < ZIPF:
                break
            folded = _fold(w)
            if folded.isalpha() and folded.isascii() and len(folded) >= MIN_LETTERS:
                words.add(folded)
    return words


@functools.cache
def zipf(word: str, lang: str) -> float:
    """wordfreq's Zipf frequency of a word in a language, each pair looked up once."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, lang))


def is_ordinary(word: str) -> bool:
    """Whether a word is used at least once in a million words (Zipf 3) in a language the names cover."""
    return any(zipf(word, lang) >= ZIPF for lang in LANGUAGES)


def plain_names(guard: Iterable[str], substances: set[str]) -> set[str]:
    """Other products' one-word names that are ordinary words (PINE, a heparin in Peru): no guard names.

    A guard name claims its words, so one that is an ordinary word would hide a name broken in two
    ("cloza pine") or written beside it. A substance's name stays ("aspirin"), a multi-word name too.
    """
    return {g for g in guard if " " not in g and g not in substances and is_ordinary(g)}


def clinical_words(text: str) -> set[str]:
    """The words of clinical strings that name no drug, folded as the matcher folds them."""
    return {w for line in text.splitlines() for w in re.findall(r"[^\W\d_]+", _fold(line)) if len(w) >= MIN_LETTERS}


def near_names(
    fuzzy_names: Iterable[str], catalog_names: set[str], clinical: set[str] | frozenset[str] = frozenset(),
    generic_names: Iterable[str] = (),
    suffixes: Iterable[str] = (),
) -> list[str]:
    """The ordinary words within two edits of a name a misspelling may match (one edit for short words),
    those that begin a one-word generic name, which a word cut short may be ("dakar": dakarbazin; "vanco"
    is vancomycin cut short, "Dakar" a city), and those that are a catalog name with a product suffix or a
    salt word glued on ("inflamed": the brand INFLA and the suffix MED; the matcher reads
    "nurofencaps" as NUROFEN)."""
    from medcheck.matcher import GLUED_SALTS

    words = sorted((ordinary_words() | clinical) - catalog_names)
    generic = set(generic_names)
    begun = {n[:k] for n in generic if " " not in n for k in range(MIN_LETTERS, len(n))}
    ends = {s: generic for s in GLUED_SALTS} | {s: catalog_names for s in suffixes}
    lengths = sorted({len(e) for e in ends})
    glued = {w for w in words for n in lengths
             if len(w) - n >= MIN_LETTERS and (bases := ends.get(w[-n:])) is not None and w[:-n] in bases}
    targets = sorted({n for n in fuzzy_names if len(n.replace(" ", "")) >= MIN_LETTERS})
    distances = process.cdist(words, targets, scorer=OSA.distance, score_cutoff=2, workers=-1)
    out = []
    for word, row in zip(words, distances):
        limit = 1 if len(word) < 8 else 2
        if (row.size and row.min() <= limit) or word in begun or word in glued:
            out.append(word)
    return out
