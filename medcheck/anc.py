"""Absolute neutrophil count (ANC): read a count or compute it from a differential, and place it against cited thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .errors import InputError
from .models import AncReading, Differential

# Every clinical fact medcheck prints about a neutrophil count is in this module, next to its source.
# QUOTES holds the exact sentences each fact rests on; tests/test_anc.py checks them against the seed files.


@dataclass(frozen=True)
class Source:
    """A source cited in ANC output: a short name, what it is as the source itself shows it, and where it is."""

    name: str
    origin: str
    locator: str = ""

    @property
    def citation(self) -> str:
        """The name, then the origin and locator in brackets: seed 004 ("...", ...; 004_....txt)."""
        return f"{self.name} ({self.origin}; {self.locator})" if self.locator else f"{self.name} ({self.origin})"


SOURCES: dict[str, Source] = {
    "seed 002": Source("seed 002", "a patient page on neutropenia; the file names no publisher",
                       "002_8ebd99148b718c38.txt"),
    "seed 003": Source("seed 003", "\"Neutropenia (low neutrophil count)\", Mayo Foundation for Medical Education "
                                   "and Research", "003_c34622827c8f57e9.txt"),
    # The file names no publisher; its sentences are those of Mayo Clinic's page of Jan. 20, 2016 (found
    # with the search tool: "By Mayo Clinic Staff", the 1,500 / 1,000 / 500 sentences word for word).
    "seed 004": Source("seed 004", "\"Neutropenia (low neutrophil count)\", Mayo Clinic, Jan. 20, 2016: "
                                   "http://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854",
                       "004_21d516908f5e603b.txt"),
    "PMID:35994632": Source("PMID:35994632", "Merz LE et al., Absolute neutrophil count by Duffy status among "
                                             "healthy Black and African American adults, Blood Adv 2023;7(3):317-320"),
    "SCNIR": Source("SCNIR", "Severe Chronic Neutropenia International Registry, University of Washington: "
                             "Calculating an Absolute Neutrophil Count", "https://scnir-neutropenia.uw.edu/?p=220"),
}

QUOTES: dict[str, tuple[str, str]] = {
    "adult_1500": ("seed 004", "For adults, counts of less than 1,500 neutrophils per microliter of blood are "
                               "considered to be neutropenia."),
    "children_004": ("seed 004", "For children, the cell count indicating neutropenia varies with age."),
    "always_1000_500": ("seed 004", "Neutrophil counts less than 1,000 neutrophils per microliter and especially "
                                    "counts of less than 500 neutrophils per microliter — are always considered to "
                                    "be neutropenia, where even the normal bacteria from your mouth and digestive "
                                    "tract can cause serious infections."),
    "lower_baseline_004": ("seed 004", "Some people have lower-than-average neutrophil counts, but not an increased "
                                       "risk of infection."),
    "benign_003": ("seed 003", "People can have neutropenia without an increased risk of infection. This is known as "
                               "benign neutropenia."),
    "adult_1700": ("seed 002", "Generally, neutropenia is defined as 1,700 or fewer neutrophiles per microliter of "
                               "blood in adults."),
    "children_002": ("seed 002", "Cell count for children varies with age."),
    "single_test": ("seed 003", "A single blood test showing low levels of neutrophils doesn't necessarily mean you "
                                "have neutropenia. These levels can vary from day to day, so if a blood test shows "
                                "you have neutropenia, it needs to be repeated for confirmation."),
    "warning_signs": ("seed 003", "If you've been diagnosed with neutropenia, call your doctor right away if you "
                                  "develop signs of an infection, which may include:"),
    "duffy_null": ("PMID:35994632", "Many people of African ancestry have lower absolute neutrophil counts (ANCs) "
                                    "without increased risk for infection. This is associated with the Duffy-null "
                                    "phenotype"),
    "formula": ("SCNIR", "WBC x (percent of segs + percent of bands)/100 = ANC"),
}

# Categories, lowest count first. Seed 004 names no grades such as mild, moderate or severe, so the
# categories carry its numbers instead of inventing grade names.
NORMAL = "normal"  # the word; it means only "not below the adult threshold": high counts are not judged
ADULT_THRESHOLD = 1500  # seed 004, QUOTES["adult_1500"]
SEED_002_THRESHOLD = 1700  # seed 002, QUOTES["adult_1700"]: "1,700 or fewer", so 1,700 itself counts


@dataclass(frozen=True)
class Band:
    """Counts below `below` per microlitre fall in `category`; `says` is what the source says about them."""

    below: int
    category: str
    says: str
    source: str


BANDS: tuple[Band, ...] = (
    Band(500, "neutropenia_below_500",
         "Below 500/µL: always considered to be neutropenia, and named \"especially\" among the counts where even "
         "the normal bacteria from the mouth and digestive tract can cause serious infections", "seed 004"),
    Band(1000, "neutropenia_below_1000",
         "Below 1,000/µL: always considered to be neutropenia; even the normal bacteria from the mouth and "
         "digestive tract can cause serious infections", "seed 004"),
    Band(ADULT_THRESHOLD, "neutropenia", "Below 1,500/µL: considered to be neutropenia in adults", "seed 004"),
)
NOT_LOW = Band(ADULT_THRESHOLD, NORMAL,
               "Not neutropenia by the adult threshold: counts below 1,500/µL are considered to be neutropenia in "
               "adults", "seed 004")
CATEGORIES: tuple[str, ...] = (*(b.category for b in BANDS), NORMAL)

NOTES = {
    "single_test": ("One low count does not necessarily mean neutropenia: counts vary from day to day, and a low "
                    "result needs to be repeated to confirm it (seed 003)."),
    "lower_baseline": ("Some people have a lower-than-average count without a higher risk of infection (seed 004; "
                       "\"benign neutropenia\" in seed 003; \"Duffy-null associated neutrophil count\" in "
                       "PMID:35994632)."),
    "other_thresholds": ("Other thresholds: seed 002 defines neutropenia in adults as 1,700/µL or fewer; for "
                         "children the count that means neutropenia varies with age (seeds 002, 004). medcheck uses "
                         "seed 004's adult thresholds."),
    "seed_002_applies": ("Seed 002 would call this count neutropenia: it defines neutropenia in adults as 1,700/µL "
                         "or fewer. For children the count that means neutropenia varies with age (seeds 002, 004)."),
}

WARNING_SIGNS_INTRO = ("For someone with neutropenia, seed 003 says to call the doctor right away on signs of an "
                       "infection, which may include:")
WARNING_SIGNS: tuple[str, ...] = (
    "fever above 100.4 °F (38 °C)",
    "chills and sweats",
    "a new or worsening cough",
    "shortness of breath",
    "a mouth sore",
    "a sore throat",
    "any changes in urination",
    "a stiff neck",
    "diarrhea",
    "vomiting",
    "redness or swelling around any area where skin is broken or cut",
    "new vaginal discharge",
    "new pain",
)

FORMULA = "WBC × (segmented neutrophils % + band neutrophils %) / 100"

# --- units and input checks ---------------------------------------------------------------------

PER_UL = "/uL"          # UCUM code for "per microlitre", used in JSON and CSV
GIGA_PER_L = "10^9/L"       # 1 x 10^9/L = 1,000/µL (10^9 cells in 10^6 µL)
UNIT_FACTORS = {PER_UL: 1, GIGA_PER_L: 1000}
_UNIT_ALIASES = {
    PER_UL: {"/ul", "ul", "cells/ul", "/mm^3", "/mm3", "cells/mm^3", "cells/mm3"},
    GIGA_PER_L: {"10^9/l", "x10^9/l", "10^3/ul", "x10^3/ul", "k/ul"},
}
UNIT_HELP = "/uL (cells per microlitre, also /µL, cells/uL, /mm3) or 10^9/L (also x10^9/L, G/L, 10^3/uL, K/uL)"

# Not a clinical limit: a guard against unit slips such as "800" typed with --unit 10^9/L. medcheck reads
# low counts; any count a person would bring to it is far below this.
MAX_PER_UL = 100_000
# A bare number up to this is within MAX_PER_UL read in either unit (100 x 10^9/L is 100,000/µL), so
# medcheck asks which one was meant instead of guessing.
AMBIGUOUS_UP_TO = MAX_PER_UL // UNIT_FACTORS[GIGA_PER_L]


def parse_unit(text: str) -> str:
    """The canonical unit (PER_UL or GIGA_PER_L) for a unit as written; InputError for anything else."""
    compact = "".join(text.split())
    if compact == "G/L":  # giga per litre; lower-case g/L would be grams per litre, so case matters here
        return GIGA_PER_L
    key = (compact.replace("µ", "u").replace("μ", "u").replace("×", "x").replace("*", "^")
           .replace("⁹", "^9").replace("³", "^3").lower())
    for unit, aliases in _UNIT_ALIASES.items():
        if key in aliases:
            return unit
    raise InputError(f"unknown unit {text!r}; use {UNIT_HELP}")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)")
_MAX_CHARS = 32


def parse_number(text: str | int | float | Decimal, what: str) -> Decimal:
    """A non-negative number written plainly (no exponent, NaN or infinity); InputError naming `what` otherwise."""
    if isinstance(text, bool):
        raise InputError(f"{what} must be a number, not {text!r}")
    raw = str(text).strip()
    if "," in raw:
        raise InputError(f"{what} {raw!r}: write the number without a comma (1500, or 0.8 with a decimal point)")
    if len(raw) > _MAX_CHARS or not _PLAIN_NUMBER.fullmatch(raw):
        raise InputError(f"{what} must be a number such as 1500 or 0.8, not {raw!r}")
    number = Decimal(raw)
    if number < 0:
        raise InputError(f"{what} {raw} is negative")
    return number


def _count_per_ul(text: str | int | float | Decimal, unit: str | None, what: str) -> tuple[Decimal, str]:
    """A cell count converted to per microlitre, and how it was entered when that was not per microlitre."""
    number = parse_number(text, what)
    canonical = parse_unit(unit) if unit is not None else PER_UL
    if unit is None and 0 < number <= AMBIGUOUS_UP_TO:
        raise InputError(
            f"{what} {format_count(number)} needs a unit: add --unit 10^9/L if it means "
            f"{format_count(number * UNIT_FACTORS[GIGA_PER_L])}/µL, or --unit /uL if it means cells per microlitre"
        )
    per_ul = number * UNIT_FACTORS[canonical]
    entered = "" if canonical == PER_UL else f"{format_count(number)} ×10^9/L"
    if per_ul > MAX_PER_UL:
        shown = f"{entered} is {format_count(per_ul)}/µL, which is" if entered else f"{format_count(per_ul)}/µL is"
        raise InputError(
            f"{what} {shown} above the {MAX_PER_UL:,}/µL medcheck accepts (a guard against unit slips); "
            "check the value and its unit"
        )
    return per_ul, entered


def parse_percent(text: str | int | float | Decimal, what: str) -> Decimal:
    """A percentage from 0 to 100 (a trailing % is allowed); InputError otherwise."""
    raw = text.strip().removesuffix("%") if isinstance(text, str) else text
    number = parse_number(raw, what)
    if number > 100:
        raise InputError(f"{what} {format_count(number)}% is over 100%")
    return number


def format_count(number: Decimal) -> str:
    """A number with thousands separators and no trailing zeros: 1085, 1,118.25, 0.8."""
    reduced = number.normalize()
    if reduced == reduced.to_integral_value():
        return f"{int(reduced):,}"
    return f"{reduced:,f}"


def band_of(per_ul: Decimal) -> Band:
    """The band a count per microlitre falls in (NOT_LOW when it is not below the adult threshold)."""
    return next((band for band in BANDS if per_ul < band.below), NOT_LOW)


def read_anc(value: str | int | float | Decimal, unit: str | None = None) -> AncReading:
    """An ANC as given (cells per microlitre unless `unit` says 10^9/L), validated and classified.

    A bare number above 0 and up to 100 raises InputError: it could be either unit, so medcheck asks for one.
    """
    per_ul, entered = _count_per_ul(value, unit, "ANC")
    band = band_of(per_ul)
    return AncReading(per_ul, band.category, band.below, entered)


def anc_from_differential(
    wbc: str | int | float | Decimal,
    neutrophils: str | int | float | Decimal,
    bands: str | int | float | Decimal = 0,
    unit: str | None = None,
) -> AncReading:
    """The ANC from a white count (per microlitre unless `unit` says 10^9/L) and the segmented-neutrophil and
    band percentages: WBC × (neutrophils % + bands %) / 100 (QUOTES["formula"])."""
    wbc_per_ul, entered = _count_per_ul(wbc, unit, "WBC")
    segs = parse_percent(neutrophils, "neutrophils")
    band_pct = parse_percent(bands, "bands")
    if segs + band_pct > 100:
        raise InputError(
            f"neutrophils {format_count(segs)}% + bands {format_count(band_pct)}% is over 100% of the white count"
        )
    per_ul = wbc_per_ul * (segs + band_pct) / 100
    band = band_of(per_ul)
    return AncReading(per_ul, band.category, band.below, entered, Differential(wbc_per_ul, segs, band_pct))


def interpretation(reading: AncReading) -> str:
    """What the cited source says about the reading's category, with the source named."""
    band = band_of(reading.value)
    return f"{band.says} ({band.source})."


def notes(reading: AncReading) -> tuple[str, ...]:
    """The context lines for a reading: one count is not a diagnosis, lower baselines, other thresholds."""
    out: list[str] = []
    if reading.low:
        out.append(NOTES["single_test"])
    if reading.category == "neutropenia":  # 1,000 to 1,499/µL: seed 004 says lower counts are always neutropenia
        out.append(NOTES["lower_baseline"])
    if not reading.low and reading.value <= SEED_002_THRESHOLD:
        out.append(NOTES["seed_002_applies"])
    else:
        out.append(NOTES["other_thresholds"])
    return tuple(out)


def cited(reading: AncReading, warn: bool) -> tuple[Source, ...]:
    """The sources the interpretation cites (warn: the infection warning signs are shown too)."""
    names = ["seed 002"]
    if reading.low or warn:
        names.append("seed 003")
    names.append("seed 004")
    if reading.category == "neutropenia":
        names.append("PMID:35994632")
    if reading.differential is not None:
        names.append("SCNIR")
    return tuple(SOURCES[n] for n in names)
