"""Reading a user's file: a medication list for `check`, an export for `batch`, and stdin for both."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from medcheck.cli import cli
from medcheck.errors import InputError
from medcheck.exports import source_for

LIST = "cloZAPine 100 mg\r\nsulfaméthoxazole 800 mg / triméthoprime 160 mg\r\nmetformin 500 mg\r\n"


def check(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, ["check", "--format", "json", *args], input=input)


def drugs_found(stdout: str) -> list[str]:
    return [m["drug"] for r in json.loads(stdout)["results"] for m in r["matches"]]


def one_error_line(result, *wanted: str) -> str:
    """The run failed with exit 2 and one line on stderr, no traceback, holding every wanted text."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for text in wanted:
        assert text in lines[0], lines[0]
    return lines[0]


# --- check: a medication list in any encoding batch reads ----------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"])
def test_check_reads_a_list_in_every_encoding_batch_reads(tmp_path, encoding):
    path = tmp_path / "meds.txt"
    data = LIST.encode(encoding)
    if encoding == "utf-16-be":  # as Notepad's "Unicode big endian" writes it, with its byte-order mark
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    result = check(str(path))
    assert result.exit_code == 1, result.output
    assert drugs_found(result.stdout) == ["clozapine", "sulfamethoxazole-trimethoprim"]
    inputs = [r["input"] for r in json.loads(result.stdout)["results"]]
    assert inputs[1] == "sulfaméthoxazole 800 mg / triméthoprime 160 mg"  # accents kept, no BOM left in line 1
    assert inputs[0] == "cloZAPine 100 mg"
    said = [line for line in result.stderr.splitlines() if "not UTF-8" in line]
    if encoding == "cp1252":
        assert said == [f"medcheck: {path} is not UTF-8; read it as Windows-1252 (cp1252)"]
    else:
        assert said == []


def test_check_reads_stdin_bytes_as_a_file_is_read():
    result = check(input=LIST.encode("utf-16"))
    assert result.exit_code == 1, result.output
    assert drugs_found(result.stdout) == ["clozapine", "sulfamethoxazole-trimethoprim"]
    result = check("-", input=LIST.encode("cp1252"))
    assert drugs_found(result.stdout) == ["clozapine", "sulfamethoxazole-trimethoprim"]
    assert "medcheck: stdin is not UTF-8; read it as Windows-1252 (cp1252)" in result.stderr.splitlines()


def test_read_text_gives_the_text_and_a_note():
    from medcheck.exports import decode_text

    assert decode_text("é\n".encode("utf-8-sig"), "x.txt") == ("é\n", "")
    assert decode_text("é\n".encode("cp1252"), "x.txt") == ("é\n", "x.txt is not UTF-8; read it as Windows-1252 (cp1252)")
    assert decode_text(b"\x81\xe9\n", "x.txt") == ("\x81é\n", "x.txt is not UTF-8; read it as Latin-1")


def test_check_decompresses_a_gzip_list(tmp_path):
    for name in ("meds.txt.gz", "meds.csv.gz"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(LIST.encode("utf-8")))
        result = check(str(path))
        assert result.exit_code == 1, result.output
        assert drugs_found(result.stdout) == ["clozapine", "sulfamethoxazole-trimethoprim"]
        from medcheck.exports import read_text

        assert read_text(path).text == LIST


