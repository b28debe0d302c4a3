"""Parse a user's export into Arrow record batches: CSV or Parquet, every value as text, with clear errors for
unclosed quotes, ragged rows and a missing header."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from . import exports
from .errors import InputError
from .exports import Source, _name, _NotUtf8, _open_bytes

if TYPE_CHECKING:
    import pyarrow as pa


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
                block_size=exports.BLOCK,
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
        # One batch is held back: pyarrow reads a quote that is never closed as a value running to the
        # end of the file, so the last batch is checked for one before it is given out.
        last = None
        try:
            for batch in reader:
                if last is not None:
                    yield last
                last = pa.RecordBatch.from_arrays(batch.columns, schema=schema)
        except pa.ArrowInvalid as exc:
            raise _parse_error(source, schema, exc) from None
        if last is not None:
            if _last_row_has_line_break(last) and (line := _unclosed_quote(source)) is not None:
                raise _unclosed_quote_error(source, line)
            yield last

    return schema, batches()


def _last_row_has_line_break(batch: pa.RecordBatch) -> bool:
    """Whether a value of the batch's last row holds a line break, as one swallowed by an unclosed quote does."""
    if batch.num_rows == 0:
        return False
    values = (column[batch.num_rows - 1].as_py() for column in batch.columns)
    return any("\n" in v or "\r" in v for v in values if v)


def _open_text(source: Source) -> IO[str]:
    """The source as text, line ends untranslated (as Python's csv module reads it)."""
    import io

    return io.TextIOWrapper(_open_bytes(source.path, source.gzip), encoding=source.encoding, newline="")


def _unclosed_quote(source: Source) -> int | None:
    """The line on which a quoted value opens and is never closed, or None when every quote is closed
    (or the file turns out not to be in its encoding, which pyarrow reports).

    Quotes are read as pyarrow and Python's csv module read them: a quote opens a value only at the
    start of a field, two quotes inside it are one quote, and any other quote is text. Slow (Python,
    field by field): called only when something already looks wrong.
    """
    try:
        return _scan_quotes(source)
    except UnicodeDecodeError:
        return None


def _scan_quotes(source: Source) -> int | None:
    """_unclosed_quote, raising UnicodeDecodeError for text not in the source's encoding."""
    delimiter = source.delimiter
    in_quote, opened = False, 0
    with _open_text(source) as text:
        for number, line in enumerate(text, start=1):
            pos = 0
            while True:
                if in_quote:
                    end = line.find('"', pos)
                    if end < 0:
                        break  # the value goes on past this line
                    if line.startswith('""', end):
                        pos = end + 2
                        continue
                    in_quote = False
                    after = line.find(delimiter, end + 1)  # anything after the closing quote is text
                    if after < 0:
                        break
                    pos = after + 1
                if line.startswith('"', pos):  # a field that starts with a quote
                    in_quote, opened, pos = True, number, pos + 1
                    continue
                after = line.find(delimiter, pos)
                if after < 0:
                    break
                pos = after + 1
    return opened if in_quote else None


def _unclosed_quote_error(source: Source, line: int) -> InputError:
    return InputError(
        f"{_name(source.path)}, line {line}: a quote opened on line {line} is never closed (the rest of the file "
        'would be one value); close it, or write a quote that is part of a value as two quotes ("")'
    )


class _no_field_limit:
    """Lift Python csv's 128 KB field limit while medcheck reads (a value may be a megabyte), then restore it."""

    def __enter__(self) -> None:
        self.old = csv.field_size_limit(2**31 - 1)

    def __exit__(self, *exc: object) -> None:
        csv.field_size_limit(self.old)


def _ragged_row(source: Source, width: int) -> tuple[int, InputError] | None:
    """(line, error) for the first row without `width` fields, found with Python's csv module (which counts lines)."""
    with _open_text(source) as text, _no_field_limit():
        reader = csv.reader(text, delimiter=source.delimiter)
        next(reader, None)
        try:
            for row in reader:
                if row and len(row) != width:
                    return reader.line_num, InputError(
                        f"{_name(source.path)}, line {reader.line_num}: expected {width} fields, found {len(row)}; "
                        "fix the row, or check the delimiter and quoting"
                    )
        except csv.Error as exc:
            return reader.line_num, InputError(f"{_name(source.path)}, line {reader.line_num}: {exc}")
    return None


def _parse_error(source: Source, schema: pa.Schema, exc: Exception) -> Exception:
    """The one-line error for a row pyarrow could not parse, naming its line when Python's csv finds it."""
    if not source.checked and "invalid UTF8" in str(exc):
        return _NotUtf8(str(source.path))
    ragged = str(exc).startswith("CSV parse error: Expected")  # a row with too few or too many fields
    # A value longer than a read block "straddles" two blocks: most often a quote never closed.
    if ragged or "straddling object" in str(exc):
        quote = _unclosed_quote(source)
        try:
            located = _ragged_row(source, len(schema)) if ragged else None
        except UnicodeDecodeError:  # not UTF-8 after all: say what pyarrow said
            located = None
        # An unclosed quote makes the rest of the file one field: the row it swallows ends at or after it.
        if quote is not None and (located is None or located[0] >= quote):
            return _unclosed_quote_error(source, quote)
        if located is not None:
            return located[1]
    text = str(exc).splitlines()[0].replace("CSV parse error: ", "").rstrip(":")
    return InputError(f"{_name(source.path)}: {text}; fix the row, or check the delimiter and quoting")


def csv_header(source: Source) -> list[str]:
    """The header row, read with Python's csv module so that duplicate names are kept as written."""
    name = _name(source.path)
    with _open_text(source) as text, _no_field_limit():
        try:
            header = next(csv.reader(text, delimiter=source.delimiter))
        except StopIteration:
            raise InputError(f"{name}: the file is empty; it needs a header row and data rows") from None
        except csv.Error as exc:
            raise InputError(f"{name}: malformed header ({exc})") from None
    # A quote left open in the header makes the whole file one header name.
    if any("\n" in h or "\r" in h for h in header) and (line := _unclosed_quote(source)) is not None:
        raise _unclosed_quote_error(source, line)
    if not any(h.strip() for h in header):
        raise InputError(f"{name}: the first line is not a header row")
    return header
