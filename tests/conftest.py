"""Shared fixtures: a tiny catalog written to disk, and helpers to write CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = "drug,fda_names,names,abbreviations,drug_class,evidence,note,sources,risk\n"
TINY_ROWS = (
    "clozapine,CLOZAPINE,Clozaril,,antipsychotic,labeled,ANC monitoring.,https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854,high\n"
    "methimazole,METHIMAZOLE,Tapazole,MMI,antithyroid,frequent,,https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854,high\n"
    "propylthiouracil,PROPYLTHIOURACIL,,PTU,antithyroid,frequent,,https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854,high\n"
    "vancomycin,VANCOMYCIN,Vancocin,,glycopeptide antibiotic,case-reports,,https://www.mayoclinic.org/symptoms/neutropenia/basics/definition/sym-20050854,high-dose\n"
    "sulfamethoxazole-trimethoprim,,co-trimoxazole;Bactrim,TMP-SMX,sulfonamide antibiotic,frequent,,PMID:17470834,high\n"
)


@pytest.fixture
def write(tmp_path: Path):
    """Write text to a file under tmp_path and return its path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path

    return _write


@pytest.fixture
def tiny_catalog_path(write) -> Path:
    """A valid five-drug catalog file of the packaged schema."""
    return write("tiny.csv", HEADER + TINY_ROWS)


@pytest.fixture
def sample_report():
    """One Report exercising every section: labeled, cytotoxic, history, possible and unmatched lines."""
    from medcheck.models import Drug, Finding, Label, LineResult, Report, Risk

    cloz = Drug("clozapine", "antipsychotic", "labeled", note="ANC monitoring.", sources=("PMID:1",),
                risk=Risk.HIGH, label=Label.BOXED_WARNING, label_source="setid:00000000-0000-0000-0000-000000000001",
                label_quote="severe neutropenia")
    cyclo = Drug("cyclophosphamide", "alkylating agent", "cytotoxic", sources=("PMID:2",), risk=Risk.EXPECTED)
    mmz = Drug("methimazole", "antithyroid", "frequent", sources=("PMID:1",), risk=Risk.HIGH)
    return Report(
        results=(
            LineResult(1, "cloZAPine 100 mg", (Finding(cloz, "cloZAPine", "clozapine", 100.0, "exact"),)),
            LineResult(2, "metformin 500 mg"),
            LineResult(3, "cyclofosfamide", (Finding(cyclo, "cyclofosfamide", "cyclophosphamide", 90.0, "likely"),)),
            LineResult(4, "Hx agranulocytosis on methimazole",
                       (Finding(mmz, "methimazole", "methimazole", 100.0, "exact", "history"),)),
            LineResult(6, "metimazol", (Finding(mmz, "metimazol", "methimazole", 90.0, "possible"),)),
        ),
        catalog_version="abc123",
    )