@pytest.mark.parametrize(
    "name, data, wanted",
    [
        ("meds.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "not a text file (binary data)"),
        ("meds.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "not a text file"),
        ("meds.xlsx", b"PK\x03\x04" + b"\x00" * 100, "an Excel workbook"),
        ("meds.parquet", b"PAR1" + b"\x00" * 100, "Parquet file; check it with medcheck batch"),
        ("meds.pdf", b"%PDF-1.7\n clozapine", "is a PDF"),
        ("meds.tar.gz", gzip.compress(b"meds.txt\x00" + b"\x00" * 500 + b"clozapine\n"), "not a text file"),
    ],
)
def test_check_refuses_binary_input(tmp_path, name, data, wanted):
    path = tmp_path / name
    path.write_bytes(data)
    line = one_error_line(check(str(path)), str(path), wanted)
    assert "plain text" in line or "medcheck batch" in line  # and says what to give instead
    assert "clozapine" not in check(str(path)).stdout


def test_check_refuses_binary_stdin_and_a_broken_gzip(tmp_path):
    one_error_line(check(input=b"\x00\x01\x02\x03" * 100), "stdin: not a text file")
    broken = tmp_path / "meds.txt.gz"
    broken.write_bytes(gzip.compress(b"clozapine\n" * 100)[:30])
    one_error_line(check(str(broken)), str(broken), "cannot be decompressed")


def test_check_a_missing_file_or_a_folder_is_one_line(tmp_path):
    one_error_line(check(str(tmp_path / "nope.txt")), "nope.txt: file not found")
    one_error_line(check(str(tmp_path)), str(tmp_path), "is a folder")


def test_check_naughty_bytes_are_text_not_binary():
    """The Big List of Naughty Strings holds control characters, but is text: it is checked, not refused."""
    from medcheck.exports import read_text

    raw = (Path(__file__).parent / "data" / "blns.txt").read_bytes()
    assert read_text(Path(__file__).parent / "data" / "blns.txt").text == raw.decode("utf-8")


# --- batch: an unclosed quote ------------------------------------------------------------------

UNCLOSED = [
    ("one column", 'DESCRIPTION\nclozapine 100 mg\n"ibuprofen 400 mg\nmetformin\naspirin\n', 3),
    ("last column", 'id,DESCRIPTION\n1,clozapine 100 mg\n2,"ibuprofen 400 mg\n3,metformin\n4,aspirin\n', 3),
    ("first column", 'DESCRIPTION,id\nclozapine 100 mg,1\n"ibuprofen 400 mg,2\nmetformin,3\naspirin,4\n', 3),
    ("after a closed multi-line value", 'id,DESCRIPTION\n1,"clozapine\n100 mg"\n2,"ibuprofen ""x""\n3,metformin\n', 4),
    ("no final newline", 'DESCRIPTION\n"clozapine\nmetformin\naspirin', 2),
    ("in the header", '"DESCRIPTION\nclozapine\nmetformin\n', 1),
]


@pytest.mark.parametrize("text, line", [(t, n) for _, t, n in UNCLOSED], ids=[i for i, _, _ in UNCLOSED])
def test_batch_refuses_an_unclosed_quote_naming_its_line(tmp_path, text, line):
    src, out = tmp_path / "meds.csv", tmp_path / "out.csv"
    src.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out)])
    one_error_line(result, f"{src}, line {line}: a quote opened on line {line} is never closed")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meds.csv"]  # no temporary file either
    result = CliRunner().invoke(cli, ["batch", str(src)])  # to stdout
    one_error_line(result, f"line {line}: a quote opened on line {line} is never closed")
    assert len(result.stdout.splitlines()) <= 1  # the header at most, no row


def test_a_long_unclosed_quote_is_named_not_a_block_error(tmp_path):
    """Past one read block, pyarrow says 'straddling object'; the line of the quote is what helps."""
    src = tmp_path / "meds.csv"
    src.write_text('id,DESCRIPTION\n1,clozapine\n2,"ibuprofen\n' + "".join(f"{i},metformin {i}\n" for i in range(400_000)))
    one_error_line(CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "o.csv")]),
                   "line 3: a quote opened on line 3 is never closed")


def test_closed_quotes_with_line_breaks_in_the_last_row_are_kept(tmp_path):
    src, out = tmp_path / "meds.csv", tmp_path / "out.csv"
    src.write_text('id,DESCRIPTION\n1,clozapine\n2,"metformin\r\n500 mg"\n', encoding="utf-8", newline="")
    result = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert b'"metformin\r\n500 mg"' in out.read_bytes()


def test_a_mid_value_quote_is_text(tmp_path):
    """A quote that does not open a value (5" bandage) is part of the text, as pyarrow and Python's csv read it."""
    src, out = tmp_path / "meds.csv", tmp_path / "out.csv"
    src.write_text('id,DESCRIPTION\n1,gauze 5" x 9\n2,clozapine\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["batch", str(src), "-o", str(out)])
    assert result.exit_code == 1, result.output


# --- stdin is named "stdin", never by its temporary copy ---------------------------------------

@pytest.mark.parametrize(
    "data, wanted",
    [
        (b"a,b\n1\n", "stdin, line 2: expected 2 fields, found 1"),
        (b'id,DESCRIPTION\n1,clozapine\n2,"ibuprofen\n3,x\n', "stdin, line 3: a quote opened on line 3 is never closed"),
        (b"id,drug_x\n1,clozapine\n", "no medication column found in stdin"),
        (b"", "stdin: the file is empty"),
        (gzip.compress(b"id,DESCRIPTION\n1,clozapine\n"), "stdin: not a text file: it is gzip-compressed"),
    ],
)
def test_batch_stdin_errors_say_stdin(data, wanted):
    result = CliRunner().invoke(cli, ["batch", "-"], input=data)
    line = one_error_line(result, wanted)
    assert "medcheck-stdin" not in line and "/tmp" not in line


def test_batch_stdin_note_says_stdin():
    result = CliRunner().invoke(cli, ["batch", "-"], input="id,DESCRIPTION\n1,café clozapine\n".encode("cp1252"))
    assert result.exit_code == 1, result.output
    assert "medcheck: stdin is not UTF-8; read it as Windows-1252 (cp1252)" in result.stderr.splitlines()
    assert "medcheck-stdin" not in result.stderr


def test_the_spooled_copy_is_named_stdin_only_while_it_exists(monkeypatch):
    import io
    import sys

    from medcheck.exports import _name, _spooled_stdin
    from medcheck.parse import csv_header

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with _spooled_stdin() as spooled:
        assert _name(spooled) == "stdin"
        with pytest.raises(InputError, match="^stdin: the file is empty"):
            csv_header(source_for(spooled))
    assert _name(spooled) == str(spooled)
