"""Check exports beyond one machine: the batch per-partition function, check_frame, run on Dask."""

from __future__ import annotations

import codecs
import csv
import glob
import io
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch import OUTPUT_COLUMNS, SEPARATOR, Counted, Summary, check_frame, choose_column, format_of, read_batches, source_for
from .catalog import Catalog
from .errors import InputError, MedcheckError
from .models import Risk, risks_from

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa

EXTRA = 'pip install "medcheck[dask]"'
# The files medcheck writes into an output folder; a folder holding only these may be replaced by a new run.
PART_FILE = re.compile(r"part-\d{5}\.(csv|tsv|parquet)")
NOTES = "medcheck_notes"  # frame.attrs key: the reader's notes (encoding) for the summary
METADATA = "medcheck_metadata"  # frame.attrs key: the input file's Parquet schema metadata, written back unchanged


def require_dask() -> None:
    """Raise a MedcheckError naming the extra to install when Dask or dask.distributed is missing."""
    import importlib

    try:
        for name in ("dask.dataframe", "distributed"):
            importlib.import_module(name)
    except ImportError:
        raise MedcheckError(f"the Dask engine needs Dask and dask.distributed; install them with: {EXTRA}") from None


# --- the per-partition function, on a Dask DataFrame ------------------------------------------

def check_ddf(
    ddf: dd.DataFrame, column: str | None = None, catalog: Catalog | None = None, *,
    min_risk: str | None = None, context: str | None = None,
) -> dd.DataFrame:
    """Return ddf with the medcheck_* columns appended to every partition, by check_frame.

    `column` is found as medcheck batch finds it (exact, then case-insensitive, then a common
    name). A catalog given here goes to each worker once; without one, workers load the packaged one.
    min_risk and context as for check_frame.
    """
    require_dask()
    import dask

    name = ddf.columns[choose_column([str(c) for c in ddf.columns], column, "the frame")]
    shipped = None if catalog is None else dask.delayed(catalog, name=f"medcheck-catalog-{catalog.version}")
    return ddf.map_partitions(check_frame, name, shipped, min_risk=min_risk, context=context,
                              meta=_checked_meta(ddf._meta, name, catalog))


def _checked_meta(meta: pd.DataFrame, column: str, catalog: Catalog | None) -> pd.DataFrame:
    """The empty frame check_frame returns for meta: the dtypes come from running check_frame on one row."""
    import pandas as pd

    probe = check_frame(pd.DataFrame({column: pd.Series([""], dtype=object)}), column, catalog)
    out = meta.copy()
    for name in OUTPUT_COLUMNS:
        out[name] = pd.Series([], dtype=probe[name].dtype, index=meta.index)
    return out


# --- reading an export of many files ---------------------------------------------------------

def input_paths(pattern: str | Path) -> list[Path]:
    """The files of an export, sorted: a file, a folder (its export files, subfolders included) or a glob."""
    text = os.path.expanduser(str(pattern))
    path = Path(text)
    if path.is_dir():
        found = [
            p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
        ]
        files = sorted(p for p in found if _known(p))
        if not files:
            raise InputError(f"{pattern}: the folder holds no .csv, .tsv, .txt, .csv.gz or .parquet files")
    elif any(c in text for c in "*?["):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"{pattern}: no file matches")
    elif path.is_file():
        files = [path]
    else:
        raise InputError(f"{pattern}: file not found")
    kinds = {format_of(p)[0] for p in files}  # also rejects an unknown file type, naming the file
    if len(kinds) > 1:
        raise InputError(f"{pattern}: mixes CSV and Parquet files; check one kind at a time")
    return files


def _known(path: Path) -> bool:
    try:
        format_of(path)
    except InputError:
        return False
    return True


def export_schema(path: Path) -> pa.Schema:
    """The columns of an export file without reading it through: the Parquet footer, or the CSV header line.

    Every CSV column is text. Each worker reads its file in full with medcheck.batch and checks
    that its columns are these.
    """
    import pyarrow as pa

    fmt, gz, delimiter = format_of(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_schema(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    return pa.schema([pa.field(name, pa.string()) for name in _csv_header(path, gz, delimiter)])


def _csv_header(path: Path, gz: bool, delimiter: str | None) -> list[str]:
    """The header row from the first 64 KiB, decoded and split as medcheck.batch would."""
    import gzip

    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
            head = f.read(1 << 16)
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    if head.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "cp1252", "latin-1"]
    text = ""
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head)  # not final: the block may end mid-character
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path}: cannot be decoded as {encodings[0]}")
    first = text.splitlines()[0] if text else ""
    if delimiter is None:  # as batch.sniff_delimiter: the most used of four on the first line
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: counts[d]) if max(counts.values()) else ","
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    if not header:
        raise InputError(f"{path}: the file is empty; it needs a header row and data rows")
    return header


