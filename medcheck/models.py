"""Frozen dataclasses for catalog entries and check results."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

EVIDENCE_LEVELS: tuple[str, ...] = ("labeled", "frequent", "case-reports", "cytotoxic")
"""The fixed evidence vocabulary, strongest idiosyncratic signal first; see README."""

CONFIDENCES: tuple[str, ...] = ("exact", "likely", "possible")
CONTEXTS: tuple[str, ...] = ("current", "allergy", "history", "negated")


@dataclass(frozen=True)
class DrugName:
    """One name of a catalog drug and where it comes from: which authorities list it, may it match fuzzily."""

    name: str
    kind: str                # generic, brand, synonym or abbreviation
    fuzzy: bool              # False: only the exact name matches (abbreviations, names one list alone has)
    sources: tuple[str, ...] = ()   # "FDA UNII J60AR2IKIC", "France BDPM 6xxxxxxx", "hand-curated <source>"


@dataclass(frozen=True)
class Drug:
    """One catalog entry: an implicated drug or fixed combination."""

    name: str
    drug_class: str
    evidence: str
    note: str = ""
    names: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unii: tuple[str, ...] = ()
    name_sources: tuple[DrugName, ...] = field(default=(), compare=False, repr=False)


ADVICE = {
    "current": (
        "Known to cause neutropenia or agranulocytosis in some people. Do not stop or change it on your own: "
        "talk to the prescriber or pharmacist about this risk."
    ),
    "allergy": (
        "Listed as an allergy or reaction. Tell the prescriber, so they can judge whether it was a blood reaction."
    ),
    "history": "Listed as a past medicine or reaction. Worth telling the prescriber about.",
    "negated": (
        "The line says this medicine is not taken, not to be given or refused, so it is not counted. "
        "If it is taken after all, talk to the prescriber about this risk."
    ),
    "possible": "Possible match only: check the spelling. Did you mean {drug}? If so, talk to the prescriber.",
}


def advice_for(drug: Drug, confidence: str, context: str) -> str:
    """The advice sentence for a finding: always points to the prescriber, never to stopping."""
    if confidence == "possible":
        return ADVICE["possible"].format(drug=drug.name)
    return ADVICE[context]


@dataclass(frozen=True)
class Finding:
    """A catalog drug found in one input line."""

    drug: Drug
    matched_text: str
    matched_name: str
    score: float
    confidence: str
    context: str = "current"

    @property
    def advice(self) -> str:
        """What to do about it: always the prescriber, never stopping on one's own."""
        return advice_for(self.drug, self.confidence, self.context)


@dataclass(frozen=True)
class LineResult:
    """The findings for one non-empty input line (1-based line number)."""

    line: int
    input: str
    findings: tuple[Finding, ...] = ()

    @property
    def flagged(self) -> bool:
        """True when the line names a catalog drug at exact or likely confidence, and does not deny it."""
        return any(f.confidence != "possible" and f.context != "negated" for f in self.findings)


@dataclass(frozen=True)
class Differential:
    """The white count and differential an ANC was computed from."""

    wbc: Decimal             # white blood cells per microlitre
    neutrophils: Decimal     # segmented neutrophils, percent of the white count
    bands: Decimal           # band neutrophils, percent of the white count


@dataclass(frozen=True)
class AncReading:
    """An absolute neutrophil count and the category the cited thresholds put it in (see medcheck.anc)."""

    value: Decimal           # neutrophils per microlitre
    category: str            # one of medcheck.anc.CATEGORIES
    threshold: int           # the per-microlitre bound that decided the category
    entered: str = ""        # the count typed (the ANC, or the WBC it came from) when not in cells per microlitre
    differential: Differential | None = None

    @property
    def low(self) -> bool:
        """True when the count is below the adult neutropenia threshold (any neutropenia category)."""
        return self.value < self.threshold


@dataclass(frozen=True)
class Report:
    """The result of checking a medication list, with the person's ANC when one was given."""

    results: tuple[LineResult, ...]
    catalog_version: str = ""
    anc: AncReading | None = None

    @property
    def flagged(self) -> tuple[LineResult, ...]:
        """The lines with at least one exact or likely finding."""
        return tuple(r for r in self.results if r.flagged)

    @property
    def possible(self) -> tuple[LineResult, ...]:
        """The lines not flagged that have a weak fuzzy match."""
        return tuple(r for r in self.results if not r.flagged and any(f.confidence == "possible" for f in r.findings))

    @property
    def negated(self) -> tuple[LineResult, ...]:
        """The lines whose only sure findings are drugs the line denies ("no dipyrone")."""
        return tuple(
            r for r in self.results
            if not r.flagged and any(f.confidence != "possible" and f.context == "negated" for f in r.findings)
        )

    @property
    def unmatched(self) -> tuple[LineResult, ...]:
        """The lines with no finding at all."""
        return tuple(r for r in self.results if not r.findings)
