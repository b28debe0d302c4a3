"""Absolute neutrophil count (ANC): read a count or compute it from a differential, and place it against
cited thresholds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .errors import InputError
from .models import AncReading, Differential

# Every clinical fact medcheck prints about a neutrophil count is in this module, next to its source.
# QUOTES holds the exact sentences each fact rests on; tests/test_anc.py checks them against excerpts of
# the pages, kept in tests/data/anc_sources/.

MAYO_URL = "https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854"


@dataclass(frozen=True)
class Source:
    """A source cited in ANC output: the short name the texts use, and the full citation."""

    name: str
    origin: str
    locator: str = ""

    @property
    def citation(self) -> str:
        """The name, then what it is and where: Mayo Clinic ("Neutropenia ...", ...; https://...)."""
        return f"{self.name} ({self.origin}; {self.locator})" if self.locator else f"{self.name} ({self.origin})"


SOURCES: dict[str, Source] = {
    "Mayo Clinic 2016": Source("Mayo Clinic 2016", "\"Neutropenia (low neutrophil count)\", Mayo Clinic Staff, Mayo "
                                                   "Foundation for Medical Education and Research, Jan. 20, 2016",
                               MAYO_URL),
    "Mayo Clinic 2022": Source("Mayo Clinic 2022", "\"Neutropenia (low neutrophil count)\", Mayo Foundation for "
                                                   "Medical Education and Research, last updated Nov. 24, 2022",
                               MAYO_URL),
    "Medscape": Source("Medscape", "\"How is neutropenia classified?\", Medscape (WebMD), C. DeFaria, ed. E. C. Besa, "
                                   "May 20, 2021",
                       "https://www.medscape.com/answers/204821-157936/how-is-neutropenia-classified"),
    "PMID:35994632": Source("PMID:35994632", "Merz LE et al., Absolute neutrophil count by Duffy status among "
                                             "healthy Black and African American adults, Blood Adv 2023;7(3):317-320"),
    "SCNIR": Source("SCNIR", "Severe Chronic Neutropenia International Registry, University of Washington: "
                             "Calculating an Absolute Neutrophil Count", "https://scnir-neutropenia.uw.edu/?p=220"),
}

QUOTES: dict[str, tuple[str, str]] = {
    "adult_1500": ("Mayo Clinic 2016", "For adults, counts of less than 1,500 neutrophils per microliter of blood "
                                       "are considered to be neutropenia."),
    "children": ("Mayo Clinic 2016", "For children, the cell count indicating neutropenia varies with age."),
    "always_1000_500": ("Mayo Clinic 2016", "Neutrophil counts less than 1,000 neutrophils per microliter and "
                                            "especially counts of less than 500 neutrophils per microliter — are "
                                            "always considered to be neutropenia, where even the normal bacteria "
                                            "from your mouth and digestive tract can cause serious infections."),
    "lower_baseline": ("Mayo Clinic 2016", "Some people have lower-than-average neutrophil counts, but not an "
                                           "increased risk of infection."),
    "benign": ("Mayo Clinic 2022", "People can have neutropenia without an increased risk of infection. This is "
                                   "known as benign neutropenia."),
    "single_test": ("Mayo Clinic 2022", "A single blood test showing low levels of neutrophils doesn't necessarily "
                                        "mean you have neutropenia. These levels can vary from day to day, so if a "
                                        "blood test shows you have neutropenia, it needs to be repeated for "
                                        "confirmation."),
    "warning_signs": ("Mayo Clinic 2022", "If you've been diagnosed with neutropenia, call your doctor right away if "
                                          "you develop signs of an infection, which may include:"),
    "grades": ("Medscape", "Mild neutropenia: ANC 1000-1500 cells/µL Moderate neutropenia: ANC 500-1000/µL Severe "
                           "neutropenia: ANC < 500 cells/µL"),
    "duffy_null": ("PMID:35994632", "Many people of African ancestry have lower absolute neutrophil counts (ANCs) "
                                    "without increased risk for infection. This is associated with the Duffy-null "
                                    "phenotype"),
    "formula": ("SCNIR", "WBC x (percent of segs + percent of bands)/100 = ANC"),
}

# Categories, lowest count first: the grades of Medscape's page (QUOTES["grades"]), with Mayo Clinic's
# "less than 1,500" deciding that 1,500 itself is not neutropenia, so mild is 1,000 to 1,499.
NORMAL = "normal"  # means only "not below the adult threshold": high counts are not judged
ADULT_THRESHOLD = 1500  # Mayo Clinic 2016, QUOTES["adult_1500"]


@dataclass(frozen=True)
class Band:
    """Counts below `below` per microlitre fall in `category`; `says` is what the sources say about them."""

    below: int
    category: str
    says: str
    source: str


BANDS: tuple[Band, ...] = (
    Band(500, "severe",
         "Below 500/µL: severe neutropenia (Medscape); always considered to be neutropenia, and named \"especially\" "
         "among the counts where even the normal bacteria from the mouth and digestive tract can cause serious "
         "infections (Mayo Clinic 2016)", "Medscape"),
    Band(1000, "moderate",
         "500 to 999/µL: moderate neutropenia (Medscape); below 1,000/µL is always considered to be neutropenia, and "
         "even the normal bacteria from the mouth and digestive tract can cause serious infections (Mayo Clinic "
         "2016)", "Medscape"),
    Band(ADULT_THRESHOLD, "mild",
         "1,000 to 1,499/µL: mild neutropenia (Medscape); below 1,500/µL is considered to be neutropenia in adults "
         "(Mayo Clinic 2016)", "Medscape"),
)
NOT_LOW = Band(ADULT_THRESHOLD, NORMAL,
               "Not neutropenia by the adult threshold: counts below 1,500/µL are considered to be neutropenia in "
               "adults (Mayo Clinic 2016)", "Mayo Clinic 2016")
CATEGORIES: tuple[str, ...] = (*(b.category for b in BANDS), NORMAL)

NOTES = {
    "single_test": ("One low count does not necessarily mean neutropenia: counts vary from day to day, and a low "
                    "result needs to be repeated to confirm it (Mayo Clinic 2022)."),
    "lower_baseline": ("Some people have a lower-than-average count without a higher risk of infection (Mayo Clinic "
                       "2016; \"benign neutropenia\", Mayo Clinic 2022; \"Duffy-null associated neutrophil count\" "
                       "in PMID:35994632)."),
    "children": ("These are adult thresholds: for children the count that means neutropenia varies with age "
                 "(Mayo Clinic 2016)."),
}

WARNING_SIGNS_INTRO = ("For someone with neutropenia, Mayo Clinic's page says to call the doctor right away on "
                       "signs of an infection, which may include:")
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
    """What the cited sources say about the reading's category, each source named."""
    return band_of(reading.value).says + "."


def notes(reading: AncReading) -> tuple[str, ...]:
    """The context lines for a reading: one count is not a diagnosis, lower baselines, adult thresholds."""
    out: list[str] = []
    if reading.low:
        out.append(NOTES["single_test"])
    if reading.category == "mild":  # 1,000 to 1,499/µL: lower counts are always neutropenia (Mayo Clinic 2016)
        out.append(NOTES["lower_baseline"])
    out.append(NOTES["children"])
    return tuple(out)


def cited(reading: AncReading, warn: bool) -> tuple[Source, ...]:
    """The sources the interpretation cites (warn: the infection warning signs are shown too)."""
    names = ["Mayo Clinic 2016"]
    if reading.low or warn:
        names.append("Mayo Clinic 2022")
    if reading.low:
        names.append("Medscape")
    if reading.category == "mild":
        names.append("PMID:35994632")
    if reading.differential is not None:
        names.append("SCNIR")
    return tuple(SOURCES[n] for n in names)
