"""Check a column of an EHR export at scale, keeping every row and value; the only pandas/pyarrow user."""

from __future__ import annotations

import codecs
import csv
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .catalog import Catalog, load_catalog
from .errors import InputError
from .matcher import Matcher, matcher_for

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

OUTPUT_COLUMNS: tuple[str, ...] = (
    "medcheck_flag",
    "medcheck_drugs",
    "medcheck_classes",
    "medcheck_confidence",
    "medcheck_score",
)
# Column names an EHR export commonly uses for the medication text, in order of preference.
COLUMN_GUESSES: tuple[str, ...] = (
    "description", "medication", "medication_name", "medication name", "med_name", "medname", "med", "meds",
    "medications", "drug", "drug_name", "drug name", "drugname", "drug_description", "product", "product_name",
    "generic_name", "rx", "order_name",
)
SEPARATOR = "; "
BLOCK = 1 << 22  # bytes per CSV read block


@dataclass
class Summary:
    """Counts gathered while a batch runs: rows, flagged rows, rows and patients per drug and class."""

    rows: int = 0
    flagged_rows: int = 0
    by_drug: Counter[str] = field(default_factory=Counter)
    by_class: Counter[str] = field(default_factory=Counter)
    patients: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the summary."""
        doc: dict[str, Any] = {
            "rows": self.rows,
            "flagged_rows": self.flagged_rows,
            "rows_by_drug": dict(self.by_drug.most_common()),
            "rows_by_class": dict(self.by_class.most_common()),
        }
        if self.patients:
            doc["patients_by_drug"] = {d: len(p) for d, p in sorted(self.patients.items(), key=lambda kv: -len(kv[1]))}
        return doc


class ResultCache:
    """Batch columns for each distinct text, computed once per run: the five medcheck_* values."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._by_text: dict[str, tuple[str, str, str, str, str]] = {}

    def get(self, text: str) -> tuple[str, str, str, str, str]:
        """The five output values for one medication string."""
        hit = self._by_text.get(text)
        if hit is None:
            findings = self.matcher.match(text)
            hit = (
                "true" if any(f.confidence != "possible" for f in findings) else "false",
                SEPARATOR.join(f.drug.name for f in findings),
                SEPARATOR.join(f.drug.drug_class for f in findings),
                SEPARATOR.join(f.confidence for f in findings),
                SEPARATOR.join(f"{f.score:g}" for f in findings),
            )
            if len(self._by_text) > 2_000_000:  # keep memory flat on endless free text
                self._by_text.clear()
            self._by_text[text] = hit
        return hit


def bulk_keys(values: pa.Array) -> pa.Array:
    """Lowercase and collapse stand-alone numbers, so lines differing only in dose match once.

    normalize() drops every such number and lowercases, so a key gives the same findings as its lines.
    """
    import pyarrow.compute as pc

    lowered = pc.utf8_lower(values)
    # A number not glued to a letter or hyphen before it, nor to a hyphen after ("5-fu", "vp-16", "q12h" stay).
    # Applied twice: a match uses up the character after it, which may start the next number ("1/2").
    pattern = r"(^|[^\pL\pN_-])\d+(?:[.,]\d+)*([^\pN.,-]|$)"
    rewrite = r"\1" + "0" + r"\2"  # RE2 reads "\10" as group 1, then "0"
    once = pc.replace_substring_regex(lowered, pattern, rewrite)
    return pc.replace_substring_regex(once, pattern, rewrite)


@dataclass(frozen=True)
class Annotated:
    """The medcheck_* columns for one batch, and the distinct strings they came from."""

    columns: list[pa.Array]
    codes: pa.Array  # per row, the index of its distinct string
    rows: list[tuple[str, str, str, str, str]]  # per distinct string, its five values


