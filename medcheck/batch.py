"""Check a column of an EHR export at scale, keeping every row and value: the streaming pipeline."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .annotate import OUTPUT_COLUMNS, Distinct, ResultCache, annotate_distinct, distinct
from .catalog import Catalog, load_catalog
from .errors import InputError
from .exports import Source, _name, _NotUtf8, _spooled_stdin, choose_column, source_for
from .files import Atomic, Writer, output_format, same_file
from .keys import ChunkRoles
from .matcher import matcher_for
from .models import Context, FileFormat, Risk
from .parse import read_batches
from .summary import Summary, Tally

if TYPE_CHECKING:
    import pyarrow as pa


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
    if output is not None and same_file(source_path, output):
        raise InputError(f"{output}: is the input file; write the output to another path with -o")
    out_format = FileFormat("csv", False, ",") if output is None else output_format(output)  # refused before reading
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
        return _check_export(source, output, out_format, column, id_column, catalog, stdout, counted, make_cache)
    except _NotUtf8:
        counted(-done)
        return _check_export(source_for(source_path), output, out_format, column, id_column, catalog, stdout, counted,
                             make_cache)


def refuse_checked_output(columns: Sequence[str], name: str) -> None:
    """Refuse an input that already has medcheck_* columns: checking it again would add them twice."""
    ours = [c for c in columns if c.casefold().startswith("medcheck_")]
    if ours:
        shown = ", ".join(ours[:3]) + (", ..." if len(ours) > 3 else "")
        raise InputError(
            f"{name}: already has medcheck columns ({shown}); it looks like medcheck output: "
            "check the original export instead"
        )


def _same_named(columns: Sequence[str], wanted: str | None, index: int) -> list[int]:
    """The columns that match as well as the one choose_column took (at `index`): repeated names."""
    if wanted is not None and wanted in columns:
        same = [i for i, c in enumerate(columns) if c == wanted]
    elif wanted is not None:
        same = [i for i, c in enumerate(columns) if c.casefold() == wanted.casefold()]
    else:
        key = columns[index].strip().casefold()
        same = [i for i, c in enumerate(columns) if c.strip().casefold() == key]
    return same if index in same else [index]


def _choose(columns: Sequence[str], wanted: str | None, name: str, role: str, notes: list[str]) -> int:
    """choose_column, with a note for stderr when the name is repeated: the first such column is taken."""
    index = choose_column(columns, wanted, name)
    same = _same_named(columns, wanted, index)
    if len(same) > 1:
        numbers = ", ".join(str(i + 1) for i in same[:-1]) + f" and {same[-1] + 1}"
        spelled = sorted({repr(columns[i]) for i in same})
        named = f"{'both' if len(same) == 2 else 'all'} named {' or '.join(spelled)}"
        notes.append(f"{name}: columns {numbers} are {named}; {role} column {index + 1}, the first "
                     "(to use another, give it a name of its own in the header)")
    return index


def _check_export(
    source: Source,
    output: Path | None,
    out_format: FileFormat,
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
    refuse_checked_output(schema.names, name)
    notes = [source.note] if source.note else []
    index = _choose(schema.names, column, name, "checked", notes)
    id_index = _choose(schema.names, id_column, name, "counted patients by", notes) if id_column else None
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
        summary = Summary(notes=notes)
        out_fmt, out_gzip, out_delim = out_format
        tally = Tally(summary)
        with Atomic(output) as target:
            sink = target if output is not None else stdout
            writer = Writer(sink, out_fmt, out_delim or ",", out_schema, gzip=out_gzip,
                            name=output if output is not None else "stdout")
            try:
                for batch, found in stream:
                    annotated = annotate_distinct(found, cache)
                    tally.add(batch.num_rows, annotated, None if id_index is None else batch.column(id_index))
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
