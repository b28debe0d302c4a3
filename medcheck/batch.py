"""Check a column of an EHR export at scale, keeping every row and value; the only pandas/pyarrow user."""

from __future__ import annotations

import codecs
import csv
import functools
import os
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .catalog import Catalog, load_catalog
from .errors import InputError
from .matcher import CONTEXT_CUE, Matcher, matcher_for
from .models import Context, Finding, Risk, risks_from
from .normalize import CLEARS_NUMBER, SETS_NUMBER, SKIP, chunk_role

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

OUTPUT_COLUMNS: tuple[str, ...] = (
    "medcheck_flag",
    "medcheck_drugs",
    "medcheck_classes",
    "medcheck_confidence",
    "medcheck_score",
    "medcheck_risk",
    "medcheck_context",
)
# Column names an EHR export commonly uses for the medication text, in order of preference.
COLUMN_GUESSES: tuple[str, ...] = (
    "description", "medication", "medication_name", "medication name", "med_name", "medname", "med", "meds",
    "medications", "drug", "drug_name", "drug name", "drugname", "drug_description", "product", "product_name",
    "generic_name", "rx", "order_name",
)
SEPARATOR = "; "
BLOCK = 1 << 22  # bytes per CSV read block


@dataclass(frozen=True)
class Counted:
    """One sure finding of a distinct medication string, as the summary counts it."""

    drug: str
    drug_class: str
    risk: str
    context: str


@dataclass
class Summary:
    """Counts gathered while a batch runs: rows, flagged rows, rows and patients per drug, class, risk tier
    and context. A row counts once per drug it names, and once per tier and per context."""

    rows: int = 0
    flagged_rows: int = 0
    by_drug: Counter[str] = field(default_factory=Counter)
    by_class: Counter[str] = field(default_factory=Counter)
    patients: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    notes: list[str] = field(default_factory=list)
    by_risk: Counter[str] = field(default_factory=Counter)
    by_context: Counter[str] = field(default_factory=Counter)
    patients_by_risk: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    risk_of: dict[str, str] = field(default_factory=dict)  # drug -> its tier, to list drugs by tier

    def drugs_by_tier(self) -> list[tuple[str, int]]:
        """(drug, rows), strongest tier first, then most rows first."""
        order = {r.value: i for i, r in enumerate(Risk)}
        return sorted(self.by_drug.items(), key=lambda kv: (order.get(self.risk_of.get(kv[0], ""), len(order)), -kv[1], kv[0]))

    def count(self, found: Sequence[Counted], rows: int) -> None:
        """Add `rows` flagged rows that name these findings."""
        self.flagged_rows += rows
        for item in found:
            self.by_drug[item.drug] += rows
            self.by_class[item.drug_class] += rows
            self.risk_of[item.drug] = item.risk
        for risk in {item.risk for item in found}:
            self.by_risk[risk] += rows
        for context in {item.context for item in found}:
            self.by_context[context] += rows

    def count_patient(self, found: Sequence[Counted], patient: str) -> None:
        """Note one patient with a flagged row naming these findings."""
        for item in found:
            self.patients[item.drug].add(patient)
            self.patients_by_risk[item.risk].add(patient)

    def headline(self) -> str:
        """One sentence: rows checked and rows flagged."""
        rows = f"{self.rows:,} row" + ("" if self.rows == 1 else "s")
        return f"{rows} checked; {self.flagged_rows:,} flagged."

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the summary."""
        doc: dict[str, Any] = {
            "rows": self.rows,
            "flagged_rows": self.flagged_rows,
            "rows_by_drug": dict(self.by_drug.most_common()),
            "rows_by_class": dict(self.by_class.most_common()),
            "rows_by_risk": {r.value: self.by_risk[r.value] for r in Risk if self.by_risk[r.value]},
            "rows_by_context": dict(self.by_context.most_common()),
        }
        if self.patients:
            doc["patients_by_drug"] = {d: len(p) for d, p in sorted(self.patients.items(), key=lambda kv: -len(kv[1]))}
            doc["patients_by_risk"] = {r.value: len(self.patients_by_risk[r.value]) for r in Risk
                                       if self.patients_by_risk.get(r.value)}
        return doc


Row = tuple[str, ...]  # the medcheck_* values, in the order of OUTPUT_COLUMNS


def counted(findings: Sequence[Finding], tiers: frozenset[Risk]) -> tuple[Counted, ...]:
    """The findings of a flagged string that the summary counts: sure, not denied, of a flagged tier."""
    return tuple(Counted(f.drug.name, f.drug.drug_class, str(f.drug.risk), str(f.context))
                 for f in findings if f.counts and f.drug.risk in tiers)


def with_context(findings: Sequence[Finding], context: Context | None) -> list[Finding]:
    """The findings with a column's declared context (--context allergy): a denial in the line still stands."""
    import dataclasses

    if context is None:
        return list(findings)
    return [f if f.context == Context.NEGATED else dataclasses.replace(f, context=context) for f in findings]


