"""Merge every authority's names into one table: who owns each name, who lists it, may it match fuzzily."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from medcheck.sources import REGISTER_COUNTRIES

from .records import ABBREVIATION, BRAND, GENERIC, HAND, SYNONYM, UNII, Name, Part

KIND_RANK = {ABBREVIATION: 0, GENERIC: 1, BRAND: 2, SYNONYM: 3}
KNOWN_IN = 2  # countries whose lists must hold a brand before a misspelling of it may match
# The country each authority speaks for; the DrugBank/MeSH dictionary speaks for none.
COUNTRY_OF = {**REGISTER_COUNTRIES, UNII: "the United States"}


@dataclass
class Merged:
    """One catalog drug's name, with every authority that lists it."""

    drug: str
    norm: str
    display: str
    kind: str
    sources: dict[str, str] = field(default_factory=dict)  # authority -> first reference
    marketed: bool = False
    elsewhere: str = ""  # a register that gives the name to another medicine: "Brazil ANVISA 105730401 (...)"

    @property
    def fuzzy(self) -> bool:
        """May a misspelling of this name match? Generic names (in any language): yes. A brand or synonym:
        only when it is on the market now (a register says so, or a hand-curated current leaflet shows it)
        and known beyond one country (the lists of two countries hold it, or a person's source does).
        Abbreviations: exact only.

        Dictionaries (the FDA list, DrugBank) keep the brands of decades, so being in them says nothing
        of use now: PEDIAZOLE, in both, is discontinued (Drugs@FDA), and "Pediasol", an oral rehydration
        salt, is one sound from it. A brand one country alone markets (DOLOTREN in Spain; VERSACLOZ, in the
        US lists only) is unknown elsewhere, where a name one letter from it is as often another brand
        (DOLOTRIN; VERSACLOX) as a misspelling.
        """
        if self.kind == ABBREVIATION or self.elsewhere:
            return False
        return self.kind == GENERIC or (self.marketed and self.known)

    @property
    def known(self) -> bool:
        """Known beyond one country: the lists of two countries hold the name, or a person's source does."""
        return HAND in self.sources or len({COUNTRY_OF[a] for a in self.sources if a in COUNTRY_OF}) >= KNOWN_IN


