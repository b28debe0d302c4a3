"""Annotate a column of medication strings: the medcheck_* columns, computed once per distinct string."""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .catalog import Catalog, load_catalog
from .errors import InputError
from .keys import ChunkRoles, _ints, _numpy, _strings, bulk_keys
from .matcher import Matcher, matcher_for
from .models import Context, Finding, Risk, risks_from
from .summary import Counted, counted

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


SEPARATOR = "; "


Row = tuple[str, ...]  # the medcheck_* values, in the order of OUTPUT_COLUMNS


def with_context(findings: Sequence[Finding], context: Context | None) -> list[Finding]:
    """The findings with a column's declared context (--context allergy): a denial in the line still stands."""
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

    def __init__(
        self, matcher: Matcher, min_risk: Risk | str | None = None, context: Context | str | None = None
    ) -> None:
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
    ids = [cache.id_of(key) for key in found.texts.to_pylist()] if found.are_keys else cache.ids_of_lines(found.texts)
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
    return annotate_frame(df, column, catalog, min_risk=min_risk, context=context)[0]


def annotate_frame(
    df: pd.DataFrame, column: str, catalog: Catalog | None = None, *,
    min_risk: Risk | str | None = None, context: Context | str | None = None,
) -> tuple[pd.DataFrame, Annotated]:
    """check_frame, and the numbered results the summary counts (medcheck.summary.Tally)."""
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
        annotated = annotate(values, cache)
    out = df.copy()
    for name, col in zip(OUTPUT_COLUMNS, annotated.columns):
        out[name] = col.to_pandas().set_axis(df.index)  # the dtype pandas gives text (str, or object before 3.0)
    return out, annotated
