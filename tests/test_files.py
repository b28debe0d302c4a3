"""medcheck.files: output formats by name, a full disk as one error line, atomic renames, summary paths."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pyarrow as pa
import pytest

from medcheck.errors import InputError
from medcheck.files import Atomic, Writer, check_summary_file, output_format

FULL = Path("/dev/full")  # every write fails with ENOSPC, as on a full disk


@pytest.mark.parametrize("name, expected", [
    ("out.csv", ("csv", False, ",")), ("OUT.CSV.GZ", ("csv", True, ",")), ("out.tsv", ("csv", False, "\t")),
    ("out.txt", ("csv", False, "\t")), ("out.tab", ("csv", False, "\t")), ("out.tsv.gz", ("csv", True, "\t")),
    ("out.parquet", ("parquet", False, ",")), ("out.pq", ("parquet", False, ",")),
])
def test_output_format_by_name(name, expected):
    assert output_format(Path(name)) == expected


@pytest.mark.parametrize("name, words", [("out.parquet.gz", ".parquet"), ("out.xlsx", ".csv.gz"), ("out", ".csv")])
def test_output_format_refuses_other_names(name, words):
    with pytest.raises(InputError, match=words.replace(".", r"\.")):
        output_format(Path(name))


@pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt, gzip", [("csv", False), ("csv", True), ("parquet", False)])
def test_a_full_disk_is_an_input_error_naming_the_output(fmt, gzip):
    schema = pa.schema([pa.field("medication", pa.string())])
    batch = pa.RecordBatch.from_arrays([pa.array([os.urandom(64).hex() for _ in range(50_000)])], schema=schema)
    with pytest.raises(InputError) as caught:
        writer = Writer(FULL, fmt, ",", schema, gzip=gzip, name="flagged.csv")
        try:
            for _ in range(3):
                writer.write(batch)
        finally:
            writer.close()
    message = str(caught.value)
    assert message.startswith("flagged.csv: cannot write (") and os.strerror(errno.ENOSPC) in message
    assert "free some space or choose another -o" in message and "\n" not in message


def test_atomic_refuses_a_folder_and_names_its_option(tmp_path):
    (tmp_path / "s.json").mkdir()
    with pytest.raises(InputError, match="is a folder; give a file name with --summary-file"), \
            Atomic(tmp_path / "s.json", option="--summary-file"):
        pass
    with pytest.raises(InputError, match="the folder .* does not exist; create it or choose another -o"), \
            Atomic(tmp_path / "s.json" / "x" / "out.csv"):
        pass
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="the folder .*file does not exist"), \
            Atomic(tmp_path / "file" / "out.csv"):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "s.json"]


def test_atomic_rename_failure_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "s.json"

    def failing_replace(src, dst):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(InputError, match="s.json: cannot write .*; choose another --summary-file"), \
            Atomic(target, option="--summary-file") as tmp:
        tmp.write_text("{}")
    assert list(tmp_path.iterdir()) == []


def test_summary_file_checks(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("medication\nclozapine\n")
    link = tmp_path / "link.json"
    link.symlink_to(src)
    with pytest.raises(InputError, match="is the input file"):
        check_summary_file(link, [src], tmp_path / "out.csv")
    with pytest.raises(InputError, match="is the output"):
        check_summary_file(tmp_path / "sub" / ".." / "out.csv", [src], tmp_path / "out.csv")
    with pytest.raises(InputError, match="inside the output folder"):
        check_summary_file(tmp_path / "parts" / "s.json", [src], tmp_path / "parts", output_is_folder=True)
    with pytest.raises(InputError, match=r"\.json or \.md"):
        check_summary_file(tmp_path / "s.yaml", [src], None)
    check_summary_file(tmp_path / "s.MD", [src], tmp_path / "out.csv")
    check_summary_file(tmp_path / "parts.json", [src], tmp_path / "parts", output_is_folder=True)
