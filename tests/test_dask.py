"""medcheck.dask_engine and `batch --engine dask` on a real two-process LocalCluster, compared with the default engine."""

from __future__ import annotations

import contextlib
import csv
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from medcheck.annotate import OUTPUT_COLUMNS, check_frame
from medcheck.batch import run_batch
from medcheck.catalog import load_catalog
from medcheck.cli import cli

from .conftest import HEADER, TINY_ROWS

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cluster():
    """One local cluster for the module: two worker processes of one thread, so data crosses processes."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.ERROR) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    from distributed import Client

    with Client(cluster) as client:
        yield client


def synthea_rows() -> list[list[str]]:
    with open(DATA / "synthea_medications_slice.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


# Values a reader could lose: leading zeros, empty cells, NA-like text, quoted commas and newlines, Unicode.
TRICKY = [
    ["", "", "007", "", "", "00123", "cloZAPine 100 mg", "", "NA", "null", "", "", "fever, \"high\""],
    ["2020-01-01", "", "008", "", "", "0", "Clozapine 100 mg – 錠剤 💊", "1e5", "", "", "", "",
     "line one\nline two"],
    ["", "", "", "", "", "", "", "", "", "", "", "", ""],
    ["x", "", "009", "", "", "000", "Bactrim DS, twice daily", "-0", "N/A", "NaN", "None", "", "é ü ñ"],
]


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    """A three-file CSV export: Synthea rows and tricky values; one file Windows-1252, one with CRLF inside quotes."""
    folder = tmp_path_factory.mktemp("export")
    header, *rows = synthea_rows()
    chunks = [rows[:60] + TRICKY[:2], TRICKY[2:] + rows[60:110], rows[110:] + [TRICKY[0]]]
    encodings = ["utf-8", "utf-8", "cp1252"]
    for i, (chunk, encoding) in enumerate(zip(chunks, encodings)):
        if encoding == "cp1252":
            chunk = [[v.encode("cp1252", "replace").decode("cp1252") for v in row] for row in chunk]
            chunk[-1][12] = "café\r\nau lait"  # a CR inside a quoted value: batch reads this file with Python's csv
        with open(folder / f"meds-{i}.csv", "w", encoding=encoding, newline="") as f:
            csv.writer(f).writerows([header, *chunk])
    (folder / "README.md").write_text("not an export file\n")  # neither a glob of *.csv nor a folder read takes it
    return folder


def invoke(*args: str):
    return CliRunner().invoke(cli, ["batch", *args])


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def default_engine(src: Path, out: Path, **kwargs):
    return run_batch(src, out, **kwargs)


def test_glob_of_csv_files_matches_the_default_engine_row_by_row(export, cluster, tmp_path):
    out = tmp_path / "flagged"
    result = invoke(str(export / "*.csv"), "--engine", "dask", "-o", str(out), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 1, result.output
    inputs = sorted(export.glob("*.csv"))
    parts = sorted(out.iterdir())
    assert [p.name for p in parts] == ["part-00000.csv", "part-00001.csv", "part-00002.csv"]
    total = 0
    for src, part in zip(inputs, parts):
        reference = tmp_path / f"ref-{src.name}"
        default_engine(src, reference)
        expected, got = read_rows(reference), read_rows(part)
        assert len(got) == len(expected) > 1
        for want, row in zip(expected, got):  # every value of every row, the medcheck_* columns included
            assert row == want
        assert part.read_bytes() == reference.read_bytes()  # and written the same way
        total += len(got) - 1
    assert got[0][-7:] == list(OUTPUT_COLUMNS)
    first = read_rows(parts[0])
    assert first[61][2] == "007" and first[61][5] == "00123" and first[61][12] == 'fever, "high"'
    assert first[62][6] == "Clozapine 100 mg – 錠剤 💊" and first[62][12] == "line one\nline two"
    assert first[62][-7:-5] == ["true", "clozapine"]
    assert read_rows(parts[1])[1][:13] == [""] * 13
    assert read_rows(parts[2])[-1][12] == "café\r\nau lait"
    assert f"{total:,} rows checked" in result.stderr
    assert "meds-2.csv is not UTF-8; read it as Windows-1252" in result.stderr  # the reader's note comes back


def test_folder_of_parquet_files_in_and_a_parquet_folder_out(cluster, tmp_path):
    """Parquet keeps its types, nulls and metadata as the default engine does; _-prefixed files are skipped."""
    src = tmp_path / "export"
    (src / "year=2024").mkdir(parents=True)
    frames = [
        pd.DataFrame({"PATIENT": ["001", "002"], "DESCRIPTION": ["Bactrim DS", None], "n": [1, None]},
                     index=pd.Index([10, 11], name="row")),
        pd.DataFrame({"PATIENT": ["003", None, "005"], "DESCRIPTION": ["metformin", "PTU 50 mg", "clozapine"],
                      "n": [3, 4, None]}, index=pd.Index([12, 13, 14], name="row")),
    ]
    for frame in frames:
        frame["n"] = frame["n"].astype("Int64")
    frames[0].to_parquet(src / "a.parquet")
    frames[1].to_parquet(src / "year=2024" / "b.parquet")
    (src / "_SUCCESS").write_text("")
    out = tmp_path / "flagged.parquet"
    result = invoke(str(src), "--engine", "dask", "-o", str(out), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 1, result.output
    parts = sorted(out.iterdir())
    assert [p.name for p in parts] == ["part-00000.parquet", "part-00001.parquet"]
    for source, part in zip([src / "a.parquet", src / "year=2024" / "b.parquet"], parts):
        reference = tmp_path / f"ref-{source.name}"
        default_engine(source, reference)
        want, got = pq.read_table(reference), pq.read_table(part)
        assert got.schema.equals(want.schema, check_metadata=True)
        assert got.to_pylist() == want.to_pylist()
    back = pd.read_parquet(parts[1])  # the pandas metadata still describes the file: index and dtypes come back
    pd.testing.assert_frame_equal(back[frames[1].columns], frames[1])
    assert back["medcheck_drugs"].tolist() == ["", "propylthiouracil", "clozapine"]


def test_summary_and_exit_code_match_the_default_engine(cluster, tmp_path):
    src = DATA / "synthea_medications.csv.gz"
    args = ["--summary", "--id-column", "PATIENT"]
    ref = invoke(str(src), "-o", str(tmp_path / "ref.csv"), *args, "--summary-file", str(tmp_path / "ref.json"))
    got = invoke(str(src), "--engine", "dask", "-o", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address,
                 *args, "--summary-file", str(tmp_path / "got.json"))
    assert got.exit_code == ref.exit_code == 1
    assert json.loads((tmp_path / "got.json").read_text()) == json.loads((tmp_path / "ref.json").read_text())
    assert got.stderr == ref.stderr and "vancomycin [high-dose]: 31 (31)" in got.stderr


def test_nothing_flagged_exits_0(cluster, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        (src / f"{i}.csv").write_text("medication\nmetformin\nlisinopril\n", encoding="utf-8")
    result = invoke(str(src), "--engine", "dask", "-o", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    assert "4 rows checked; 0 flagged" in result.stderr


def tiny_catalog_with(tmp_path: Path, row: str) -> Path:
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + TINY_ROWS + row, encoding="utf-8")
    return path


def test_check_ddf_on_two_worker_processes_with_a_user_catalog(client, tmp_path):
    """check_ddf equals check_frame on the whole frame; a user catalog reaches the worker processes."""
    import dask.dataframe as dd

    from medcheck.dask_engine import check_ddf

    catalog = load_catalog(tiny_catalog_with(tmp_path, "zorblaxin,,Zorbla,,made-up class,case-reports,,PMID:1,rare\n"))
    frame = pd.DataFrame({
        "id": [f"{i:03d}" for i in range(12)],
        "Medication": ["Zorbla 5 mg", "clozapine", "", "metformin", "zorblaxin", "PTU", "x", "Vancocin", "", "a, b",
                       "zorblaxine", "Tapazole"],
    }, dtype=pd.StringDtype("pyarrow"))  # the dtype Dask gives text columns
    ddf = dd.from_pandas(frame, npartitions=4)
    checked = check_ddf(ddf, None, catalog)  # the column is found by name, as batch finds it
    expected = check_frame(frame, "Medication", catalog)
    assert checked.dtypes.to_dict() == expected.dtypes.to_dict()  # meta says what check_frame returns
    got = client.compute(checked).result()
    pd.testing.assert_frame_equal(got, expected)
    assert got["medcheck_drugs"].tolist()[:5] == ["zorblaxin", "clozapine", "", "", "zorblaxin"]
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # the work ran in two other processes


def test_drug_list_reaches_the_workers_from_the_cli(cluster, tmp_path):
    drug_list = tiny_catalog_with(tmp_path, "zorblaxin,,Zorbla,,made-up class,case-reports,,PMID:1,rare\n")
    src = tmp_path / "in.csv"
    src.write_text("drug\nZorbla 5 mg\nmetformin\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(str(src), "--engine", "dask", "-o", str(out), "--drug-list", str(drug_list),
                    "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 1, result.output
    assert [r[1:3] for r in read_rows(out / "part-00000.csv")[1:]] == [["true", "zorblaxin"], ["false", ""]]


def test_local_cluster_is_started_and_stopped(export, tmp_path):
    """Without --scheduler, `python -m medcheck` starts worker processes, finishes, exits, and says one line."""
    import socket

    out = tmp_path / "out"
    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # Dask's usual port, held as another cluster would: no warning
            taken.bind(("127.0.0.1", 8787))
            taken.listen()
        proc = subprocess.run(
            [sys.executable, "-m", "medcheck", "batch", str(export / "meds-0.csv"), "--engine", "dask",
             "--workers", "1", "-o", str(out)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )
    assert proc.returncode == 1, proc.stderr
    ref = default_engine(export / "meds-0.csv", tmp_path / "ref.csv")
    assert (out / "part-00000.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert proc.stderr.splitlines() == [f"medcheck: {ref.rows} rows checked; {ref.flagged_rows} flagged."]


def test_local_cluster_listens_on_loopback_only():
    """The cluster medcheck starts for itself accepts no connection from another machine."""
    import psutil

    from medcheck.dask_engine import _client

    with _client(None, 1):
        me = psutil.Process()
        listening = [
            c.laddr.ip for p in [me, *me.children(recursive=True)]
            for c in (getattr(p, "net_connections", None) or p.connections)(kind="inet")
            if c.status == psutil.CONN_LISTEN
        ]
    assert listening and set(listening) == {"127.0.0.1"}


def test_without_dask_exits_2_naming_the_extra(monkeypatch, export, tmp_path):
    for name in ("dask", "dask.dataframe", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # `import dask` now raises ImportError
    result = invoke(str(export), "--engine", "dask", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        'Error: the Dask engine needs Dask and dask.distributed; install them with: pip install "medcheck[dask]"'
    ]
    assert not (tmp_path / "out").exists()


def test_no_partial_output_when_a_file_fails(export, cluster, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.csv").write_text("id,medication\n1,clozapine\n", encoding="utf-8")
    (src / "3.csv").write_text("id,medication\n1,clozapine\n2,metformin,extra\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(str(src), "--engine", "dask", "-o", str(out), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "3.csv" in result.stderr
    assert "Expected 2 columns, got 3" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no output folder, no hidden temporary folder


def test_files_with_other_columns_are_an_error(cluster, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_text("id,medication\n1,clozapine\n", encoding="utf-8")
    (src / "b.csv").write_text("id,drug\n1,clozapine\n", encoding="utf-8")
    result = invoke(str(src), "--engine", "dask", "-o", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 2
    assert "b.csv: its columns (id, drug) differ from those of" in result.stderr
    assert not (tmp_path / "out").exists()


def test_rerun_replaces_its_own_output_folder_only(cluster, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.csv").write_text(f"medication\nclozapine {i}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["--engine", "dask", "-o", str(out), "--scheduler", cluster.scheduler_address]
    assert invoke(str(src), *args).exit_code == 1
    (src / "2.csv").unlink()
    assert invoke(str(src), *args).exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.csv", "part-00001.csv"]  # no stale part-00002
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]
    (out / "notes.txt").write_text("mine")
    result = invoke(str(src), *args)
    assert result.exit_code == 2 and "holds other files (notes.txt)" in result.stderr
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("where, message", [
    ("input folder", "is the input folder"),
    ("inside input folder", "is the input folder"),
    ("beside the inputs", "holds input files"),
    ("an input file", "holds input files"),
    ("another file", "is a file"),
])
def test_refuses_to_write_over_or_among_the_inputs(tmp_path, where, message):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.csv").write_text("medication\nclozapine\n", encoding="utf-8")
    (tmp_path / "other.csv").write_text("x\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    pattern, out = {
        "input folder": (src, src),
        "inside input folder": (src, src / "flagged"),
        "beside the inputs": (src / "*.csv", src),
        "an input file": (src / "*.csv", src / "a.csv"),
        "another file": (src, tmp_path / "other.csv"),
    }[where]
    result = invoke(str(pattern), "--engine", "dask", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "other.csv"]


@pytest.mark.parametrize("args, message", [
    (["--engine", "dask"], "name it with -o"),
    (["--engine", "dask", "-o", "out", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "cannot go with"),
    (["-o", "out.csv", "--scheduler", "tcp://127.0.0.1:1"], "need --engine dask"),
    (["--engine", "dask", "-o", "out", "--column", "nope"], "no column 'nope'"),
])
def test_usage_errors(export, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke(str(export / "*.csv"), *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_default_engine_points_a_folder_to_the_dask_engine(export, tmp_path):
    result = invoke(str(export), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 2 and "--engine dask" in result.stderr


def test_no_files_match(tmp_path):
    result = invoke(str(tmp_path / "*.csv"), "--engine", "dask", "-o", str(tmp_path / "out"))
    assert result.exit_code == 2 and "no file matches" in result.stderr


def test_importing_medcheck_does_not_import_dask():
    code = ("import sys, medcheck, medcheck.cli, medcheck.dask_engine; "
            "print('dask' in sys.modules, 'distributed' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


def test_parts_counted_apart_and_merged_count_like_the_default_engine(tmp_path):
    import pyarrow as pa

    from medcheck.annotate import annotate_frame
    from medcheck.summary import Summary, Tally, merge

    rows = [["p1", "clozapine"], ["p1", "Clozaril"], ["p2", "PTU"], ["", "clozapine"], ["p3", "penicillin"]]
    src = tmp_path / "in.csv"
    src.write_text("pid,drug\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8")
    reference = default_engine(src, tmp_path / "out.csv", id_column="pid").as_dict()

    def counted(frame):
        summary = Summary()
        tally = Tally(summary)
        tally.add(len(frame), annotate_frame(frame, "drug")[1], pa.array(frame["pid"].tolist()))
        tally.flush()
        return summary

    frame = pd.DataFrame(rows, columns=["pid", "drug"])
    assert counted(frame).as_dict() == reference
    assert merge([counted(frame.iloc[:2]), counted(frame.iloc[2:])]).as_dict() == reference
    assert reference["flagged_rows"] == 4 and reference["patients_by_drug"] == {"clozapine": 1, "propylthiouracil": 1}


def test_readme_check_ddf_example(client, tmp_path, monkeypatch):
    """The README's check_ddf example, run as written on the two-process cluster (its Client is the fixture's)."""
    import re

    import distributed

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "check_ddf" in b)
    (tmp_path / "exports").mkdir()
    frames = [
        pd.DataFrame({"PATIENT": ["001", "002"], "DESCRIPTION": ["cloZAPine 100 mg", ""]}),
        pd.DataFrame({"PATIENT": ["003"], "DESCRIPTION": ["Bactrim DS"]}),
    ]
    for i, frame in enumerate(frames):
        frame.to_parquet(tmp_path / "exports" / f"{i}.parquet", index=False)
    monkeypatch.chdir(tmp_path)
    class FixtureClient(distributed.Client):  # `Client()` in the example gives the fixture's client
        def __new__(cls, *args: object, **kwargs: object) -> distributed.Client:
            return client

    monkeypatch.setattr(distributed, "Client", FixtureClient)
    with client.as_current():
        exec(compile(code, "README.md", "exec"), {})
    got = pd.read_parquet(tmp_path / "flagged")
    expected = check_frame(pd.concat(frames, ignore_index=True), "DESCRIPTION")
    assert got[list(OUTPUT_COLUMNS)].values.tolist() == expected[list(OUTPUT_COLUMNS)].values.tolist()
    assert got["medcheck_drugs"].tolist() == ["clozapine", "", "sulfamethoxazole-trimethoprim"]


def test_ctrl_c_cancels_the_run_and_leaves_no_output(cluster, tmp_path):
    """A real SIGINT while the workers check: one line, exit 130, no output folder and no part folder left."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        (src / f"{i}.csv").write_bytes(b"id,medication\n" + b"1,clozapine 25 mg\n2,metformin 500 mg\n" * 400_000)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "medcheck", "batch", str(src), "--engine", "dask", "-o", str(out),
         "--scheduler", cluster.scheduler_address],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.*.part")) and time.monotonic() < deadline:
        time.sleep(0.01)  # the part folder exists: the graph is being computed
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    assert err.decode().strip().splitlines()[-1] == "medcheck: interrupted; no output file was written."
    time.sleep(2)  # a task already running on a worker finishes, writing nowhere
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_progress_counts_the_rows_of_each_finished_file_on_a_terminal(cluster, tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for i, rows in enumerate((3, 5)):
        (src / f"{i}.csv").write_text("id,medication\n" + "1,clozapine\n" * rows, encoding="utf-8")
    args = (str(src), "--engine", "dask", "--scheduler", cluster.scheduler_address)
    quiet = invoke(*args, "-o", str(tmp_path / "a"))
    assert "rows/s" not in quiet.stderr
    monkeypatch.setattr("medcheck.cli._stderr_is_terminal", lambda: True)
    shown = invoke(*args, "-o", str(tmp_path / "b"))
    drawn = [part.split(",")[0] for part in shown.stderr.split("\r")[1:]]
    assert drawn in (["3 rows", "8 rows"], ["5 rows", "8 rows"])  # one line per finished file, in any order