def row_values(findings: Sequence[Finding], tiers: frozenset[Risk]) -> Row:
    """The medcheck_* values for one string's findings."""
    return (
        "true" if any(f.counts and f.drug.risk in tiers for f in findings) else "false",
        _safe(SEPARATOR.join(f.drug.name for f in findings)),  # names and classes may come from a
        _safe(SEPARATOR.join(f.drug.drug_class for f in findings)),  # user's --drug-list
        SEPARATOR.join(str(f.confidence) for f in findings),
        SEPARATOR.join(f"{f.score:g}" for f in findings),
        SEPARATOR.join(str(f.drug.risk) for f in findings),
        SEPARATOR.join(str(f.context) for f in findings),
    )


def _safe(text: str) -> str:
    """spreadsheet_safe for text medcheck writes into its own columns."""
    from .formatters import spreadsheet_safe

    return str(spreadsheet_safe(text))


class ResultCache:
    """The medcheck_* values of each distinct key, computed once per run and numbered.

    The values are kept as Arrow columns too, so a batch's output columns are one `take` each.
    """

    LIMIT = 2_000_000  # distinct keys or lines remembered; past it, start afresh (flat memory on endless free text)

    def __init__(self, matcher: Matcher, min_risk: Risk | str | None = None, context: Context | str | None = None) -> None:
        self.matcher = matcher
        self.tiers = frozenset(Risk) if min_risk is None else risks_from(min_risk)
        self.context = None if context is None else Context(context)
        self.roles = ChunkRoles()
        self.trim(force=True)

    def trim(self, force: bool = False) -> None:
        """Forget everything once the memo is too big; call between batches only (ids change)."""
        if force or len(self._id_by_key) + len(self._id_by_line) > self.LIMIT:
            self.rows: list[Row] = []
            self.found: list[tuple[Counted, ...]] = []  # per number, what the summary counts
            self._id_by_key: dict[str, int] = {}
            self._id_by_line: dict[str, int] = {}
            self._columns: list[pa.Array] = []

    def id_of(self, key: str) -> int:
        """The number of a key's values, matching the key the first time it is seen."""
        found = self._id_by_key.get(key)
        if found is None:
            findings = with_context(self.matcher.match(key), self.context)
            found = self._id_by_key[key] = len(self.rows)
            self.rows.append(row_values(findings, self.tiers))
            self.found.append(counted(findings, self.tiers))
        return found

    def ids_of_lines(self, lines: pa.Array) -> list[int]:
        """The number of each of an array of distinct texts as written, remembered across batches."""
        known = self._id_by_line
        texts = lines.to_pylist()
        new = [i for i, text in enumerate(texts) if text not in known]
        if new:
            for i, key in zip(new, bulk_keys(lines.take(_ints(new)), self.roles).to_pylist()):
                known[texts[i]] = self.id_of(key)
        return [known[text] for text in texts]

    def columns(self) -> list[pa.Array]:
        """Every row's values, as one string array per medcheck_* column."""
        import pyarrow as pa

        if not self._columns or len(self._columns[0]) != len(self.rows):
            self._columns = [_strings([r[i] for r in self.rows]).cast(pa.string()) for i in range(len(OUTPUT_COLUMNS))]
        return self._columns


