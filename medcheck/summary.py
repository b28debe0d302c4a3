"""Count a batch run's results: rows and patients by drug, class, risk tier and context, for every engine."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .keys import _ints, _numpy
from .models import Finding, Risk

if TYPE_CHECKING:
    import pyarrow as pa

    from .annotate import Annotated, Row


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
        return sorted(
            self.by_drug.items(),
            key=lambda kv: (order.get(self.risk_of.get(kv[0], ""), len(order)), -kv[1], kv[0]),
        )

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


def counted(findings: Sequence[Finding], tiers: frozenset[Risk]) -> tuple[Counted, ...]:
    """The findings of a flagged string that the summary counts: sure, not denied, of a flagged tier."""
    return tuple(Counted(f.drug.name, f.drug.drug_class, str(f.drug.risk), str(f.context))
                 for f in findings if f.counts and f.drug.risk in tiers)


class Tally:
    """Counts for the summary: rows per numbered result summed over batches (one bincount each),
    turned into counts by drug and class when the numbering restarts and at the end."""

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        self.rows: list[Row] | None = None
        self.found: list[tuple[Counted, ...]] = []
        self.counts: Any = None

    def add(self, rows: int, annotated: Annotated, ids: pa.Array | None = None) -> None:
        """Count a block of `rows` rows annotated together; `ids`: their patient ids, when counted."""
        import numpy as np

        self.summary.rows += rows
        per_id = np.bincount(_numpy(annotated.codes), minlength=len(annotated.rows))
        if annotated.rows is not self.rows:  # the cache started afresh: its numbers mean new things
            self.flush()
            self.rows, self.found, self.counts = annotated.rows, annotated.found, per_id
        else:
            if len(self.counts) < len(per_id):
                self.counts = np.pad(self.counts, (0, len(per_id) - len(self.counts)))
            self.counts[: len(per_id)] += per_id
        if ids is not None:
            flagged = [int(i) for i in np.flatnonzero(per_id) if annotated.rows[i][0] == "true"]
            if flagged:
                self._patients(ids, annotated, flagged)

    def flush(self) -> None:
        import numpy as np

        if self.rows is None:
            return
        summary = self.summary
        for i in np.flatnonzero(self.counts):
            if self.rows[i][0] == "true":
                summary.count(self.found[i], int(self.counts[i]))
        self.rows, self.found, self.counts = None, [], None

    def _patients(self, ids: pa.Array, annotated: Annotated, flagged: list[int]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        pairs = pa.table({"code": annotated.codes, "id": ids})
        pairs = pairs.filter(pc.is_in(pairs["code"], _ints(flagged)))
        unique = pairs.group_by(["code", "id"]).aggregate([])
        for code, patient in zip(unique["code"].to_pylist(), unique["id"].to_pylist()):
            if patient in (None, ""):
                continue
            self.summary.count_patient(annotated.found[code], str(patient))


def merge(summaries: Sequence[Summary]) -> Summary:
    """One summary from the summaries of the parts (the Dask engine counts each part apart)."""
    total = Summary()
    for part in summaries:
        total.rows += part.rows
        total.flagged_rows += part.flagged_rows
        for mine, theirs in ((total.by_drug, part.by_drug), (total.by_class, part.by_class),
                             (total.by_risk, part.by_risk), (total.by_context, part.by_context)):
            mine.update(theirs)
        total.risk_of.update(part.risk_of)
        for drug, patients in part.patients.items():
            total.patients[drug] |= patients
        for risk, patients in part.patients_by_risk.items():
            total.patients_by_risk[risk] |= patients
        total.notes.extend(part.notes)
    return total
