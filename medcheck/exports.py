"""Read a user's export file: format, text encoding, delimiter, binary refusal, ragged rows, the column."""

from __future__ import annotations

import codecs
import csv
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .errors import InputError
from .files import Claimed

if TYPE_CHECKING:
    import pyarrow as pa


# Column names an EHR export commonly uses for the medication text, in order of preference.
COLUMN_GUESSES: tuple[str, ...] = (
    "description", "medication", "medication_name", "medication name", "med_name", "medname", "med", "meds",
    "medications", "drug", "drug_name", "drug name", "drugname", "drug_description", "product", "product_name",
    "generic_name", "rx", "order_name",
)


BLOCK = 1 << 22  # bytes per CSV read block


@dataclass(frozen=True)
class Source:
    """How to read an input file: its format, text encoding and delimiter."""

    path: Path
    fmt: str  # "csv" or "parquet"
    encoding: str = "utf-8"
    delimiter: str = ","
    gzip: bool = False
    note: str = ""
    checked: bool = True  # False: taken for UTF-8 from its first block; pyarrow's UTF-8 check has the last word


class _NotUtf8(Exception):
    """A file taken for UTF-8 from its first block turned out not to be (see detect_encoding)."""


def _name(path: Path | None) -> str:
    return "stdin" if path is None else str(path)


def format_of(path: Path) -> tuple[str, bool, str | None]:
    """(format, gzip, delimiter if the extension fixes it) from a file name."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet", gz, None
    if name.endswith(".tsv") or name.endswith(".tab"):
        return "csv", gz, "\t"
    if name.endswith(".csv"):
        return "csv", gz, None
    if name.endswith(".txt"):
        return "csv", gz, None
    raise InputError(f"{path}: unknown file type; use .csv, .tsv, .txt, .csv.gz or .parquet")


def _open_bytes(path: Path, gz: bool) -> IO[bytes]:
    import gzip

    try:
        return gzip.open(path, "rb") if gz else open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def detect_encoding(path: Path, gz: bool, whole_file: bool = True) -> tuple[str, str, bool]:
    """(encoding, note, checked): UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 or latin-1.

    With whole_file False, a file whose first block is UTF-8 is taken for UTF-8 without reading the
    rest (checked is False): pyarrow checks UTF-8 as it reads, and run_batch reads the file again
    with this function's whole-file answer if that check fails.
    """
    with _open_bytes(path, gz) as f:
        try:
            data = f.read(BLOCK)
            if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16", "", True
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
            decoder = codecs.getincrementaldecoder(encoding)()
            while True:
                if not data.isascii() or decoder.getstate()[0]:  # ASCII is UTF-8: skip the slower decode
                    decoder.decode(data)
                more = f.read(BLOCK) if data else b""
                if not more:
                    decoder.decode(b"", final=True)
                    return encoding, "", True
                if not whole_file:
                    return encoding, "", False
                data = more
        except UnicodeDecodeError:
            pass
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot be read ({exc})") from None
    with _open_bytes(path, gz) as f:
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while data := f.read(BLOCK):
                decoder.decode(data)
            return "cp1252", f"{path} is not UTF-8; read it as Windows-1252 (cp1252)", True
        except UnicodeDecodeError:
            return "latin-1", f"{path} is not UTF-8; read it as Latin-1", True


def sniff_delimiter(path: Path, gz: bool, encoding: str) -> str:
    """Comma, semicolon, tab or pipe, whichever the header line uses most."""
    with _open_bytes(path, gz) as f:
        head = f.read(1 << 16).decode(encoding, errors="replace").lstrip("\ufeff")
    first = head.splitlines()[0] if head else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# Files a CSV export is often confused with, by their first bytes.
MAGIC = {
    b"\x1f\x8b": "is gzip-compressed; name it .csv.gz",
    b"PAR1": "is a Parquet file; name it .parquet",
    b"PK\x03\x04": "is a zip archive or an Excel workbook; export the sheet as CSV",
    b"\xd0\xcf\x11\xe0": "is an old Excel (.xls) or Office file; export the sheet as CSV",
    b"%PDF": "is a PDF; medcheck reads CSV, TSV or Parquet exports",
}


_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")


def _refuse_binary(path: Path, head: bytes) -> None:
    """InputError for a file that is not text: a known binary format, or many control bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    for magic, what in MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{path}: not a text file: it {what}")
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    if head and controls > len(head) // 10:
        raise InputError(f"{path}: not a text file (binary data); medcheck reads CSV, TSV or Parquet exports")


