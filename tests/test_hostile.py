"""Hostile and broken input: a correct result or one clear line with exit 2, never a traceback or a partial file."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcheck.batch import run_batch
from medcheck.cli import cli

from .conftest import HEADER, TINY_ROWS

DATA = Path(__file__).parent / "data"


def batch(*args: str):
    return CliRunner().invoke(cli, ["batch", *args])


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def only(folder: Path, *names: str) -> None:
    """The folder holds exactly these files: no output, no temporary leftovers."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


@pytest.mark.parametrize(
    "content, fragment",
    [
        (os.urandom(0) + bytes(range(256)) * 40, "not a text file (binary data)"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 40, "gzip-compressed; name it .csv.gz"),
        (b"PK\x03\x04" + b"\x00" * 40, "export the sheet as CSV"),
        (b"PAR1" + b"\x00" * 40, "name it .parquet"),
        (b"", "the file is empty"),
    ],
)
def test_binary_and_empty_files(tmp_path, content, fragment):
    src = tmp_path / "export.csv"
    src.write_bytes(content)
    result = batch(str(src), "-o", str(tmp_path / "out.csv"))
    assert_one_line_error(result, str(src), fragment)
    only(tmp_path, "export.csv")


def test_header_only_file_gives_header_only_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,medication\n", encoding="utf-8")
    result = batch(str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8"))) == [
        ["id", "medication", "medcheck_flag", "medcheck_drugs", "medcheck_classes", "medcheck_confidence",
         "medcheck_score", "medcheck_risk", "medcheck_context"]]


