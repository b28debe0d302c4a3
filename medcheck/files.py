"""Write files safely: a new file claimed under a random name, output renamed into place only on success;
the output format an -o name asks for, and where a summary file may go."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import InputError
from .models import FileFormat

if TYPE_CHECKING:
    import pyarrow as pa


class Claimed:
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


def same_file(a: Path, b: Path) -> bool:
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def same_path(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same file on disk, or the same place when it does not exist yet."""
    return same_file(a, b) or a.resolve() == b.resolve()


def _cannot_write(name: object, exc: OSError, option: str) -> InputError:
    """The one-line error for a file that could not be written: its name, the reason and the fix."""
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    if name == "stdout":
        fix = "write to a file with -o"
    elif exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):  # disk or quota full
        fix = f"free some space or choose another {option}"
    else:
        fix = f"choose another {option}"
    return InputError(f"{name}: cannot write ({reason}); {fix}")


def output_format(path: Path) -> FileFormat:
    """How an -o file is written, from its name.

    .txt is written tab-separated, as .tsv is: a .txt export is most often tab-separated, and medcheck
    reads one back by its header's delimiter.
    """
    name = path.name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    if name.endswith((".parquet", ".pq")):
        if gz:
            raise InputError(f"{path}: Parquet compresses itself; name the output .parquet, without .gz")
        return FileFormat("parquet", False, ",")
    if name.endswith((".tsv", ".tab", ".txt")):
        return FileFormat("csv", gz, "\t")
    if name.endswith(".csv"):
        return FileFormat("csv", gz, ",")
    raise InputError(f"{path}: unknown output type; use .csv, .tsv, .txt, .csv.gz, .tsv.gz or .parquet")


SUMMARY_SUFFIXES = (".json", ".md")


def check_summary_file(path: Path, inputs: Sequence[Path], output: Path | None, output_is_folder: bool = False) -> None:
    """Refuse a --summary-file that is an input or the output (or lies inside an output folder), or whose
    extension names no summary format; where it can be written is checked by claiming its temporary file."""
    for source in inputs:
        if same_path(path, source):
            raise InputError(f"{path}: is the input file; write the summary to another path with --summary-file")
    if output is not None:
        if same_path(path, output):
            raise InputError(f"{path}: is the output; write the summary to another path with --summary-file")
        if output_is_folder and output.resolve() in path.resolve().parents:
            raise InputError(
                f"{path}: is inside the output folder {output}, which medcheck replaces; "
                "write the summary elsewhere with --summary-file"
            )
    if path.suffix.lower() not in SUMMARY_SUFFIXES:
        raise InputError(f"{path}: unknown summary type; name the --summary-file .json or .md")


def write_text(path: Path, text: str, name: object, option: str) -> None:
    """Write UTF-8 text to a claimed temporary file; a failure is one line naming `name`, the real target."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _cannot_write(name, exc, option) from None


class Atomic:
    """Yield a temporary path beside the target; rename it over the target only on success.

    The temporary file is made on entering, so a target that cannot be written fails before any work;
    `option` names the command-line option that chose the target, for the error messages.
    """

    def __init__(self, target: Path | None, option: str = "-o") -> None:
        self.target = target
        self.option = option
        self.tmp: Path | None = None

    def __enter__(self) -> Path | None:
        if self.target is None:
            return None
        folder = self.target.parent if str(self.target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(
                f"{self.target}: the folder {folder} does not exist; create it or choose another {self.option}"
            )
        if self.target.is_dir():
            raise InputError(f"{self.target}: is a folder; give a file name with {self.option}")
        try:  # the umask decides the mode, as for any file the user writes
            self.tmp = Claimed(folder, f".{self.target.name}.", ".part", 0o666, keep_open=False).path
        except OSError as exc:
            raise InputError(
                f"{self.target}: cannot write in {folder} ({exc.strerror or exc}); choose another {self.option}"
            ) from None
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.tmp is None:
            return
        if exc_type is not None:
            self.tmp.unlink(missing_ok=True)
            return
        try:
            os.replace(self.tmp, self.target)  # type: ignore[arg-type]
        except OSError as error:
            self.tmp.unlink(missing_ok=True)
            raise _cannot_write(self.target, error, self.option) from None


class Writer:
    """Write record batches as CSV (UTF-8, minimal quoting; gzip-compressed with `gzip`) or Parquet, on a
    thread of its own.

    Arrow releases the GIL while it formats and writes, so batch n is written while batch n+1 is checked.
    A write that fails (a full disk) is an InputError naming `name`, the file the user asked for.
    """

    def __init__(
        self, target: Path | IO[bytes] | None, fmt: str, delimiter: str, schema: pa.Schema, *,
        gzip: bool = False, name: object = "the output",
    ) -> None:
        import queue
        import threading

        import pyarrow as pa
        import pyarrow.csv as pacsv

        self._name = name
        self._stream: Any = None  # a gzip stream opened here, closed after the writer
        try:
            sink: Any
            if isinstance(target, Path) and gzip:
                sink = self._stream = pa.CompressedOutputStream(str(target), "gzip")
            elif isinstance(target, Path):
                sink = str(target)
            else:
                sink = pa.PythonFile(target, mode="w")
            if fmt == "parquet":
                import pyarrow.parquet as pq

                self._w: Any = pq.ParquetWriter(sink, schema)
                self._write = self._w.write_batch
            else:
                self._w = pacsv.CSVWriter(
                    sink, schema, write_options=pacsv.WriteOptions(delimiter=delimiter, quoting_style="needed")
                )
                self._write = self._w.write
        except OSError as exc:
            raise _cannot_write(name, exc, "-o") from None
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
            if isinstance(error, OSError):
                raise _cannot_write(self._name, error, "-o") from None
            raise error

    def write(self, batch: pa.RecordBatch) -> None:
        self._raise()
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        try:
            self._w.close()
            if self._stream is not None:
                self._stream.close()
        except OSError as exc:
            if self._error is None:  # the first error is the one to report
                self._error = exc
        self._raise()


class AtomicFolder:
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
