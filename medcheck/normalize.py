"""Normalise medication text: Unicode, case, doses, units, routes, forms, frequencies and salt words."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Units count as noise only right after a number ("1.25 g" is a dose, "penicillin g" is a drug);
# so do multipliers ("2.4 million units", "3 MIU"), which are part of the amount.
UNITS = frozenset(
    ["mg", "mgs", "mcg", "ug", "μg", "µg", "g", "gm", "gms", "gram", "grams", "kg", "ml", "mls", "l", "unit", "units", "unt", "u", "iu", "meq", "mmol", "mol", "hr", "hrs", "h", "actuat", "puff", "puffs", "dose", "doses", "drop", "drops", "cc", "m", "m2", "kg", "million", "mu", "miu"]
)
# Numbers written as words are amounts too ("one tablet three times daily"); "once" is a frequency (NOISE).
NUMBER_WORDS = frozenset(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "half"])
# Words that never name a drug: routes, forms, release types, frequencies, instructions, glue words.
NOISE = frozenset(
    ["oral", "orally", "po", "iv", "ivpb", "ivp", "im", "sc", "sq", "subq", "subcut", "sl", "pr", "pv", "top", "topical", "inh", "inhaled", "intravenous", "intramuscular", "subcutaneous", "sublingual", "buccal", "rectal", "vaginal", "nasal", "ophthalmic", "otic", "transdermal", "cutaneous", "enteral", "parenteral", "injection", "injectable", "inj", "infusion", "solution", "soln", "sol", "suspension", "susp", "syrup", "elixir", "tincture", "emulsion", "tablet", "tablets", "tab", "tabs", "capsule", "capsules", "cap", "caps", "caplet", "caplets", "pill", "pills", "lozenge", "troche", "film", "cream", "ointment", "oint", "gel", "lotion", "patch", "powder", "granules", "sachet", "spray", "inhaler", "aerosol", "suppository", "implant", "vial", "vials", "ampule", "ampoule", "pen", "cartridge", "syringe", "prefilled", "kit", "pack", "bag", "bottle", "chewable", "disintegrating", "dispersible", "effervescent", "coated", "enteric", "extended", "delayed", "modified", "sustained", "controlled", "release", "immediate", "er", "xr", "xl", "sr", "cr", "dr", "ec", "ir", "la", "odt", "ds", "daily", "qd", "od", "bd", "bid", "tid", "tds", "qid", "qds", "mane", "nocte", "qhs", "hs", "qam", "qpm", "qod", "prn", "stat", "once", "twice", "thrice", "weekly", "monthly", "nightly", "bedtime", "morning", "evening", "night", "noon", "every", "each", "hourly", "hours", "hour", "day", "days", "week", "weeks", "month", "months", "take", "takes", "taking", "take", "give", "given", "apply", "inject", "inhale", "use", "using", "by", "mouth", "with", "without", "food", "meals", "as", "needed", "directed", "for", "of", "the", "a", "an", "and", "or", "in", "on", "at", "to", "per", "then", "until", "x", "times", "de", "del", "da", "do", "du", "des", "di"]
)
# Counter-ions and hydrates: dropped once a drug word has been kept ("quinidine gluconate" is quinidine).
SALTS = frozenset(
    ["hydrochloride", "hcl", "dihydrochloride", "hydrobromide", "hbr", "sodium", "disodium", "potassium", "dipotassium", "calcium", "magnesium", "lithium", "mesylate", "mesilate", "dimesylate", "maleate", "fumarate", "succinate", "tartrate", "bitartrate", "citrate", "acetate", "sulfate", "sulphate", "bisulfate", "phosphate", "gluconate", "lactate", "lactobionate", "besylate", "besilate", "tosylate", "bromide", "chloride", "iodide", "nitrate", "hyclate", "monohydrate", "dihydrate", "trihydrate", "hemihydrate", "sesquihydrate", "anhydrous", "hydrate", "tromethamine", "trometamol", "benzathine", "procaine", "salt", "lysine", "arginine", "meglumine", "dimeglumine", "olamine", "pamoate", "embonate", "palmitate", "decanoate", "enanthate", "stearate", "estolate", "ethylsuccinate", "napsylate", "edisylate", "isethionate", "xinafoate", "chlorhydrate", "sodique", "disodique", "potassique", "calcique", "clorhidrato", "cloridrato", "hidrocloruro", "hydrochlorid", "sodico", "sodica", "disodico", "potasico", "potasica", "potassico", "calcico", "calcica", "natrium", "dinatrium", "kalium", "sulfato", "solfato", "fosfato", "acetato", "citrato", "maleato", "fumarato", "succinato", "tartrato", "mesilato", "besilato", "bromhidrato", "trihidrato", "monohidrato", "dihidrato", "anhidro", "anhidra", "anidro", "trihydrate", "monohydratee", "dihydratee", "trihydratee"]
)
# (The second half: the same counter-ions and hydrates in French, Spanish, Portuguese, Italian and German.)

# Codes glued with a hyphen stay one word ("5-fu", "6-mp", "vp-16", "cpt-11"): their digits are not doses.
# Dotted abbreviations are one word without their dots ("b.i.d." is "bid", "p.o." is "po"), not stray letters.
# A digit glued to a final "a" or "b" is a subtype, one word ("alfa-2a", "alfa 2b", "beta-1a"): read as the
# number 2 and the word "a", alfa-2a lost its "a" and became a prefix of alfa-2b.
_TOKEN = re.compile(
    r"\d+(?:\.\d+)?-[^\W\d_]+|q\d+(?:h|hr|hrs)\b|[^\W\d_]+-\d+\b|(?<![\d.,])\d[ab]\b|\d+(?:[.,]\d+)?"
    r"|(?P<dotted>[^\W\d_](?:\.[^\W\d_])+)\b|[^\W\d_]+"
)
# A subtype written apart keeps its letter: in "Interferon Beta 1 A" the "a" after a Greek-letter word (numbers
# and dose words between) is the subtype's, as the "b" of "Alfa 2 B" is, not the article; so "beta 1 a" is
# "beta a", which normalises to itself again.
GREEK = frozenset(["alfa", "alpha", "beta", "gamma"])
SUBTYPE_LETTER = "a"
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"})
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_DOSE = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_JOINED = re.compile(r"-[^\W\d_]")  # a hyphen, then a letter: the word before it starts a name


class Token(NamedTuple):
    """A kept word: its normalised text and its [start, end) offsets in the original string."""

    text: str
    start: int
    end: int


def fold(text: str) -> tuple[str, list[int] | None]:
    """Casefold with NFKC and accents removed; return the folded text and a map to original offsets.

    The map is None when folding kept every character in place (plain ASCII, the common case).
    """
    if text.isascii():
        return text.lower(), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            piece = " "
        else:
            piece = unicodedata.normalize("NFKC", ch).casefold().translate(_DASHES)
            piece = "".join(
                c for c in unicodedata.normalize("NFKD", piece) if not unicodedata.combining(c)
            )
        out.append(piece)
        where.extend([i] * len(piece))
    return "".join(out), where


def tokenize(text: str) -> list[Token]:
    """Split text into the words that can name a drug, dropping doses, units, routes, forms and salts."""
    folded, where = fold(text)
    return _drop_salts(_scan(folded, where, START)[0])


def _drop_salts(tokens: list[Token]) -> list[Token]:
    """Drop the salt words that follow a drug's name ("quinidine gluconate", "penicillin g benzathine").

    A salt word stays before any other word ("sodium valproate", "potassium chloride") and where
    another word follows it, as in "Deep IM benzathine penicillin". The rule reads only the kept
    words, so normalising twice changes nothing, and so do bulk keys that keep a line's words.
    """
    if not any(t.text in SALTS for t in tokens):
        return tokens
    name_after = [False] * len(tokens)  # a word that is not a salt comes later
    later = False
    for i in range(len(tokens) - 1, -1, -1):
        name_after[i] = later
        later = later or tokens[i].text not in SALTS
    out: list[Token] = []
    name_before = False
    for token, after in zip(tokens, name_after):
        if token.text in SALTS:
            if name_before and not after:
                continue
        else:
            name_before = True
        out.append(token)
    return out


State = tuple[bool, bool]  # (a number just read, the last word kept is a Greek-letter word)
START: State = (False, False)


def _scan(folded: str, where: list[int] | None, state: State) -> tuple[list[Token], State]:
    """Tokenize folded text from a state; return the words and the end state.

    Salt words are kept here; tokenize drops those that follow a name (_drop_salts).
    """
    after_number, after_greek = state
    kept: list[Token] = []
    for m in _TOKEN.finditer(folded):
        word = m.group() if m.lastgroup is None else m.group().replace(".", "")
        if _NUMBER.fullmatch(word) or word in NUMBER_WORDS:
            after_number = True
            continue
        if after_number and word in UNITS and not _JOINED.match(folded, m.end()):
            continue  # "500 mg" is a dose, but in "500 mg L-PAM" or "1. L-PAM" the "l" is part of a name
        after_number = False
        if word == SUBTYPE_LETTER and after_greek:
            pass  # "Beta 1 A": the subtype's letter, kept
        elif word in NOISE or (word[0] == "q" and word[-1] in "hs" and word[1:2].isdigit()):
            continue
        if "-" in word and word.split("-", 1)[1] in UNITS | NOISE:
            continue
        start, end = m.start(), m.end()
        if where is not None:
            start, end = where[start], where[end - 1] + 1
        kept.append(Token(word, start, end))
        after_greek = word in GREEK
    return kept, (after_number, after_greek)


# What one whitespace-free chunk of a line does to the tokenizer, from each state it can start in.
Effect = tuple[tuple[tuple[str, ...], State], ...]
_STATES: tuple[State, ...] = ((False, False), (True, False), (False, True), (True, True))
_LONE_SUBTYPE_LETTER = re.compile(rf"(?<![^\W\d_]){SUBTYPE_LETTER}(?![^\W\d_])")


def effect(chunk: str) -> Effect:
    """The words a chunk yields and the state it leaves, from each starting state.

    No token spans whitespace, so a line's words are its chunks' words in turn: two chunks with
    the same effect can replace each other in any line without changing what the line normalises to.
    """
    folded, _ = fold(chunk)
    out = []
    for state in _STATES[:2]:
        words, after = _scan(folded, None, state)
        out.append((tuple(t.text for t in words), after))
    if _LONE_SUBTYPE_LETTER.search(folded):
        return (*out, *((tuple(t.text for t in w), a) for w, a in (_scan(folded, None, s) for s in _STATES[2:])))
    # Without a lone "a", a Greek-letter word before changes only the end state, and only if no word is kept.
    return (*out, *((words, (after[0], after[1] or not words)) for words, after in out))


SKIP, KEEP, SETS_NUMBER, CLEARS_NUMBER = 0, 1, 2, 3
_PURE = {
    effect(""): (SKIP, ""),  # punctuation: no words, state unchanged
    effect("0"): (SETS_NUMBER, "0"),  # a dose amount: no words; a unit may follow
    effect("x"): (CLEARS_NUMBER, "x"),  # a route, form or frequency: no words; a unit may not follow
}


def chunk_role(chunk: str) -> tuple[int, str]:
    """(role, stand-in) for a whitespace-free chunk: the shortest text with the same effect.

    SKIP chunks can be dropped; a run of SETS_NUMBER/CLEARS_NUMBER chunks acts like its last chunk,
    and like nothing at the end of a line; KEEP chunks stand as their lowercase form when that reads alike.
    """
    if _DOSE.fullmatch(chunk):  # the commonest chunk, known without tokenizing (tests check it)
        return SETS_NUMBER, "0"
    found = effect(chunk)
    pure = _PURE.get(found)
    if pure is not None:
        return pure
    for candidate in (" ".join(found[0][0]), chunk.lower()):
        if candidate and effect(candidate) == found:
            return KEEP, candidate
    return KEEP, chunk


def normalize(text: str) -> str:
    """Return the normalised form of a medication string: kept words joined by single spaces.

    >>> normalize("Penicillin V Potassium 250 MG Oral Tablet")
    'penicillin v'
    >>> normalize("cloZAPine 100 mg PO qhs")
    'clozapine'
    """
    return " ".join(t.text for t in tokenize(text))
