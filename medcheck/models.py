"""Frozen dataclasses for catalog entries and check results."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

EVIDENCE_LEVELS: tuple[str, ...] = ("labeled", "frequent", "case-reports", "cytotoxic")
"""The older one-word grade, kept for existing readers of the JSON output; `risk` and `label` replace it."""


class Word(str, Enum):
    """An enum whose members are their own lowercase word: written to JSON and CSV as that word."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Confidence(Word):
    """How sure a match is: the whole name, a near spelling, or a weak near miss to be checked."""

    EXACT = "exact"
    LIKELY = "likely"
    POSSIBLE = "possible"


class Context(Word):
    """What the line says about the medicine: taken now, an allergy, past use, or said not to be taken."""

    CURRENT = "current"
    ALLERGY = "allergy"
    HISTORY = "history"
    NEGATED = "negated"


class Risk(Word):
    """How strong and what kind of neutropenia risk a drug carries, strongest first (defined in README)."""

    HIGH = "high"            # idiosyncratic, strong signal: boxed warning, mandated counts, or a leading cause
    EXPECTED = "expected"    # dose-related myelosuppression that comes with the treatment
    HIGH_DOSE = "high-dose"  # at high doses or long courses
    RARE = "rare"            # isolated reports


class Label(Word):
    """What the drug's label (US, or the EU/UK SmPC where there is none) says about neutropenia."""

    BOXED_WARNING = "boxed-warning"
    WARNING = "warning"
    ADVERSE_REACTIONS = "adverse-reactions"
    NOT_LISTED = "not-listed"
    NOT_READ = "not-read"