def source_for(path: Path, whole_file: bool = True) -> Source:
    """Work out how to read an input file: format, encoding, delimiter.

    whole_file False reads only the first block to tell UTF-8 (see detect_encoding).
    """
    fmt, gz, delimiter = format_of(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if fmt == "parquet":
        return Source(path, "parquet", gzip=gz)
    with _open_bytes(path, gz) as f:
        try:
            head = f.read(8192)
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot be read ({exc})") from None
    _refuse_binary(path, head)
    encoding, note, checked = detect_encoding(path, gz, whole_file)
    if delimiter is None:
        delimiter = sniff_delimiter(path, gz, encoding)
    return Source(path, "csv", encoding, delimiter, gz, note, checked)


def read_batches(source: Source) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    """Stream an export as record batches, every CSV column read as text exactly as written."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    name = _name(source.path)
    if source.fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(source.path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{name}: not a readable Parquet file ({exc})") from None
        return pf.schema_arrow, pf.iter_batches(batch_size=65536)
    stream = pa.input_stream(str(source.path), compression="gzip" if source.gzip else None)
    header = csv_header(source)
    schema = pa.schema([pa.field(h, pa.string()) for h in header])
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(
                encoding=source.encoding if source.encoding != "utf-8-sig" else "utf-8",
                block_size=BLOCK,
                column_names=[f"c{i}" for i in range(len(header))],
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(header))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _parse_error(source, schema, exc) from None

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)
        except pa.ArrowInvalid as exc:
            raise _parse_error(source, schema, exc) from None

    return schema, batches()


class _no_field_limit:
    """Lift Python csv's 128 KB field limit while medcheck reads (a value may be a megabyte), then restore it."""

    def __enter__(self) -> None:
        self.old = csv.field_size_limit(2**31 - 1)

    def __exit__(self, *exc: object) -> None:
        csv.field_size_limit(self.old)


def _ragged_row(source: Source, width: int) -> InputError | None:
    """The error naming the first row without `width` fields, found with Python's csv module (which counts lines)."""
    import gzip
    import io

    raw = gzip.open(source.path, "rb") if source.gzip else open(source.path, "rb")  # type: ignore[arg-type]
    with raw, io.TextIOWrapper(raw, encoding=source.encoding, newline="") as text, _no_field_limit():
        reader = csv.reader(text, delimiter=source.delimiter)
        next(reader, None)
        try:
            for row in reader:
                if row and len(row) != width:
                    return InputError(
                        f"{_name(source.path)}, line {reader.line_num}: expected {width} fields, found {len(row)}; "
                        "fix the row, or check the delimiter and quoting"
                    )
        except csv.Error as exc:
            return InputError(f"{_name(source.path)}, line {reader.line_num}: {exc}")
    return None


def _parse_error(source: Source, schema: pa.Schema, exc: Exception) -> Exception:
    """The one-line error for a row pyarrow could not parse, naming its line when Python's csv finds it."""
    if not source.checked and "invalid UTF8" in str(exc):
        return _NotUtf8(str(source.path))
    if str(exc).startswith("CSV parse error: Expected"):  # a row with too few or too many fields
        try:
            located = _ragged_row(source, len(schema))
        except UnicodeDecodeError:  # not UTF-8 after all: say what pyarrow said
            located = None
        if located is not None:
            return located
    text = str(exc).splitlines()[0].replace("CSV parse error: ", "").rstrip(":")
    return InputError(f"{_name(source.path)}: {text}; fix the row, or check the delimiter and quoting")


def csv_header(source: Source) -> list[str]:
    """The header row, read with Python's csv module so that duplicate names are kept as written."""
    name = _name(source.path)
    import gzip
    import io

    raw = gzip.open(source.path, "rb") if source.gzip else open(source.path, "rb")
    with raw, io.TextIOWrapper(raw, encoding=source.encoding, newline="") as text, _no_field_limit():
        try:
            header = next(csv.reader(text, delimiter=source.delimiter))
        except StopIteration:
            raise InputError(f"{name}: the file is empty; it needs a header row and data rows") from None
        except csv.Error as exc:
            raise InputError(f"{name}: malformed header ({exc})") from None
    if not any(h.strip() for h in header):
        raise InputError(f"{name}: the first line is not a header row")
    return header


def choose_column(columns: Sequence[str], wanted: str | None, name: str) -> int:
    """The index of the medication column: --column, else a common name, else an error listing columns."""
    if wanted is not None:
        if wanted in columns:
            return list(columns).index(wanted)
        folded = [c.casefold() for c in columns]
        if wanted.casefold() in folded:
            return folded.index(wanted.casefold())
        raise InputError(f"no column {wanted!r} in {name}; its columns are: {', '.join(columns)}")
    folded = [c.strip().casefold() for c in columns]
    for guess in COLUMN_GUESSES:
        if guess in folded:
            return folded.index(guess)
    raise InputError(
        f"no medication column found in {name} (columns: {', '.join(columns)}); choose one with --column"
    )


class _spooled_stdin:
    """Copy standard input to a temporary .csv file, removed afterwards."""

    def __enter__(self) -> Path:
        spool = Claimed(Path(tempfile.gettempdir()), "medcheck-stdin-", ".csv", 0o600)  # health data: owner only
        self.path = spool.path
        try:
            with os.fdopen(spool.fd, "wb") as f:
                shutil.copyfileobj(sys.stdin.buffer, f, BLOCK)
        except BaseException:  # Ctrl-C while reading stdin leaves no copy behind
            self.path.unlink(missing_ok=True)
            raise
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)