def annotate(values: pa.Array | pa.ChunkedArray, cache: ResultCache) -> Annotated:
    """The five medcheck_* columns for a column of medication strings (nulls read as empty).

    Distinct strings are found first (a hash pass in Arrow); only they are keyed and matched.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.fill_null(values.cast(pa.string()), "").dictionary_encode()
    rows = [cache.get(key) for key in bulk_keys(encoded.dictionary).to_pylist()]
    columns = [
        pa.array([r[i] for r in rows], type=pa.string()).take(encoded.indices) for i in range(len(OUTPUT_COLUMNS))
    ]
    return Annotated(columns, encoded.indices, rows)


def check_frame(df: pd.DataFrame, column: str, catalog: Catalog | None = None) -> pd.DataFrame:
    """Return a copy of df with the medcheck_* columns appended; the per-partition function for any engine."""
    import pyarrow as pa

    if column not in df.columns:
        raise InputError(f"no column {column!r} in the frame; columns are: {', '.join(map(str, df.columns))}")
    cache = ResultCache(matcher_for(catalog if catalog is not None else load_catalog()))
    values = df[column].astype("object").where(df[column].notna(), "").astype(str)
    columns = annotate(pa.array(values.tolist(), type=pa.string()), cache).columns
    out = df.copy()
    for name, col in zip(OUTPUT_COLUMNS, columns):
        out[name] = col.to_pylist()
    return out


# --- reading exports -------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """How to read an input file: its format, text encoding and delimiter."""

    path: Path
    fmt: str  # "csv" or "parquet"
    encoding: str = "utf-8"
    delimiter: str = ","
    gzip: bool = False
    note: str = ""
    exact: bool = False  # a carriage return inside a quoted value: read with Python's csv, which keeps it


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


def _cr_in_quotes(block: bytes, inside: bool) -> tuple[bool, bool]:
    """(a CR falls inside a quoted value, quote state at the end) for one block of ASCII-compatible bytes."""
    import numpy as np

    data = np.frombuffer(block, dtype=np.uint8)
    quotes = np.cumsum(data == 34) + int(inside)
    crs = np.flatnonzero(data == 13)
    return bool((quotes[crs] % 2 == 1).any()) if len(crs) else False, bool(quotes[-1] % 2) if len(data) else inside


def detect_encoding(path: Path, gz: bool) -> tuple[str, str, bool]:
    """(encoding, note, CR inside a quoted value): UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 or latin-1."""
    cr = inside = False
    with _open_bytes(path, gz) as f:
        try:
            head = f.read(4)
            if head.startswith(codecs.BOM_UTF8):
                encoding = "utf-8-sig"
            elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                return "utf-16", "", True
            else:
                encoding = "utf-8"
            decoder = codecs.getincrementaldecoder("utf-8")()
            data = head[3:] if encoding == "utf-8-sig" else head
            while True:
                decoder.decode(data)
                if not cr and b"\r" in data:
                    found, inside = _cr_in_quotes(data, inside)
                    cr = cr or found
                elif not cr:  # no CR here: only carry the quote state on to the next block
                    inside = (data.count(b'"') + inside) % 2 == 1
                data = f.read(BLOCK)
                if not data:
                    decoder.decode(b"", final=True)
                    return encoding, "", cr
        except UnicodeDecodeError:
            pass
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot be read ({exc})") from None
    cr = inside = False
    with _open_bytes(path, gz) as f:
        decoder = codecs.getincrementaldecoder("cp1252")()
        try:
            while data := f.read(BLOCK):
                decoder.decode(data)
                found, inside = _cr_in_quotes(data, inside)
                cr = cr or found
            return "cp1252", f"{path} is not UTF-8; read it as Windows-1252 (cp1252)", cr
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


def source_for(path: Path) -> Source:
    """Work out how to read an input file: format, encoding, delimiter."""
    fmt, gz, delimiter = format_of(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if fmt == "parquet":
        return Source(path, "parquet", gzip=gz)
    encoding, note, exact = detect_encoding(path, gz)
    if delimiter is None:
        delimiter = sniff_delimiter(path, gz, encoding)
    return Source(path, "csv", encoding, delimiter, gz, note, exact)


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
    header = _csv_header(source)
    schema = pa.schema([pa.field(h, pa.string()) for h in header])
    if source.exact:
        return schema, _python_batches(source, schema)
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
        raise InputError(f"{name}: {_arrow_message(exc)}") from None

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)
        except pa.ArrowInvalid as exc:
            raise InputError(f"{name}: {_arrow_message(exc)}") from None

    return schema, batches()


def _python_batches(source: Source, schema: pa.Schema, size: int = 65536) -> Iterator[pa.RecordBatch]:
    """Read with Python's csv module: slower, but keeps a CR inside a quoted value, which pyarrow drops."""
    import gzip
    import io

    import pyarrow as pa

    width = len(schema)
    raw = gzip.open(source.path, "rb") if source.gzip else open(source.path, "rb")  # type: ignore[arg-type]
    with raw, io.TextIOWrapper(raw, encoding=source.encoding, newline="") as text:
        reader = csv.reader(text, delimiter=source.delimiter)
        next(reader, None)
        rows: list[list[str]] = []
        try:
            for row in reader:
                if not row:
                    continue
                if len(row) != width:
                    raise InputError(
                        f"{_name(source.path)}, line {reader.line_num}: expected {width} fields, found {len(row)}; "
                        "fix the row, or check the delimiter and quoting"
                    )
                rows.append(row)
                if len(rows) == size:
                    yield pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in zip(*rows)], schema=schema)
                    rows = []
        except csv.Error as exc:
            raise InputError(f"{_name(source.path)}, line {reader.line_num}: {exc}") from None
        if rows:
            yield pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in zip(*rows)], schema=schema)


