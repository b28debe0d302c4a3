"""Names from the dictionary of the PyPI package drug-named-entity-recognition (MIT).

Its dictionary merges DrugBank open-data synonyms, MeSH entry terms and MedlinePlus names, in
several languages ("clozapina", "vancomycine", "ácido valproico"). A canonical entry maps to a
catalog drug when one of its names is already a name of that drug (from the FDA list or curated by
hand); entries for combinations map by their set of components. Variants with digits (research
codes, systematic names), commas (inverted MeSH forms such as "hydrochloride, vancomycin") or lab
words are left out.
"""

from __future__ import annotations

import bz2
import pickle
import re
from collections import defaultdict
from collections.abc import Mapping
from importlib import resources

from .records import BRAND, DNER, GENERIC, MAX_GUARD_WORDS, SYNONYM, Name, Part, normalize, usable

PACKAGE = "drug-named-entity-recognition"
MODULE = "drug_named_entity_recognition"
FILE = "drug_ner_dictionary.pkl.bz2"
_JOINERS = re.compile(r"\s*(?:/|,|\band\b|\+)\s*")


def dictionary_bytes() -> bytes:
    """The compressed dictionary file inside the installed package (read, never imported)."""
    return resources.files(MODULE).joinpath(FILE).read_bytes()


def load(raw: bytes) -> tuple[dict[str, list[str]], dict[str, dict[str, object]], dict[str, dict[str, object]]]:
    """(variant -> canonicals, canonical -> data, variant -> {'is_brand': ...}) from the package's pickle."""
    d = pickle.loads(bz2.decompress(raw))
    return d["drug_variant_to_canonical"], d["drug_canonical_to_data"], d["drug_variant_to_variant_data"]


def components(text: str) -> frozenset[str]:
    """The normalised components of a combination name ("trimethoprim/sulfamethoxazole")."""
    return frozenset(normalize(p) for p in _JOINERS.split(text) if p.strip())


def _ref(data: Mapping[str, object]) -> str:
    for key, label in (("drugbank_id", ""), ("mesh_id", "MeSH "), ("medline_plus_id", "MedlinePlus ")):
        if data.get(key):
            return f"{label}{data[key]}"
    return ""


def names(
    raw: bytes,
    catalog_names: Mapping[str, set[str]],
    combination_parts: Mapping[str, frozenset[str]],
    medicine_norms: set[str],
    other_substances: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Name], list[Part]]:
    """The dictionary's names of catalog drugs, of combination components, and of other medicines (guard).

    catalog_names: catalog drug -> normalised names it already has; combination_parts: combination
    drug -> its normalised components; medicine_norms: normalised names of medicines in the FDA list
    (a canonical entry with no MedlinePlus page counts as a medicine only if one of its names is one);
    other_substances: the FDA list's own names of substances that are not catalog drugs. An entry that
    holds one of them besides a catalog drug's name is a class of substances (MeSH "Interferon alpha-2":
    alfa-2a and alfa-2b), and hands the catalog drug none of its names; a substance whose name is part
    of the drug's ("ceftaroline" of ceftaroline fosamil) is the drug's own moiety and does not count.
    """
    v2c, c2d, v2v = load(raw)  # (catalog_names may name a combination's components too)
    variants: dict[str, list[str]] = defaultdict(list)
    for variant, canonicals in v2c.items():
        for c in canonicals:
            variants[c].append(variant)
    owner: dict[str, set[str]] = defaultdict(set)
    for drug, norms in catalog_names.items():
        for n in norms:
            owner[n].add(drug)
    by_parts = {parts: drug for drug, parts in combination_parts.items()}
    part_of: dict[str, list[str]] = defaultdict(list)
    for drug, parts in combination_parts.items():
        for p in parts:
            part_of[p].append(drug)

    canonical_norms = {normalize(c) for c in variants}
    out: list[Name] = []
    parts_out: list[Part] = []
    for canonical in sorted(variants):
        data = c2d.get(canonical, {})
        ref = _ref(data)
        own = sorted(variants[canonical])
        norms = {normalize(v) for v in (canonical, *own)}
        # An entry is a catalog drug's when its canonical name is one of the drug's names, or one of its
        # names is the drug's own ("ceftaroline", with "ceftaroline fosamil"): a synonym two substances
        # share ("MONOMYCIN": erythromycin ethylsuccinate in the FDA list, "monomycin A" paromomycin)
        # must not hand one drug the other's names.
        shared = set().union(*(owner.get(n, set()) for n in norms))
        drugs = set(owner.get(normalize(canonical), set())) | {d for d in shared if normalize(d) in norms}
        if _JOINERS.search(canonical):
            parts = components(canonical)
            combo = by_parts.get(parts)
            # A combination holding exactly one catalog drug is named for it, as the FDA list's
            # combination brands are ("ampicillin/sulbactam", Unasyn: ampicillin).
            held = set().union(*(owner.get(p, set()) for p in parts))
            # A combination with a MedlinePlus page is a medicine; otherwise each part must be one:
            # "Cocaine- and amphetamine-regulated transcript protein" is a peptide, not cocaine and another drug.
            medicines = bool(data.get("medline_plus_id")) or all(
                p in owner or p in medicine_norms or p in canonical_norms for p in parts)
            drugs = {combo} if combo is not None else held if len(held) == 1 and medicines else set()
        if drugs and not _JOINERS.search(canonical):
            others = {n for n in norms & other_substances
                      if not any(set(n.split()) <= set(normalize(d).split()) for d in drugs)}
            if others:
                continue  # a class of substances: its names are no one drug's (nor the guard's)
        usable_names = [(v, u) for v in own if (u := usable(v, 4, digits=False)) is not None]
        cnorm = normalize(canonical)
        for combo in part_of.get(cnorm, ()):
            for v, n in usable_names:
                if not v2v.get(v, {}).get("is_brand"):
                    parts_out.append(Part(combo, cnorm, v, n, DNER, ref))
        if drugs:
            for drug in sorted(drugs):
                for v, n in usable_names:
                    brand = bool(v2v.get(v, {}).get("is_brand"))
                    kind = GENERIC if v == canonical else BRAND if brand else SYNONYM
                    out.append(Name(drug, v, n, kind, DNER, ref))
            continue
        if data.get("medline_plus_id") or norms & medicine_norms:
            for v, _ in usable_names:
                g = usable(v, MAX_GUARD_WORDS, digits=False)
                if g is not None:
                    out.append(Name("", v, g, BRAND if v2v.get(v, {}).get("is_brand") else SYNONYM, DNER, ref))
    return out, parts_out
