"""Renderers: the full expected output of every format, from one shared Report."""

from __future__ import annotations

import csv
import io
import json

import pytest

from medcheck import __version__
from medcheck.formatters import (
    CLOSING,
    REPORT_FORMATTERS,
    render_csv,
    render_json,
    render_markdown,
    render_text,
    summary_line,
)
from medcheck.models import ADVICE_SOURCES, Report

HIGH = ("A strong, known cause of agranulocytosis (a sudden loss of neutrophils). Fever, chills, a sore throat or "
        "painful sores in the mouth while taking it need a doctor the same day, for a blood count (the neutrophil "
        "count). Talk to the prescriber or pharmacist about this risk, and follow the medicine's own leaflet.")


def test_every_format_renders_a_document_even_when_empty(sample_report):
    assert sorted(REPORT_FORMATTERS) == ["csv", "json", "markdown", "text"]
    for fmt, render in REPORT_FORMATTERS.items():
        assert render(sample_report), fmt
        assert render(Report(results=())), fmt
    assert json.loads(render_json(Report(results=())))["results"] == []


def test_text(sample_report):
    assert render_text(sample_report) == """\
Drugs known to cause neutropenia or agranulocytosis:

High risk: a known cause of agranulocytosis
  line 1: clozapine - antipsychotic; label: boxed warning
    cloZAPine 100 mg
    note: ANC monitoring.
  A strong, known cause of agranulocytosis (a sudden loss of neutrophils). Fever, chills, a sore
    throat or painful sores in the mouth while taking it need a doctor the same day, for a blood
    count (the neutrophil count). Talk to the prescriber or pharmacist about this risk, and follow
    the medicine's own leaflet.

Expected: low neutrophil counts come with this treatment (dose-related)
  line 3: cyclophosphamide - alkylating agent (read as 'cyclophosphamide', likely)
    cyclofosfamide
  Lowers the neutrophil count as an expected, dose-related effect; blood counts are usually checked
    during treatment. Talk to the prescriber about any fever or sign of infection.

Past use, allergies and reactions
  line 4: methimazole - antithyroid (history, risk: high)
    Hx agranulocytosis on methimazole
    Listed as an allergy, a reaction or past use of a strong, known cause of agranulocytosis. If it
      caused a blood reaction, make sure every prescriber and pharmacist knows: some medicines must
      not be given again after one (the UK licence of clozapine says so).

Possible matches: check the spelling, or which medicine is meant
  line 6: 'metimazol' - did you mean methimazole (antithyroid)?

No catalog drug found on line(s) 2. That is not a guarantee: check spelling and names.

Where the advice comes from:
  Federal Institute for Drugs and Medical Devices (BfArM), Germany: letter to healthcare
    professionals on metamizole and agranulocytosis, December 2024:
    https://www.bfarm.de/SharedDocs/Risikoinformationen/Pharmakovigilanz/EN/RHB/2024/rhb-metamizol.html
  University Hospitals Sussex NHS Foundation Trust: "Carbimazole/propylthiouracil (PTU) warning"
    (patient leaflet):
    https://www.uhsussex.nhs.uk/resources/carbimazole-propylthiouracil-ptu-warning/
  NHS Greater Glasgow and Clyde (Right Decisions): "Clozapine: re-challenge following neutropenic
    episode (red result)":
    https://rightdecisions.scot.nhs.uk/mypsych-app/working-in-greater-glasgow-clyde/medicines-companion/clozapine/re-challenge-following-neutropenic-episode-red-result

5 lines checked. Do not stop or change any medicine on your own: talk to the prescriber or pharmacist, and follow
the medicine's own leaflet.""".replace("and follow\nthe", "and follow the")


