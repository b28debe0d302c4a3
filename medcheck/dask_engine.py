"""The Dask engine: check exports beyond one machine with the same per-partition function as `medcheck batch`."""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .annotate import OUTPUT_COLUMNS, annotate_frame, check_frame
from .catalog import Catalog
from .errors import InputError, MedcheckError
from .exports import choose_column, format_of, source_for
from .files import AtomicFolder
from .parse import csv_header, read_batches
from .summary import Summary, Tally, merge

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa
    from distributed import Client, LocalCluster

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
    name = ddf.columns[choose_column([str(c) for c in ddf.columns], column, "the frame")]
    checked = ddf.map_partitions(check_frame, name, _shipped(catalog), min_risk=min_risk, context=context,
                                 meta=_checked_meta(ddf._meta, name, catalog))
    return cast("dd.DataFrame", checked)


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
    kinds = {format_of(p).kind for p in files}  # also rejects an unknown file type, naming the file
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
    """The columns of an export file without reading it through: the Parquet footer, or the CSV header line
    (read as medcheck batch reads it: the same encoding and delimiter guess).

    Every CSV column is text. Each worker reads its file in full with medcheck.exports and checks
    that its columns are these.
    """
    import pyarrow as pa

    if format_of(path).kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_schema(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    return pa.schema([pa.field(name, pa.string()) for name in csv_header(source_for(path, whole_file=False))])


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
    ddf: dd.DataFrame = dd.from_map(_read_part, [str(p) for p in paths], args=[schema, str(paths[0])], meta=meta,
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


def _write_part(frame: pd.DataFrame, path: str, fmt: str, delimiter: str, schema: pa.Schema) -> None:
    """Write one checked partition as medcheck batch writes a file."""
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

    from .batch import refuse_checked_output

    paths = input_paths(pattern)
    check_output(output, pattern, paths)
    ddf, schema = read_export(paths)
    refuse_checked_output(schema.names, str(paths[0]))
    name = str(pattern)
    id_name = schema.names[choose_column(schema.names, id_column, name)] if id_column else None
    column_name = schema.names[choose_column(schema.names, column, name)]
    shipped = _shipped(catalog)
    out_schema = schema.remove_metadata()
    for col in OUTPUT_COLUMNS:
        out_schema = out_schema.append(pa.field(col, pa.string()))
    processes = workers if workers is not None else min(os.cpu_count() or 1, len(paths))
    with _client(scheduler, processes) as client, AtomicFolder(output) as folder:
        # Checking, writing and counting a partition are one function, so Dask runs reading and
        # that function for a file as one task: a partition never travels between workers.
        written: dd.DataFrame = ddf.map_partitions(
            _check_write_partition, column_name, shipped, str(folder), *output_format(output), out_schema,
            id_name, min_risk, context,
            meta=pd.DataFrame({"summary": pd.Series([], dtype=object)}), enforce_metadata=False,
        )
        summaries = _compute(client, written, progress)
    return merge(summaries)


def _check_write_partition(
    frame: pd.DataFrame, column: str, catalog: Catalog | None, folder: str, fmt: str, delimiter: str, ext: str,
    schema: pa.Schema, id_column: str | None, min_risk: str | None, context: str | None,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Check partition N, write it as OUTPUT/part-N, and return its summary in a one-row frame (Dask passes
    partition_info). The counts come from the numbered results, as in medcheck batch (medcheck.summary)."""
    import pandas as pd
    import pyarrow as pa

    if partition_info is None:  # never: without it every part would be written to the same name
        raise MedcheckError("Dask gave no partition number; cannot name the part file")
    checked, annotated = annotate_frame(frame, column, catalog, min_risk=min_risk, context=context)
    _write_part(checked, str(Path(folder) / f"part-{partition_info['number']:05d}{ext}"), fmt, delimiter, schema)
    summary = Summary(notes=list(frame.attrs.get(NOTES, [])))
    tally = Tally(summary)
    ids = (
        None if id_column is None
        else pa.array(frame[id_column].astype("object").where(frame[id_column].notna(), None).tolist())
    )
    tally.add(len(frame), annotated, ids)
    tally.flush()
    return pd.DataFrame({"summary": [summary]})


def _shipped(catalog: Catalog | None) -> Any:
    """The catalog as a Dask delayed object, sent to each worker once (None: workers load the packaged one)."""
    from dask.delayed import delayed

    return None if catalog is None else delayed(catalog, name=f"medcheck-catalog-{catalog.version}")


def _compute(client: Client, written: dd.DataFrame, progress: Callable[[int], None] | None = None) -> list[Summary]:
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
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None

    def __enter__(self) -> Client:
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
