"""Renderers: the full expected output of every format, from one shared Report."""

from __future__ import annotations

import csv
import io
import json

from medcheck import __version__
from medcheck.formatters import FORMATTERS, render_csv, render_json, render_markdown, render_text, summary_line
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