def test_nul_bytes_are_kept(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,medication\n1,cloza\x00pine 100 mg\n2,met\x00formin\n")
    result = batch(str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 1, result.output
    rows = list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8", newline="")))
    assert [r[:2] for r in rows[1:]] == [["1", "cloza\x00pine 100 mg"], ["2", "met\x00formin"]]


def test_a_one_megabyte_value(tmp_path):
    long = "clozapine " + "x" * 1_000_000
    src = tmp_path / "in.csv"
    src.write_text(f"id,medication\n1,{long}\n2,metformin\n", encoding="utf-8")
    result = batch(str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 1, result.output
    csv.field_size_limit(2**31 - 1)
    rows = list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8", newline="")))
    assert rows[1][1] == long and rows[1][3] == "clozapine"


def test_a_one_megabyte_value_in_a_file_read_by_pythons_csv(tmp_path):
    """A CR inside quotes sends the file through Python's csv module, whose field limit is 128 KB."""
    long = "clozapine\r\n" + "x" * 1_000_000
    src = tmp_path / "in.csv"
    src.write_bytes(f'id,medication\n1,"{long}"\n2,metformin\n'.encode())
    result = batch(str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 1, result.output
    csv.field_size_limit(2**31 - 1)
    rows = list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8", newline="")))
    assert rows[1][1] == long and rows[1][3] == "clozapine"


def test_a_one_megabyte_line_through_check():
    result = CliRunner().invoke(cli, ["check", "--format", "json"], input="clozapine " + "y" * 1_000_000 + "\n")
    assert result.exit_code == 1 and '"drug": "clozapine"' in result.stdout


def test_a_100000_line_paste():
    lines = [f"{i}. cloZAPine {i % 400} mg" if i % 10 == 0 else f"metformin {i % 1000} mg" for i in range(100_000)]
    result = CliRunner().invoke(cli, ["check", "--format", "csv"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == "medcheck: 100000 lines checked; 10000 flagged, 0 possible, 90000 not matched."
    assert len(result.stdout.splitlines()) == 100_001


def test_output_in_an_unwritable_or_missing_folder(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,medication\n1,clozapine\n", encoding="utf-8")
    assert_one_line_error(batch(str(src), "-o", "/sys/medcheck-out.csv"), "cannot write in /sys", "choose another -o")
    assert_one_line_error(batch(str(src), "-o", str(src / "out.csv")), "does not exist")  # a file as folder
    only(tmp_path, "in.csv")


def test_output_equal_to_input_is_refused_and_input_kept(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,medication\n1,clozapine\n", encoding="utf-8")
    assert_one_line_error(batch(str(src), "-o", str(src)), "is the input file")
    assert src.read_text(encoding="utf-8") == "id,medication\n1,clozapine\n"
    only(tmp_path, "in.csv")


def test_malformed_drug_list_for_batch(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,medication\n1,clozapine\n", encoding="utf-8")
    bad = tmp_path / "drugs.csv"
    bad.write_text(HEADER + "clozapine,,,,antipsychotic,sometimes,,seed:x,rare\n", encoding="utf-8")
    assert_one_line_error(batch(str(src), "-o", str(tmp_path / "out.csv"), "--drug-list", str(bad)), str(bad), "line 2")
    only(tmp_path, "in.csv", "drugs.csv")


def test_medcheck_columns_are_spreadsheet_safe_and_the_users_columns_untouched(tmp_path):
    drugs = tmp_path / "drugs.csv"
    drugs.write_text(HEADER + TINY_ROWS.replace("antipsychotic", "=HYPERLINK(1)"), encoding="utf-8")
    src = tmp_path / "in.csv"
    src.write_text('id,medication\n=1+1,clozapine\n2,"=cmd|\' /c calc\'!A0"\n@3,-clozapine\n', encoding="utf-8")
    result = batch(str(src), "-o", str(tmp_path / "out.csv"), "--drug-list", str(drugs))
    assert result.exit_code == 1, result.output
    rows = list(csv.reader(open(tmp_path / "out.csv", encoding="utf-8", newline="")))
    assert [r[:2] for r in rows[1:]] == [["=1+1", "clozapine"], ["2", "=cmd|' /c calc'!A0"], ["@3", "-clozapine"]]
    assert rows[1][4] == rows[3][4] == "'=HYPERLINK(1)"


def test_interrupted_run_leaves_nothing(tmp_path):
    """Ctrl-C (KeyboardInterrupt in the main thread) after batches were written: no output, no temporary file."""
    from medcheck.exports import BLOCK

    src = tmp_path / "in.csv"
    src.write_text("id,medication\n" + "".join(f"{i},clozapine {i} mg\n" for i in range(BLOCK // 8)), encoding="utf-8")
    calls = []

    def progress(rows: int) -> None:
        calls.append(rows)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(src, tmp_path / "out.csv", progress=progress)
    only(tmp_path, "in.csv")


def test_ctrl_c_on_the_command_line(tmp_path):
    """A real SIGINT while medcheck reads stdin: one line, exit 130, no output and no spooled copy left."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-m", "medcheck", "batch", "-", "-o", str(out)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdin.write(b"id,medication\n1,clozapine\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob("medcheck-stdin-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until it is copying stdin, past start-up
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.decode() == "medcheck: interrupted; no output file was written.\n"
    only(tmp_path)


def test_ctrl_c_while_the_threads_are_checking(tmp_path):
    """A real SIGINT while the reader, worker and writer threads are busy: the same line, exit 130, nothing left."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b"id,medication\n" + b"1,clozapine 25 mg\n2,metformin 500 mg\n" * 2_000_000)
    proc = subprocess.Popen([sys.executable, "-m", "medcheck", "batch", str(src), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".out.csv.*.part")) and time.monotonic() < deadline:
        time.sleep(0.01)  # the temporary output exists: the threads are running
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert err.decode() == "medcheck: interrupted; no output file was written.\n"
    only(tmp_path, "in.csv")


def test_nothing_is_sent_anywhere(tmp_path, monkeypatch):
    """check and batch run with every socket refused: medcheck needs no network."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("medcheck tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert CliRunner().invoke(cli, ["check"], input="clozapine\nclozapne\n").exit_code == 1
    src = tmp_path / "in.csv"
    src.write_text("id,medication\n1,clozapine\n", encoding="utf-8")
    assert batch(str(src), "-o", str(tmp_path / "out.parquet")).exit_code == 1
