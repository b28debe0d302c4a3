"""The records every authority reader yields, and the normalisation rules they share."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from medcheck import normalize as _normalize
from medcheck.normalize import NOISE, SALTS

# medcheck's normalize, each distinct text once: the build normalises the same names and substances
# millions of times over.
normalize = functools.lru_cache(maxsize=None)(_normalize.normalize)

# Kinds of name, as written to data/names.csv.
GENERIC, BRAND, SYNONYM, ABBREVIATION = "generic", "brand", "synonym", "abbreviation"

# Authority labels as users read them in `medcheck drugs` (data/names.csv, column sources).
UNII = "FDA UNII"
DNER = "DrugBank/MeSH"
HAND = "hand-curated"

# Words normalize drops that join a name's parts rather than describe a form or route.
GLUE = frozenset(["and", "or", "of", "the", "a", "an", "for", "with", "in", "on", "at", "to", "per", "by"])
MAX_NAME_WORDS = 4
MAX_GUARD_WORDS = 3
# Names that describe another substance or a lab material, not the medicine itself.
DROP_WORDS = re.compile(
    r"\b(IMPURITY|RELATED COMPOUND|RESOLUTION MIXTURE|DEGRADANT|METABOLITE|ISOMER|STANDARD)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Name:
    """One name an authority gives a substance: `drug` is the catalog drug, or "" for any other medicine."""

    drug: str
    display: str
    norm: str
    kind: str
    authority: str
    ref: str
    marketed: bool = False  # listed as marketed now by a national register
    other: str = ""  # for another medicine's product name: its substances, when each is a known medicine


@dataclass(frozen=True)
class Part:
    """A name of one component of a catalog combination ("sulfametoxazol" of sulfamethoxazole-trimethoprim)."""

    drug: str
    part: str
    display: str
    norm: str
    authority: str
    ref: str


LONE_FIRST_LETTER = re.compile(r"[^\W\d_][.\s]")  # not "L-PAM": a hyphen joins the letter to the name


def usable(name: str, max_words: int = MAX_NAME_WORDS, digits: bool = True) -> str | None:
    """The normalised name if it can appear in a medication list, else None.

    Systematic chemical names (parentheses, commas, several numbered parts), lab materials, names
    holding a form or route word or made of salt words only, and names of three letters or fewer
    (abbreviations, curated by hand with a source) are left out; with digits=False any digit does
    (research codes such as "ICI 46683", "RO 22-1319").
    """
    if "(" in name or ")" in name or "," in name or DROP_WORDS.search(name):
        return None
    if any(c in name for c in "=<>{}|;"):
        return None  # markup the dictionary took from its sources ("publisher=universal-publishers")
    if not digits and any(c.isdigit() for c in name):
        return None
    if any(w.isdigit() for w in name.split()):
        return None  # a code with a number apart ("ALLO 647"): normalising drops the number as a dose
    norm = normalize(name)
    words = norm.split()
    if any(w in NOISE and w not in GLUE for w in re.split(r"[^\w]+", name.casefold())):
        return None  # a form or route in the name ("cap-palmitate"): normalising would leave a fragment
    if all(w in SALTS for w in words):
        return None
    if not words or len(words) > max_words or len(norm.replace(" ", "")) < 4:
        return None
    if LONE_FIRST_LETTER.match(name.strip()):
        return None  # "H.BACTER": after a number ("1. H.BACTER") a lone first letter reads as a unit (hours)
    if sum(any(c.isdigit() for c in w) for w in words) > 1:
        return None
    return norm
