"""Open a user's file: its format, text encoding and delimiter, binary refusal, stdin, the medication column."""

from __future__ import annotations

import codecs
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from .errors import InputError
from .files import Claimed
from .models import FileFormat

if TYPE_CHECKING:
    pass


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


# The temporary copies of stdin being read now (see _spooled_stdin): messages call each one "stdin".
_STDIN_COPIES: set[Path] = set()


def _name(path: Path | None) -> str:
    """How messages name an input: its path, or "stdin" for standard input and its temporary copy."""
    return "stdin" if path is None or path in _STDIN_COPIES else str(path)


def format_of(path: Path) -> FileFormat:
    """How an input file is read, from its name (the delimiter only where the extension fixes it)."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    if name.endswith((".parquet", ".pq")):
        return FileFormat("parquet", gz, None)
    if name.endswith((".tsv", ".tab")):
        return FileFormat("csv", gz, "\t")
    if name.endswith(".csv"):
        return FileFormat("csv", gz, None)
    if name.endswith(".txt"):
        return FileFormat("csv", gz, None)
    raise InputError(f"{_name(path)}: unknown file type; use .csv, .tsv, .txt, .csv.gz or .parquet")


def _open_bytes(path: Path, gz: bool) -> IO[bytes]:
    import gzip

    try:
        return cast(IO[bytes], gzip.open(path, "rb") if gz else open(path, "rb"))
    except FileNotFoundError:
        raise InputError(f"{_name(path)}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{_name(path)}: is a folder; give a file") from None
    except OSError as exc:
        raise InputError(f"{_name(path)}: cannot be read ({exc.strerror or exc})") from None


# What the note on stderr says of a file that is not UTF-8, by the encoding it was read in.
_NOT_UTF8 = {"cp1252": "Windows-1252 (cp1252)", "latin-1": "Latin-1"}


def _not_utf8_note(name: str, encoding: str) -> str:
    return f"{name} is not UTF-8; read it as {_NOT_UTF8[encoding]}"


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """(text, note) for the bytes of a whole file, decoded as detect_encoding decides for a file on disk.

    UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252, else Latin-1 (which decodes
    anything); the note, for stderr, says so when the text was not UTF-8, and is "" otherwise.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError:
            raise InputError(
                f"{name}: starts as UTF-16 text but is not valid UTF-16; save it again as UTF-8"
            ) from None
    try:
        return data.decode("utf-8-sig"), ""  # also plain UTF-8: the BOM is removed only when present
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding), _not_utf8_note(name, encoding)
        except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
            continue
    raise AssertionError("Latin-1 decodes every byte")


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
            raise InputError(f"{_name(path)}: cannot be read ({exc})") from None
    with _open_bytes(path, gz) as f:
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while data := f.read(BLOCK):
                decoder.decode(data)
            return "cp1252", _not_utf8_note(_name(path), "cp1252"), True
        except UnicodeDecodeError:
            return "latin-1", _not_utf8_note(_name(path), "latin-1"), True


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


# The same, for standard input: there is no file name to change.
STDIN_MAGIC = {
    **MAGIC,
    b"\x1f\x8b": "is gzip-compressed; decompress it first (gunzip -c FILE | medcheck batch -) or give the file",
    b"PAR1": "is a Parquet file; give the .parquet file instead of stdin",
}

# The same, for `medcheck check`, which reads a plain-text list (gzip-compressed text is decompressed first).
LIST_MAGIC = {
    b"\x1f\x8b": "is gzip-compressed twice; decompress it (gunzip) and check the text",
    b"PAR1": "is a Parquet file; check it with medcheck batch",
    b"PK\x03\x04": "is a zip archive, an Excel workbook or a Word document; save the list as plain text (.txt), "
                   "or check an exported CSV with medcheck batch",
    b"\xd0\xcf\x11\xe0": "is an old Excel (.xls) or Office file; save the list as plain text (.txt)",
    b"%PDF": "is a PDF; copy the list into a plain text file, one medicine per line",
}

_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")


def _refuse_binary(
    name: str, head: bytes, hints: dict[bytes, str] = MAGIC, fix: str = "medcheck reads CSV, TSV or Parquet exports",
) -> None:
    """InputError for a file that is not text: a known binary format (its hint), or many control bytes (fix)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    for magic, what in hints.items():
        if head.startswith(magic):
            raise InputError(f"{name}: not a text file: it {what}")
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    if head and controls > len(head) // 10:
        raise InputError(f"{name}: not a text file (binary data); {fix}")


def source_for(path: Path, whole_file: bool = True) -> Source:
    """Work out how to read an input file: format, encoding, delimiter.

    whole_file False reads only the first block to tell UTF-8 (see detect_encoding).
    """
    fmt, gz, delimiter = format_of(path)
    name = _name(path)
    if not path.exists():
        raise InputError(f"{name}: file not found")
    if fmt == "parquet":
        return Source(path, "parquet", gzip=gz)
    with _open_bytes(path, gz) as f:
        try:
            head = f.read(8192)
        except (OSError, EOFError) as exc:
            raise InputError(f"{name}: cannot be read ({exc})") from None
    _refuse_binary(name, head, STDIN_MAGIC if path in _STDIN_COPIES else MAGIC)
    encoding, note, checked = detect_encoding(path, gz, whole_file)
    if delimiter is None:
        delimiter = sniff_delimiter(path, gz, encoding)
    return Source(path, "csv", encoding, delimiter, gz, note, checked)


@dataclass(frozen=True)
class ListText:
    """A medication list read for `check`: its text, and a note for stderr when it was not UTF-8 ("" if it was)."""

    text: str
    note: str = ""


def read_text(path: Path | None) -> ListText:
    """Read a medication list, one medicine per line, from a file or, with path None, from standard input.

    Decoded as batch decodes an export (see decode_text). Gzip-compressed text (a .txt.gz list) is
    decompressed; anything else that is not text (an executable, a workbook, a PDF) is refused with
    an InputError that says what to give instead.
    """
    name = _name(path)
    if path is None:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream with no bytes underneath (set by a program embedding medcheck)
            return ListText(sys.stdin.read())
        data = stream.read()
    else:
        with _open_bytes(path, gz=False) as f:
            try:
                data = f.read()
            except OSError as exc:
                raise InputError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if data.startswith(b"\x1f\x8b"):
        data = _gunzip(data, name)
    _refuse_binary(name, data[:8192], LIST_MAGIC, "medcheck check reads plain text, one medicine per line")
    return ListText(*decode_text(data, name))


def _gunzip(data: bytes, name: str) -> bytes:
    """The bytes a gzip file holds, or an InputError naming it when they cannot be had."""
    import gzip
    import zlib

    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise InputError(
            f"{name}: is gzip-compressed but cannot be decompressed ({exc}); give the list uncompressed"
        ) from None


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
        _STDIN_COPIES.add(self.path)  # messages about the copy name stdin, not a temporary file
        return self.path

    def __exit__(self, *exc: object) -> None:
        _STDIN_COPIES.discard(self.path)
        self.path.unlink(missing_ok=True)
