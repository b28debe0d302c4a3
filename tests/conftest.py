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