class ChunkRoles:
    """The role and stand-in of each whitespace-free chunk seen so far (see normalize.chunk_role)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, str]] = {}

    def of(self, chunks: list[str]) -> list[tuple[int, str]]:
        known = self._known
        if len(known) > 1_000_000:  # endless distinct words: keep memory flat
            known.clear()
        out = []
        for chunk in chunks:
            role = known.get(chunk)
            if role is None:
                role = known[chunk] = chunk_role(chunk)
            out.append(role)
        return out


# pa.array() and Array.to_numpy() import pandas (0.15 s of start-up); these build the same from buffers.
def _strings(values: Sequence[str]) -> pa.Array:
    """A string array from Python strings."""
    import numpy as np
    import pyarrow as pa

    data = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum([len(d) for d in data], out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])


def _ints(values: Any) -> pa.Array:
    """An int64 array from a numpy array."""
    import numpy as np
    import pyarrow as pa

    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def _numpy(array: pa.Array) -> Any:
    """The values of an integer array without nulls, as numpy (zero copy)."""
    import numpy as np

    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype=dtype)[array.offset : array.offset + len(array)]


def bulk_keys(texts: pa.Array, roles: ChunkRoles) -> pa.Array:
    """For each text, a short key that normalises to the same words, so many lines share one key.

    Lines are split on whitespace (no token spans it) and each distinct chunk is replaced by the
    shortest chunk with the same effect on the tokenizer: doses become "0", routes and frequencies "x",
    punctuation nothing; a run of such stand-ins is cut to its last, and to nothing at the end of a line
    (a leading "x" is dropped too: a line starts with no number read).
    "Valganciclovir 450 MG oral q12h x21 days" and "valganciclovir 900 mg PO bid" both become
    "valganciclovir 0 mg".
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    words = pc.ascii_split_whitespace(texts)
    flat = words.flatten().dictionary_encode()
    found = roles.of(flat.dictionary.to_pylist())
    role = np.array([r for r, _ in found], dtype=np.int8)[_numpy(flat.indices)]
    stand_in = _strings([t for _, t in found])
    row = _numpy(pc.list_parent_indices(words))
    at = np.flatnonzero(role != SKIP)
    role, row = role[at], row[at]
    pure = role >= SETS_NUMBER
    new_row = row[1:] != row[:-1]
    first_in_row = np.ones(len(at), dtype=bool)
    first_in_row[1:] = new_row
    last_in_row = np.ones(len(at), dtype=bool)
    last_in_row[:-1] = new_row
    next_pure = np.ones(len(at), dtype=bool)
    next_pure[:-1] = pure[1:]
    # A line starts with no number read, so a leading CLEARS_NUMBER does nothing either.
    keep = ~((pure & (last_in_row | next_pure)) | ((role == CLEARS_NUMBER) & first_in_row))
    at, row = at[keep], row[keep]
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=len(texts)), out=offsets[1:])
    kept = stand_in.take(flat.indices.take(_ints(at)))
    keys = pc.binary_join(pa.LargeListArray.from_arrays(_ints(offsets), kept), _strings([" "])[0])
    # A key keeps the words the drug is found by, not those its context is read from ("history of",
    # "d/c", "was on"): a line with a context cue is its own key, so it is read as written.
    cued = pc.fill_null(pc.match_substring_regex(texts, CONTEXT_CUE), False)
    return pc.if_else(cued, texts.cast(pa.large_string()), keys)


@dataclass(frozen=True)
class Annotated:
    """The medcheck_* columns for one batch, and the numbered values they came from."""

    columns: list[pa.Array]
    codes: pa.Array  # per row, the number of its values in `rows`
    rows: list[Row]  # the values, by number
    found: list[tuple[Counted, ...]] = field(default_factory=list)  # by number, what the summary counts


@dataclass(frozen=True)
class Distinct:
    """A column cut to its distinct texts, and each row's number among them."""

    texts: pa.Array  # distinct lines as written, or distinct bulk keys
    codes: pa.Array  # per row, the index of its text
    are_keys: bool  # texts are bulk keys (else lines as written)


