"""Match medication lines against the catalog: exact spans, guarded fuzzy spans, context; the only rapidfuzz user."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .catalog import Catalog, load_catalog
from .context import context_of
from .errors import InputError
from .models import CONFIDENCES, Drug, Finding, LineResult, Report
from .normalize import SALTS, Token, normalize, tokenize

MAX_SPAN = 4  # catalog names have at most four normalised words
MAX_FUZZY_SPAN = 3
MIN_FUZZY_LENGTH = 5  # shorter spans must match exactly: a 4-letter typo is a different word
# Salt words a generic name may be written glued to ("DOXICICLINABASE", "DICLOFENACOSODICO"), "base" too.
GLUED_SALTS = SALTS | {"base"}
_SALT_LENGTHS = range(min(map(len, GLUED_SALTS)), max(map(len, GLUED_SALTS)) + 1)
# A locant and a name ("6-mercaptopurina", "5-fluorouracilo"): a token, and such a word within a name.
_NUMBERED = re.compile(r"\d+-([^\W\d_]{5,})")
_NUMBERED_WORD = re.compile(r"(?<![^\s])\d+-[^\W\d_]{5,}(?![^\s])")
# Words that may join the components of a combination ("sulfametoxazol y trimetoprima"); "and" and
# "with" are dropped by normalize already, and "/", "+" and "-" split words.
SURE_BRAND = 8  # a misspelt brand of fewer letters is only a possible match
MIN_PART_SOUND = 7  # a component's other spellings are recognised from this many letters
CONNECTORS = frozenset({"y", "e", "et", "und", "mit", "plus", "con", "com", "i", "og", "och", "en"})


_MULTI = re.compile(r"ph|th|ck|qu|ae|oe|c(?=[eiy])")
_MULTI_SOUNDS = {"ph": "f", "th": "t", "ck": "k", "qu": "kw", "ae": "e", "oe": "e", "c": "s"}
_SINGLE_SOUNDS = str.maketrans({"c": "k", "x": "ks", "y": "i", "z": "s"})
_DOUBLE = re.compile(r"(.)\1+")
_FINAL_VOWEL = re.compile(r"(?<=\w\w\w)[aeo]\b")


def sound_key(text: str) -> str:
    """A spelling-independent key: ph/f, c/k/s, y/i, z/s, doubled letters and a final a, e or o read alike.

    "fenytoin" = "phenytoin"; the INN in other languages, "vancomicina", "clozapina", "fenitoina", is its name.
    """
    text = _MULTI.sub(lambda m: _MULTI_SOUNDS[m.group()], text).translate(_SINGLE_SOUNDS)
    return _FINAL_VOWEL.sub("", _DOUBLE.sub(r"\1", text))


def max_edits(length: int) -> int:
    """How many edits (OSA distance) a span of this many characters may be from a catalog name."""
    if length < MIN_FUZZY_LENGTH:
        return 0
    return 1 if length < 8 else 2


_RANK = {c: i for i, c in enumerate(CONFIDENCES)}  # exact, likely, possible
# Counter-ions are substances too (procaine, benzathine, lysine): a word that sounds like one is that word.
_SALT_SOUNDS = frozenset(sound_key(s) for s in SALTS)


@dataclass(frozen=True)
class _Hit:
    drug: Drug
    start: int
    end: int
    name: str
    score: float
    confidence: str


class Matcher:
    """An index over one catalog, built once; `match` turns one line into findings."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        # Misspellings are matched only against names a prescriber would misspell (Catalog.fuzzy).
        self._choices = sorted(n for n in catalog.fuzzy if len(n.replace(" ", "")) >= MIN_FUZZY_LENGTH)
        self._guard = catalog.guard_order or tuple(sorted(catalog.guard))  # sorting 77,000 names takes 0.03 s
        # Leading words of a multi-word canonical name ("sulfamethoxazole" of "sulfamethoxazole-trimethoprim"):
        # reported as possible matches. Words that also begin another substance's name ("calcium" of calcium
        # gluconate, "penicillin" of penicillin V) or another catalog name claim the words and suggest nothing,
        # unless they are a whole component of a catalog combination.
        prefixes: dict[str, set[str]] = {}
        for drug in catalog.drugs:
            words = normalize(drug.name).split()
            for i in range(1, len(words)):
                prefixes.setdefault(" ".join(words[:i]), set()).add(drug.name)
        self._prefixes = {
            k: () if self._begins_guard_name(k) and k not in catalog.parts else tuple(sorted(v))
            for k, v in prefixes.items() if k not in catalog.names and len(k) >= MIN_FUZZY_LENGTH
        }
        self._by_name = {d.name: d for d in catalog.drugs}
        self._part_names: dict[tuple[str, int], tuple[str, ...]] = {}
        part_sounds: dict[str, set[tuple[str, int]]] = {}
        for key, entries in catalog.parts.items():
            for entry in entries:
                self._part_names[entry] = (*self._part_names.get(entry, ()), key)
                if " " not in key and len(key) >= MIN_PART_SOUND:
                    part_sounds.setdefault(sound_key(key), set()).update(entries)
        # A component spelt another way ("sulfamethoxazol") is known by its sound key, when that names one.
        self._part_sounds = {k: tuple(v) for k, v in part_sounds.items() if len(v) == 1}

    def _begins_guard_name(self, words: str, whole_word: bool = True) -> bool:
        """Whether some guard name starts with these words and goes on (at most MAX_SPAN words are looked at);
        whole_word=False: with these letters ("vanco" begins no guard name)."""
        if len(words.split()) > MAX_SPAN:
            return False
        start = words + " " if whole_word else words
        i = bisect.bisect_left(self._guard, start)
        return i < len(self._guard) and self._guard[i].startswith(start)

    @functools.cached_property
    def _sounds(self) -> dict[str, str]:
        """Catalog names by sound key; built on the first fuzzy lookup (0.1 s), which many lists never need."""
        return self._by_sound(self._choices)

    @functools.cached_property
    def _multi_sounds(self) -> dict[str, str]:
        """Multi-word names a misspelling may match, by sound key ("micofenolato mofetile"): few, so cheap to build."""
        return self._by_sound(n for n in self._choices if " " in n)

    def _by_sound(self, names: Iterable[str]) -> dict[str, str]:
        """Names by sound key, where the key names one catalog drug and no guard drug (else it decides nothing)."""
        sounds: dict[str, set[str]] = {}
        for name in names:
            sounds.setdefault(sound_key(name), set()).add(name)
        guard_sounds = self._guard_sounds
        return {
            # the drug's own name when it is among them ("metotrexate" is read as methotrexate, not
            # Metotrexato), else the first in order: the same answer in every process
            k: min(v, key=lambda n: (n != self.catalog.names[n].name, n)) for k, v in sounds.items()
            if len({self.catalog.names[n].name for n in v}) == 1 and k not in guard_sounds
        }

    @functools.cached_property
    def _multi_firsts(self) -> frozenset[str]:
        """First words of those names, every spelling: a span is looked up by sound only when it starts with one."""
        sounds = self._multi_sounds
        return frozenset(n.split()[0] for n in self._choices if " " in n and sound_key(n) in sounds)

    def _heard(self, key: str) -> str | None:
        """The multi-word catalog name these words sound like ("micofenolato mofetil": micofenolato mofetile)."""
        if key in self.catalog.guard:
            return None
        heard = self._multi_sounds.get(sound_key(key))
        if heard is None or not self._sure_target(heard, key):
            return None
        # Only to name another drug than the leading word does: "clopidogrel bisulfate" stays an exact
        # clopidogrel, not a likely one through the Turkish "klopidogrel bisülfat".
        lead = self.catalog.names.get(key.split(" ", 1)[0])
        return None if lead is not None and lead.name == self.catalog.names[heard].name else heard

    @functools.cached_property
    def _guard_sounds(self) -> frozenset[str]:
        """The guard names' sound keys: shipped with the packaged catalog (data/guard_sounds.txt), else made here."""
        if self.catalog.guard_sounds is not None:
            return self.catalog.guard_sounds
        return frozenset(sound_key(g) for g in self._guard)

    def match(self, text: str) -> tuple[Finding, ...]:
        """The catalog drugs named in one line, each once, strongest match first."""
        tokens = [self._unnumbered(t) if t.text[:1].isdigit() else t for t in tokenize(text)]
        if not tokens:
            return ()
        hits, free = self._combinations(tokens)
        hits.extend(self._exact(tokens, free))
        hits.extend(self._fuzzy(tokens, free))
        hits.extend(self._cut_short(tokens, free))
        best: dict[str, _Hit] = {}
        for hit in hits:
            old = best.get(hit.drug.name)
            if old is None or (_RANK[hit.confidence], -hit.score) < (_RANK[old.confidence], -old.score):
                best[hit.drug.name] = hit
        ranked = sorted(best.values(), key=lambda h: (_RANK[h.confidence], h.start))
        return tuple(
            Finding(
                drug=h.drug,
                matched_text=text[h.start : h.end],
                matched_name=h.name,
                score=round(h.score, 1),
                confidence=h.confidence,
                context=context_of(text, h.start, h.end),
            )
            for h in ranked
        )

    def _unnumbered(self, token: Token) -> Token:
        """A name after a locant, as the word it is ("6-mercaptopurina": mercaptopurina), unless the whole is known.

        The tokenizer keeps a number joined by a hyphen to a word, for codes ("5-fu", "6-mp"); a
        chemical name in another language ("5-fluorouracilo") is then no name, though its word is.
        """
        m = _NUMBERED.fullmatch(token.text)
        if m is None or token.text in self._numbered_words:
            return token
        return token._replace(text=m.group(1))

    @functools.cached_property
    def _numbered_words(self) -> frozenset[str]:
        """Words with a locant that catalog, abbreviation or guard names hold ("5-fu", "2-propylpentanoate")."""
        cat = self.catalog
        text = "\n".join((*cat.names, *cat.abbreviations, *cat.guard))
        return frozenset(_NUMBERED_WORD.findall(text))

    def _combinations(self, tokens: Sequence[Token]) -> tuple[list[_Hit], list[bool]]:
        """Combinations written as their components, in any order, language or spelling, anywhere on the line.

        Returns the hits and the words still free: a combination's words are claimed, so that
        "Sulfametoxazol + Trimetoprima" is the combination and not trimethoprim alone. Once one
        component is named in full, the others may be cut short as order systems do ("Sulfameth/
        Trimethoprim"): a word of MIN_FUZZY_LENGTH letters or more that begins one name of the component.
        """
        free = [True] * len(tokens)
        parts = self.catalog.parts
        if not parts:
            return [], free
        found: dict[str, dict[int, list[tuple[int, int]]]] = {}  # combination -> component -> word spans
        i = 0
        while i < len(tokens):
            for size in range(min(MAX_SPAN, len(tokens) - i), 0, -1):
                key = " ".join(t.text for t in tokens[i : i + size])
                entries = parts.get(key) or (
                    self._part_sound(key) if size == 1 and len(key) >= MIN_PART_SOUND else None
                )
                if entries:
                    for combo, number in entries:
                        found.setdefault(combo, {}).setdefault(number, []).append((i, i + size))
                    i += size
                    break
            else:
                i += 1
        hits: list[_Hit] = []
        for combo, spans in sorted(found.items()):
            for number in range(self.catalog.part_counts[combo]):
                if number not in spans:
                    cut = self._cut_part(tokens, combo, number, spans)
                    if cut is None:
                        break
                    spans[number] = [cut]
            else:
                words = sorted(w for s in spans.values() for a, b in s for w in range(a, b))
                if all(free[w] for w in words):
                    for w in words:
                        free[w] = False
                    start, end = tokens[words[0]].start, tokens[words[-1]].end
                    hits.append(_Hit(self._by_name[combo], start, end, combo, 100.0, "exact"))
        return hits, free

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one Matcher per catalog, kept for the process
    def _part_sound(self, word: str) -> tuple[tuple[str, int], ...] | None:
        return self._part_sounds.get(sound_key(word))

    def _cut_part(
        self, tokens: Sequence[Token], combo: str, number: int, spans: dict[int, list[tuple[int, int]]]
    ) -> tuple[int, int] | None:
        """A word that begins a name of the missing component, next to a component named in full."""
        taken = {w for s in spans.values() for a, b in s for w in range(a, b)}
        near = {w for s in spans.values() for a, b in s for w in (a - 1, b)}
        names = self._part_names.get((combo, number), ())
        for w in sorted(near - taken):
            if (
                0 <= w < len(tokens)
                and len(tokens[w].text) >= MIN_FUZZY_LENGTH
                and any(n.startswith(tokens[w].text) for n in names)
            ):
                return (w, w + 1)
        return None

    def _exact(self, tokens: Sequence[Token], free: list[bool]) -> list[_Hit]:
        """Longest exact spans of free words first: catalog names and abbreviations, guard names, name prefixes."""
        cat = self.catalog
        hits: list[_Hit] = []
        i = 0
        while i < len(tokens):
            if not free[i]:
                i += 1
                continue
            for size in range(min(MAX_SPAN, len(tokens) - i), 0, -1):
                if not all(free[i : i + size]):
                    continue
                key = " ".join(t.text for t in tokens[i : i + size])
                start, end = tokens[i].start, tokens[i + size - 1].end
                drug = cat.names.get(key) or cat.abbreviations.get(key)
                if drug is not None:
                    hits.append(_Hit(drug, start, end, cat.labels.get(key, key), 100.0, "exact"))
                elif key in cat.possible:  # a name another country gives another medicine (CLOPIN)
                    hits.append(_Hit(cat.possible[key], start, end, cat.labels.get(key, key), 100.0, "possible"))
                elif (size == 1 and key not in cat.guard and key not in cat.ordinary
                      and (glued := self._glued(key)) is not None):  # "inflamed" is no INFLA with MED glued on
                    hits.append(_Hit(cat.names[glued], start, end, cat.labels.get(glued, glued), 100.0, "exact"))
                elif size > 1 and tokens[i].text in self._multi_firsts and (heard := self._heard(key)) is not None:
                    # Spelt another way, a longer name comes before a shorter one it begins ("Micofenolato
                    # Mofetil" is mycophenolate mofetil, not "micofenolato", mycophenolic acid's sodium salt).
                    hits.append(_Hit(cat.names[heard], start, end, cat.labels[heard], fuzz.ratio(key, heard), "likely"))
                elif key in self._prefixes:
                    # Words that begin two catalog drugs' names ("interferon": alfa-2b and beta-1a) suggest
                    # neither, but they are claimed: the words are not read as a misspelling either.
                    if len(self._prefixes[key]) == 1:
                        name = self._prefixes[key][0]
                        hits.append(_Hit(self._by_name[name], start, end, name, 100.0, "possible"))
                elif key not in cat.guard:
                    continue
                free[i : i + size] = [False] * size
                i += size
                break
            else:
                i += 1
        return hits

    @functools.cached_property
    def _heads(self) -> frozenset[str]:
        """The first letters of every catalog name long enough to have something glued on."""
        return frozenset(k[:MIN_FUZZY_LENGTH] for k in self.catalog.names if len(k) >= MIN_FUZZY_LENGTH)

    def _glued(self, word: str) -> str | None:
        """The catalog name a word is, with a product suffix glued on ("nurofencaps": nurofen), or a generic
        name with a salt word glued on ("doxiciclinabase", "metotrexatodisodico"), if any."""
        if word[:MIN_FUZZY_LENGTH] not in self._heads:
            return None  # most words: no catalog name begins so
        for suffix in self.catalog.suffixes:
            base = word[: -len(suffix)]
            if word.endswith(suffix) and len(base) >= MIN_FUZZY_LENGTH and base in self.catalog.names:
                return base
        for n in _SALT_LENGTHS:
            base = word[:-n]
            if len(base) >= MIN_FUZZY_LENGTH and word[-n:] in GLUED_SALTS and base in self.catalog.generic:
                return base
        return None

    def _fuzzy(self, tokens: Sequence[Token], free: list[bool]) -> Iterable[_Hit]:
        """Spans of unclaimed words within a few edits of a catalog name, unless a guard name is as close."""
        i = 0
        while i < len(tokens):
            if not free[i]:
                i += 1
                continue
            for size in range(MAX_FUZZY_SPAN, 0, -1):
                if i + size > len(tokens) or not all(free[i : i + size]):
                    continue
                span = " ".join(t.text for t in tokens[i : i + size])
                if all(t.text in self.catalog.ordinary for t in tokens[i : i + size]):
                    continue  # "fluid", "variance": an ordinary word is never a misspelt drug
                found = self._closest(span)
                if found is None:
                    continue
                free[i : i + size] = [False] * size
                key, score, confidence = found
                if key is not None:
                    drug = self.catalog.names[key]
                    yield _Hit(
                        drug, tokens[i].start, tokens[i + size - 1].end, self.catalog.labels[key], score, confidence
                    )
                i += size
                break
            else:
                i += 1

    def _cut_short(self, tokens: Sequence[Token], free: list[bool]) -> Iterable[_Hit]:
        """Words left over that are a catalog drug's generic name cut short, as ward lists write them."""
        for i, token in enumerate(tokens):
            if free[i] and (key := self._begun(token.text)) is not None:
                free[i] = False
                yield _Hit(self.catalog.names[key], token.start, token.end, self.catalog.labels[key],
                           fuzz.ratio(token.text, key), "likely")

    @functools.cached_property
    def _sorted_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.catalog.names))

    def _begun(self, word: str) -> str | None:
        """The one-word generic name a word begins, cut short ("vanco", "Propra", "Carboplat"): the word has
        MIN_FUZZY_LENGTH letters or more, begins the names of one catalog drug and no guard name, is no
        ordinary word, and does not sound like a guard name or a salt ("procaina": procaine, not procainamide).
        """
        cat = self.catalog
        if (len(word) < MIN_FUZZY_LENGTH or word[:MIN_FUZZY_LENGTH] not in self._heads or not word.isalpha()
                or word in cat.ordinary or word in cat.guard):
            return None
        names = self._sorted_names
        i = bisect.bisect_left(names, word)
        begun = []
        while i < len(names) and names[i].startswith(word):
            begun.append(names[i])
            i += 1
        if len({cat.names[n].name for n in begun}) != 1 or self._begins_guard_name(word, whole_word=False):
            return None
        generic = [n for n in begun if n in cat.generic and " " not in n]
        if not generic or sound_key(word) in self._guard_sounds or sound_key(word) in _SALT_SOUNDS:
            return None
        return min(generic, key=lambda n: (cat.names[n].name != n, len(n), n))  # the drug's own name first

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one Matcher per catalog, kept for the process
    def _near(self, guard: bool, length: int, edits: int) -> tuple[str, ...]:
        """Guard or fuzzy catalog names whose length allows `edits` edits or fewer from `length` characters.

        An edit changes the length by one at most, so the others cannot be that close: comparing a span
        with a fifth of the 50,000 guard names instead of all of them is what keeps a check fast.
        """
        buckets = self._guard_lengths if guard else self._choice_lengths
        return tuple(n for size in range(length - edits, length + edits + 1) for n in buckets.get(size, ()))

    @functools.cached_property
    def _guard_lengths(self) -> dict[int, list[str]]:
        return _by_length(self._guard)

    @functools.cached_property
    def _choice_lengths(self) -> dict[int, list[str]]:
        return _by_length(self._choices)

    def _sure_target(self, key: str, span: str) -> bool:
        """A near-miss of a generic name is a misspelling; of a short brand, as likely another country's brand.

        Brand names are coined words by the hundred thousand, most unknown here: "Valcote" (valproate in
        Argentina) is one letter from Valcyte. A brand is a `likely` target only when it or the words
        written have SURE_BRAND letters or more ("Bicilin" for Bicillin).
        """
        letters = max(len(span.replace(" ", "")), len(key.replace(" ", "")))
        return key in self.catalog.generic or letters >= SURE_BRAND

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one Matcher per catalog, kept for the process
    def _closest(self, span: str) -> tuple[str | None, float, str] | None:
        """(catalog key, score, confidence) for a span; (None, 0, '') when a guard name claims it; None if nothing."""
        limit = max_edits(len(span.replace(" ", "")))
        if limit == 0:
            return None
        heard = self._sounds.get(sound_key(span))
        if heard is not None:  # the exact pass already claimed every span that is a guard name
            return (heard, fuzz.ratio(span, heard), "likely") if self._sure_target(heard, span) else None
        candidates = process.extract(
            span, self._near(False, len(span), limit), scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        # A misspelling keeps its first sound (tegratol, metotrexate); "simeth" is not Imeth.
        first = sound_key(span)[:1]
        candidates = [c for c in candidates if sound_key(c[0])[:1] == first]
        if not candidates:
            return None
        distance = min(c[1] for c in candidates)
        key = max((c for c in candidates if c[1] == distance), key=lambda c: fuzz.ratio(span, c[0]))[0]
        # A near miss that is not sure is dropped, not shown as possible: on held-out real strings such
        # near misses (two edits, a short brand, a tie with another real drug) named the right drug one
        # time in three; the leading words of a catalog name stay possible (about one time in two).
        sure = (distance == 1 or len(span) >= 10) and self._sure_target(key, span)
        if not sure and " " not in span:
            return None  # one word: nothing shorter is tried after it, so a guard name's claim changes nothing
        if sound_key(span) in self._guard_sounds:
            return None, 0.0, ""  # sounds like a real drug outside the catalog ("penicilina v": penicillin V)
        other = process.extractOne(span, self._near(True, len(span), distance), scorer=OSA.distance,
                                   score_cutoff=distance)
        if other is not None and other[1] < distance:
            return None, 0.0, ""  # closer to a real drug that is not in the catalog
        if other is not None:
            return None, 0.0, ""  # as close to a real drug that is not in the catalog: it may be that one
        return (key, fuzz.ratio(span, key), "likely") if sure else None


def _by_length(names: Iterable[str]) -> dict[int, list[str]]:
    """Names by their length, each list in the given order."""
    out: dict[int, list[str]] = {}
    for n in names:
        out.setdefault(len(n), []).append(n)
    return out


@functools.lru_cache(maxsize=8)
def matcher_for(catalog: Catalog) -> Matcher:
    """The Matcher for a catalog, built once and reused."""
    return Matcher(catalog)


def check_lines(lines: Iterable[str | None] | str, catalog: Catalog | None = None) -> Report:
    """Check a medication list, one entry per line; blank lines are skipped but keep their numbers.

    A single string is read as a pasted list (its lines), not as characters; None, NaN and other
    missing values (an empty spreadsheet cell) count as blank lines. Anything else is an InputError.
    """
    cat = catalog if catalog is not None else load_catalog()
    matcher = matcher_for(cat)
    results = []
    seen: dict[str, tuple[Finding, ...]] = {}  # a line's findings depend on its text alone
    if isinstance(lines, str):
        lines = lines.splitlines()
    elif isinstance(lines, bytes):
        raise InputError("check() takes text, not bytes: decode it first (for example data.decode('utf-8'))")
    for number, item in enumerate(lines, start=1):
        line = _line_text(item, number)
        if not line.strip():
            continue
        findings = seen.get(line)
        if findings is None:
            findings = seen[line] = matcher.match(line)
        results.append(LineResult(line=number, input=line, findings=findings))
    return Report(results=tuple(results), catalog_version=cat.version)


def _line_text(item: object, number: int) -> str:
    """One entry of a list as text: missing values (None, NaN, pandas NA) are blank."""
    if isinstance(item, str):
        return item
    if item is None or (isinstance(item, float) and item != item) or type(item).__name__ in ("NAType", "NaTType"):
        return ""
    raise InputError(f"line {number}: {type(item).__name__} {item!r} is not text; give the medication list as strings")


def check_text(text: str, catalog: Catalog | None = None) -> Report:
    """Check a pasted medication list (a string with one entry per line)."""
    return check_lines(text.splitlines(), catalog)
