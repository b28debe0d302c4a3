"""Load and validate the drug catalog, its names from the authorities, combination parts and the guard vocabulary."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from .errors import CatalogError
from .models import EVIDENCE_LEVELS, LABELS, RISKS, Drug, DrugName, Label, Risk
from .normalize import normalize

CATALOG_COLUMNS: tuple[str, ...] = (
    "drug",
    "fda_names",
    "names",
    "abbreviations",
    "drug_class",
    "evidence",
    "note",
    "sources",
    "risk",
    "label",
    "label_source",
    "label_quote",
    "leaflet",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("drug", "drug_class", "evidence", "sources", "risk")
NAMES_COLUMNS: tuple[str, ...] = ("drug", "name", "key", "kind", "match", "sources")
PARTS_COLUMNS: tuple[str, ...] = ("drug", "part", "name", "sources")
NAME_KINDS: tuple[str, ...] = ("generic", "brand", "synonym", "abbreviation")
NAME_MATCHES: tuple[str, ...] = ("exact", "fuzzy", "possible")  # "possible": another country's medicine too

DRUG_LIST = "drug_list.csv"
NAMES = "names.csv"
PARTS = "combination_parts.csv"
GUARD_NAMES = "guard_names.txt"
ORDINARY_WORDS = "ordinary_words.txt"
PRODUCT_SUFFIXES = "product_suffixes.txt"
GUARD_SOUNDS = "guard_sounds.txt"


@dataclass(frozen=True, eq=False)
class Catalog:
    """The indexed catalog: drugs, a name index, an abbreviation index and the guard vocabulary.

    Keys of `names`, `abbreviations` and `parts`, and members of `guard` and `fuzzy`, are normalised
    (see normalize.normalize). `fuzzy` holds the names a misspelling may match; `parts` maps a name of a
    combination's component to (combination, component number), and `part_counts` gives each
    combination's number of components. `ordinary` holds ordinary words never read as a misspelt drug;
    `suffixes` the product suffixes registers glue to a brand ("caps": NUROFENCAPS), longest first;
    `guard_sounds` the guard names' sound keys (None: not computed yet);
    `generic` the names that are generic names (canonical, or of kind generic), not brands or synonyms;
    `possible` the names another country gives another medicine (CLOPIN), only ever a possible match;
    `guard_order` the guard names sorted, when the loader read them so (the packaged file is), else ().
    """

    drugs: tuple[Drug, ...]
    names: Mapping[str, Drug]
    abbreviations: Mapping[str, Drug]
    guard: frozenset[str]
    version: str
    labels: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    fuzzy: frozenset[str] = frozenset()
    parts: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    part_counts: Mapping[str, int] = field(default_factory=dict)
    ordinary: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    guard_sounds: frozenset[str] | None = None
    generic: frozenset[str] = frozenset()
    possible: Mapping[str, Drug] = field(default_factory=dict)
    guard_order: tuple[str, ...] = ()

    def find(self, query: str) -> tuple[Drug, ...]:
        """Return the drugs whose name, class, other names or abbreviations contain the query text."""
        needle = query.casefold().strip()
        if not needle:
            return self.drugs
        norm = normalize(query)
        hits = []
        for drug in self.drugs:
            haystack = [drug.name, drug.drug_class, *drug.names, *drug.abbreviations]
            if any(needle in h.casefold() for h in haystack) or (norm and norm in drug.name):
                hits.append(drug)
        return tuple(hits)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickle the mappings as dicts (a mappingproxy does not pickle), so a catalog can go to worker processes."""
        return _unpickle_catalog, (
            self.drugs, dict(self.names), dict(self.abbreviations), self.guard, self.version, dict(self.labels),
            self.source, self.fuzzy, dict(self.parts), dict(self.part_counts), self.ordinary, self.suffixes,
            self.guard_sounds, self.generic, dict(self.possible), self.guard_order,
        )