def test_text_groups_findings_by_risk_strongest_first():
    from medcheck.models import Drug, Finding, LineResult, Risk

    def line(n, tier):
        drug = Drug(f"drug{n}", "c", "case-reports", risk=tier)
        return LineResult(n, f"drug{n}", (Finding(drug, f"drug{n}", f"drug{n}", 100.0, "exact"),))

    text = render_text(Report(results=(line(1, Risk.RARE), line(2, Risk.HIGH_DOSE), line(3, Risk.HIGH),
                                       line(4, Risk.EXPECTED))))
    order = [text.index(f"line {n}: drug{n}") for n in (3, 4, 2, 1)]
    assert order == sorted(order)
    assert text.index("High risk") < text.index("Expected:") < text.index("At high doses") < text.index("Rarely")


def test_warning_signs_only_for_a_high_risk_drug():
    from medcheck.models import Drug, Finding, LineResult, Risk

    def report(tier):
        drug = Drug("x", "c", "case-reports", risk=tier)
        return Report(results=(LineResult(1, "x", (Finding(drug, "x", "x", 100.0, "exact"),)),))

    def words(tier):
        return " ".join((render_text(report(tier)) + render_json(report(tier)) + render_csv(report(tier))
                         + render_markdown(report(tier))).split())

    assert words(Risk.HIGH).count("a sore throat") == 4  # every format
    for tier in (Risk.EXPECTED, Risk.HIGH_DOSE, Risk.RARE):
        assert "sore throat" not in words(tier), tier
    assert "Rarely reported" in json.loads(render_json(report(Risk.RARE)))["results"][0]["matches"][0]["advice"]


def test_a_leaflet_with_an_instruction_is_pointed_to_not_contradicted():
    from medcheck.models import Drug, Finding, LineResult, Risk

    drug = Drug("carbimazole", "antithyroid", "frequent", risk=Risk.HIGH, leaflet="https://www.nhs.uk/x")
    report = Report(results=(LineResult(1, "carbimazole", (Finding(drug, "carbimazole", "carbimazole", 100.0, "exact"),)),))
    text = " ".join(render_text(report).split())
    assert "Its patient leaflet says what to do" in text and "(leaflet: https://www.nhs.uk/x)" in text
    assert "need a doctor the same day" not in text
    match = json.loads(render_json(report))["results"][0]["matches"][0]
    assert match["advice_sources"] == ["https://www.nhs.uk/x"]


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
        "confidence": "exact", "context": "current", "advice": HIGH,
        "risk": "high", "label": "boxed-warning", "label_source": "setid:00000000-0000-0000-0000-000000000001",
        "note": "ANC monitoring.", "advice_sources": list(ADVICE_SOURCES["warning_signs"]), "status": "flagged",
        "matched_name_kind": "", "matched_name_sources": [],  # this catalog drug lists no name sources
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
    assert rows[0]["advice"] == HIGH
    assert (rows[0]["risk"], rows[0]["label"], rows[0]["note"]) == ("high", "boxed-warning", "ANC monitoring.")
    assert rows[2]["risk"] == "expected" and rows[1]["risk"] == ""