def read_export(paths: Sequence[Path]) -> tuple[dd.DataFrame, pa.Schema]:
    """A Dask DataFrame with one partition per file, read by medcheck.batch, and the export's Arrow schema.

    Every value stays as medcheck batch reads it: CSV columns as text (leading zeros, empty cells),
    Parquet columns in their own types. A partition is a whole file: a worker holds it in memory.
    """
    require_dask()
    import dask.dataframe as dd
    import pandas as pd

    schema = export_schema(paths[0])
    dupes = sorted({n for n in schema.names if schema.names.count(n) > 1})
    if dupes:
        raise InputError(
            f"{paths[0]}: column names repeat ({', '.join(dupes)}); the Dask engine needs distinct names "
            "(the default engine keeps them)"
        )
    meta = schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype, ignore_metadata=True)
    ddf = dd.from_map(_read_part, [str(p) for p in paths], args=[schema, str(paths[0])], meta=meta,
                      label="medcheck-read", enforce_metadata=False)
    return ddf, schema


def _read_part(path: str, schema: pa.Schema, first: str) -> pd.DataFrame:
    """One export file as a pandas frame of Arrow-backed columns (the values as medcheck.batch reads them)."""
    import pandas as pd
    import pyarrow as pa

    source = source_for(Path(path))
    file_schema, batches = read_batches(source)
    if file_schema.names != schema.names:
        raise InputError(
            f"{path}: its columns ({', '.join(file_schema.names)}) differ from those of {first} "
            f"({', '.join(schema.names)}); every file of an export needs the same columns"
        )
    if not file_schema.remove_metadata().equals(schema.remove_metadata()):
        raise InputError(f"{path}: its column types differ from those of {first}; every file needs the same schema")
    table = pa.Table.from_batches(list(batches), schema=file_schema)
    frame = table.to_pandas(types_mapper=pd.ArrowDtype, ignore_metadata=True)
    frame.attrs[NOTES] = [source.note] if source.note else []
    frame.attrs[METADATA] = file_schema.metadata
    return frame


# --- writing a folder of part files ----------------------------------------------------------

def output_format(output: Path) -> tuple[str, str, str]:
    """(format, delimiter, part file extension) from the output folder's name: NAME.parquet, NAME.tsv, else CSV."""
    name = output.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet", ",", ".parquet"
    if name.endswith(".tsv"):
        return "csv", "\t", ".tsv"
    return "csv", ",", ".csv"


def check_output(output: Path, pattern: str | Path, inputs: Sequence[Path]) -> None:
    """Refuse an output folder that would mix with or replace input files, or that holds files of its own."""
    target = output.resolve()
    folder = Path(os.path.expanduser(str(pattern)))
    if folder.is_dir() and (target == folder.resolve() or folder.resolve() in target.parents):
        raise InputError(
            f"{output}: is the input folder {pattern} or inside it; write the output to another folder with -o"
        )
    for path in inputs:
        real = path.resolve()
        if target == real or target == real.parent or target in real.parents:
            raise InputError(f"{output}: holds input files ({path}); write the output to another folder with -o")
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: is a file; the Dask engine writes a folder of part files: name a new folder")
    if output.is_dir():
        others = [p.name for p in output.iterdir() if not PART_FILE.fullmatch(p.name)]
        if others:
            raise InputError(
                f"{output}: the folder holds other files ({', '.join(sorted(others)[:3])}); name a new or empty "
                "folder (medcheck replaces only a folder of its own part files)"
            )
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{output}: the folder {parent} does not exist; create it or choose another -o")