def distinct(values: pa.Array | pa.ChunkedArray, roles: ChunkRoles) -> Distinct:
    """A column of medication strings (nulls read as empty) cut to what needs matching.

    Repetitive columns (EHR exports) are reduced to their distinct strings by a hash pass in Arrow;
    otherwise each text is cut to its key (bulk_keys) and reduced to the distinct keys.
    Needs no result cache, so a reader thread can do it while the batch before is matched.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    texts = values.cast(pa.string())
    if texts.null_count:
        texts = pc.fill_null(texts, _strings([""])[0].cast(pa.string()))
    sample = texts.slice(0, 4096)
    if len(texts) > 4096 and pc.count_distinct(sample).as_py() < len(sample) // 2:
        encoded = texts.dictionary_encode()
        return Distinct(encoded.dictionary, encoded.indices, are_keys=False)
    keys = bulk_keys(texts, roles).dictionary_encode()
    return Distinct(keys.dictionary, keys.indices, are_keys=True)


def annotate_distinct(found: Distinct, cache: ResultCache) -> Annotated:
    """The five medcheck_* columns for a column cut by `distinct`; strings met in earlier batches are looked up."""
    import numpy as np

    cache.trim()
    if found.are_keys:
        ids = [cache.id_of(key) for key in found.texts.to_pylist()]
    else:
        ids = cache.ids_of_lines(found.texts)
    index = _ints(np.array(ids, dtype=np.int64)[_numpy(found.codes)])
    return Annotated([column.take(index) for column in cache.columns()], index, cache.rows, cache.found)


def annotate(values: pa.Array | pa.ChunkedArray, cache: ResultCache) -> Annotated:
    """The five medcheck_* columns for a column of medication strings (nulls read as empty)."""
    return annotate_distinct(distinct(values, cache.roles), cache)


@functools.lru_cache(maxsize=8)
def _shared_cache(catalog: Catalog, min_risk: str | None, context: str | None) -> tuple[ResultCache, threading.Lock]:
    """One result cache per catalog, options and process, so the partitions a worker checks share their work."""
    return ResultCache(matcher_for(catalog), min_risk, context), threading.Lock()


def check_frame(
    df: pd.DataFrame, column: str, catalog: Catalog | None = None, *,
    min_risk: Risk | str | None = None, context: Context | str | None = None,
) -> pd.DataFrame:
    """Return a copy of df with the medcheck_* columns appended; the per-partition function for any engine.

    min_risk: only findings of this tier or a stronger one make medcheck_flag true (Risk order: high,
    expected, high-dose, rare; default every tier). context: "allergy" or "history" declares the whole
    column an allergy or past-medication list. Safe to call from several threads; results are remembered
    across calls in the same process.
    """
    import pandas as pd
    import pyarrow as pa

    if column not in df.columns:
        raise InputError(f"no column {column!r} in the frame; columns are: {', '.join(map(str, df.columns))}")
    series = df[column]
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        values = pa.array(series)  # Arrow-backed text: no copy
    else:
        values = pa.array(series.astype("object").where(series.notna(), "").astype(str).tolist(), type=pa.string())
    cache, lock = _shared_cache(catalog if catalog is not None else load_catalog(),
                                None if min_risk is None else str(Risk(min_risk)),
                                None if context is None else str(Context(context)))
    with lock:
        columns = annotate(values, cache).columns
    out = df.copy()
    for name, col in zip(OUTPUT_COLUMNS, columns):
        out[name] = col.to_pandas().set_axis(df.index)  # the dtype pandas gives text (str, or object before 3.0)
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
    header = _csv_header(source)
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


def _csv_header(source: Source) -> list[str]:
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
    min_risk: Risk | str | None = None,
    context: Context | str | None = None,
) -> Summary:
    """Check every row of an export and write it back with the medcheck_* columns appended.

    min_risk and context as for check_frame.

    Writes to a temporary file beside OUTPUT and renames it at the end, so a failed or interrupted
    run leaves no partial output. With output None, CSV goes to `stdout` (bytes).
    """
    if source_path is None:  # CSV on stdin: spool it to a file, so it is read like any other
        with _spooled_stdin() as spooled:
            return run_batch(spooled, output, column=column, id_column=id_column, catalog=catalog,
                             stdout=stdout, progress=progress, min_risk=min_risk, context=context)
    if output is not None and _same_file(source_path, output):
        raise InputError(f"{output}: is the input file; write the output to another path with -o")
    # Into a file, UTF-8 is taken from the first block and checked while reading; the run starts again
    # if the check fails. On stdout nothing can be taken back, so the whole file is checked first.
    source = source_for(source_path, whole_file=output is None)
    done = 0

    def counted(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress(rows)

    def make_cache(loaded: Catalog) -> ResultCache:
        return ResultCache(matcher_for(loaded), min_risk, context)

    try:
        return _check_export(source, output, column, id_column, catalog, stdout, counted, make_cache)
    except _NotUtf8:
        counted(-done)
        return _check_export(source_for(source_path), output, column, id_column, catalog, stdout, counted, make_cache)


def _check_export(
    source: Source,
    output: Path | None,
    column: str | None,
    id_column: str | None,
    catalog: Catalog | None,
    stdout: IO[bytes] | None,
    progress: Callable[[int], None],
    make_cache: Callable[[Catalog], ResultCache],
) -> Summary:
    """run_batch for a source whose encoding and delimiter are known."""
    import pyarrow as pa

    name = _name(source.path)
    schema, batches = read_batches(source)
    index = choose_column(schema.names, column, name)
    id_index = choose_column(schema.names, id_column, name) if id_column else None
    local = threading.local()  # a ChunkRoles per worker thread: it is not thread-safe

    def cut(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, Distinct]:
        if not hasattr(local, "roles"):
            local.roles = ChunkRoles()
        return batch, distinct(batch.column(index), local.roles)

    # Parsing and cutting to distinct texts run on threads of their own, and start while the catalog loads.
    with _ReadAhead(batches, cut) as stream:
        cache = make_cache(catalog if catalog is not None else load_catalog())
        out_schema = schema
        for col in OUTPUT_COLUMNS:
            out_schema = out_schema.append(pa.field(col, pa.string()))
        summary = Summary(notes=[source.note] if source.note else [])
        out_fmt, _, out_delim = ("csv", False, ",") if output is None else format_of(output)
        tally = _Tally(summary, id_index)
        with _atomic(output) as target:
            writer = _writer(target if output is not None else stdout, out_fmt, out_delim or ",", out_schema)
            try:
                for batch, found in stream:
                    annotated = annotate_distinct(found, cache)
                    tally.add(batch, annotated)
                    writer.write(pa.RecordBatch.from_arrays([*batch.columns, *annotated.columns], schema=out_schema))
                    progress(batch.num_rows)
            finally:
                writer.close()
    tally.flush()
    return summary


class _ReadAhead:
    """Iterate, in order, over `work(item)` for the items of an iterator, computed ahead on other threads.

    One thread takes items from the iterator (pyarrow parses CSV in the thread that asks for the next
    batch, with the GIL released) and hands each to a pool of `workers` threads; at most `depth` items
    wait. So the file is parsed and cut while the batch before is matched. Errors are raised in the
    consuming thread, in order. A context manager: leaving it stops the threads.
    """

    _DONE = object()

    def __init__(self, items: Iterator[Any], work: Callable[[Any], Any], workers: int = 2, depth: int = 4) -> None:
        import queue
        from concurrent.futures import ThreadPoolExecutor

        self._items = items
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="medcheck-worker")
        self._work = work
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, name="medcheck-reader", daemon=True)
        self._thread.start()

    def _fill(self) -> None:
        try:
            for item in self._items:
                if self._stop.is_set():
                    return
                self._put(self._pool.submit(self._work, item))
            self._put(self._DONE)
        except BaseException as exc:  # raised again in the consuming thread
            self._put(exc)

    def _put(self, item: Any) -> None:
        """Queue an item, waiting for room unless the consumer has left."""
        import queue

        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[Any]:
        while (item := self._queue.get()) is not self._DONE:
            if isinstance(item, BaseException):
                raise item
            yield item.result()

    def __enter__(self) -> _ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        # Wait for the reader to finish the block it is parsing: a thread still inside pyarrow when
        # the interpreter shuts down (after Ctrl-C) can crash it.
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)


class _Claimed:
    """A new file with a random name in a folder, open for writing (fd, or closed with keep_open False);
    a Ctrl-C while it is being made leaves nothing behind, as the name is known before the file exists."""

    def __init__(self, folder: Path, prefix: str, suffix: str, mode: int, keep_open: bool = True) -> None:
        import secrets

        while True:
            self.path = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
            try:
                self.fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
                if not keep_open:
                    os.close(self.fd)
                return
            except FileExistsError:
                continue
            except OSError:
                raise
            except BaseException:  # Ctrl-C between making the file and handing it over
                self.path.unlink(missing_ok=True)
                raise


class _spooled_stdin:
    """Copy standard input to a temporary .csv file, removed afterwards."""

    def __enter__(self) -> Path:
        import shutil

        spool = _Claimed(Path(tempfile.gettempdir()), "medcheck-stdin-", ".csv", 0o600)  # health data: owner only
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
        try:  # the umask decides the mode, as for any file the user writes
            self.tmp = _Claimed(folder, f".{self.target.name}.", ".part", 0o666, keep_open=False).path
        except OSError as exc:
            raise InputError(f"{self.target}: cannot write in {folder} ({exc.strerror or exc}); choose another -o") from None
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.tmp is None:
            return
        if exc_type is None:
            os.replace(self.tmp, self.target)  # type: ignore[arg-type]
        else:
            self.tmp.unlink(missing_ok=True)


class _writer:
    """Write record batches as CSV (UTF-8, minimal quoting) or Parquet, on a thread of its own.

    Arrow releases the GIL while it formats and writes, so batch n is written while batch n+1 is checked.
    """

    def __init__(self, target: Path | IO[bytes] | None, fmt: str, delimiter: str, schema: pa.Schema) -> None:
        import queue
        import threading

        import pyarrow as pa
        import pyarrow.csv as pacsv

        sink: Any = str(target) if isinstance(target, Path) else pa.PythonFile(target, mode="w")
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._w: Any = pq.ParquetWriter(sink, schema)
            self._write = self._w.write_batch
        else:
            self._w = pacsv.CSVWriter(
                sink, schema, write_options=pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed")
            )
            self._write = self._w.write
        self._queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="medcheck-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(batch)
                except BaseException as exc:  # handed to the main thread on its next call
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def write(self, batch: pa.RecordBatch) -> None:
        self._raise()
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._w.close()
        self._raise()


class _Tally:
    """Counts for the summary: rows per numbered result summed over batches (one bincount each),
    turned into counts by drug and class when the numbering restarts and at the end."""

    def __init__(self, summary: Summary, id_index: int | None) -> None:
        self.summary = summary
        self.id_index = id_index
        self.rows: list[Row] | None = None
        self.found: list[tuple[Counted, ...]] = []
        self.counts: Any = None

    def add(self, batch: pa.RecordBatch, annotated: Annotated) -> None:
        import numpy as np

        self.summary.rows += batch.num_rows
        per_id = np.bincount(_numpy(annotated.codes), minlength=len(annotated.rows))
        if annotated.rows is not self.rows:  # the cache started afresh: its numbers mean new things
            self.flush()
            self.rows, self.found, self.counts = annotated.rows, annotated.found, per_id
        else:
            if len(self.counts) < len(per_id):
                self.counts = np.pad(self.counts, (0, len(per_id) - len(self.counts)))
            self.counts[: len(per_id)] += per_id
        if self.id_index is not None:
            flagged = [int(i) for i in np.flatnonzero(per_id) if annotated.rows[i][0] == "true"]
            if flagged:
                self._patients(batch, annotated, flagged)

    def flush(self) -> None:
        import numpy as np

        if self.rows is None:
            return
        summary = self.summary
        for i in np.flatnonzero(self.counts):
            if self.rows[i][0] == "true":
                summary.count(self.found[i], int(self.counts[i]))
        self.rows, self.found, self.counts = None, [], None

    def _patients(self, batch: pa.RecordBatch, annotated: Annotated, flagged: list[int]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        pairs = pa.table({"code": annotated.codes, "id": batch.column(self.id_index)})
        pairs = pairs.filter(pc.is_in(pairs["code"], _ints(flagged)))
        unique = pairs.group_by(["code", "id"]).aggregate([])
        for code, patient in zip(unique["code"].to_pylist(), unique["id"].to_pylist()):
            if patient in (None, ""):
                continue
            self.summary.count_patient(annotated.found[code], str(patient))


def render_summary_text(summary: Summary) -> str:
    """Counts by risk tier, context, drug (strongest tier first) and class for stderr, before the closing
    headline line ("" when nothing was flagged)."""
    lines: list[str] = []
    if summary.by_drug:
        patients = bool(summary.patients)
        lines.append("Rows by risk" + (" (distinct patients)" if patients else "") + ":")
        for risk in Risk:
            if summary.by_risk[risk.value]:
                extra = f" ({len(summary.patients_by_risk[risk.value]):,})" if patients else ""
                lines.append(f"  {risk.value}: {summary.by_risk[risk.value]:,}{extra}")
        lines.append("Rows by context:")
        lines.extend(f"  {context}: {n:,}" for context, n in summary.by_context.most_common())
        lines.append("Rows by drug, strongest risk first" + (" (distinct patients)" if patients else "") + ":")
        for drug, n in summary.drugs_by_tier():
            extra = f" ({len(summary.patients[drug]):,})" if patients else ""
            lines.append(f"  {drug} [{summary.risk_of.get(drug, '')}]: {n:,}{extra}")
        lines.append("Rows by class:")
        lines.extend(f"  {cls}: {n:,}" for cls, n in summary.by_class.most_common())
    return "\n".join(lines)


def render_summary_markdown(summary: Summary) -> str:
    """Counts by risk tier, context, drug and class as Markdown tables."""
    patients = bool(summary.patients)
    out = [summary.headline(), ""]
    out += ["| risk | rows |" + (" patients |" if patients else ""), "|---|---|" + ("---|" if patients else "")]
    for risk in Risk:
        if summary.by_risk[risk.value]:
            extra = f" {len(summary.patients_by_risk[risk.value])} |" if patients else ""
            out.append(f"| {risk.value} | {summary.by_risk[risk.value]} |{extra}")
    out += ["", "| context | rows |", "|---|---|"]
    out += [f"| {context} | {n} |" for context, n in summary.by_context.most_common()]
    out += ["", "| drug | risk | rows |" + (" patients |" if patients else ""), "|---|---|---|" + ("---|" if patients else "")]
    for drug, n in summary.drugs_by_tier():
        extra = f" {len(summary.patients[drug])} |" if patients else ""
        out.append(f"| {drug} | {summary.risk_of.get(drug, '')} | {n} |{extra}")
    out += ["", "| class | rows |", "|---|---|"]
    out += [f"| {cls} | {n} |" for cls, n in summary.by_class.most_common()]
    return "\n".join(out) + "\n"


class Progress:
    """Rows done and rows per second, redrawn on one stderr line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.rows = 0
        self.start = time.perf_counter()
        self.width = 0

    def __call__(self, rows: int) -> None:
        if rows < 0:  # the run started again (a file that was not UTF-8 after all): time it afresh
            self.start = time.perf_counter()
        self.rows += rows
        rate = self.rows / max(time.perf_counter() - self.start, 1e-9)
        text = f"{self.rows:,} row{'' if self.rows == 1 else 's'}, {rate:,.0f} rows/s"
        self.stream.write("\r" + text.ljust(self.width))  # spaces cover the end of a longer line before
        self.width = len(text)
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