def test_markdown(sample_report):
    lines = render_markdown(sample_report).splitlines()
    assert lines[0] == ("| line | input | drug | class | risk | label | confidence | context | status | note | advice "
                        "| read as |")
    assert lines[2] == ("| 1 | cloZAPine 100 mg | clozapine | antipsychotic | high | boxed warning | exact | current | "
                        f"flagged | ANC monitoring. | {HIGH} | clozapine |")
    assert lines[3] == "| 2 | metformin 500 mg | | | | | | | not matched | | | |"
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
  500 to 999/µL: moderate neutropenia (Medscape); below 1,000/µL is always considered to be neutropenia, and even the normal bacteria from the mouth and digestive tract can cause serious infections (Mayo Clinic 2016).
  One low count does not necessarily mean neutropenia: counts vary from day to day, and a low result needs to be repeated to confirm it (Mayo Clinic 2022).
  These are adult thresholds: for children the count that means neutropenia varies with age (Mayo Clinic 2016).
  For someone with neutropenia, Mayo Clinic's page says to call the doctor right away on signs of an infection, which may include:
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
    Mayo Clinic 2016 ("Neutropenia (low neutrophil count)", Mayo Clinic Staff, Mayo Foundation for Medical Education and Research, Jan. 20, 2016; https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854)
    Mayo Clinic 2022 ("Neutropenia (low neutrophil count)", Mayo Foundation for Medical Education and Research, last updated Nov. 24, 2022; https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854)
    Medscape ("How is neutropenia classified?", Medscape (WebMD), C. DeFaria, ed. E. C. Besa, May 20, 2021; https://www.medscape.com/answers/204821-157936/how-is-neutropenia-classified)"""


def test_text_with_anc_puts_the_section_before_the_sources_and_closing_line(sample_report):
    plain = render_text(sample_report)
    body, sources = plain.split("\n\nWhere the advice comes from:")
    text = render_text(with_anc(sample_report, "0.8", "10^9/L"))
    assert text == body + "\n\n" + ANC_800 + "\n\nWhere the advice comes from:" + sources
    assert text.endswith("\n\n5 lines checked. " + CLOSING)  # said once, last


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
    assert ("Mayo Clinic 2022" in text) is warns
    assert text.endswith(CLOSING)


def test_text_without_anc_has_no_anc_section(sample_report):
    assert "Neutrophil count" not in render_text(sample_report)
    assert "fever" not in render_text(nothing_flagged())


def test_text_with_anc_and_no_lines():
    text = render_text(with_anc(Report(results=()), "1200"))
    lines = text.splitlines()
    assert lines[:3] == ["No medication lines to check.", "", "Neutrophil count (ANC): 1,200/µL"]
    assert "  Some people have a lower-than-average count without a higher risk of infection (Mayo Clinic 2016; " \
           "\"benign neutropenia\", Mayo Clinic 2022; \"Duffy-null associated neutrophil count\" in PMID:35994632)." in lines
    assert lines[-2:] == ["", CLOSING]


def test_text_colour_with_anc_is_only_codes(sample_report):
    import re
    report = with_anc(sample_report, "300")
    assert re.sub(r"\x1b\[[0-9;]*m", "", render_text(report, color=True)) == render_text(report)


def test_json_anc_object(sample_report):
    doc = json.loads(render_json(with_anc(sample_report, "0.8", "G/L")))
    assert list(doc) == ["medcheck_version", "catalog_version", "results", "counts", "anc"]
    assert doc["results"] == json.loads(render_json(sample_report))["results"]
    assert doc["anc"] == {
        "value": 800,
        "unit": "/uL",
        "entered": "0.8 ×10^9/L",
        "category": "moderate",
        "threshold": 1000,
        "source": "Medscape (\"How is neutropenia classified?\", Medscape (WebMD), C. DeFaria, ed. E. C. Besa, "
                  "May 20, 2021; https://www.medscape.com/answers/204821-157936/how-is-neutropenia-classified)",
        "interpretation": "500 to 999/µL: moderate neutropenia (Medscape); below 1,000/µL is always considered to be "
                          "neutropenia, and even the normal bacteria from the mouth and digestive tract can cause "
                          "serious infections (Mayo Clinic 2016).",
        "notes": [
            "One low count does not necessarily mean neutropenia: counts vary from day to day, and a low result "
            "needs to be repeated to confirm it (Mayo Clinic 2022).",
            "These are adult thresholds: for children the count that means neutropenia varies with age (Mayo Clinic "
            "2016).",
        ],
    }


def test_json_without_anc_is_the_contract_plus_counts(sample_report):
    doc = json.loads(render_json(sample_report))
    assert list(doc) == ["medcheck_version", "catalog_version", "results", "counts"]
    assert doc["counts"] == {"lines": 5, "flagged": 3, "possible": 1, "negated": 0, "not_matched": 1}


def test_every_format_says_the_same_of_each_line(sample_report):
    """CSV, Markdown and JSON agree on each line's status, and the counts agree with stderr's summary line."""
    csv_status = [(r["line"], r["status"]) for r in csv.DictReader(io.StringIO(render_csv(sample_report)))]
    md_status = [(cells[1].strip(), cells[9].strip()) for cells in
                 (row.split("|") for row in render_markdown(sample_report).splitlines()[2:7])]
    doc = json.loads(render_json(sample_report))
    json_status = [(str(r["line"]), m["status"]) for r in doc["results"] for m in r["matches"]] + [
        (str(r["line"]), "not matched") for r in doc["results"] if not r["matches"]]
    assert csv_status == md_status == [("1", "flagged"), ("2", "not matched"), ("3", "flagged"), ("4", "flagged"),
                                       ("6", "possible")]
    assert sorted(json_status) == sorted(csv_status)
    c = doc["counts"]
    assert summary_line(sample_report) == (f"medcheck: {c['lines']} lines checked; {c['flagged']} flagged, "
                                           f"{c['possible']} possible, {c['not_matched']} not matched.")


def test_matched_names_are_shown_in_one_case_style():
    from medcheck.formatters import shown_name

    assert [shown_name(n) for n in ("TEGRETOL", "methotrexate", "TMP-SMZ", "5-FU", "Leponex", "CLZ")] == [
        "Tegretol", "methotrexate", "TMP-SMZ", "5-FU", "Leponex", "CLZ"]


def test_json_anc_value_keeps_a_fraction():
    from dataclasses import replace

    from medcheck.anc import anc_from_differential
    doc = json.loads(render_json(replace(nothing_flagged(), anc=anc_from_differential("3550", "31.5"))))
    assert doc["anc"]["value"] == 1118.25 and doc["anc"]["category"] == "mild"
    assert doc["anc"]["computed_from"]["wbc"] == 3550 and "entered" not in doc["anc"]


def test_csv_with_anc_appends_columns_and_keeps_the_rest(sample_report):
    from medcheck.formatters import ANC_CSV_FIELDS, CSV_FIELDS
    plain = list(csv.reader(io.StringIO(render_csv(sample_report))))
    rows = list(csv.reader(io.StringIO(render_csv(with_anc(sample_report, "1499")))))
    assert rows[0] == CSV_FIELDS + ANC_CSV_FIELDS
    assert [r[:len(CSV_FIELDS)] for r in rows] == plain
    source = ("Medscape (\"How is neutropenia classified?\", Medscape (WebMD), C. DeFaria, ed. E. C. Besa, May 20, "
              "2021; https://www.medscape.com/answers/204821-157936/how-is-neutropenia-classified)")
    assert all(r[len(CSV_FIELDS):] == ["1499", "/uL", "mild", "1500", source] for r in rows[1:])
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
        "(Mayo Clinic 2016).",
    ]
    # a high-risk drug is flagged, so the infection warning signs are listed though the count is normal
    assert any(line.startswith("- For someone with neutropenia, Mayo Clinic's page says") for line in section)
    assert lines[-1] == plain[-1]