def _arrow_message(exc: Exception) -> str:
    text = str(exc).splitlines()[0]
    return text.replace("CSV parse error: ", "").rstrip(":") + "; fix the row, or check the delimiter and quoting"


def _csv_header(source: Source) -> list[str]:
    """The header row, read with Python's csv module so that duplicate names are kept as written."""
    name = _name(source.path)
    import gzip
    import io

    raw = gzip.open(source.path, "rb") if source.gzip else open(source.path, "rb")
    with raw, io.TextIOWrapper(raw, encoding=source.encoding, newline="") as text:
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


# --- running a batch -------------------------------------------------------------------------

def run_batch(
    source_path: Path | None,
    output: Path | None,
    *,
    column: str | None = None,
    id_column: str | None = None,
    catalog: Catalog | None = None,
    stdout: IO[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Check every row of an export and write it back with the medcheck_* columns appended.

    Writes to a temporary file beside OUTPUT and renames it at the end, so a failed or interrupted
    run leaves no partial output. With output None, CSV goes to `stdout` (bytes).
    """
    import pyarrow as pa

    if source_path is None:  # CSV on stdin: spool it to a file, so it is read like any other
        with _spooled_stdin() as spooled:
            return run_batch(spooled, output, column=column, id_column=id_column, catalog=catalog,
                             stdout=stdout, progress=progress)
    source = source_for(source_path)
    name = _name(source_path)
    if output is not None and source_path is not None and _same_file(source_path, output):
        raise InputError(f"{output}: is the input file; write the output to another path with -o")
    schema, batches = read_batches(source)
    index = choose_column(schema.names, column, name)
    id_index = choose_column(schema.names, id_column, name) if id_column else None
    cache = ResultCache(matcher_for(catalog if catalog is not None else load_catalog()))
    out_schema = schema
    for col in OUTPUT_COLUMNS:
        out_schema = out_schema.append(pa.field(col, pa.string()))
    summary = Summary(notes=[source.note] if source.note else [])
    out_fmt, _, out_delim = ("csv", False, ",") if output is None else format_of(output)
    with _atomic(output) as target:
        writer = _writer(target if output is not None else stdout, out_fmt, out_delim or ",", out_schema)
        try:
            for batch in batches:
                annotated = annotate(batch.column(index), cache)
                _tally(summary, batch, annotated, id_index)
                writer.write(pa.RecordBatch.from_arrays([*batch.columns, *annotated.columns], schema=out_schema))
                if progress is not None:
                    progress(batch.num_rows)
        finally:
            writer.close()
    return summary


class _spooled_stdin:
    """Copy standard input to a temporary .csv file, removed afterwards."""

    def __enter__(self) -> Path:
        import shutil

        fd, tmp = tempfile.mkstemp(prefix="medcheck-stdin-", suffix=".csv")
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f, BLOCK)
        self.path = Path(tmp)
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


class _atomic:
    """Yield a temporary path beside the target; rename it over the target only on success."""

    def __init__(self, target: Path | None) -> None:
        self.target = target
        self.tmp: Path | None = None

    def __enter__(self) -> Path | None:
        if self.target is None:
            return None
        folder = self.target.parent if str(self.target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"{self.target}: the folder {folder} does not exist; create it or choose another -o")
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part", dir=folder)
        except OSError as exc:
            raise InputError(f"{self.target}: cannot write in {folder} ({exc.strerror or exc}); choose another -o") from None
        os.close(fd)
        self.tmp = Path(tmp)
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.tmp is None:
            return
        if exc_type is None:
            os.replace(self.tmp, self.target)  # type: ignore[arg-type]
        else:
            self.tmp.unlink(missing_ok=True)


class _writer:
    """Write record batches as CSV (UTF-8, minimal quoting) or Parquet."""

    def __init__(self, target: Path | IO[bytes] | None, fmt: str, delimiter: str, schema: pa.Schema) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        self.fmt = fmt
        sink: Any = str(target) if isinstance(target, Path) else pa.PythonFile(target, mode="w")
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._w: Any = pq.ParquetWriter(sink, schema)
        else:
            self._w = pacsv.CSVWriter(
                sink, schema, write_options=pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed")
            )

    def write(self, batch: pa.RecordBatch) -> None:
        self._w.write_batch(batch) if self.fmt == "parquet" else self._w.write(batch)

    def close(self) -> None:
        self._w.close()


def _tally(summary: Summary, batch: pa.RecordBatch, annotated: Annotated, id_index: int | None) -> None:
    """Add one batch to the counts, working on distinct strings rather than rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    summary.rows += batch.num_rows
    counts = pc.value_counts(annotated.codes)
    per_code = dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist()))
    flagged_codes = []
    for code, n in per_code.items():
        flag, drugs, classes, confidences, _ = annotated.rows[code]
        if flag != "true":
            continue
        flagged_codes.append(code)
        summary.flagged_rows += n
        for drug, cls, conf in zip(drugs.split(SEPARATOR), classes.split(SEPARATOR), confidences.split(SEPARATOR)):
            if conf != "possible":
                summary.by_drug[drug] += n
                summary.by_class[cls] += n
    if id_index is None or not flagged_codes:
        return
    pairs = pa.table({"code": annotated.codes, "id": batch.column(id_index)})
    pairs = pairs.filter(pc.is_in(pairs["code"], pa.array(flagged_codes, pairs["code"].type)))
    unique = pairs.group_by(["code", "id"]).aggregate([])
    for code, patient in zip(unique["code"].to_pylist(), unique["id"].to_pylist()):
        if patient in (None, ""):
            continue
        _, drugs, _, confidences, _ = annotated.rows[code]
        for drug, conf in zip(drugs.split(SEPARATOR), confidences.split(SEPARATOR)):
            if conf != "possible":
                summary.patients[drug].add(str(patient))


