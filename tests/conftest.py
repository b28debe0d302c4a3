"""Shared fixtures: a tiny catalog written to disk, and helpers to write CSV files."""

from __future__ import annotations

from pathlib import Path

import pytest

HEADER = "drug,fda_names,names,abbreviations,drug_class,evidence,note,sources\n"
TINY_ROWS = (
    "clozapine,CLOZAPINE,Clozaril,,antipsychotic,labeled,ANC monitoring.,seed:003_c34622827c8f57e9.txt\n"
    "methimazole,METHIMAZOLE,Tapazole,MMI,antithyroid,frequent,,seed:003_c34622827c8f57e9.txt\n"
    "propylthiouracil,PROPYLTHIOURACIL,,PTU,antithyroid,frequent,,seed:003_c34622827c8f57e9.txt\n"
    "vancomycin,VANCOMYCIN,Vancocin,,glycopeptide antibiotic,case-reports,,seed:003_c34622827c8f57e9.txt\n"
    "sulfamethoxazole-trimethoprim,,co-trimoxazole;Bactrim,TMP-SMX,sulfonamide antibiotic,frequent,,PMID:17470834\n"
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
    from medcheck.models import Drug, Finding, LineResult, Report

    cloz = Drug("clozapine", "antipsychotic", "labeled", note="ANC monitoring.", sources=("seed:x",))
    cyclo = Drug("cyclophosphamide", "alkylating agent", "cytotoxic", sources=("label",))
    mmz = Drug("methimazole", "antithyroid", "frequent", sources=("PMID:1",))
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