class _atomic_folder:
    """Yield a new hidden folder beside the target; on success put it in the target's place, else remove it."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.tmp = target

    def __enter__(self) -> Path:
        parent = self.target.parent if str(self.target.parent) else Path(".")
        while True:
            # os.mkdir, not tempfile.mkdtemp: the folder gets the umask's mode, so workers
            # running as another user on a shared file system can write into it.
            self.tmp = parent / f".{self.target.name}.{secrets.token_hex(4)}.part"
            try:
                os.mkdir(self.tmp)
                return self.tmp
            except FileExistsError:
                continue
            except OSError as exc:
                raise InputError(f"{self.target}: cannot write in {parent} ({exc.strerror or exc})") from None
            except BaseException:  # Ctrl-C just after the folder was made: __exit__ will not run
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        if not self.target.exists():
            os.rename(self.tmp, self.target)
            return
        old = self.tmp.with_name(f"{self.tmp.name}.old")  # a previous run's part files (check_output made sure)
        os.rename(self.target, old)
        os.rename(self.tmp, self.target)
        shutil.rmtree(old, ignore_errors=True)


def _write_part(
    frame: pd.DataFrame, path: str, fmt: str, delimiter: str, schema: pa.Schema, id_column: str | None,
    min_risk: str | None = None,
) -> Summary:
    """Write one checked partition as medcheck batch writes a file, and return its counts."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    bare = frame.copy(deep=False)
    bare.attrs = {}  # attrs would go into the Parquet metadata; the input file's metadata goes there instead
    table = pa.Table.from_pandas(bare, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata(frame.attrs.get(METADATA))
    try:
        if fmt == "parquet":
            pq.write_table(table, path)
        else:
            pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed"))
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc})") from None
    return summarize(frame, id_column, min_risk)


def summarize(frame: pd.DataFrame, id_column: str | None = None, min_risk: str | None = None) -> Summary:
    """The counts of medcheck batch's summary for one checked frame (rows, flagged rows, by drug, class, tier,
    context and patient), from the medcheck_* columns."""
    import pandas as pd

    summary = Summary(rows=len(frame), notes=list(frame.attrs.get(NOTES, [])))
    tiers = frozenset(str(r) for r in (Risk if min_risk is None else risks_from(min_risk)))
    flagged = frame[frame["medcheck_flag"] == "true"]
    keys = ["medcheck_drugs", "medcheck_classes", "medcheck_confidence", "medcheck_risk", "medcheck_context"]
    for values, n in flagged.groupby(keys, sort=False).size().items():
        summary.count(_counted(*values, tiers=tiers), int(n))
    if id_column is not None and len(flagged):
        pairs = flagged[[*keys, id_column]].drop_duplicates()
        for *values, patient in pairs.itertuples(index=False, name=None):
            if not (pd.isna(patient) or patient == ""):
                summary.count_patient(_counted(*values, tiers=tiers), str(patient))
    return summary


def _counted(
    drugs: str, classes: str, confidences: str, risks: str, contexts: str, *, tiers: frozenset[str],
) -> tuple[Counted, ...]:
    """The counted findings of a flagged row from its medcheck_* values: sure, not denied, of a flagged tier."""
    rows = zip(*(v.split(SEPARATOR) for v in (drugs, classes, confidences, risks, contexts)))
    return tuple(Counted(d, c, r, x) for d, c, conf, r, x in rows
                 if conf != "possible" and x != "negated" and r in tiers)


def merge(summaries: Sequence[Summary]) -> Summary:
    """One summary from the summaries of the parts."""
    total = Summary()
    for part in summaries:
        total.rows += part.rows
        total.flagged_rows += part.flagged_rows
        total.by_drug.update(part.by_drug)
        total.by_class.update(part.by_class)
        total.by_risk.update(part.by_risk)
        total.by_context.update(part.by_context)
        total.risk_of.update(part.risk_of)
        for risk, patients in part.patients_by_risk.items():
            total.patients_by_risk[risk] |= patients
        for drug, patients in part.patients.items():
            total.patients[drug] |= patients
        total.notes.extend(part.notes)
    return total


# --- running a batch on a cluster ------------------------------------------------------------