def _unpickle_catalog(
    drugs: tuple[Drug, ...], names: dict[str, Drug], abbreviations: dict[str, Drug], guard: frozenset[str],
    version: str, labels: dict[str, str], source: str, fuzzy: frozenset[str],
    parts: dict[str, tuple[tuple[str, int], ...]], part_counts: dict[str, int], ordinary: frozenset[str],
    suffixes: tuple[str, ...], guard_sounds: frozenset[str] | None, generic: frozenset[str],
    possible: dict[str, Drug], guard_order: tuple[str, ...],
) -> Catalog:
    return Catalog(drugs, MappingProxyType(names), MappingProxyType(abbreviations), guard, version,
                   MappingProxyType(labels), source, fuzzy, MappingProxyType(parts), MappingProxyType(part_counts),
                   ordinary, suffixes, guard_sounds, generic, MappingProxyType(possible), guard_order)


def _split(value: str | None) -> tuple[str, ...]:
    """Split a ';'-separated cell into stripped, non-empty parts."""
    return tuple(p.strip() for p in (value or "").split(";") if p.strip())


def _read_text(path: Path | Traversable) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CatalogError(path, "file not found") from None
    except OSError as exc:
        raise CatalogError(path, f"cannot be read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(path, "not UTF-8 text; save it as UTF-8", line) from None


def _rows(path: object, text: str, columns: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) from CSV text whose header must contain `columns`: every column, by name."""
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    required = list(columns)
    every = [*required, *(h for h in dict.fromkeys(header) if h not in required)]
    for line, values in _columns(path, text, every):
        yield line, dict(zip(every, values))


def _parse_drugs(path: object, text: str) -> list[tuple[int, dict[str, str]]]:
    rows = []
    seen: dict[str, int] = {}
    for line, row in _rows(path, text, REQUIRED_COLUMNS):
        for col in REQUIRED_COLUMNS:
            if not row.get(col):
                raise CatalogError(path, f"empty {col}", line)
        name = row["drug"].lower()
        if name in seen:
            raise CatalogError(path, f"drug {name!r} already listed on line {seen[name]}", line)
        seen[name] = line
        if row["evidence"] not in EVIDENCE_LEVELS:
            allowed = ", ".join(EVIDENCE_LEVELS)
            raise CatalogError(path, f"evidence {row['evidence']!r} is not one of: {allowed}", line)
        if row["risk"] not in RISKS:
            raise CatalogError(path, f"risk {row['risk']!r} is not one of: {', '.join(RISKS)}", line)
        row["label"] = row.get("label") or Label.NOT_READ.value
        if row["label"] not in LABELS:
            raise CatalogError(path, f"label {row['label']!r} is not one of: {', '.join(LABELS)}", line)
        if row["label"] != Label.NOT_READ and not (row.get("label_source") and row.get("label_quote")):
            raise CatalogError(path, f"label {row['label']!r} needs the label_source and label_quote it rests on", line)
        rows.append((line, row))
    if not rows:
        raise CatalogError(path, "no drugs listed")
    return rows


@dataclass(frozen=True)
class _NameRow:
    line: int
    name: str
    key: str
    kind: str
    match: str
    sources: tuple[str, ...]

    @property
    def fuzzy(self) -> bool:
        return self.match == "fuzzy"


def _key(text: str) -> str:
    """A generated file's normalised key as written (plain lowercase ASCII), else normalised here."""
    return text if text.isascii() and text.islower() and text.strip() == text else normalize(text)


def _columns(path: object, text: str, columns: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, the values of `columns` in that order, stripped) from CSV text whose header must
    contain them; blank lines are skipped, a row with more fields than the header is an error. No dict for
    each row: the names file has thousands."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        missing = [c for c in columns if c not in header]
        if missing:
            raise CatalogError(path, f"missing column(s) {', '.join(missing)}; the header must name them", 1)
        at = [header.index(c) for c in columns]
        width = len(header)
        for row in reader:
            if not row:
                continue
            if len(row) > width:
                raise CatalogError(path, "more fields than the header has", reader.line_num)
            yield reader.line_num, [row[i].strip() if i < len(row) else "" for i in at]
    except csv.Error as exc:
        raise CatalogError(path, f"malformed CSV ({exc})", reader.line_num) from None


def _parse_names(path: object, text: str, known: set[str], strict: bool) -> dict[str, list[_NameRow]]:
    """Return drug -> its names from the generated names file (drugs not in the list: error, or skipped)."""
    by_drug: dict[str, list[_NameRow]] = {}
    for line, (drug, name, key, kind, match, sources) in _columns(path, text, NAMES_COLUMNS):
        drug = drug.lower()
        if not name or not key:
            raise CatalogError(path, "empty name or key", line)
        if kind not in NAME_KINDS:
            raise CatalogError(path, f"kind {kind!r} is not one of: {', '.join(NAME_KINDS)}", line)
        if match not in NAME_MATCHES:
            raise CatalogError(path, f"match {match!r} is not one of: {', '.join(NAME_MATCHES)}", line)
        if drug not in known:
            if strict:
                raise CatalogError(path, f"drug {drug!r} is not in the drug list", line)
            continue
        by_drug.setdefault(drug, []).append(
            _NameRow(line, name, _key(key), kind, match, tuple(s.strip() for s in sources.split("; ") if s.strip()))
        )
    return by_drug


def _parse_parts(path: object, text: str, known: set[str]) -> dict[str, list[tuple[int, str, str]]]:
    """Return combination -> [(line, part, normalised name)] from the combination parts file."""
    by_drug: dict[str, list[tuple[int, str, str]]] = {}
    for line, row in _rows(path, text, PARTS_COLUMNS):
        drug = row["drug"].lower()
        if drug in known and row["part"] and row["name"]:
            key = normalize(row["name"])
            if key:
                by_drug.setdefault(drug, []).append((line, row["part"], key))
    return by_drug


_SUBTYPE = re.compile(r"\b\d([ab])\b")


def subtype_apart(key: str) -> str:
    """A normalised name as it reads when its subtype was written apart: "interferon alfa 2b" -> "interferon alfa b"."""
    return _SUBTYPE.sub(r"\1", key)


def _words(text: str) -> list[str]:
    """The entries of a generated one-entry-a-line file, as the name build writes them: the lines after its
    leading comments (#), taken as they are (tests keep the files so; stripping 77,000 lines again would
    cost start-up time)."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return [line for line in lines[first:] if line]


def _read_guard(text: str) -> set[str]:
    """The guard names of a text: one a line, comments (#) and blank lines skipped, each normalised."""
    lines = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    found = {e if e.isascii() and e.islower() else normalize(e) for e in lines}
    found.discard("")
    return found


def _parse_guard(path: object, text: str) -> list[tuple[int, str]]:
    entries = []
    for line, raw in enumerate(text.splitlines(), start=1):
        raw = raw.strip()
        if not raw or raw.startswith("#"):
            continue
        entries.append((line, raw))
    return entries


def build_catalog(
    drug_list: tuple[object, str],
    names_file: tuple[object, str] | None,
    guard: tuple[object, str] | None,
    *,
    strict: bool = True,
    parts_file: tuple[object, str] | None = None,
    ordinary_file: tuple[object, str] | None = None,
    suffixes_file: tuple[object, str] | None = None,
    guard_sounds_file: tuple[object, str] | None = None,
    guard_written: bool = False,
) -> Catalog:
    """Validate and index catalog texts given as (path, text) pairs.

    strict=False is for a user's own drug list: generated names for drugs it lacks are ignored, and guard
    names that the user's list claims as its own are dropped instead of being an error. guard_sounds_file
    holds the sound keys of the packaged guard names; give it only with the packaged names file.
    guard_written=True: the guard text is the packaged file, which the name build writes as the loader
    would read it (comments first, then one normalised name a line; a test keeps it so), so its lines
    are taken as they are: reading 77,000 names again would cost a third of the start-up time.
    """
    dpath, dtext = drug_list
    rows = _parse_drugs(dpath, dtext)
    known = {row["drug"].lower() for _, row in rows}
    generated_names = _parse_names(*names_file, known, strict) if names_file else {}
    generated_parts = _parse_parts(*parts_file, known) if parts_file else {}

    names: dict[str, Drug] = {}
    abbreviations: dict[str, Drug] = {}
    possible: dict[str, Drug] = {}
    labels: dict[str, str] = {}
    fuzzy: set[str] = set()
    generic: set[str] = set()
    where: dict[str, str] = {}
    drugs: list[Drug] = []

    def claim(index: dict[str, Drug], key: str, text: str, drug: Drug, path: object, line: int) -> None:
        if not key:
            raise CatalogError(
                path, f"{text!r} ({drug.name}) has nothing left after normalising (only dose, form or route words)",
                line,
            )
        owner = names.get(key) or abbreviations.get(key) or possible.get(key)
        if owner is not None and owner.name != drug.name:
            raise CatalogError(
                path, f"{text!r} maps to both {owner.name!r} and {drug.name!r} (first at {where[key]})", line
            )
        index[key] = drug
        labels.setdefault(key, text)
        where.setdefault(key, f"{path}, line {line}")

    for line, row in rows:
        name = row["drug"].lower()
        generated = generated_names.get(name, [])
        hand_names = _split(row.get("names"))
        hand_abbreviations = _split(row.get("abbreviations"))
        listed = [
            *(DrugName(n, "brand", True, (f"{dpath}, line {line}",)) for n in hand_names),
            *(DrugName(a, "abbreviation", False, (f"{dpath}, line {line}",)) for a in hand_abbreviations),
            *(DrugName(g.name, g.kind, g.fuzzy, g.sources, g.match == "possible") for g in generated),
        ]
        shown: dict[str, str] = {normalize(name): name}  # one display form per normalised name
        for n in hand_names:
            shown.setdefault(normalize(n), n)
        for g in generated:
            if g.kind != "abbreviation":
                shown.setdefault(g.key, g.name)
        drug = Drug(
            name=name,
            drug_class=row["drug_class"],
            evidence=row["evidence"],
            note=row.get("note", ""),
            risk=Risk(row["risk"]),
            label=Label(row["label"]),
            label_source=row.get("label_source", ""),
            label_quote=row.get("label_quote", ""),
            leaflet=row.get("leaflet", ""),
            names=tuple(list(shown.values())[1:]),
            abbreviations=(*hand_abbreviations, *(g.name for g in generated if g.kind == "abbreviation")),
            sources=_split(row["sources"]),
            unii=tuple(dict.fromkeys(s.split()[-1] for g in generated for s in g.sources if s.startswith("FDA UNII "))),
            name_sources=tuple(listed),
        )
        drugs.append(drug)
        npath = names_file[0] if names_file else dpath
        key = normalize(name)
        claim(names, key, name, drug, dpath, line)
        fuzzy.add(key)
        generic.add(key)
        for n in hand_names:
            claim(names, normalize(n), n, drug, dpath, line)
            fuzzy.add(normalize(n))
        for abbr in hand_abbreviations:
            claim(abbreviations, normalize(abbr), abbr, drug, dpath, line)
        for g in generated:
            index = possible if g.match == "possible" else abbreviations if g.kind == "abbreviation" else names
            claim(index, g.key, g.name, drug, npath, g.line)
            if g.fuzzy:
                fuzzy.add(g.key)
            if g.kind == "generic":
                generic.add(g.key)

    # A subtype written apart ("Interferon Alfa 2 B", "Beta 1 A") loses its digit to the dose rule:
    # "alfa 2b" is also known as "alfa b" when no other name is.
    for key, drug in list(names.items()):
        short = subtype_apart(key)
        if short != key and short not in names and short not in abbreviations:
            names[short] = drug
            labels.setdefault(short, labels.get(key, key))

    guard_set: set[str] = set()
    guard_order: tuple[str, ...] = ()
    if guard:
        gpath, gtext = guard
        # scripts/build_names.py writes normalised lowercase names (a test keeps the file current);
        # normalising tens of thousands again would cost much of the start-up time.
        if guard_written:
            written = _words(gtext)  # sorted, one each: the build writes sorted(set)
            guard_set = set(written)
        else:
            written, guard_set = [], _read_guard(gtext)
        clash = guard_set & (names.keys() | abbreviations.keys())
        if clash and strict:
            line, entry = next((n, e) for n, e in _parse_guard(gpath, gtext) if _key(e) in clash)
            owner = (names.get(_key(entry)) or abbreviations[_key(entry)]).name
            raise CatalogError(gpath, f"guard name {entry!r} is also a name of catalog drug {owner!r}", line)
        guard_set -= clash
        guard_order = tuple(g for g in written if g not in clash) if clash else tuple(written)

    parts: dict[str, set[tuple[str, int]]] = {}
    part_counts: dict[str, int] = {}
    for combo, entries in generated_parts.items():
        numbers: dict[str, int] = {}
        for _, part, key in entries:
            number = numbers.setdefault(part, len(numbers))
            parts.setdefault(key, set()).add((combo, number))
        part_counts[combo] = len(numbers)

    ordinary = frozenset(_words(ordinary_file[1])) if ordinary_file else frozenset()
    suffixes = sorted(_words(suffixes_file[1]), key=lambda w: (-len(w), w)) if suffixes_file else []
    digest = hashlib.sha256()
    for given in (drug_list, names_file, guard, parts_file, ordinary_file, suffixes_file):
        if given:
            digest.update(given[1].encode("utf-8"))
    return Catalog(
        drugs=tuple(drugs),
        names=MappingProxyType(names),
        abbreviations=MappingProxyType(abbreviations),
        guard=frozenset(guard_set),
        version=digest.hexdigest()[:12],
        labels=MappingProxyType(labels),
        source=str(dpath),
        fuzzy=frozenset(fuzzy & set(names)),
        parts=MappingProxyType({k: tuple(sorted(v)) for k, v in parts.items()}),
        part_counts=MappingProxyType(part_counts),
        ordinary=ordinary - set(names),
        suffixes=tuple(suffixes),
        guard_sounds=frozenset(_words(guard_sounds_file[1])) if guard_sounds_file and strict else None,
        generic=frozenset(generic & set(names)),
        possible=MappingProxyType(possible),
        guard_order=guard_order,
    )


def _packaged(name: str) -> Traversable:
    return resources.files("medcheck.data").joinpath(name)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str | None) -> Catalog:
    def packaged(name: str) -> tuple[object, str]:
        file = _packaged(name)
        return file, _read_text(file)

    drug_list = packaged(DRUG_LIST) if path is None else (Path(path), _read_text(Path(path)))
    return build_catalog(
        drug_list, packaged(NAMES), packaged(GUARD_NAMES), strict=path is None, parts_file=packaged(PARTS),
        ordinary_file=packaged(ORDINARY_WORDS), suffixes_file=packaged(PRODUCT_SUFFIXES),
        guard_sounds_file=packaged(GUARD_SOUNDS), guard_written=True,
    )


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load the packaged catalog, or a user's drug list of the same schema; loaded once and cached.

    A user's list keeps the packaged names from the authorities for drugs it shares with the packaged catalog,
    and the packaged guard vocabulary less any name the user's list claims.
    """
    return _load_cached(None if path is None else str(Path(path).resolve()))
