"""Read what a line says about a medicine: taken now, an allergy, past use, or said not to be taken."""

from __future__ import annotations

import re

# A line that records an allergy or a past medicine is reported with that context, not as current use.
ALLERGY = re.compile(r"\b(allerg\w*|intoleran\w*|hypersensitiv\w*|anaphyla\w*|reactions?|nkda)\b")


HISTORY = re.compile(
    r"\b(hx|h/o|pmh|history of|past|previous(ly)?|prior|former(ly)?|discontinued|stopped|ceased|"
    r"d/c'?d|dc'?d|d/c|was on|no longer|rechallenge\w*|"
    r"(neutropenia|agranulocytosis|low neutrophils?) (on|from|with|due to|after|secondary to))\b"
)


# A denial of the drug: before it in the same clause (no ";", "," or "." between), or right after it.
NEGATED_BEFORE = re.compile(
    r"\b(no(?! longer)|not|never|nil|without|avoid|do not give|don'?t give|refus\w*|declin\w*|den(?:y|ies|ied)|"
    r"contraindicated)\b[^;,.]*$"
)


NEGATED_AFTER = re.compile(r"\W*(refused|declined|not (?:given|taken|taking|started)|contraindicated)\b")


# Every word that can start one of the patterns above (a superset, for a quick test in bulk; RE2 syntax):
# a line without any of them is `current` whatever its spelling, so it may share a key with other lines.
CONTEXT_CUE = (
    r"(?i)\b(allerg\w*|intoleran\w*|hypersensitiv\w*|anaphyla\w*|reactions?|nkda|hx|h/o|pmh|history|past|"
    r"previous(ly)?|prior|former(ly)?|discontinued|stopped|ceased|d/?c('?d)?|was|no|rechalleng\w*|neutropenia|"
    r"agranulocytosis|neutrophils?|not|never|nil|without|avoid|do|don'?t|refus\w*|declin\w*|den(y|ies|ied)|"
    r"contraindicated|completed|finished)\b"
)


# "Completed ganciclovir induction" is history; "venetoclax (ramp-up completed)" is current use.
# The word may follow a list marker: a bullet, "1.", "2)", "(a)", "[x]", "iv.".
LEADING_HISTORY = re.compile(r"[\W_]*(?:(?:\d+|[a-z]|[ivx]+)[.):\]]?(?=\W)\W*)?(completed|finished)\b")


def context_of(text: str, start: int | None = None, end: int | None = None) -> str:
    """`allergy`, `negated`, `history` or `current`, from the words of the line.

    With the drug's place in the line (start, end), a denial before it in the same clause ("no dipyrone",
    "Do not give Bactrim", "Patient refuses clozapine") or right after it ("clozapine refused") makes
    it `negated`: not current use. An allergy line stays `allergy` ("allergic to penicillin, do not give").
    """
    folded = text.casefold()
    if ALLERGY.search(folded):
        return "allergy"
    if start is not None and end is not None and (
        NEGATED_BEFORE.search(folded[:start]) or NEGATED_AFTER.match(folded[end:])
    ):
        return "negated"
    if HISTORY.search(folded) or LEADING_HISTORY.match(folded):
        return "history"
    return "current"