def run_batch(
    pattern: str | Path,
    output: Path,
    *,
    column: str | None = None,
    id_column: str | None = None,
    catalog: Catalog | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    min_risk: str | None = None,
    context: str | None = None,
) -> Summary:
    """Check every row of an export of one or many files on Dask; write OUTPUT, a folder of part files.

    Part i holds the rows of the i-th input file (in sorted order), in their order, every value kept,
    with the medcheck_* columns of medcheck.batch. `scheduler` is the address of a running
    dask.distributed scheduler; without it a local cluster of `workers` processes is started and
    stopped. The parts are written into a hidden folder beside OUTPUT, which takes OUTPUT's place
    only when every part is written. `progress` is called with each finished file's row count.
    """
    require_dask()
    import pandas as pd
    import pyarrow as pa

    paths = input_paths(pattern)
    check_output(output, pattern, paths)
    ddf, schema = read_export(paths)
    name = str(pattern)
    id_name = schema.names[choose_column(schema.names, id_column, name)] if id_column else None
    checked = check_ddf(ddf, schema.names[choose_column(schema.names, column, name)], catalog,
                        min_risk=min_risk, context=context)
    out_schema = schema.remove_metadata()
    for col in OUTPUT_COLUMNS:
        out_schema = out_schema.append(pa.field(col, pa.string()))
    with _client(scheduler, workers if workers is not None else min(os.cpu_count() or 1, len(paths))) as client:
        with _atomic_folder(output) as folder:
            # Writing is one more function on the same partitions, so Dask fuses reading, checking and
            # writing a file into one task: a partition never travels between workers.
            written = checked.map_partitions(
                _write_partition, str(folder), *output_format(output), out_schema, id_name, min_risk,
                meta=pd.DataFrame({"summary": pd.Series([], dtype=object)}), enforce_metadata=False,
            )
            summaries = _compute(client, written, progress)
    return merge(summaries)


def _write_partition(
    frame: pd.DataFrame, folder: str, fmt: str, delimiter: str, ext: str, schema: pa.Schema, id_column: str | None,
    min_risk: str | None = None, partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Write partition N as OUTPUT/part-N; its summary in a one-row frame (Dask passes partition_info)."""
    import pandas as pd

    if partition_info is None:  # never: without it every part would be written to the same name
        raise MedcheckError("Dask gave no partition number; cannot name the part file")
    number = partition_info["number"]
    summary = _write_part(frame, str(Path(folder) / f"part-{number:05d}{ext}"), fmt, delimiter, schema, id_column,
                          min_risk)
    return pd.DataFrame({"summary": [summary]})


def _compute(client: Any, written: dd.DataFrame, progress: Callable[[int], None] | None = None) -> list[Summary]:
    """Run the graph on the cluster; cancel it if this process stops waiting (Ctrl-C, an error)."""
    from distributed import KilledWorker, as_completed

    # to_delayed() optimises the graph, fusing each partition's tasks into one; computing the frame
    # itself would not fuse them here, and would gather the summaries into one partition first.
    futures = client.compute(written.to_delayed())
    try:
        if progress is not None:
            for future in as_completed(futures):
                if future.status == "finished":  # a failed one is raised by gather, below
                    progress(sum(summary.rows for summary in future.result()["summary"]))
        return [summary for frame in client.gather(futures) for summary in frame["summary"]]
    except KilledWorker as exc:
        raise MedcheckError(
            f"a Dask worker died while checking ({exc}); a partition is a whole input file, so a worker "
            "needs memory for its largest file: split big files, or give workers more memory"
        ) from None
    finally:
        client.cancel(futures)


class _client:
    """A dask.distributed Client: connected to `scheduler`, or to a local cluster of worker processes started here."""

    def __init__(self, scheduler: str | None, workers: int) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.cluster: Any = None
        self.client: Any = None

    def __enter__(self) -> Any:
        import logging

        from distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                self.client = Client(self.scheduler, timeout=10)
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(f"cannot connect to the Dask scheduler at {self.scheduler} ({exc})") from None
            return self.client
        if self.workers < 1:
            raise InputError(f"--workers {self.workers}: give at least 1 worker")
        # One thread per worker process: check_frame is Python-bound, so processes, not threads, add speed.
        # No dashboard. The scheduler's small HTTP server still starts: on 127.0.0.1 like the rest of the
        # cluster (":0" would listen on every interface), and on any free port rather than 8787, which
        # another cluster may hold (distributed then warns on stderr).
        self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                    dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                    silence_logs=logging.ERROR)
        self.client = Client(self.cluster)
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
