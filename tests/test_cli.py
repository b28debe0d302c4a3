"""The command line: `medcheck drugs`, exit codes and one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcheck.cli import cli
from medcheck.formatters import FORMATTERS

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


def test_drugs_shows_where_each_name_comes_from():
    """A pharmacist can see why a word matches: each name with its authorities and its match mode."""
    record = json.loads(run("drugs", "clozapine", "--format", "json").stdout)[0]
    by_name = {n["name"].casefold(): n for n in record["name_sources"]}
    leponex = by_name["leponex"]
    assert leponex["kind"] == "brand" and leponex["match"] == "fuzzy"
    assert any(s.startswith("FDA UNII ") for s in leponex["sources"])
    assert any(s.startswith("France BDPM ") for s in leponex["sources"])
    assert by_name["clz"]["kind"] == "abbreviation" and by_name["clz"]["match"] == "exact"
    assert all(n["sources"] for n in record["name_sources"])
    text = run("drugs", "clozapine").stdout
    assert "names, and where each comes from:" in text and "France BDPM" in text
    csv_text = run("drugs", "clozapine", "--format", "csv").stdout
    assert "France BDPM" in csv_text.splitlines()[1]


def test_drugs_lists_the_whole_catalog():
    records = json.loads(run("drugs", "--format", "json").stdout)
    assert len(records) >= 120


@pytest.mark.parametrize("fmt", sorted(FORMATTERS["drugs"]))
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
    bad = write("bad.csv", HEADER + "clozapine,,,,antipsychotic,maybe,,seed,rare\n")
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


def test_check_a_denied_drug_exits_0_and_is_shown_apart():
    result = CliRunner().invoke(cli, ["check", "--format", "json"], input="no dipyrone\nPatient refuses clozapine\n")
    assert result.exit_code == 0
    contexts = [m["context"] for r in json.loads(result.stdout)["results"] for m in r["matches"]]
    assert contexts == ["negated", "negated"]
    text = CliRunner().invoke(cli, ["check"], input="no dipyrone\n")
    assert text.exit_code == 0 and "Said not to be taken (not counted)" in text.stdout
    assert "1 said not to be taken" in text.stderr


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


def test_check_naughty_strings_one_result_per_line_nothing_flagged():
    """The Big List of Naughty Strings through the real CLI: no crash, exit 0, one result per non-empty line."""
    raw = (Path(__file__).parent / "data" / "blns.txt").read_bytes()
    result = CliRunner().invoke(cli, ["check", "--format", "json"], input=raw, catch_exceptions=False)
    assert "Traceback" not in result.output
    assert result.exit_code == 0, [r for r in json.loads(result.stdout)["results"] if r["matches"]]
    results = json.loads(result.stdout)["results"]
    lines = raw.decode("utf-8").splitlines()  # as the CLI reads it; check_lines skips blank lines
    expected = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    assert len(results) == len(expected)
    assert [(r["line"], r["input"]) for r in results] == expected
    assert [m for r in results for m in r["matches"]] == []  # no finding of any confidence


def test_check_text_never_says_stop_taking():
    result = CliRunner().invoke(cli, ["check"], input="clozapine\nAllergies: penicillin\nD/C'd carbamazepine\n")
    lowered = result.stdout.lower()
    assert "stop taking" not in lowered and "discontinue" not in lowered
    assert "talk to the prescriber" in lowered


# --- the neutrophil count: check --anc and medcheck anc ---------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "csv", "markdown"])
def test_check_anc_every_format(fmt):
    result = CliRunner().invoke(cli, ["check", "--anc", "0.8", "--unit", "10^9/L", "--format", fmt], input="clozapine\n")
    assert result.exit_code == 1
    assert "clozapine" in result.stdout
    assert ("moderate" if fmt in ("json", "csv") else "500 to 999/µL: moderate neutropenia") in result.stdout
    assert result.stderr.strip() == "medcheck: 1 line checked; 1 flagged, 0 possible, 0 not matched."


def test_check_anc_json_key():
    result = CliRunner().invoke(cli, ["check", "--anc", "1500", "--format", "json"], input="metformin\n")
    doc = json.loads(result.stdout)
    assert {k: doc["anc"][k] for k in ("value", "unit", "category", "threshold")} == {
        "value": 1500, "unit": "/uL", "category": "normal", "threshold": 1500}
    assert doc["anc"]["source"].startswith("Mayo Clinic 2016 (")


def test_a_low_anc_alone_does_not_change_checks_exit_code():
    result = CliRunner().invoke(cli, ["check", "--anc", "300"], input="metformin 500 mg\n")
    assert result.exit_code == 0
    assert "Below 500/µL: severe neutropenia" in result.stdout and "fever above 100.4 °F (38 °C)" in result.stdout


def test_check_text_warning_signs_only_when_low_or_flagged():
    def text(anc: str, meds: str) -> str:
        return CliRunner().invoke(cli, ["check", "--anc", anc], input=meds).stdout

    assert "call the doctor right away" in text("1499", "metformin\n")
    assert "call the doctor right away" in text("4000", "clozapine\n")
    assert "call the doctor right away" not in text("1500", "metformin\n")
    assert "stop taking" not in text("300", "clozapine\n").lower()


def test_check_text_gives_the_warning_signs_for_a_high_risk_drug_without_an_anc():
    def text(meds: str) -> str:
        return " ".join(CliRunner().invoke(cli, ["check"], input=meds).stdout.split())

    flagged = text("clozapine 100 mg\n")
    assert "Fever, chills, a sore throat or painful sores in the mouth while taking it need a doctor the same day" in flagged
    assert "Federal Institute for Drugs and Medical Devices (BfArM)" in flagged  # the advice's source, by name
    for meds in ("ibuprofen 400 mg\n", "metformin\n", "penicillin 500 mg\n"):  # rare, no drug, a possible match
        assert "same day" not in text(meds), meds
    assert "Rarely reported" in text("ibuprofen 400 mg\n")


def test_anc_command_formula_and_exit_1_when_low():
    result = run("anc", "--wbc", "3500", "--neutrophils", "30", "--bands", "1", ok=False)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "Neutrophil count (ANC): 1,085/µL, from WBC 3,500/µL × (30% neutrophils + 1% bands) / 100\n")
    assert "https://scnir-neutropenia.uw.edu/?p=220" in result.stdout
    assert "fever above 100.4 °F (38 °C)" in result.stdout
    assert result.stdout.rstrip().endswith("talk to the prescriber or pharmacist, and follow the medicine's own leaflet.")


def test_anc_command_exit_0_when_not_low_and_json():
    result = run("anc", "--wbc", "6.0", "--neutrophils", "50", "--unit", "x10^9/L", "--format", "json", ok=False)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert (doc["anc"]["value"], doc["anc"]["category"]) == (3000, "normal")
    assert doc["anc"]["computed_from"]["bands_percent"] == 0


def test_anc_help_documents_exit_codes_and_formula():
    out = run("anc", "--help").stdout
    assert "Exit codes: 0 not below 1,500/µL, 1 below it (neutropenia in adults, Mayo Clinic), 2 bad input." in " ".join(
        out.split())
    assert "Severe Chronic Neutropenia International Registry" in " ".join(out.split())
    assert "10^9/L" in out
    assert "A low --anc alone does not make it 1." in " ".join(run("check", "--help").stdout.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--anc", "-5"], "ANC -5 is negative"),
        (["check", "--anc", "abc"], "ANC must be a number such as 1500 or 0.8, not 'abc'"),
        (["check", "--anc", "nan"], "ANC must be a number"),
        (["check", "--anc", "0.8"], "ANC 0.8 needs a unit: add --unit 10^9/L if it means 800/µL"),
        (["check", "--anc", "800", "--unit", "10^9/L"], "is 800,000/µL, which is above the 100,000/µL"),
        (["check", "--anc", "800", "--unit", "mg/dL"], "unknown unit 'mg/dL'"),
        (["check", "--unit", "10^9/L"], "--unit is the unit of --anc; give --anc too"),
        (["anc", "--wbc", "3500", "--neutrophils", "101"], "neutrophils 101% is over 100%"),
        (["anc", "--wbc", "3500", "--neutrophils", "-2"], "neutrophils -2 is negative"),
        (["anc", "--wbc", "3500", "--neutrophils", "90", "--bands", "20"], "is over 100% of the white count"),
        (["anc", "--wbc", "many", "--neutrophils", "30"], "WBC must be a number"),
        (["anc", "--wbc", "3.5", "--neutrophils", "30"], "WBC 3.5 needs a unit"),
        (["anc", "--wbc", "-3500", "--neutrophils", "30"], "WBC -3500 is negative"),
    ],
)
def test_anc_bad_input_is_one_line_and_exit_2(args, message):
    result = CliRunner().invoke(cli, args, input="clozapine\n")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_anc_command_needs_wbc_and_neutrophils():
    result = run("anc", "--neutrophils", "30", ok=False)
    assert result.exit_code == 2 and "--wbc" in result.stderr


def test_done_when_example_of_risk_tiers():
    """printf 'clozapine 100 mg\\nibuprofen 400 mg\\n' | medcheck check --format json -"""
    result = CliRunner().invoke(cli, ["check", "--format", "json", "-"], input="clozapine 100 mg\nibuprofen 400 mg\n")
    matches = [r["matches"][0] for r in json.loads(result.stdout)["results"]]
    assert [(m["drug"], m["risk"]) for m in matches] == [("clozapine", "high"), ("ibuprofen", "rare")]
    assert "same day" in matches[0]["advice"] and matches[0]["advice_sources"]
    assert matches[1]["advice"].startswith("Rarely reported")
    assert all(m["evidence"] and m["label"] and "note" in m for m in matches)  # fields are only ever added


def test_check_min_risk_sets_the_exit_code():
    def code(meds: str, *args: str) -> int:
        return CliRunner().invoke(cli, ["check", *args, "-"], input=meds).exit_code

    assert code("ibuprofen 400 mg\n") == 1
    assert code("ibuprofen 400 mg\n", "--min-risk", "high") == 0
    assert code("ibuprofen 400 mg\nclozapine\n", "--min-risk", "high") == 1
    assert code("vancomycin\n", "--min-risk", "expected") == 0 and code("vancomycin\n", "--min-risk", "high-dose") == 1
    assert code("ibuprofen\n", "--min-risk", "severe") == 2


WORDS = "clozapine 100 mg\nibuprofen 400 mg\nhistory of carbimazole\nno dipyrone\nmetotrexate\nxyzzy\n"


@pytest.mark.parametrize(
    "args",
    [
        *(["check", "--format", f, "--anc", a, "-"] for f in ("text", "json", "csv", "markdown") for a in ("300", "1200", "4000")),
        *(["drugs", "--format", f] for f in ("text", "json", "csv")),
        *(["drugs", "clozapine", "--format", f] for f in ("text", "json", "csv")),
        *(["anc", "--wbc", w, "--neutrophils", "30", "--format", f] for f in ("text", "json") for w in ("1000", "9000")),
        ["--help"], ["check", "--help"], ["batch", "--help"], ["drugs", "--help"], ["anc", "--help"],
    ],
)
def test_no_internal_names_in_any_output(args):
    result = CliRunner().invoke(cli, args, input=WORDS)
    text = (result.stdout + result.stderr).lower()
    assert text and "seed" not in text and not re.search(r"\d{3}_[0-9a-f]{16}", text), args  # nor a seed file


def test_no_internal_names_in_batch_output_or_summary(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("pid,medication\n" + "".join(f"p{i},{line}\n" for i, line in enumerate(WORDS.splitlines())))
    for fmt in ("json", "md"):
        summary = tmp_path / f"s.{fmt}"
        result = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "o.csv"), "--summary",
                                          "--id-column", "pid", "--summary-file", str(summary)])
        text = (result.stdout + result.stderr + (tmp_path / "o.csv").read_text() + summary.read_text()).lower()
        assert "seed" not in text