def render_summary_text(summary: Summary) -> str:
    """Counts by drug and class for stderr."""
    lines = [f"{summary.rows:,} rows checked; {summary.flagged_rows:,} flagged."]
    if summary.by_drug:
        lines.append("Rows by drug" + (" (distinct patients)" if summary.patients else "") + ":")
        for drug, n in summary.by_drug.most_common():
            extra = f" ({len(summary.patients[drug]):,})" if summary.patients else ""
            lines.append(f"  {drug}: {n:,}{extra}")
        lines.append("Rows by class:")
        lines.extend(f"  {cls}: {n:,}" for cls, n in summary.by_class.most_common())
    return "\n".join(lines)


def render_summary_markdown(summary: Summary) -> str:
    """Counts by drug and class as Markdown tables."""
    doc = summary.as_dict()
    out = [f"{doc['rows']:,} rows checked; {doc['flagged_rows']:,} flagged.", ""]
    head = "| drug | rows |" + (" patients |" if summary.patients else "")
    out += [head, "|---|---|" + ("---|" if summary.patients else "")]
    for drug, n in summary.by_drug.most_common():
        out.append(f"| {drug} | {n} |" + (f" {len(summary.patients[drug])} |" if summary.patients else ""))
    out += ["", "| class | rows |", "|---|---|"]
    out += [f"| {cls} | {n} |" for cls, n in summary.by_class.most_common()]
    return "\n".join(out) + "\n"


class Progress:
    """Rows done and rows per second, redrawn on one stderr line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.rows = 0
        self.start = time.perf_counter()

    def __call__(self, rows: int) -> None:
        self.rows += rows
        rate = self.rows / max(time.perf_counter() - self.start, 1e-9)
        self.stream.write(f"\r{self.rows:,} rows, {rate:,.0f} rows/s")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
