"""medcheck batch and check_frame: every row and value kept, encodings, delimiters, formats, errors."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from medcheck.annotate import OUTPUT_COLUMNS, check_frame
from medcheck.batch import run_batch
from medcheck.cli import cli
from medcheck.errors import InputError

DATA = Path(__file__).parent / "data"
SPECTRUM = DATA / "csv-spectrum"


def read_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def invoke(*args: str):
    return CliRunner().invoke(cli, ["batch", *args])


def test_synthea_export_round_trips_and_flags(tmp_path):
    src = DATA / "synthea_medications.csv.gz"
    out = tmp_path / "flagged.csv"
    result = invoke(str(src), "-o", str(out), "--summary", "--id-column", "PATIENT")
    assert result.exit_code == 1, result.output
    original, flagged = read_rows(src), read_rows(out)
    assert len(original) == len(flagged) == 17_226
    assert flagged[0] == original[0] + list(OUTPUT_COLUMNS)
    assert all(row[: len(o)] == o for o, row in zip(original, flagged))
    by_desc = {row[6]: row[-7:] for row in flagged[1:]}
    assert by_desc["vancomycin 1000 MG Injection"][:2] == ["true", "vancomycin"]
    assert by_desc["Carbamazepine[Tegretol]"][:2] == ["true", "carbamazepine"]
    assert by_desc["Penicillin G 375 MG/ML Injectable Solution"][:2] == ["true", "penicillin g"]
    assert by_desc["clonazePAM 0.25 MG Oral Tablet"] == ["false", "", "", "", "", "", ""]
    assert by_desc["Penicillin V Potassium 250 MG Oral Tablet"] == ["false", "", "", "", "", "", ""]
    assert "vancomycin [high-dose]: 31 (31)" in result.stderr
    assert result.stderr.count("17,225 rows checked") == 1  # said once, on the last line
    flagged_rows = sum(row[-7] == "true" for row in flagged[1:])
    assert result.stderr.splitlines()[-1] == f"medcheck: 17,225 rows checked; {flagged_rows:,} flagged."


def test_summary_and_rows_survive_the_cache_starting_afresh(tmp_path, monkeypatch):
    """On endless free text the result cache restarts (flat memory): outputs and counts must not change."""
    import medcheck.annotate
    import medcheck.batch
    import medcheck.exports

    src = tmp_path / "in.csv"
    lines = free_text_lines(30_000, seed=5)
    src.write_text("id,medication\n" + "".join(f"{i % 997},{line}\n" for i, line in enumerate(lines)), encoding="utf-8")
    monkeypatch.setattr(medcheck.exports, "BLOCK", 1 << 16)  # many batches
    normal = run_batch(src, tmp_path / "a.csv", id_column="id")
    monkeypatch.setattr(medcheck.annotate.ResultCache, "LIMIT", 50)
    restarts = []
    trim = medcheck.annotate.ResultCache.trim

    def counting_trim(self, force=False):
        before = self.rows if not force else None
        trim(self, force)
        restarts.append(self.rows is not before)

    monkeypatch.setattr(medcheck.annotate.ResultCache, "trim", counting_trim)
    restarted = run_batch(src, tmp_path / "b.csv", id_column="id")
    assert sum(restarts) > 5
    assert restarted.as_dict() == normal.as_dict() and normal.flagged_rows > 1000
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


SPECTRUM_FILES = sorted(p.name for p in (SPECTRUM / "csvs").glob("*.csv"))


@pytest.mark.parametrize("name", SPECTRUM_FILES)
def test_csv_spectrum_values_unchanged(tmp_path, name):
    src = SPECTRUM / "csvs" / name
    with open(src, encoding="utf-8", newline="") as f:
        expected = list(csv.DictReader(f))  # Python's csv module is the reference parse
    out = tmp_path / "out.csv"
    first = next(csv.reader(open(src, encoding="utf-8", newline="")))
    result = invoke(str(src), "-o", str(out), "--column", first[0])
    assert result.exit_code in (0, 1), result.output
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [{k: v for k, v in r.items() if not k.startswith("medcheck_")} for r in rows] == expected


# location_coordinates.json names another phone number than its CSV; newlines_crlf.json turns the CRLF inside
# a quoted value into LF, where medcheck keeps the value as written.
JSON_MISMATCHES = {"location_coordinates.csv", "newlines_crlf.csv"}


@pytest.mark.parametrize("name", [n for n in SPECTRUM_FILES if n not in JSON_MISMATCHES])
def test_csv_spectrum_reference_parse_matches_its_json(name):
    """The corpus's expected parses agree with the reference parse used above."""
    expected = json.loads((SPECTRUM / "json" / name.replace(".csv", ".json")).read_text(encoding="utf-8"))
    with open(SPECTRUM / "csvs" / name, encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == expected


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


ROWS = [["id", "medication", "zip"], ["001", "cloZAPine 100 mg", "02134"], ["002", "", ""], ["003", "café au lait", "NA"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings(tmp_path, encoding):
    src = write_csv(tmp_path / "in.csv", ROWS, encoding=encoding)
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 1, result.output
    rows = read_rows(out)  # output is always UTF-8
    assert [r[:3] for r in rows] == ROWS
    assert rows[1][3:5] == ["true", "clozapine"]
    assert ("not UTF-8" in result.stderr) == (encoding == "cp1252")


def late_cp1252_export(path: Path, rows: int) -> bytes:
    """An export that looks like UTF-8 for its first `rows` rows, then has a cp1252 byte (é as 0xE9)."""
    body = "".join(f"{i:04d},clozapine {i % 50} mg\n" for i in range(rows)) + "9999,café 2 mg\n"
    data = ("id,medication\n" + body).encode("cp1252")
    path.write_bytes(data)
    return data


def test_a_file_that_stops_being_utf8_after_the_first_block_is_read_again_as_cp1252(tmp_path, monkeypatch):
    """Into a file, only the first block is checked up front; the run starts again when pyarrow finds the byte."""
    import medcheck.annotate
    import medcheck.batch
    import medcheck.exports
    from medcheck.cli import Progress

    monkeypatch.setattr(medcheck.exports, "BLOCK", 1 << 12)  # the cp1252 byte is many blocks in
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    data = late_cp1252_export(src, 2000)
    assert b"\xe9" not in data[: 1 << 13] and data.count(b"\xe9") == 1
    stream = io.StringIO()
    summary = run_batch(src, out, progress=Progress(stream))
    rows = read_rows(out)
    assert len(rows) == 2002 and rows[-1][:2] == ["9999", "café 2 mg"] and rows[1][2:4] == ["true", "clozapine"]
    assert summary.rows == 2001 and summary.notes == [f"{src} is not UTF-8; read it as Windows-1252 (cp1252)"]
    assert stream.getvalue().split("\r")[-1].startswith("2,001 rows, ")  # the first attempt's rows taken back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]  # no temporary file left


def test_stdout_output_checks_the_whole_file_first(tmp_path, monkeypatch):
    """On stdout nothing written can be taken back, so the encoding is settled before the first row."""
    import medcheck.annotate
    import medcheck.batch
    import medcheck.exports

    monkeypatch.setattr(medcheck.exports, "BLOCK", 1 << 12)
    src = tmp_path / "in.csv"
    late_cp1252_export(src, 2000)
    result = invoke(str(src))
    assert result.exit_code == 1 and "not UTF-8" in result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 2002 and rows[-1][:2] == ["9999", "café 2 mg"]


def test_carriage_returns_inside_quoted_values_are_kept(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b'id,medication\r\n1,"clozapine 25 mg\r\nat night"\r\n2,"a\rb"\r\n3,metformin\r\n')
    assert invoke(str(src), "-o", str(out)).exit_code == 1
    rows = read_rows(out)
    assert [r[:2] for r in rows[1:]] == [["1", "clozapine 25 mg\r\nat night"], ["2", "a\rb"], ["3", "metformin"]]


def test_read_ahead_yields_work_in_order_then_raises_where_the_reader_failed():
    import time

    from medcheck.batch import _ReadAhead

    def items():
        yield from range(6)
        raise InputError("bad row 7")

    def work(item):
        time.sleep(0.02 * (item % 2))  # odd items finish after the even item after them
        return item * 10

    with _ReadAhead(items(), work, workers=2) as stream, pytest.raises(InputError, match="bad row 7"):
        got = []
        for item in stream:
            got.append(item)
    assert got == [0, 10, 20, 30, 40, 50]


def test_read_ahead_raises_a_work_error_in_its_place():
    from medcheck.batch import _ReadAhead

    def work(item):
        if item == 3:
            raise InputError("cannot cut item 3")
        return item

    got = []
    with _ReadAhead(iter(range(10)), work) as stream, pytest.raises(InputError, match="item 3"):
        for item in stream:
            got.append(item)
    assert got == [0, 1, 2]


def test_read_ahead_thread_stops_when_the_consumer_stops():
    from medcheck.batch import _ReadAhead

    made = []

    def endless():
        while True:
            made.append(len(made))
            yield made[-1]

    with _ReadAhead(endless(), lambda item: item, depth=2) as stream:
        assert next(iter(stream)) == 0
    stream._thread.join(timeout=5)
    assert not stream._thread.is_alive() and len(made) <= 5  # depth 2 ahead, not the whole iterator


@pytest.mark.parametrize("delimiter, suffix", [(",", ".csv"), (";", ".csv"), ("\t", ".tsv"), ("|", ".txt"), ("\t", ".txt")])
def test_delimiters(tmp_path, delimiter, suffix):
    src = write_csv(tmp_path / f"in{suffix}", ROWS, delimiter=delimiter)
    out = tmp_path / "out.csv"
    assert invoke(str(src), "-o", str(out)).exit_code == 1
    assert [r[:3] for r in read_rows(out)] == ROWS


def test_values_are_never_retyped(tmp_path):
    """Leading zeros, empty cells, 'NA', numbers and dates come back as written."""
    src = write_csv(tmp_path / "in.csv", ROWS + [["004", "metformin", "1e5"], ["005", "x", "2024-01-02"]])
    out = tmp_path / "out.csv"
    invoke(str(src), "-o", str(out))
    assert [r[:3] for r in read_rows(out)] == ROWS + [["004", "metformin", "1e5"], ["005", "x", "2024-01-02"]]


def test_gzip_input_and_stdout(tmp_path):
    src = tmp_path / "in.csv.gz"
    with gzip.open(src, "wt", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(ROWS)
    result = invoke(str(src))
    assert result.exit_code == 1
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [r[:3] for r in rows] == ROWS and rows[0][3:] == list(OUTPUT_COLUMNS)


def test_parquet_round_trip(tmp_path):
    frame = pd.DataFrame({"PATIENT": ["a", "b", "c"], "DESCRIPTION": ["Bactrim DS", None, "metformin"], "n": [1, 2, 3]})
    src = tmp_path / "in.parquet"
    frame.to_parquet(src)
    out = tmp_path / "out.parquet"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 1, result.output
    back = pd.read_parquet(out)
    pd.testing.assert_frame_equal(back[frame.columns], frame)
    assert back["medcheck_drugs"].tolist() == ["sulfamethoxazole-trimethoprim", "", ""]
    assert back["medcheck_flag"].tolist() == ["true", "false", "false"]


def test_refuses_to_write_over_the_input(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    before = src.read_bytes()
    result = invoke(str(src), "-o", str(src))
    assert result.exit_code == 2
    assert "is the input file" in result.stderr
    assert src.read_bytes() == before


def test_missing_column_lists_columns(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["a", "b"], ["1", "2"]])
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "columns: a, b" in message and "--column" in message
    assert not out.exists() and not list(tmp_path.glob(".out.csv.*"))
    assert invoke(str(src), "--column", "nope").exit_code == 2


def test_no_partial_output_on_failure_after_batches_were_written(tmp_path):
    from medcheck.exports import BLOCK

    src = tmp_path / "in.csv"
    good = "".join(f"{i},clozapine {i % 50} mg\n" for i in range(BLOCK // 10))  # more than one read block
    src.write_text("id,medication\n" + good + "x,metformin,extra field\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 2, result.output
    assert f"line {BLOCK // 10 + 2}: expected 2 fields, found 3" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_output_mode_follows_the_umask_and_the_stdin_copy_is_private(tmp_path, monkeypatch):
    import os
    import stat

    import medcheck.annotate
    import medcheck.batch
    import medcheck.exports

    src = tmp_path / "in.csv"
    src.write_text("medication\nclozapine\n", encoding="utf-8")
    old = os.umask(0o027)
    try:
        run_batch(src, tmp_path / "out.csv")
        seen = {}
        real = medcheck.batch.run_batch

        def spy(source, *args, **kwargs):
            if source is not None:
                seen["mode"] = stat.S_IMODE(source.stat().st_mode)
            return real(source, *args, **kwargs)

        monkeypatch.setattr(medcheck.batch, "run_batch", spy)
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"medication\nclozapine\n")))
        real(None, tmp_path / "from-stdin.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o640
    assert seen["mode"] == 0o600


def test_missing_output_folder(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    result = invoke(str(src), "-o", str(tmp_path / "nowhere" / "out.csv"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_exit_0_when_nothing_flagged(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["medication"], ["metformin"], ["lisinopril"]])
    assert invoke(str(src), "-o", str(tmp_path / "out.csv")).exit_code == 0


def test_summary_file(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["pid", "drug"], ["p1", "clozapine"], ["p1", "Clozaril"], ["p2", "PTU"]])
    summary = tmp_path / "summary.json"
    invoke(str(src), "-o", str(tmp_path / "o.csv"), "--id-column", "pid", "--summary-file", str(summary))
    doc = json.loads(summary.read_text())
    assert doc["rows"] == 3 and doc["flagged_rows"] == 3
    assert doc["rows_by_drug"] == {"clozapine": 2, "propylthiouracil": 1}
    assert doc["patients_by_drug"] == {"clozapine": 1, "propylthiouracil": 1}
    md = tmp_path / "summary.md"
    invoke(str(src), "-o", str(tmp_path / "o.csv"), "--summary-file", str(md))
    assert "| clozapine | high | 2 |" in md.read_text() and "| high | 3 |" in md.read_text()


def test_check_frame_appends_columns():
    frame = pd.DataFrame({"med": ["cloZAPine 100 mg", "metformin", None, "clozapne"], "x": ["1", "2", "3", "4"]})
    out = check_frame(frame, "med")
    assert list(out.columns) == ["med", "x", *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(out[["med", "x"]], frame)
    assert out["medcheck_drugs"].tolist() == ["clozapine", "", "", "clozapine"]
    assert out["medcheck_confidence"].tolist() == ["exact", "", "", "likely"]
    assert frame.columns.tolist() == ["med", "x"]  # the input frame is not modified
    with pytest.raises(InputError, match="no column 'nope'"):
        check_frame(frame, "nope")


def test_batch_matches_check_line_by_line(tmp_path):
    """The batch columns agree with `check` on every distinct Synthea string (bulk keys lose nothing)."""
    from medcheck import check_lines

    src = DATA / "synthea_medications_slice.csv"
    out = tmp_path / "out.csv"
    run_batch(src, out)
    rows = list(csv.DictReader(open(out, encoding="utf-8", newline="")))
    report = check_lines([r["DESCRIPTION"] for r in rows])
    for row, result in zip(rows, report.results):
        assert row["medcheck_drugs"] == "; ".join(f.drug.name for f in result.findings), row["DESCRIPTION"]


def test_csv_on_stdin():
    data = "id,medication\n1,PTU 50 mg\n2,metformin\n"
    result = CliRunner().invoke(cli, ["batch", "-"], input=data)
    assert result.exit_code == 1, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1][:4] == ["1", "PTU 50 mg", "true", "propylthiouracil"]


def test_check_frame_is_public():
    import medcheck

    assert medcheck.check_frame is check_frame


TRICKY_LINES = [
    "500 po mg clozapine",  # "mg" after a route is a word again, not a unit
    "mg 500", "x35mg", "x 35 mg", "penicillin g 1 g", "Penicillin G Potassium 5000000 UNT", "5-FU 500mg/m2",
    "q12h mg", "sodium chloride 0.9%", "Levothyroxine\u00a0Sodium 50 mcg", "clozapine\t25\tmg", "CLOZAPINE 25 MG\r\n",
    "", "   ", "vp-16 100 mg", "b12 1000 mcg", "Ｃｌｏｚａｐｉｎｅ 100 mg", "1. \u2022 co-trimoxazole 960mg bd",
    "carbamazepine 200 mg po bid mg", "po po 5 5 mg mg", "-500 mg", "tab 1 g sodium",
]


def free_text_lines(n: int, seed: int = 3) -> list[str]:
    """Free-text orders: a drug name in some case, with random doses, units, routes and frequencies."""
    import random

    from medcheck import load_catalog

    rng = random.Random(seed)
    names = [d.name for d in load_catalog().drugs] + ["metformin", "levothyroxine sodium", "penicillin g"]
    out = []
    for _ in range(n):
        name = rng.choice(names)
        name = rng.choice([name, name.upper(), name.title()])
        dose = f"{rng.randint(1, 2000) / rng.choice([1, 10, 100]):g}{rng.choice(['', ' '])}{rng.choice(['mg', 'MG', 'mcg', 'g', 'units'])}"
        parts = [name, dose, rng.choice(["PO", "IV", "by mouth", ""]), rng.choice(["bid", "q12h", "as needed", ""]),
                 f"x{rng.randint(1, 90)} days"]
        rng.shuffle(parts) if rng.random() < 0.1 else None
        out.append(" ".join(p for p in parts if p))
    return out


def corpus_lines() -> list[str]:
    labelled = [r["line"] for r in csv.DictReader(open(DATA / "labelled_lines.csv", encoding="utf-8", newline=""))]
    synthea = [r["DESCRIPTION"] for r in csv.DictReader(open(DATA / "synthea_medications_slice.csv", encoding="utf-8"))]
    naughty = (DATA / "blns.txt").read_text(encoding="utf-8").splitlines()
    return TRICKY_LINES + labelled + synthea + naughty + free_text_lines(3000)


def test_bulk_keys_normalise_like_their_lines():
    """Cutting lines to keys in bulk never changes the words a line normalises to (so nor its matches)."""
    import pyarrow as pa

    from medcheck.keys import ChunkRoles, bulk_keys
    from medcheck.normalize import normalize

    lines = corpus_lines()
    keys = bulk_keys(pa.array(lines, pa.string()), ChunkRoles()).to_pylist()
    assert len(keys) == len(lines)
    for line, key in zip(lines, keys):
        assert normalize(key) == normalize(line), (line, key)


def test_bulk_keys_collapse_doses_routes_and_frequencies():
    import pyarrow as pa

    from medcheck.keys import ChunkRoles, bulk_keys

    lines = ["Valganciclovir 450 MG oral q12h x21 days", "valganciclovir 900 mg PO bid", "VALGANCICLOVIR 450mg",
             "valganciclovir 450 mg by mouth twice daily for 21 days"]
    # "450mg" reads like a bare number: nothing after it can be a unit, so it goes at the end of a line
    assert bulk_keys(pa.array(lines), ChunkRoles()).to_pylist() == ["valganciclovir 0 mg"] * 2 + ["valganciclovir", "valganciclovir 0 mg"]
    free = free_text_lines(5000)
    assert len(set(bulk_keys(pa.array(free), ChunkRoles()).to_pylist())) < len(set(free)) / 4


@pytest.mark.parametrize("repeat", [1, 20])  # nearly distinct lines, and a repetitive EHR-like column
def test_annotate_agrees_with_the_matcher_line_by_line(repeat):
    import pyarrow as pa

    from medcheck import load_catalog
    from medcheck.annotate import ResultCache, annotate
    from medcheck.matcher import matcher_for

    lines = corpus_lines()[:2000] * repeat
    matcher = matcher_for(load_catalog())
    cache = ResultCache(matcher)
    annotated = annotate(pa.array(lines[::-1] + [None], pa.string()), cache)
    columns = [c.to_pylist() for c in annotated.columns]
    assert [len(c) for c in columns] == [len(lines) + 1] * len(OUTPUT_COLUMNS)
    assert [c[-1] for c in columns] == ["false", "", "", "", "", "", ""]  # a null cell is an empty line
    for i, line in enumerate(lines[::-1]):
        findings = matcher.match(line)
        got = dict(zip(OUTPUT_COLUMNS, (c[i] for c in columns)))
        assert got["medcheck_drugs"] == "; ".join(f.drug.name for f in findings), line
        assert got["medcheck_confidence"] == "; ".join(f.confidence for f in findings), line
        assert got["medcheck_score"] == "; ".join(f"{f.score:g}" for f in findings), line
        assert got["medcheck_risk"] == "; ".join(f.drug.risk for f in findings), line
        assert got["medcheck_context"] == "; ".join(f.context for f in findings), line  # read from the line itself
        sure = [f for f in findings if f.confidence != "possible" and f.context != "negated"]
        assert got["medcheck_flag"] == ("true" if sure else "false")


@pytest.mark.parametrize(
    "body, line, found",
    [
        ("1,clozapine,a\n2,metformin\n3,x,y\n", 3, 2),  # too few fields
        ("1,clozapine,a\n2,metformin,b,c\n", 3, 4),  # too many
        ('1,clozapine,a\n2,"metformin\nsecond line",b\n3\n', 5, 1),  # the line count includes quoted newlines
    ],
)
def test_ragged_rows_are_an_error_naming_the_line(tmp_path, body, line, found):
    src = tmp_path / "ragged.csv"
    src.write_text("id,medication,x\n" + body, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: {src}, line {line}: expected 3 fields, found {found}; fix the row, or check the delimiter and quoting"
    )
    assert not out.exists() and list(tmp_path.iterdir()) == [src]  # no output, not even a partial one


def test_progress_counts_rows_and_rate(tmp_path):
    from medcheck.cli import Progress

    stream = io.StringIO()
    progress = Progress(stream)
    run_batch(DATA / "synthea_medications_slice.csv", tmp_path / "out.csv", progress=progress)
    progress.done()
    rows = sum(1 for _ in csv.reader(open(DATA / "synthea_medications_slice.csv", encoding="utf-8"))) - 1
    last = stream.getvalue().split("\r")[-1]
    assert last.startswith(f"{rows:,} rows, ") and last.endswith(" rows/s\n")


def test_progress_only_on_a_terminal(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    src.write_text("medication\nclozapine\n", encoding="utf-8")
    quiet = invoke(str(src), "-o", str(tmp_path / "a.csv"))
    assert "rows/s" not in quiet.stderr
    monkeypatch.setattr("medcheck.cli._stderr_is_terminal", lambda: True)
    shown = invoke(str(src), "-o", str(tmp_path / "b.csv"))
    assert "\r1 row, " in shown.stderr


def test_progress_line_taken_back_is_redrawn_over_the_longer_one():
    from medcheck.cli import Progress

    stream = io.StringIO()
    progress = Progress(stream)
    progress(1_500_000)
    progress(-1_500_000)
    progress(2)
    first, taken_back, last = stream.getvalue().split("\r")[1:]
    assert taken_back.startswith("0 rows, ") and len(taken_back) >= len(first)
    assert last.startswith("2 rows, ")


def test_check_frame_keeps_the_index_and_reads_arrow_text():
    frame = pd.DataFrame({"med": pd.array(["metformin", None, "clozapine 25 mg"], dtype="string[pyarrow]")},
                         index=[30, 10, 20])
    out = check_frame(frame, "med")
    assert out.index.tolist() == [30, 10, 20]
    assert out["medcheck_drugs"].tolist() == ["", "", "clozapine"]
    assert out.loc[20, "medcheck_flag"] == "true" and out.loc[10, "medcheck_flag"] == "false"


def test_check_frame_from_many_threads_agrees():
    from concurrent.futures import ThreadPoolExecutor

    lines = free_text_lines(2000, seed=11)
    frames = [pd.DataFrame({"med": lines[i::8]}) for i in range(8)]
    alone = [check_frame(f, "med")["medcheck_drugs"].tolist() for f in frames]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda f: check_frame(f, "med")["medcheck_drugs"].tolist(), frames * 3))
    assert together == alone * 3


def test_a_denied_drug_is_not_flagged(tmp_path):
    """'no dipyrone' names the drug (medcheck_drugs) but is not current use: flag false, exit 0."""
    src = tmp_path / "in.csv"
    src.write_text("PATIENT,DESCRIPTION\na,no dipyrone\nb,Patient refuses clozapine\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    back = pd.read_csv(out, dtype=str)
    assert back["medcheck_drugs"].tolist() == ["dipyrone", "clozapine"]
    assert back["medcheck_flag"].tolist() == ["false", "false"]


def test_risk_and_context_columns_and_min_risk(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["pid", "medication"], ["p1", "clozapine 100 mg"], ["p2", "ibuprofen 400 mg"],
                                          ["p3", "history of clozapine"], ["p4", "no dipyrone"], ["p5", "metformin"]])
    out = tmp_path / "out.csv"
    assert invoke(str(src), "-o", str(out)).exit_code == 1
    rows = {r["pid"]: r for r in csv.DictReader(open(out, encoding="utf-8"))}
    assert (rows["p1"]["medcheck_risk"], rows["p1"]["medcheck_context"], rows["p1"]["medcheck_flag"]) == ("high", "current", "true")
    assert (rows["p2"]["medcheck_risk"], rows["p2"]["medcheck_flag"]) == ("rare", "true")
    assert (rows["p4"]["medcheck_context"], rows["p4"]["medcheck_flag"]) == ("negated", "false")
    assert rows["p5"]["medcheck_risk"] == rows["p5"]["medcheck_context"] == ""
    assert (rows["p3"]["medcheck_context"], rows["p3"]["medcheck_flag"]) == ("history", "true")

    high = tmp_path / "high.csv"
    result = invoke(str(src), "-o", str(high), "--min-risk", "high", "--summary-file", str(tmp_path / "s.json"))
    assert result.exit_code == 1
    flags = {r["pid"]: r["medcheck_flag"] for r in csv.DictReader(open(high, encoding="utf-8"))}
    assert flags == {"p1": "true", "p2": "false", "p3": "true", "p4": "false", "p5": "false"}
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["flagged_rows"] == 2 and doc["rows_by_drug"] == {"clozapine": 2}
    assert doc["rows_by_risk"] == {"high": 2} and doc["rows_by_context"] == {"current": 1, "history": 1}

    only_rare = write_csv(tmp_path / "rare.csv", [["medication"], ["ibuprofen 400 mg"]])
    assert invoke(str(only_rare), "-o", str(tmp_path / "r.csv"), "--min-risk", "high").exit_code == 0
    assert invoke(str(only_rare), "-o", str(tmp_path / "r.csv"), "--min-risk", "rare").exit_code == 1


def test_context_option_declares_an_allergy_column(tmp_path):
    src = write_csv(tmp_path / "allergies.csv", [["PATIENT", "DESCRIPTION"], ["a", "Penicillin G"], ["b", "clozapine"],
                                                  ["c", "no dipyrone"]])
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out), "--context", "allergy", "--summary-file", str(tmp_path / "s.json"))
    assert result.exit_code == 1
    contexts = [r["medcheck_context"] for r in csv.DictReader(open(out, encoding="utf-8"))]
    assert contexts == ["allergy", "allergy", "negated"]  # a denial in the line still stands
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["rows_by_context"] == {"allergy": 2}
    assert invoke(str(src), "--context", "current").exit_code == 2  # only allergy or history


def test_summary_counts_patients_by_risk(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["pid", "drug"], ["p1", "clozapine"], ["p1", "ibuprofen"], ["p2", "ibuprofen"]])
    invoke(str(src), "-o", str(tmp_path / "o.csv"), "--id-column", "pid", "--summary-file", str(tmp_path / "s.json"))
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["rows_by_risk"] == {"high": 1, "rare": 2} and doc["patients_by_risk"] == {"high": 1, "rare": 2}
    result = invoke(str(src), "-o", str(tmp_path / "o.csv"), "--id-column", "pid", "--summary")
    lines = result.stderr.splitlines()
    assert lines[:3] == ["Rows by risk (distinct patients):", "  high: 1 (1)", "  rare: 2 (2)"]
    assert lines.index("  clozapine [high]: 1 (1)") < lines.index("  ibuprofen [rare]: 2 (2)")


def test_check_frame_takes_min_risk_and_context():
    frame = pd.DataFrame({"med": ["clozapine", "ibuprofen"]})
    out = check_frame(frame, "med", min_risk="high")
    assert out["medcheck_flag"].tolist() == ["true", "false"] and out["medcheck_risk"].tolist() == ["high", "rare"]
    assert check_frame(frame, "med", context="history")["medcheck_context"].tolist() == ["history", "history"]


# --- output and summary paths, write errors, usage errors, duplicate names, medcheck output as input ---------

def one_line_error(result, *words: str) -> str:
    """The single stderr line of a run that could not run (exit 2, no traceback), holding every word."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert all(word in lines[0] for word in words), (lines[0], words)
    return lines[0]


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_summary_file_may_be_neither_the_input_nor_the_output(tmp_path):
    src = write_csv(tmp_path / "plain.csv", ROWS)
    invoke(str(src), "-o", str(tmp_path / "y.csv"))
    before = files_in(tmp_path)
    one_line_error(invoke(str(src), "--summary-file", str(src)), "plain.csv", "is the input")
    one_line_error(invoke(str(src), "-o", str(tmp_path / "y.csv"), "--summary-file", str(tmp_path / "y.csv")),
                   "y.csv", "is the output")
    one_line_error(invoke(str(src), "-o", str(tmp_path / "new.csv"), "--summary-file", str(tmp_path / "new.csv")),
                   "new.csv", "is the output")
    assert files_in(tmp_path) == before


@pytest.mark.parametrize("name", ["s.txt", "s.csv", "summary", "s.jsn"])
def test_summary_file_needs_json_or_md(tmp_path, name):
    src = write_csv(tmp_path / "in.csv", ROWS)
    result = invoke(str(src), "-o", str(tmp_path / "out.csv"), "--summary-file", str(tmp_path / name))
    one_line_error(result, name, ".json or .md")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_summary_file_path_is_checked_before_the_run(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = tmp_path / "out.csv"
    (tmp_path / "folder.json").mkdir()
    one_line_error(invoke(str(src), "-o", str(out), "--summary-file", str(tmp_path / "nowhere" / "s.json")),
                   "s.json", "does not exist", "--summary-file")
    one_line_error(invoke(str(src), "-o", str(out), "--summary-file", str(tmp_path / "folder.json")),
                   "folder.json", "is a folder", "--summary-file")
    one_line_error(invoke(str(src), "-o", str(out), "--summary-file", str(tmp_path / "in.csv" / "s.json")),
                   "s.json", "--summary-file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.json", "in.csv"]


def test_summary_file_is_written_whole_and_renamed_into_place(tmp_path):
    import os

    src = write_csv(tmp_path / "in.csv", ROWS)
    summary = tmp_path / "s.json"
    summary.write_text("old", encoding="utf-8")
    inode = os.stat(summary).st_ino
    keep = tmp_path / "keep.json"  # holds the old inode, so it cannot be reused for the new file
    os.link(summary, keep)
    result = invoke(str(src), "-o", str(tmp_path / "out.csv"), "--summary-file", str(summary))
    assert result.exit_code == 1, result.output
    assert json.loads(summary.read_text(encoding="utf-8"))["rows"] == 3
    assert os.stat(summary).st_ino != inode and keep.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "keep.json", "out.csv", "s.json"]


@pytest.mark.parametrize("name, delimiter, compressed", [
    ("out.csv.gz", ",", True), ("out.txt", "\t", False), ("out.tsv", "\t", False), ("out.tsv.gz", "\t", True),
    ("out.txt.gz", "\t", True), ("out.csv", ",", False),
])
def test_output_format_follows_the_extension(tmp_path, name, delimiter, compressed):
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = tmp_path / name
    assert invoke(str(src), "-o", str(out)).exit_code == 1
    data = out.read_bytes()
    assert data.startswith(b"\x1f\x8b") == compressed
    text = (gzip.decompress(data) if compressed else data).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert rows[0] == ROWS[0] + list(OUTPUT_COLUMNS)
    assert [r[:3] for r in rows[1:]] == ROWS[1:]
    assert rows[1][3:5] == ["true", "clozapine"]


def test_parquet_gz_output_is_refused(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    one_line_error(invoke(str(src), "-o", str(tmp_path / "out.parquet.gz")), "out.parquet.gz", ".parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_batch_help_names_the_output_formats():
    text = " ".join(CliRunner().invoke(cli, ["batch", "--help"]).stdout.split())
    assert ".csv.gz" in text and "gzip" in text and "tab-separated" in text and ".txt" in text


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet"])
def test_a_full_disk_is_one_line_and_leaves_no_output(tmp_path, monkeypatch, name):
    import errno
    import os

    import pyarrow.csv
    import pyarrow.parquet

    def failing(cls):
        class Failing:
            def __init__(self, *args, **kwargs):
                self._w = cls(*args, **kwargs)

            def write(self, *args, **kwargs):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            write_batch = write

            def close(self):
                self._w.close()

        return Failing

    monkeypatch.setattr(pyarrow.csv, "CSVWriter", failing(pyarrow.csv.CSVWriter))
    monkeypatch.setattr(pyarrow.parquet, "ParquetWriter", failing(pyarrow.parquet.ParquetWriter))
    src = write_csv(tmp_path / "in.csv", ROWS)
    summary = tmp_path / "s.json"
    result = invoke(str(src), "-o", str(tmp_path / name), "--summary-file", str(summary))
    one_line_error(result, name, os.strerror(errno.ENOSPC))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_id_column_needs_a_summary(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = tmp_path / "out.csv"
    message = one_line_error(invoke(str(src), "-o", str(out), "--id-column", "id"), "--id-column", "--summary")
    assert "--summary-file" in message and "patients" in message
    assert not out.exists()
    assert invoke(str(src), "-o", str(out), "--id-column", "id", "--summary").exit_code == 1


def test_a_repeated_column_name_takes_the_first_and_says_so(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["DESCRIPTION", "PATIENT", "DESCRIPTION", "PATIENT"],
                                          ["Encounter for check up", "p1", "clozapine", "x"],
                                          ["Encounter for symptom", "p2", "ibuprofen", "y"]])
    out = tmp_path / "out.csv"
    result = invoke(str(src), "-o", str(out))
    assert result.exit_code == 0, result.output  # the first DESCRIPTION names no drug
    notes = [line for line in result.stderr.splitlines() if "DESCRIPTION" in line]
    assert len(notes) == 1 and "columns 1 and 3" in notes[0] and "column 1" in notes[0] and "in.csv" in notes[0]
    assert [r[:4] for r in read_rows(out)[1:]] == [["Encounter for check up", "p1", "clozapine", "x"],
                                                   ["Encounter for symptom", "p2", "ibuprofen", "y"]]
    result = invoke(str(src), "-o", str(out), "--column", "description", "--id-column", "PATIENT", "--summary")
    notes = [line for line in result.stderr.splitlines() if "named" in line]
    assert len(notes) == 2 and "'PATIENT'" in notes[1] and "columns 2 and 4" in notes[1]
    plain = write_csv(tmp_path / "plain.csv", [["DESCRIPTION", "description_2"], ["clozapine", "x"]])
    assert "named" not in invoke(str(plain), "-o", str(out)).stderr


def test_medcheck_output_is_refused_as_input(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    first = tmp_path / "first.csv"
    assert invoke(str(src), "-o", str(first)).exit_code == 1
    before = files_in(tmp_path)
    for out in ("again.csv", "again.parquet"):
        one_line_error(invoke(str(first), "-o", str(tmp_path / out)), "first.csv", "medcheck output", "original export")
    result = CliRunner().invoke(cli, ["batch", "-"], input=first.read_text(encoding="utf-8"))
    one_line_error(result, "medcheck output")
    assert result.stdout == ""
    assert files_in(tmp_path) == before
    with pytest.raises(InputError, match="medcheck output"):
        run_batch(first, tmp_path / "again.csv")


@pytest.mark.parametrize("args, words", [
    (["--summary-file", "{out}"], ["is the output"]),
    (["--summary-file", "{out}/s.json"], ["s.json", "inside the output folder"]),
    (["--summary-file", "{tmp}/s.txt"], [".json or .md"]),
    (["--summary-file", "{tmp}/nowhere/s.json"], ["does not exist"]),
    (["--id-column", "PATIENT"], ["--id-column", "--summary"]),
])
def test_dask_engine_checks_summary_and_id_column_before_the_run(tmp_path, args, words):
    pytest.importorskip("distributed")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_text("PATIENT,medication\np1,clozapine\n", encoding="utf-8")
    out = tmp_path / "out"
    args = [a.format(out=out, tmp=tmp_path) for a in args]
    one_line_error(invoke(str(src), "--engine", "dask", "-o", str(out), *args), *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_dask_engine_refuses_medcheck_output_as_input(tmp_path):
    pytest.importorskip("distributed")
    src = tmp_path / "in"
    src.mkdir()
    write_csv(src / "a.csv", ROWS)
    assert invoke(str(src / "a.csv"), "-o", str(tmp_path / "checked.csv")).exit_code == 1
    one_line_error(invoke(str(tmp_path / "checked.csv"), "--engine", "dask", "-o", str(tmp_path / "out")),
                   "medcheck output")
    assert not (tmp_path / "out").exists()