def merge(
    names: Iterable[Name],
    canonical: Mapping[str, str],
    authority_order: list[str | tuple[str, ...]],
    families: Mapping[str, str] | None = None,
) -> tuple[list[Merged], set[str], dict[str, int]]:
    """(catalog names, guard names, counts) from every authority's names.

    canonical: catalog drug -> its normalised canonical name. A name curated by hand (or a drug's
    canonical name) belongs to its drug; any other name that two catalog drugs claim is left out,
    as is a name that is only the first words of its drug's canonical name while a guard name
    shares those words ("penicillin" of penicillin G, when "penicillin v" is another drug).
    A brand or synonym that the FDA list gives as a brand of another substance, and that neither the
    FDA list nor a person gives the catalog drug, means that other medicine to most readers (SUDAFED:
    pseudoephedrine in the US, an ibuprofen product in Canada; DORYX: doxycycline in the US,
    alendronic acid in Italy): it is left out, and guards.

    families: first words of the FDA list's names of other substances (unii.UniiNames.name_families).

    authority_order: most precise first; a tuple holds authorities of equal rank (the national registers:
    no country's word outranks another's, so a brand two countries give two catalog drugs is left out).
    """
    counts: dict[str, int] = defaultdict(int)
    families = families or {}
    rank = _ranks(authority_order)
    order = _order(authority_order)
    by_norm: dict[str, list[Name]] = defaultdict(list)
    guard: set[str] = set()
    foreign = {n.norm for n in names if not n.drug and n.authority == UNII and n.kind == BRAND}
    for n in names:
        if n.drug:
            by_norm[n.norm].append(n)
        else:
            guard.add(n.norm)
    fixed: dict[str, str] = {norm: drug for drug, norm in canonical.items()}
    for norm, group in by_norm.items():
        for n in group:
            if n.authority == HAND:
                fixed.setdefault(norm, n.drug)

    merged: dict[tuple[str, str], Merged] = {}
    shared: set[str] = set()  # names two catalog drugs claim with equal authority (CLOPIN)
    for norm, group in sorted(by_norm.items()):
        drugs = {n.drug for n in group}
        owner = fixed.get(norm)
        if owner is None and len(drugs) > 1:
            # The most precise authority decides (authority_order: hand, FDA, registers, the dictionary).
            top = min(rank[n.authority] for n in group)
            proposed = {n.drug for n in group if rank[n.authority] == top}
            if len(proposed) > 1:
                counts["names two catalog drugs share (left out, and guard)"] += 1
                shared.add(norm)
                continue
            owner = next(iter(proposed))
            counts["names two catalog drugs share (given as the most precise authority does)"] += 1
        owner = owner or next(iter(drugs))
        if drugs - {owner}:
            counts["names of another catalog drug's curated or canonical name (left out)"] += 1
        for n in sorted(group, key=lambda n: (order[n.authority], KIND_RANK[n.kind], n.display)):
            if n.drug != owner:
                continue
            m = merged.get((owner, norm))
            if m is None:
                m = merged[(owner, norm)] = Merged(owner, norm, n.display.strip(" -"), n.kind)  # "METHAMIZOLE-"
            elif KIND_RANK[n.kind] < KIND_RANK[m.kind]:
                m.kind = n.kind
            m.sources.setdefault(n.authority, n.ref)
            m.marketed = m.marketed or n.marketed
    for (drug, norm), m in list(merged.items()):
        if norm in foreign and m.kind != GENERIC and not {HAND, UNII} & set(m.sources) and norm not in fixed:
            del merged[(drug, norm)]
            counts["brands the FDA list gives another substance (left out)"] += 1
    # A brand one country gives the catalog drug and a register gives another medicine, each of its
    # substances known (TEFIN: ibuprofen in Ireland, butenafine in Brazil), means different medicines in
    # different countries: it is only ever a possible match. A brand two countries give the catalog drug
    # is that drug's (EXJADE, whatever one register row says), as is a person's source or the drug's name.
    others = sorted((n for n in names if not n.drug and n.other), key=lambda n: (n.authority, n.ref))
    elsewhere = {n.norm: f"{n.authority} {n.ref} ({n.other})" for n in others}
    for (drug, norm), m in merged.items():
        if norm in elsewhere and m.kind in (BRAND, SYNONYM) and not m.known and norm != canonical[drug]:
            m.elsewhere = elsewhere[norm]
            counts["brands another country gives another medicine (possible matches only)"] += 1
    # A brand only registers of one country give, that is the first word of the FDA list's names of another
    # substance (METHOCEL: methotrexate in Peru; METHOCEL E10M, METHOCEL K4M: hypromellose; PROPYL:
    # propylthiouracil in Singapore; PROPYL GALLATE), is a possible match too: a reader elsewhere may mean that.
    for (_, norm), m in merged.items():
        if (norm in families and not m.elsewhere and not m.known and m.kind in (BRAND, SYNONYM)
                and set(m.sources) <= set(REGISTER_COUNTRIES)):
            m.elsewhere = f"{UNII} {families[norm]}"
            counts["brands only one country gives that lead the FDA list's names of another substance (possible)"] += 1
    catalog_norms = {norm for _, norm in merged} | set(fixed)
    for (drug, norm), m in list(merged.items()):
        if HAND in m.sources or norm == canonical[drug]:
            continue
        if canonical[drug].startswith(norm + " ") and any(g.startswith(norm + " ") for g in guard):
            del merged[(drug, norm)]
            catalog_norms.discard(norm)
            counts["ambiguous leading words of a canonical name (left out)"] += 1
    counts["guard names equal to a catalog name (left out)"] = len(guard & catalog_norms)
    guard = (guard | shared) - catalog_norms  # names that hold a catalog name go later (without_holders)
    rows = sorted(merged.values(), key=lambda m: (m.drug, m.norm))
    counts["catalog names"] = len(rows)
    counts["catalog names matched exactly only"] = sum(not m.fuzzy for m in rows)
    counts["guard names"] = len(guard)
    for m in rows:
        for a in m.sources:
            counts[f"catalog names from {a}"] += 1
    return rows, guard, dict(counts)


