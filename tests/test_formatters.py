"""Renderers: the full expected output of every format, from one shared Report."""

from __future__ import annotations

import csv
import io
import json

import pytest

from medcheck import __version__
from medcheck.formatters import (
    CLOSING, FORMATTERS, render_csv, render_json, render_markdown, render_text, summary_line, warning_signs_paragraph,
)
from medcheck.models import Report

CURRENT = ("Known to cause neutropenia or agranulocytosis in some people. Do not stop or change it on your own: "
           "talk to the prescriber or pharmacist about this risk.")


def test_every_format_renders_a_document_even_when_empty(sample_report):
    assert sorted(FORMATTERS) == ["csv", "json", "markdown", "text"]
    for fmt, render in FORMATTERS.items():
        assert render(sample_report), fmt
        assert render(Report(results=())), fmt
    assert json.loads(render_json(Report(results=())))["results"] == []


def test_text(sample_report):
    assert render_text(sample_report) == """\
Drugs known to cause neutropenia or agranulocytosis:

US label warning (boxed warning or monitoring requirement)
  line 1: clozapine - antipsychotic
    cloZAPine 100 mg
    note: ANC monitoring.

Chemotherapy: low neutrophil counts are expected and dose-related
  line 3: cyclophosphamide - alkylating agent (read as 'cyclophosphamide', likely)
    cyclofosfamide

Past use, allergies and reactions
  line 4: methimazole - antithyroid (history, evidence: frequent)
    Hx agranulocytosis on methimazole

Possible matches: check the spelling
  line 6: 'metimazol' - did you mean methimazole (antithyroid)?

No catalog drug found on line(s) 2. That is not a guarantee: check spelling and names.

For someone with neutropenia, seed 003 says to call the doctor right away on signs of an infection,
which may include: fever above 100.4 °F (38 °C); chills and sweats; a new or worsening cough;
shortness of breath; a mouth sore; a sore throat; any changes in urination; a stiff neck; diarrhea;
vomiting; redness or swelling around any area where skin is broken or cut; new vaginal discharge;
new pain.

5 lines checked. Do not stop or change any medicine on your own: talk to the prescriber or pharmacist."""


def test_text_colour_is_only_codes(sample_report):
    coloured = render_text(sample_report, color=True)
    assert "\x1b[" in coloured
    import re
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_text(sample_report)


def test_text_nothing_found():
    from medcheck.models import LineResult
    text = render_text(Report(results=(LineResult(1, "metformin"),)))
    assert text.startswith("No drug known to cause neutropenia or agranulocytosis was found.")


def test_json_contract(sample_report):
    doc = json.loads(render_json(sample_report))
    assert doc["medcheck_version"] == __version__ and doc["catalog_version"] == "abc123"
    assert [r["line"] for r in doc["results"]] == [1, 2, 3, 4, 6]
    assert doc["results"][1] == {"line": 2, "input": "metformin 500 mg", "matches": []}
    assert doc["results"][0]["matches"] == [{
        "drug": "clozapine", "drug_class": "antipsychotic", "evidence": "labeled",
        "matched_text": "cloZAPine", "matched_name": "clozapine", "score": 100.0,
        "confidence": "exact", "context": "current", "advice": CURRENT,
    }]
    assert doc["results"][4]["matches"][0]["advice"].startswith("Possible match only: check the spelling.")


def test_csv(sample_report):
    rows = list(csv.DictReader(io.StringIO(render_csv(sample_report))))
    assert [(r["line"], r["drug"], r["confidence"], r["context"]) for r in rows] == [
        ("1", "clozapine", "exact", "current"),
        ("2", "", "", ""),
        ("3", "cyclophosphamide", "likely", "current"),
        ("4", "methimazole", "exact", "history"),
        ("6", "methimazole", "possible", "current"),
    ]
    assert rows[0]["advice"] == CURRENT


def test_markdown(sample_report):
    lines = render_markdown(sample_report).splitlines()
    assert lines[0] == "| line | input | drug | class | evidence | confidence | context |"
    assert lines[2] == "| 1 | cloZAPine 100 mg | clozapine | antipsychotic | labeled | exact | current |"
    assert lines[3] == "| 2 | metformin 500 mg | | | | not matched | |"
    assert lines[-1].startswith("_5 lines checked.")


def test_summary_line(sample_report):
    assert summary_line(sample_report) == "medcheck: 5 lines checked; 3 flagged, 1 possible, 1 not matched."


# --- the neutrophil count ----------------------------------------------------------------------

def with_anc(report, value, unit=None):
    from dataclasses import replace

    from medcheck.anc import read_anc
    return replace(report, anc=read_anc(value, unit))


def nothing_flagged():
    from medcheck.models import LineResult
    return Report(results=(LineResult(1, "metformin 500 mg"),))


