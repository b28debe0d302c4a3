"""Write files safely: a new file claimed under a random name, output renamed into place only on success."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import InputError

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


class Atomic:
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
            self.tmp = Claimed(folder, f".{self.target.name}.", ".part", 0o666, keep_open=False).path
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


class Writer:
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