def test_markdown_with_anc_normal_and_nothing_flagged():
    text = render_markdown(with_anc(nothing_flagged(), "2000"))
    assert "### Neutrophil count (ANC): 2,000/µL" in text and "fever" not in text


def test_anc_formatters():
    from medcheck.anc import anc_from_differential
    from medcheck.formatters import FORMATTERS
    ANC_FORMATTERS = FORMATTERS["anc"]
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
    assert doc["anc"]["value"] == 1085 and doc["anc"]["category"] == "mild" and doc["anc"]["threshold"] == 1500
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


def _read_as(kind: str, *sources: str) -> Report:
    from medcheck.models import Drug, DrugName, Finding, LineResult

    name = DrugName("DOMIDE CAPSULES", kind, fuzzy=False, sources=sources)
    drug = Drug("thalidomide", "immunomodulatory agent", "case-reports", name_sources=(name,))
    finding = Finding(drug, "DOMIDE", "DOMIDE CAPSULES", 100.0, "exact")
    return Report(results=(LineResult(1, "DOMIDE 10 mg", (finding,)),), catalog_version="x")


def test_a_brand_one_country_alone_lists_is_said_to_be_so_in_every_format():
    """The same word may be another medicine elsewhere (DOMIDE: thalidomide in Singapore, lenalidomide in Colombia)."""
    report = _read_as("brand", "Singapore HSA SIN16362P")
    assert "(read as 'Domide Capsules', a brand medcheck knows only from Singapore)" in render_text(report)
    assert "| Domide Capsules, a brand medcheck knows only from Singapore |" in render_markdown(report)
    match = json.loads(render_json(report))["results"][0]["matches"][0]
    assert (match["matched_name_kind"], match["matched_name_sources"]) == ("brand", ["Singapore HSA SIN16362P"])
    row = next(csv.DictReader(io.StringIO(render_csv(report))))
    assert (row["matched_name_kind"], row["matched_name_sources"]) == ("brand", "Singapore HSA SIN16362P")