ANC_800 = """\
Neutrophil count (ANC): 800/µL (entered as 0.8 ×10^9/L)
  Below 1,000/µL: always considered to be neutropenia; even the normal bacteria from the mouth and digestive tract can cause serious infections (seed 004).
  One low count does not necessarily mean neutropenia: counts vary from day to day, and a low result needs to be repeated to confirm it (seed 003).
  Other thresholds: seed 002 defines neutropenia in adults as 1,700/µL or fewer; for children the count that means neutropenia varies with age (seeds 002, 004). medcheck uses seed 004's adult thresholds.
  For someone with neutropenia, seed 003 says to call the doctor right away on signs of an infection, which may include:
    - fever above 100.4 °F (38 °C)
    - chills and sweats
    - a new or worsening cough
    - shortness of breath
    - a mouth sore
    - a sore throat
    - any changes in urination
    - a stiff neck
    - diarrhea
    - vomiting
    - redness or swelling around any area where skin is broken or cut
    - new vaginal discharge
    - new pain
  Sources:
    seed 002 (a patient page on neutropenia; the file names no publisher; 002_8ebd99148b718c38.txt)
    seed 003 ("Neutropenia (low neutrophil count)", Mayo Foundation for Medical Education and Research; 003_c34622827c8f57e9.txt)
    seed 004 ("Neutropenia (low neutrophil count)", Mayo Clinic, Jan. 20, 2016: http://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854; 004_21d516908f5e603b.txt)"""


def test_text_with_anc_puts_the_section_before_the_closing_line(sample_report):
    plain = render_text(sample_report)
    signs = "\n".join(warning_signs_paragraph())
    assert "\n\n" + signs + "\n\n" in plain  # without an ANC, the warning signs stand alone
    body, _, closing = plain.replace("\n\n" + signs, "").rpartition("\n\n")
    text = render_text(with_anc(sample_report, "0.8", "10^9/L"))
    assert text == body + "\n\n" + ANC_800 + "\n\n" + closing
    assert closing == "5 lines checked. " + CLOSING  # said once, last


@pytest.mark.parametrize(
    ("value", "flagged", "warns"),
    [("1499", False, True), ("300", False, True), ("1500", True, True), ("1500", False, False), ("5000", False, False)],
)
def test_text_warning_signs_when_low_or_flagged(sample_report, value, flagged, warns):
    report = with_anc(sample_report if flagged else nothing_flagged(), value)
    assert bool(report.flagged) is flagged
    text = render_text(report)
    assert ("call the doctor right away" in text) is warns
    assert ("fever above 100.4 °F (38 °C)" in text) is warns
    assert ("seed 003" in text) is warns
    assert text.endswith("Do not stop or change any medicine on your own: talk to the prescriber or pharmacist.")


def test_text_without_anc_has_no_anc_section(sample_report):
    assert "Neutrophil count" not in render_text(sample_report)
    assert "fever" not in render_text(nothing_flagged())


def test_text_with_anc_and_no_lines():
    text = render_text(with_anc(Report(results=()), "1200"))
    lines = text.splitlines()
    assert lines[:3] == ["No medication lines to check.", "", "Neutrophil count (ANC): 1,200/µL"]
    assert "  Some people have a lower-than-average count without a higher risk of infection (seed 004; " \
           "\"benign neutropenia\" in seed 003; \"Duffy-null associated neutrophil count\" in PMID:35994632)." in lines
    assert lines[-2:] == ["", CLOSING]


def test_text_colour_with_anc_is_only_codes(sample_report):
    import re
    report = with_anc(sample_report, "300")
    assert re.sub(r"\x1b\[[0-9;]*m", "", render_text(report, color=True)) == render_text(report)


def test_json_anc_object(sample_report):
    doc = json.loads(render_json(with_anc(sample_report, "0.8", "G/L")))
    assert list(doc) == ["medcheck_version", "catalog_version", "results", "anc"]
    assert doc["results"] == json.loads(render_json(sample_report))["results"]
    assert doc["anc"] == {
        "value": 800,
        "unit": "/uL",
        "entered": "0.8 ×10^9/L",
        "category": "neutropenia_below_1000",
        "threshold": 1000,
        "source": "seed 004 (\"Neutropenia (low neutrophil count)\", Mayo Clinic, Jan. 20, 2016: "
                  "http://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854; "
                  "004_21d516908f5e603b.txt)",
        "interpretation": "Below 1,000/µL: always considered to be neutropenia; even the normal bacteria from the "
                          "mouth and digestive tract can cause serious infections (seed 004).",
        "notes": [
            "One low count does not necessarily mean neutropenia: counts vary from day to day, and a low result "
            "needs to be repeated to confirm it (seed 003).",
            "Other thresholds: seed 002 defines neutropenia in adults as 1,700/µL or fewer; for children the count "
            "that means neutropenia varies with age (seeds 002, 004). medcheck uses seed 004's adult thresholds.",
        ],
    }


def test_json_without_anc_is_the_contract_unchanged(sample_report):
    assert list(json.loads(render_json(sample_report))) == ["medcheck_version", "catalog_version", "results"]


