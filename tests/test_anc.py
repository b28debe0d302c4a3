"""The ANC library: band edges, the differential formula, units, input checks, and the quotes behind the facts."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from medcheck import anc
from medcheck.anc import anc_from_differential, read_anc
from medcheck.errors import InputError

EXCERPTS = Path(__file__).resolve().parent / "data" / "anc_sources"
FILES = {"Mayo Clinic 2016": "mayo_clinic_2016.txt", "Mayo Clinic 2022": "mayo_clinic_2022.txt",
         "Medscape": "medscape_2021.txt"}


def excerpt(name: str) -> str:
    """The committed excerpt of a cited page, with runs of whitespace made one space."""
    return " ".join((EXCERPTS / FILES[name]).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("key", sorted(k for k, (src, _) in anc.QUOTES.items() if src in FILES))
def test_each_quote_is_in_its_page(key):
    source, quote = anc.QUOTES[key]
    assert quote in excerpt(source)


def test_every_page_quoted_has_an_excerpt_and_an_address():
    quoted = {src for src, _ in anc.QUOTES.values()}
    assert quoted - {"PMID:35994632", "SCNIR"} == set(FILES)
    for name in quoted:
        assert anc.SOURCES[name].locator.startswith("https://") or name.startswith("PMID:"), name


def test_warning_signs_are_the_mayo_clinic_list():
    text = excerpt("Mayo Clinic 2022").lower().replace("degrees f", "°f").replace("degrees c", "°c")
    listed = text.split("which may include:")[1].split("if you have neutropenia")[0]
    for sign in anc.WARNING_SIGNS:
        assert sign.lower() in listed, sign
    assert len(anc.WARNING_SIGNS) == listed.count("•")


def test_every_number_in_the_texts_is_a_cited_threshold():
    texts = [b.says for b in (*anc.BANDS, anc.NOT_LOW)] + list(anc.NOTES.values())
    numbers = {n for t in texts for n in re.findall(r"\d+(?:,\d{3})*", t) if n not in {"2016", "2022", "35994632"}}
    assert numbers == {"500", "999", "1,000", "1,499", "1,500"}


def test_grades_are_the_cited_clinical_words():
    assert anc.CATEGORIES == ("severe", "moderate", "mild", "normal")
    grades = excerpt("Medscape").lower()
    assert all(f"{c} neutropenia: anc" in grades for c in anc.CATEGORIES[:3])


@pytest.mark.parametrize(
    ("count", "category", "threshold", "low"),
    [
        ("0", "severe", 500, True),
        ("499", "severe", 500, True),
        ("499.9", "severe", 500, True),
        ("500", "moderate", 1000, True),
        ("999", "moderate", 1000, True),
        ("1000", "mild", 1500, True),
        ("1499", "mild", 1500, True),
        ("1500", "normal", 1500, False),
        ("1700", "normal", 1500, False),
        ("100000", "normal", 1500, False),
    ],
)
def test_band_edges(count, category, threshold, low):
    reading = read_anc(count)
    assert (reading.value, reading.category, reading.threshold, reading.low) == (Decimal(count), category, threshold, low)


@pytest.mark.parametrize(
    ("count", "single_test", "lower_baseline"),
    [
        ("999", True, False),
        ("1000", True, True),
        ("1499", True, True),
        ("1500", False, False),
        ("1700", False, False),
    ],
)
def test_notes(count, single_test, lower_baseline):
    notes = anc.notes(read_anc(count))
    assert (anc.NOTES["single_test"] in notes) is single_test
    assert (anc.NOTES["lower_baseline"] in notes) is lower_baseline
    assert notes[-1] == anc.NOTES["children"]  # the adult-threshold note is always there
    assert len(notes) == single_test + lower_baseline + 1


def test_interpretation_names_grade_and_sources():
    assert anc.interpretation(read_anc("800")) == (
        "500 to 999/µL: moderate neutropenia (Medscape); below 1,000/µL is always considered to be neutropenia, "
        "and even the normal bacteria from the mouth and digestive tract can cause serious infections (Mayo "
        "Clinic 2016)."
    )
    assert anc.interpretation(read_anc("1500")).startswith("Not neutropenia by the adult threshold")


def test_cited_sources():
    def names(reading, warn=False):
        return [s.name for s in anc.cited(reading, warn)]

    assert names(read_anc("2000")) == ["Mayo Clinic 2016"]
    assert names(read_anc("2000"), warn=True) == ["Mayo Clinic 2016", "Mayo Clinic 2022"]
    assert names(read_anc("1200")) == ["Mayo Clinic 2016", "Mayo Clinic 2022", "Medscape", "PMID:35994632"]
    assert names(read_anc("300")) == ["Mayo Clinic 2016", "Mayo Clinic 2022", "Medscape"]
    assert names(anc_from_differential("3500", "30", "1"))[-1] == "SCNIR"


# --- the formula --------------------------------------------------------------------------------

def test_formula_from_the_issue():
    reading = anc_from_differential("3500", "30", "1")
    assert reading.value == 1085  # 3500 × (30 + 1) / 100
    assert (reading.category, reading.threshold) == ("mild", 1500)
    assert reading.differential is not None
    assert (reading.differential.wbc, reading.differential.neutrophils, reading.differential.bands) == (3500, 30, 1)


@pytest.mark.parametrize(
    ("wbc", "neutrophils", "bands", "unit", "expected"),
    [
        ("3500", "30", "0", None, Decimal("1050")),
        ("3500", "30%", "1%", None, Decimal("1085")),
        ("3.5", "30", "1", "10^9/L", Decimal("1085")),
        ("2.0", "14.8", "5.0", "10^9/L", Decimal("396")),   # SCNIR's worked example: ANC 0.396 ×10^9/L
        ("3550", "31.5", "0", None, Decimal("1118.25")),
        ("4000", "100", "0", None, Decimal("4000")),        # the ANC can equal the white count, never exceed it
        ("4000", "0", "0", None, Decimal("0")),
    ],
)
def test_formula(wbc, neutrophils, bands, unit, expected):
    assert anc_from_differential(wbc, neutrophils, bands, unit).value == expected


def test_formula_edges_at_the_thresholds():
    assert anc_from_differential("5000", "29.98").category == "mild"      # 1,499
    assert anc_from_differential("5000", "30").category == "normal"     # 1,500
    assert anc_from_differential("2000", "49.95").category == "moderate"  # 999
    assert anc_from_differential("2000", "24.95").category == "severe"   # 499


# --- units --------------------------------------------------------------------------------------

@pytest.mark.parametrize("unit", ["10^9/L", "x10^9/L", "×10⁹/L", "10*9/L", "G/L", "10^3/uL", "10^3/µL", "K/uL",
                                  "x 10^9 / L"])
def test_giga_per_litre_aliases(unit):
    reading = read_anc("0.8", unit)
    assert reading.value == 800 and reading.category == "moderate"
    assert reading.entered == "0.8 ×10^9/L"


@pytest.mark.parametrize("unit", ["/uL", "/µL", "/μL", "cells/uL", "cells/µL", "/mm3", "/mm³", "cells/mm3", "uL"])
def test_per_microlitre_aliases(unit):
    reading = read_anc("800", unit)
    assert reading.value == 800 and reading.entered == ""


def test_conversion_is_exact_at_the_edges():
    assert read_anc("1.499", "10^9/L").category == "mild"
    assert read_anc("1.5", "10^9/L").category == "normal"
    assert read_anc("0.999", "10^9/L").category == "moderate"
    assert read_anc("0.5", "10^9/L").category == "moderate"


@pytest.mark.parametrize("unit", ["g/L", "mg", "10^6/L", "/L", "cells", ""])
def test_unknown_units(unit):
    with pytest.raises(InputError, match="unknown unit"):
        read_anc("800", unit)


@pytest.mark.parametrize("value", ["0.8", "1", "99.9", "100"])
def test_a_bare_number_up_to_100_needs_a_unit(value):
    with pytest.raises(InputError, match=r"needs a unit: add --unit 10\^9/L if it means"):
        read_anc(value)
    assert read_anc(value, "/uL").value == Decimal(value)


def test_a_bare_number_above_100_or_zero_is_per_microlitre():
    assert read_anc("100.5").value == Decimal("100.5")
    assert read_anc("101").value == 101
    assert read_anc("100", "10^9/L").value == 100_000  # the top of the accepted range
    assert read_anc("0").value == 0
    with pytest.raises(InputError, match="WBC 3.5 needs a unit"):
        anc_from_differential("3.5", "30")


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("-5", None, "ANC -5 is negative"),
        ("abc", None, "ANC must be a number such as 1500 or 0.8, not 'abc'"),
        ("", None, "ANC must be a number"),
        ("nan", None, "ANC must be a number"),
        ("inf", None, "ANC must be a number"),
        ("1e3", None, "ANC must be a number"),
        ("1" * 40, None, "ANC must be a number"),
        ("1,500", None, "without a comma"),
        ("0,8", "G/L", "without a comma"),
        ("100001", None, "ANC 100,001/µL is above the 100,000/µL medcheck accepts"),
        ("800", "10^9/L", "ANC 800 ×10^9/L is 800,000/µL, which is above the 100,000/µL"),
    ],
)
def test_bad_anc(value, unit, message):
    with pytest.raises(InputError, match=re.escape(message)):
        read_anc(value, unit)


def test_library_numbers():
    assert read_anc(800).value == 800
    assert read_anc(0.8, "10^9/L").value == 800
    assert read_anc(Decimal("1500")).category == "normal"
    for bad in (float("nan"), float("inf"), True):
        with pytest.raises(InputError):
            read_anc(bad)


@pytest.mark.parametrize(
    ("wbc", "neutrophils", "bands", "message"),
    [
        ("3500", "101", "0", "neutrophils 101% is over 100%"),
        ("3500", "30", "100.5", "bands 100.5% is over 100%"),
        ("3500", "-1", "0", "neutrophils -1 is negative"),
        ("3500", "30", "-1", "bands -1 is negative"),
        ("3500", "70", "31", "neutrophils 70% + bands 31% is over 100% of the white count"),
        ("3500", "thirty", "0", "neutrophils must be a number"),
        ("-3500", "30", "0", "WBC -3500 is negative"),
        ("150000", "30", "0", "WBC 150,000/µL is above the 100,000/µL"),
    ],
)
def test_bad_differential(wbc, neutrophils, bands, message):
    with pytest.raises(InputError, match=re.escape(message)):
        anc_from_differential(wbc, neutrophils, bands)


def test_format_count():
    assert [anc.format_count(Decimal(x)) for x in ("1085", "800.0", "1118.25", "0.80", "100000")] == [
        "1,085", "800", "1,118.25", "0.8", "100,000"]