LATER_WORD_OTHERS = 2  # other compositions whose product names hold a one-word name after their first word


def later_words(rows: Iterable[Merged], later: Mapping[str, set[str]], canonical: Mapping[str, str]) -> set[str]:
    """One-word brands and synonyms that are a word other medicines' product names carry after their own.

    Such a word names a company, a product line or a form, not one medicine: MEPHA (a synonym of
    captopril in the FDA list) follows the substance in hundreds of Swiss products ("Pantoprazol-Mepha"),
    LYOPHILIZED (a first word of CYTOXAN in Drugs@FDA) follows trastuzumab brands in Singapore's. Read
    as a brand, it would turn every such product into the catalog drug. later: register word -> the
    compositions of the products whose names hold it after their first word. A person's source, or the
    drug's own name, keeps a name.
    """
    return {
        m.norm for m in rows
        if m.kind in (BRAND, SYNONYM) and " " not in m.norm and HAND not in m.sources
        and m.norm != canonical[m.drug] and len(later.get(m.norm, set()) - {m.drug}) >= LATER_WORD_OTHERS
    }


def _ranks(authority_order: Iterable[str | tuple[str, ...]]) -> dict[str, int]:
    """Each authority's rank, 0 the most precise; authorities in one tuple share a rank."""
    return {a: i for i, group in enumerate(authority_order) for a in ((group,) if isinstance(group, str) else group)}


def _order(authority_order: Iterable[str | tuple[str, ...]]) -> dict[str, int]:
    """Each authority's place in the listing of a name's sources."""
    flat = [a for group in authority_order for a in ((group,) if isinstance(group, str) else group)]
    return {a: i for i, a in enumerate(flat)}


def without_holders(guard: set[str], rows: Iterable[Merged], fixed: set[str], counts: dict[str, int]) -> set[str]:
    """The guard less the names that hold a catalog name as whole words ("ampicillin sulbactam", "diclofenac
    epolamine"): such a name would claim the catalog name's words, and the product holds the catalog drug.

    Run once the rules after merge() have dropped their catalog names, so a guard name goes only for a name kept
    (MORPH SULPH stays a guard name though "sulph" is dropped as a later word). fixed: the canonical and
    hand-curated names.
    """
    inner = {m.norm for m in rows if m.kind != ABBREVIATION and len(m.norm) >= 5} | fixed
    holding = {g for g in guard if " " in g and _holds(g, inner)}
    counts["guard names holding a catalog name (left out)"] = len(holding)
    return guard - holding


def _holds(name: str, inner: set[str]) -> bool:
    """Whether a run of the name's words is one of the inner names."""
    words = name.split()
    return any(" ".join(words[i:j]) in inner for i in range(len(words)) for j in range(i + 1, len(words) + 1)
               if j - i < len(words))


def merge_parts(
    parts: Iterable[Part], authority_order: list[str | tuple[str, ...]],
) -> list[tuple[str, str, str, dict[str, str]]]:
    """(combination, part, display name, authority -> reference) per normalised part name."""
    order = _order(authority_order)
    out: dict[tuple[str, str, str], tuple[str, dict[str, str]]] = {}
    for p in sorted(parts, key=lambda p: (order[p.authority], p.display)):
        key = (p.drug, p.part, p.norm)
        if key not in out:
            out[key] = (p.display, {})
        out[key][1].setdefault(p.authority, p.ref)
    return [(drug, part, display, src) for (drug, part, _), (display, src) in sorted(out.items())]
