"""Ordinary words of the languages the names cover, from the wordfreq package (development time only).

A word used at least once in a million words (Zipf 3) in English, French, Spanish, Portuguese,
German or Italian is an ordinary word. Only those a misspelling rule could read as a catalog name
are kept (within the edits the matcher allows of a name that may match fuzzily), so the file stays
small; words that are catalog names themselves are left out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

LANGUAGES = ("en", "fr", "es", "pt", "de", "it")
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


def near_names(fuzzy_names: Iterable[str], catalog_names: set[str]) -> list[str]:
    """The ordinary words within two edits of a name a misspelling may match (one edit for short words)."""
    words = sorted(ordinary_words() - catalog_names)
    targets = sorted({n for n in fuzzy_names if len(n.replace(" ", "")) >= MIN_LETTERS})
    distances = process.cdist(words, targets, scorer=OSA.distance, score_cutoff=2, workers=-1)
    out = []
    for word, row in zip(words, distances):
        limit = 1 if len(word) < 8 else 2
        if row.min() <= limit:
            out.append(word)
    return out