class Format(Word):
    """The output formats of a report."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"


class FileFormat(NamedTuple):
    """How a file is read or written, from its name: `csv` or `parquet`, gzip-compressed or not, and the
    delimiter when the name fixes it (None: detected from the header)."""

    kind: str
    gzip: bool
    delimiter: str | None


CONFIDENCES: tuple[str, ...] = tuple(c.value for c in Confidence)
CONTEXTS: tuple[str, ...] = tuple(c.value for c in Context)
RISKS: tuple[str, ...] = tuple(r.value for r in Risk)
LABELS: tuple[str, ...] = tuple(x.value for x in Label)


def risks_from(minimum: Risk | str) -> frozenset[Risk]:
    """The tiers at or above `minimum` in the order of Risk (high first): what --min-risk flags."""
    order = list(Risk)
    return frozenset(order[: order.index(Risk(minimum)) + 1])


@dataclass(frozen=True)
class DrugName:
    """One name of a catalog drug and where it comes from: which authorities list it, may it match fuzzily."""

    name: str
    kind: str                # generic, brand, synonym or abbreviation
    fuzzy: bool              # False: only the exact name matches (abbreviations, names one list alone has)
    sources: tuple[str, ...] = ()   # "FDA UNII J60AR2IKIC", "France BDPM 6xxxxxxx", "hand-curated <source>"
    possible: bool = False   # True: another country gives the name another medicine; only a possible match


@dataclass(frozen=True)
class Drug:
    """One catalog entry: an implicated drug or fixed combination."""

    name: str
    drug_class: str
    evidence: str
    note: str = ""
    risk: Risk = Risk.RARE
    label: Label = Label.NOT_READ
    label_source: str = ""   # "setid:<DailyMed set id>" or an SmPC's address
    label_quote: str = ""    # the label's own words on the blood effect
    leaflet: str = ""        # the patient leaflet that says what to do on signs of infection, where one does
    names: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    unii: tuple[str, ...] = ()
    name_sources: tuple[DrugName, ...] = field(default=(), compare=False, repr=False)


ADVICE = {
    Risk.HIGH: (
        "A strong, known cause of agranulocytosis (a sudden loss of neutrophils). {signs} "
        "Talk to the prescriber or pharmacist about this risk, and follow the medicine's own leaflet."
    ),
    Risk.EXPECTED: (
        "Lowers the neutrophil count as an expected, dose-related effect; blood counts are usually checked "
        "during treatment. Talk to the prescriber about any fever or sign of infection."
    ),
    Risk.HIGH_DOSE: (
        "Low neutrophil counts are reported mainly at high doses or with long courses. Worth mentioning to the "
        "prescriber, above all for a long course."
    ),
    Risk.RARE: (
        "Rarely reported to cause neutropenia or agranulocytosis. Worth mentioning to the prescriber, above all "
        "if a blood count is low."
    ),
    "leaflet": (
        "A strong, known cause of agranulocytosis (a sudden loss of neutrophils). Its patient leaflet says what "
        "to do on a sore throat, mouth ulcers, fever or other sign of infection: follow the leaflet, and talk "
        "to the prescriber or pharmacist about this risk."
    ),
    "past_high": (
        "Listed as an allergy, a reaction or past use of a strong, known cause of agranulocytosis. {past}"
    ),
    Context.ALLERGY: (
        "Listed as an allergy or reaction. Tell the prescriber, so they can judge whether it was a blood reaction."
    ),
    Context.HISTORY: "Listed as a past medicine or reaction. Worth telling the prescriber about.",
    Context.NEGATED: (
        "The line says this medicine is not taken, not to be given or refused, so it is not counted. "
        "If it is taken after all, talk to the prescriber about this risk."
    ),
    Confidence.POSSIBLE: "Possible match only: check the spelling. Did you mean {drug}? If so, talk to the prescriber.",
    "possible_name": (
        "Possible match only: this name is given to {drug} and to another medicine or product. Check which one "
        "is meant; if it is {drug}, talk to the prescriber."
    ),
}
CLOSING = ("Do not stop or change any medicine on your own: talk to the prescriber or pharmacist, and follow "
           "the medicine's own leaflet.")
"""The reminder every report ends with."""
# The sourced sentences the advice for a high-risk drug rests on (the sources are in ADVICE_SOURCES).
WARNING_SIGNS_ADVICE = (
    "Fever, chills, a sore throat or painful sores in the mouth while taking it need a doctor the same day, "
    "for a blood count (the neutrophil count)."
)
PAST_REACTION_ADVICE = (
    "If it caused a blood reaction, make sure every prescriber and pharmacist knows: some medicines must not "
    "be given again after one (the UK licence of clozapine says so)."
)
ADVICE_SOURCES: dict[str, tuple[str, ...]] = {
    # the symptoms of agranulocytosis (BfArM), the same-day doctor and urgent neutrophil count (NHS leaflet)
    "warning_signs": (
        "https://www.bfarm.de/SharedDocs/Risikoinformationen/Pharmakovigilanz/EN/RHB/2024/rhb-metamizol.html",
        "https://www.uhsussex.nhs.uk/resources/carbimazole-propylthiouracil-ptu-warning/",
    ),
    # clozapine's UK marketing authorisation, as NHS Greater Glasgow and Clyde summarises it
    "past_high": (
        "https://rightdecisions.scot.nhs.uk/mypsych-app/working-in-greater-glasgow-clyde/medicines-companion/"
        "clozapine/re-challenge-following-neutropenic-episode-red-result",
    ),
}


def advice_kind(drug: Drug, confidence: str, context: str, shared_name: bool = False) -> str:
    """Which advice a finding gets: by confidence, then context, then the drug's risk tier.

    shared_name: the words were read as a name that another medicine or product also bears (a possible
    match spelt right), not as a misspelling.
    """
    if confidence == Confidence.POSSIBLE:
        return "possible_name" if shared_name else "possible"
    if context == Context.NEGATED:
        return "negated"
    if context in (Context.ALLERGY, Context.HISTORY):
        return "past_high" if drug.risk == Risk.HIGH else str(context)
    if drug.risk == Risk.HIGH:
        return "leaflet" if drug.leaflet else "warning_signs"
    return str(drug.risk)


def advice_for(drug: Drug, confidence: str, context: str, shared_name: bool = False) -> str:
    """The advice sentence for a finding, by risk tier and context: always points to the prescriber (and to
    the medicine's own leaflet where that gives an instruction), never to stopping."""
    kind = advice_kind(drug, confidence, context, shared_name)
    if kind == "possible":
        return ADVICE[Confidence.POSSIBLE].format(drug=drug.name)
    if kind == "possible_name":
        return ADVICE["possible_name"].format(drug=drug.name)
    if kind == "warning_signs":
        return ADVICE[Risk.HIGH].format(signs=WARNING_SIGNS_ADVICE)
    if kind == "past_high":
        return ADVICE["past_high"].format(past=PAST_REACTION_ADVICE)
    if kind == "leaflet":
        return ADVICE["leaflet"]
    return ADVICE[Context(kind)] if kind in CONTEXTS else ADVICE[Risk(kind)]


def advice_sources(drug: Drug, confidence: str, context: str) -> tuple[str, ...]:
    """Where the advice's facts come from (empty for advice that states no fact)."""
    kind = advice_kind(drug, confidence, context)
    if kind == "leaflet":
        return (drug.leaflet,)
    return ADVICE_SOURCES.get(kind, ())


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
        return advice_for(self.drug, self.confidence, self.context, self.shared_name)

    @property
    def name_origin(self) -> DrugName | None:
        """The catalog name the words were read as, with its kind and the authorities that list it."""
        wanted = self.matched_name.casefold()
        return next((n for n in self.drug.name_sources if n.name.casefold() == wanted), None)

    @property
    def shared_name(self) -> bool:
        """True when the words are a name another medicine or product bears too (TEFIN), not a misspelling."""
        origin = self.name_origin
        return origin is not None and origin.possible

    @property
    def counts(self) -> bool:
        """True for a sure finding (exact or likely) that the line does not deny: what flags a line."""
        return self.confidence != Confidence.POSSIBLE and self.context != Context.NEGATED

    @property
    def advice_sources(self) -> tuple[str, ...]:
        """Where the advice's facts come from."""
        return advice_sources(self.drug, self.confidence, self.context)


@dataclass(frozen=True)
class LineResult:
    """The findings for one non-empty input line (1-based line number)."""

    line: int
    input: str
    findings: tuple[Finding, ...] = ()

    @property
    def flagged(self) -> bool:
        """True when the line names a catalog drug at exact or likely confidence, and does not deny it."""
        return any(f.counts for f in self.findings)

    def flagged_at(self, tiers: frozenset[Risk]) -> bool:
        """True when a finding that counts is of one of these risk tiers (see risks_from)."""
        return any(f.counts and f.drug.risk in tiers for f in self.findings)


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

    def flagged_at(self, tiers: frozenset[Risk]) -> tuple[LineResult, ...]:
        """The flagged lines with a finding of one of these risk tiers."""
        return tuple(r for r in self.results if r.flagged_at(tiers))

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
