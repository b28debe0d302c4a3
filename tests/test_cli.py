"""The command line: `medcheck drugs`, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from medcheck.cli import cli
from medcheck.formatters import DRUG_FORMATTERS

from .conftest import HEADER


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=not ok)
    return result


def test_help_mentions_the_prescriber():
    result = run("--help")
    assert result.exit_code == 0
    assert "prescriber" in result.stdout


def test_drugs_json_contract():
    result = run("drugs", "clozapine", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert [r["drug"] for r in records] == ["clozapine"]
    assert set(records[0]) >= {"drug", "names", "abbreviations", "drug_class", "evidence", "note", "sources"}
    assert "CLOZARIL" in records[0]["names"]
    assert isinstance(records[0]["sources"], list) and records[0]["sources"]


def test_drugs_query_finds_brands_and_abbreviations():
    assert json.loads(run("drugs", "Tapazole", "--format", "json").stdout)[0]["drug"] == "methimazole"
    assert json.loads(run("drugs", "PTU", "--format", "json").stdout)[0]["drug"] == "propylthiouracil"


def test_drugs_lists_the_whole_catalog():
    records = json.loads(run("drugs", "--format", "json").stdout)
    assert len(records) >= 120


@pytest.mark.parametrize("fmt", sorted(DRUG_FORMATTERS))
def test_every_drug_format(fmt):
    result = run("drugs", "vancomycin", "--format", fmt)
    assert result.exit_code == 0
    assert "vancomycin" in result.stdout


def test_drugs_csv_has_a_header_and_one_row():
    lines = run("drugs", "dapsone", "--format", "csv").stdout.splitlines()
    assert lines[0].startswith("drug,names,abbreviations,drug_class,evidence")
    assert len(lines) == 2 and lines[1].startswith("dapsone,")


def test_drugs_no_match_text():
    result = run("drugs", "zzzz-not-a-drug")
    assert result.exit_code == 0
    assert "No catalog drug matches" in result.stdout


def test_user_drug_list(tiny_catalog_path):
    result = run("drugs", "--drug-list", str(tiny_catalog_path), "--format", "json")
    assert [r["drug"] for r in json.loads(result.stdout)][:2] == ["clozapine", "methimazole"]


def test_malformed_drug_list_is_one_line_and_exit_2(write):
    bad = write("bad.csv", HEADER + "clozapine,,,,antipsychotic,maybe,,seed\n")
    result = run("drugs", "--drug-list", str(bad), ok=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "bad.csv, line 2" in message and "evidence 'maybe'" in message
    assert "Traceback" not in result.output


def test_python_dash_m(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "medcheck", "drugs", "PTU", "--format", "csv"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )
    assert "propylthiouracil" in out.stdout


# --- medcheck check --------------------------------------------------------------------------

def test_check_file_flags_and_exits_1(write):
    meds = write("meds.txt", "cloZAPine 100 mg\nmetformin 500 mg\n")
    result = run("check", str(meds), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)  # stdout holds only the report
    assert [m["drug"] for r in doc["results"] for m in r["matches"]] == ["clozapine"]
    assert result.stderr.strip() == "medcheck: 2 lines checked; 1 flagged, 0 possible, 1 not matched."


def test_check_stdin_nothing_flagged_exits_0():
    result = CliRunner().invoke(cli, ["check"], input="metformin 500 mg\nlisinopril\n")
    assert result.exit_code == 0
    assert "No drug known to cause neutropenia" in result.stdout


def test_check_strict_counts_possible_and_unmatched():
    assert CliRunner().invoke(cli, ["check", "-"], input="metformin\n").exit_code == 0
    assert CliRunner().invoke(cli, ["check", "--strict", "-"], input="metformin\n").exit_code == 1


def test_check_missing_file_exits_2():
    result = run("check", "no-such-file.txt", ok=False)
    assert result.exit_code == 2
    assert "no-such-file.txt" in result.stderr and "Traceback" not in result.output


def test_check_bad_drug_list_exits_2(write):
    bad = write("bad.csv", "drug,evidence\nx,labeled\n")
    result = CliRunner().invoke(cli, ["check", "--drug-list", str(bad), "-"], input="clozapine\n")
    assert result.exit_code == 2
    assert "bad.csv, line 1: missing column(s)" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "markdown"])
def test_check_every_format(fmt):
    result = CliRunner().invoke(cli, ["check", "--format", fmt], input="clozapine\n")
    assert result.exit_code == 1
    assert "clozapine" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour when stdout is not a terminal


def test_check_text_never_says_stop_taking():
    result = CliRunner().invoke(cli, ["check"], input="clozapine\nAllergies: penicillin\nD/C'd carbamazepine\n")
    lowered = result.stdout.lower()
    assert "stop taking" not in lowered and "discontinue" not in lowered
    assert "talk to the prescriber" in lowered