@pytest.mark.parametrize("kind, sources", [
    ("brand", ("Singapore HSA SIN16362P", "FDA UNII X")),  # the FDA list knows it too
    ("brand", ("Singapore HSA SIN16362P", "Turkey TİTCK 1")),  # two countries
    ("generic", ("Singapore HSA SIN16362P",)),  # a generic name means the same everywhere
])
def test_a_name_known_beyond_one_country_gets_no_such_note(kind, sources):
    assert "knows only from" not in render_text(_read_as(kind, *sources))


def _shared_name(name: str, drug: str, drug_class: str, written: str, *sources: str) -> Report:
    """A report of one possible match: `written`, read as `name`, a name of `drug` that another medicine bears."""
    from medcheck.models import Drug, DrugName, Finding, LineResult

    origin = DrugName(name, "brand", fuzzy=False, sources=sources, possible=True)
    finding = Finding(Drug(drug, drug_class, "case-reports", name_sources=(origin,)), written, name, 100.0, "possible")
    return Report(results=(LineResult(1, f"{written} 200 mg", (finding,)),), catalog_version="x")


@pytest.mark.parametrize("name, drug, drug_class, written, sources, said", [
    ("TEFIN", "ibuprofen", "nsaid", "Tefin",
     ("Ireland PCRS 62983", "another medicine in Brazil CMED 7898095341039 (CLORIDRATO DE BUTENAFINA)"),
     "'Tefin' - may be ibuprofen (nsaid): a brand medcheck knows only from Ireland, and another medicine's "
     "name in Brazil"),
    ("METHOCEL", "methotrexate", "antimetabolite", "Methocel",  # the first word of another substance's names
     ("Peru DIGEMID 44522", "another medicine in FDA UNII 0HO1H52958 (HYPROMELLOSE 2910 (10000 MPA.S))"),
     "'Methocel' - may be methotrexate (antimetabolite): a brand medcheck knows only from Peru, and the first "
     "word of another substance's names in the FDA substance list"),
])
def test_a_name_another_medicine_bears_says_so_among_the_possible_matches(name, drug, drug_class, written, sources,
                                                                          said):
    report = _shared_name(name, drug, drug_class, written, *sources)
    assert said in render_text(report)
    match = json.loads(render_json(report))["results"][0]["matches"][0]
    assert match["matched_name_sources"] == list(sources) and match["status"] == "possible"
    assert match["advice"].startswith(f"Possible match only: this name is given to {drug} and to another")


def test_every_register_the_name_build_reads_has_its_country():
    """medcheck.sources.REGISTER_COUNTRIES must name each register authority of data/names_build.json."""
    from importlib.resources import files

    from medcheck.sources import REGISTER_COUNTRIES

    build = json.loads(files("medcheck.data").joinpath("names_build.json").read_text(encoding="utf-8"))
    registers = {a["name"] for a in build["authorities"] if "extract" in a}
    assert registers and registers == set(REGISTER_COUNTRIES)

