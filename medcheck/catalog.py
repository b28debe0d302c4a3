"""Load and validate the drug catalog, its FDA-derived names and the guard vocabulary."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from .errors import CatalogError
from .models import EVIDENCE_LEVELS, Drug
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
)
REQUIRED_COLUMNS: tuple[str, ...] = ("drug", "drug_class", "evidence", "sources")
FDA_NAMES_COLUMNS: tuple[str, ...] = ("drug", "unii", "type", "name")

DRUG_LIST = "drug_list.csv"
FDA_NAMES = "fda_names.csv"
GUARD_NAMES = "guard_names.txt"


@dataclass(frozen=True, eq=False)
class Catalog:
    """The indexed catalog: drugs, a name index, an abbreviation index and the guard vocabulary.

    Keys of `names`, `abbreviations` and members of `guard` are normalised (see normalize.normalize).
    """

    drugs: tuple[Drug, ...]
    names: Mapping[str, Drug]
    abbreviations: Mapping[str, Drug]
    guard: frozenset[str]
    version: str
    labels: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

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
            self.drugs, dict(self.names), dict(self.abbreviations), self.guard, self.version, dict(self.labels), self.source
        )


def _unpickle_catalog(
    drugs: tuple[Drug, ...], names: dict[str, Drug], abbreviations: dict[str, Drug], guard: frozenset[str],
    version: str, labels: dict[str, str], source: str,
) -> Catalog:
    return Catalog(drugs, MappingProxyType(names), MappingProxyType(abbreviations), guard, version,
                   MappingProxyType(labels), source)


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
    """Yield (line number, row) from CSV text whose header must contain `columns`."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        raise CatalogError(path, f"missing column(s) {', '.join(missing)}; the header must name them", 1)
    try:
        for row in reader:
            if None in row:
                raise CatalogError(path, "more fields than the header has", reader.line_num)
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except csv.Error as exc:
        raise CatalogError(path, f"malformed CSV ({exc})", reader.line_num) from None


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
        rows.append((line, row))
    if not rows:
        raise CatalogError(path, "no drugs listed")
    return rows


def _parse_fda_names(
    path: object, text: str, known: set[str], strict: bool
) -> dict[str, list[tuple[int, str, str]]]:
    """Return drug -> [(line, unii, name)] from the generated FDA names file."""
    by_drug: dict[str, list[tuple[int, str, str]]] = {}
    for line, row in _rows(path, text, FDA_NAMES_COLUMNS):
        drug = row["drug"].lower()
        if not row["name"] or not row["unii"]:
            raise CatalogError(path, "empty name or unii", line)
        if drug not in known:
            if strict:
                raise CatalogError(path, f"drug {drug!r} is not in the drug list", line)
            continue
        by_drug.setdefault(drug, []).append((line, row["unii"], row["name"]))
    return by_drug


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
    fda_names: tuple[object, str] | None,
    guard: tuple[object, str] | None,
    *,
    strict: bool = True,
) -> Catalog:
    """Validate and index catalog texts given as (path, text) pairs.

    strict=False is for a user's own drug list: FDA names for drugs it lacks are ignored, and guard
    names that the user's list claims as its own are dropped instead of being an error.
    """
    dpath, dtext = drug_list
    rows = _parse_drugs(dpath, dtext)
    known = {row["drug"].lower() for _, row in rows}
    fda = _parse_fda_names(*fda_names, known, strict) if fda_names else {}

    names: dict[str, Drug] = {}
    abbreviations: dict[str, Drug] = {}
    labels: dict[str, str] = {}
    where: dict[str, str] = {}
    drugs: list[Drug] = []

    def claim(index: dict[str, Drug], key_text: str, drug: Drug, path: object, line: int) -> None:
        key = normalize(key_text)
        if not key:
            raise CatalogError(path, f"{key_text!r} ({drug.name}) has nothing left after normalising (only dose, form or route words)", line)
        owner = names.get(key) or abbreviations.get(key)
        if owner is not None and owner.name != drug.name:
            raise CatalogError(
                path, f"{key_text!r} maps to both {owner.name!r} and {drug.name!r} (first at {where[key]})", line
            )
        index[key] = drug
        labels.setdefault(key, key_text)
        where.setdefault(key, f"{path}, line {line}")

    for line, row in rows:
        name = row["drug"].lower()
        generated = fda.get(name, [])
        hand_names = _split(row.get("names"))
        shown: dict[str, str] = {normalize(name): name}  # one display form per normalised name
        for n in (*hand_names, *(g[2] for g in generated)):
            shown.setdefault(normalize(n), n)
        other = list(shown.values())[1:]
        drug = Drug(
            name=name,
            drug_class=row["drug_class"],
            evidence=row["evidence"],
            note=row.get("note", ""),
            names=tuple(other),
            abbreviations=_split(row.get("abbreviations")),
            sources=_split(row["sources"]),
            unii=tuple(dict.fromkeys(g[1] for g in generated)),
        )
        drugs.append(drug)
        claim(names, name, drug, dpath, line)
        for n in hand_names:
            claim(names, n, drug, dpath, line)
        for abbr in drug.abbreviations:
            claim(abbreviations, abbr, drug, dpath, line)
        for gline, _, n in generated:
            claim(names, n, drug, fda_names[0] if fda_names else dpath, gline)

    guard_set: set[str] = set()
    if guard:
        gpath, gtext = guard
        for line, entry in _parse_guard(gpath, gtext):
            # scripts/build_names.py writes normalised lowercase names (a test keeps the file current);
            # normalising those 26,000 again would be a third of the start-up time.
            key = entry if entry.isascii() and entry.islower() else normalize(entry)
            if key in names or key in abbreviations:
                if strict:
                    owner = (names.get(key) or abbreviations[key]).name
                    raise CatalogError(gpath, f"guard name {entry!r} is also a name of catalog drug {owner!r}", line)
                continue
            if key:
                guard_set.add(key)

    digest = hashlib.sha256()
    for part in (drug_list, fda_names, guard):
        if part:
            digest.update(part[1].encode("utf-8"))
    return Catalog(
        drugs=tuple(drugs),
        names=MappingProxyType(names),
        abbreviations=MappingProxyType(abbreviations),
        guard=frozenset(guard_set),
        version=digest.hexdigest()[:12],
        labels=MappingProxyType(labels),
        source=str(dpath),
    )


def _packaged(name: str) -> Traversable:
    return resources.files("medcheck.data").joinpath(name)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str | None) -> Catalog:
    fda = _packaged(FDA_NAMES)
    guard = _packaged(GUARD_NAMES)
    fda_pair = (fda, _read_text(fda))
    guard_pair = (guard, _read_text(guard))
    if path is None:
        packaged = _packaged(DRUG_LIST)
        return build_catalog((packaged, _read_text(packaged)), fda_pair, guard_pair, strict=True)
    user = Path(path)
    return build_catalog((user, _read_text(user)), fda_pair, guard_pair, strict=False)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load the packaged catalog, or a user's drug list of the same schema; loaded once and cached.

    A user's list keeps the packaged FDA-derived names for drugs it shares with the packaged catalog,
    and the packaged guard vocabulary less any name the user's list claims.
    """
    return _load_cached(None if path is None else str(Path(path).resolve()))