def test_json_anc_value_keeps_a_fraction():
    from dataclasses import replace

    from medcheck.anc import anc_from_differential
    doc = json.loads(render_json(replace(nothing_flagged(), anc=anc_from_differential("3550", "31.5"))))
    assert doc["anc"]["value"] == 1118.25 and doc["anc"]["category"] == "neutropenia"
    assert doc["anc"]["computed_from"]["wbc"] == 3550 and "entered" not in doc["anc"]


def test_csv_with_anc_appends_columns_and_keeps_the_rest(sample_report):
    from medcheck.formatters import ANC_CSV_FIELDS, CSV_FIELDS
    plain = list(csv.reader(io.StringIO(render_csv(sample_report))))
    rows = list(csv.reader(io.StringIO(render_csv(with_anc(sample_report, "1499")))))
    assert rows[0] == CSV_FIELDS + ANC_CSV_FIELDS
    assert [r[:len(CSV_FIELDS)] for r in rows] == plain
    source = "seed 004 (\"Neutropenia (low neutrophil count)\", Mayo Clinic, Jan. 20, 2016: http://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854; 004_21d516908f5e603b.txt)"
    assert all(r[len(CSV_FIELDS):] == ["1499", "/uL", "neutropenia", "1500", source] for r in rows[1:])
    assert len(rows) == len(plain)


def test_markdown_with_anc(sample_report):
    lines = render_markdown(with_anc(sample_report, "2000")).splitlines()
    plain = render_markdown(sample_report).splitlines()
    assert lines[:len(plain) - 2] == plain[:-2]  # the table is unchanged
    section = lines[len(plain) - 2:-2]
    assert section[:4] == [
        "",
        "### Neutrophil count (ANC): 2,000/µL",
        "",
        "Not neutropenia by the adult threshold: counts below 1,500/µL are considered to be neutropenia in adults "
        "(seed 004).",
    ]
    assert any(line.startswith("- For someone with neutropenia, seed 003 says") for line in section)  # a drug is flagged
    assert lines[-1] == plain[-1]


def test_markdown_with_anc_normal_and_nothing_flagged():
    text = render_markdown(with_anc(nothing_flagged(), "2000"))
    assert "### Neutrophil count (ANC): 2,000/µL" in text and "fever" not in text


def test_anc_formatters():
    from medcheck.anc import anc_from_differential
    from medcheck.formatters import ANC_FORMATTERS
    reading = anc_from_differential("3.5", "30", "1", unit="10^9/L")
    assert sorted(ANC_FORMATTERS) == ["json", "text"]
    text = ANC_FORMATTERS["text"](reading)
    assert text.splitlines()[:2] == [
        "Neutrophil count (ANC): 1,085/µL, from WBC 3,500/µL (entered as 3.5 ×10^9/L) × (30% neutrophils + 1% bands) / 100",
        "  Formula: WBC × (segmented neutrophils % + band neutrophils %) / 100 (SCNIR).",
    ]
    assert "    SCNIR (Severe Chronic Neutropenia International Registry, University of Washington: Calculating an " \
           "Absolute Neutrophil Count; https://scnir-neutropenia.uw.edu/?p=220)" in text.splitlines()
    assert text.endswith("\n\n" + CLOSING)
    doc = json.loads(ANC_FORMATTERS["json"](reading))
    assert doc["medcheck_version"] == __version__
    assert doc["anc"]["value"] == 1085 and doc["anc"]["category"] == "neutropenia" and doc["anc"]["threshold"] == 1500
    assert doc["anc"]["computed_from"] == {
        "wbc": 3500, "wbc_entered": "3.5 ×10^9/L", "neutrophils_percent": 30, "bands_percent": 1,
        "formula": "WBC × (segmented neutrophils % + band neutrophils %) / 100",
        "formula_source": "SCNIR (Severe Chronic Neutropenia International Registry, University of Washington: "
                          "Calculating an Absolute Neutrophil Count; https://scnir-neutropenia.uw.edu/?p=220)",
    }


def test_csv_cells_copied_from_the_input_are_spreadsheet_safe():
    from medcheck.models import Drug, Finding, LineResult

    cloz = Drug("clozapine", "antipsychotic", "labeled")
    report = Report(results=(
        LineResult(1, "=HYPERLINK(\"x\")"),
        LineResult(2, "-clozapine", (Finding(cloz, "-clozapine", "clozapine", 100.0, "exact"),)),
        LineResult(3, "@SUM(1)"), LineResult(4, "+1"), LineResult(5, "clozapine = 100 mg"),
    ))
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [r["input"] for r in rows] == ["'=HYPERLINK(\"x\")", "'-clozapine", "'@SUM(1)", "'+1", "clozapine = 100 mg"]
    assert rows[1]["matched_text"] == "'-clozapine"
    assert [r["input"] for r in json.loads(render_json(report))["results"]][:2] == ["=HYPERLINK(\"x\")", "-clozapine"]
