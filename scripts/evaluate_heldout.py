"""Measure medcheck on held-out real medication strings: recall and precision per source.

The held-out sets come from sources that medcheck does not use for names (scripts/heldout_sources.json
says where each was taken from, with checksums); their hand labels are under scripts/heldout/labels/,
the register products are not part of this repository (scripts/heldout/make_registers.py makes them):
- a Brazilian city's list of essential medicines (REMUME 2025, Porto Alegre; Portuguese), labelled by
  hand (remume_labels.csv.gz);
- clinical strings of two public de-identified ICU demo databases (MIMIC-III Clinical Database Demo
  1.4 and eICU Collaborative Research Database Demo, ODbL 1.0): prescriptions, ICU input labels,
  medication, infusion and admission drug names, intake labels; each distinct string labelled by hand
  with the catalog drugs it names, without running medcheck (clinical_labels.csv.gz);
- product names and active-substance strings of two Spanish-language national registers that are not
  imported as names (Argentina's ANMAT vademécum, Colombia's INVIMA CUM), labelled by the composition
  each product publishes (register_substances.csv.gz maps published substances to catalog drugs).

Usage: python scripts/evaluate_heldout.py REGISTERS_DIR [--show-errors]
A string counts once whatever its row count. Recall: expected drugs found at exact or likely
confidence. Precision: exact and likely findings that name an expected drug (also per confidence).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "scripts" / "heldout" / "labels"
sys.path.insert(0, str(ROOT))

from medcheck import load_catalog
from medcheck.matcher import matcher_for
from medcheck.sources import only_country

COMBINATIONS = {
    "sulfamethoxazole-trimethoprim": frozenset({"sulfamethoxazole", "trimethoprim"}),
    "piperacillin-tazobactam": frozenset({"piperacillin", "tazobactam"}),
}


@dataclass
class Score:
    """Counts for one source."""

    strings: int = 0
    with_drug: int = 0
    expected: int = 0
    found: int = 0
    flags: Counter[str] = field(default_factory=Counter)  # confidence -> findings
    right: Counter[str] = field(default_factory=Counter)  # confidence -> findings naming an expected drug
    errors: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    def precision(self, *levels: str) -> float:
        flags = sum(self.flags[c] for c in levels)
        return sum(self.right[c] for c in levels) / flags if flags else 1.0


def expected_from(identities: Iterable[str], catalog_drugs: set[str]) -> set[str]:
    """Catalog drugs from mapped components: both parts of a combination make the combination."""
    found = set(identities)
    out = set()
    for combo, parts in COMBINATIONS.items():
        if parts <= found:
            out.add(combo)
            found -= parts
    return out | (found & catalog_drugs)


def clinical(labels: Path) -> dict[str, list[tuple[str, set[str]]]]:
    sets: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for name in ("clinical_labels.csv.gz", "remume_labels.csv.gz"):
        with gzip.open(labels / name, "rt", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["ambiguous"] == "1":
                    continue
                sets[row["source"]].append((row["text"], {d for d in row["expected"].split(";") if d}))
    return sets


def registers(labels: Path, folder: Path, catalog_drugs: set[str]) -> dict[str, list[tuple[str, set[str]]]]:
    maps: dict[tuple[str, str], set[str]] = {}
    with gzip.open(labels / "register_substances.csv.gz", "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            maps[(row["register"], row["substance"])] = set(row["maps_to"].split(";"))
    sets: dict[str, list[tuple[str, set[str]]]] = {}
    for register in ("ar_anmat", "co_cum"):
        products: dict[str, set[str]] = {}
        substances: dict[str, set[str]] = {}
        with open(folder / f"{register}.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                parts = [s for s in row["substances"].split(";") if s.strip()]
                mapped = [maps.get((register, s), set()) for s in parts]
                for s, m in zip(parts, mapped):
                    substances.setdefault(s, expected_from(m, catalog_drugs))
                ids = set().union(*mapped) if mapped else set()
                name = row["product_name"]
                products[name] = products.get(name, set()) | expected_from(ids, catalog_drugs)
        sets[f"{register}_products"] = sorted(products.items())
        sets[f"{register}_substances"] = sorted(substances.items())
    return sets


def score(items: list[tuple[str, set[str]]]) -> Score:
    matcher = matcher_for(load_catalog())
    s = Score()
    for text, expected in items:
        s.strings += 1
        s.with_drug += bool(expected)
        findings = matcher.match(text)
        flagged = {f.drug.name for f in findings if f.confidence != "possible"}
        s.expected += len(expected)
        s.found += len(expected & flagged)
        for f in findings:
            kind = f.name_origin.kind if f.name_origin else "name"
            if f.name_origin and kind == "brand" and only_country(f.name_origin.sources):
                kind = "brand-of-one-country"  # shown as "a brand medcheck knows only from ..."
            for key in (f.confidence, f"{f.confidence} {kind}"):
                s.flags[key] += 1
                s.right[key] += f.drug.name in expected
        missed = expected - flagged
        wrong = [f"{f.drug.name} ({f.confidence}, {f.matched_text!r})" for f in findings if f.drug.name not in expected]
        if missed or wrong:
            s.errors.append(f"{text!r}: expected {sorted(expected)}; missed {sorted(missed)}; wrong {wrong}")
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("registers", type=Path,
                        help="folder with ar_anmat.csv and co_cum.csv (scripts/heldout/make_registers.py)")
    parser.add_argument("--show-errors", action="store_true", help="list every miss and every wrong finding")
    args = parser.parse_args(argv)
    catalog_drugs = {d.name for d in load_catalog().drugs}
    sets = {**clinical(LABELS), **registers(LABELS, args.registers, catalog_drugs)}
    print("| source | strings | naming a catalog drug | recall (exact or likely) | precision (exact or likely) "
          "| exact right | likely right | possible right |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = Score()
    for name, items in sets.items():
        s = score(items)
        for attr in ("strings", "with_drug", "expected", "found"):
            setattr(total, attr, getattr(total, attr) + getattr(s, attr))
        total.flags.update(s.flags)
        total.right.update(s.right)
        total.errors += [f"[{name}] {e}" for e in s.errors]
        print(_row(name, s))
    print(_row("**all**", total))
    kinds = sorted(k for k in total.flags if " " in k)
    by_kind = ", ".join(f"{k} {total.right[k]}/{total.flags[k]}" for k in kinds)
    print(f"\nBy confidence and kind of name matched: {by_kind}")
    if args.show_errors:
        print("\n".join(total.errors), file=sys.stderr)
    return 0


def _row(name: str, s: Score) -> str:
    def frac(c: str) -> str:
        return f"{s.right[c]}/{s.flags[c]}" if s.flags[c] else "-"

    return (f"| {name} | {s.strings:,} | {s.with_drug:,} | {s.recall:.1%} ({s.found}/{s.expected}) "
            f"| {s.precision('exact', 'likely'):.1%} | {frac('exact')} | {frac('likely')} | {frac('possible')} |")


if __name__ == "__main__":
    raise SystemExit(main())
