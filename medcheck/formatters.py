"""Render catalog listings and reports as text, JSON, CSV or Markdown: pure functions keyed by format name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence

from .models import Drug


def drug_record(drug: Drug) -> dict[str, object]:
    """The JSON shape of one catalog entry (documented in README)."""
    return {
        "drug": drug.name,
        "names": list(drug.names),
        "abbreviations": list(drug.abbreviations),
        "drug_class": drug.drug_class,
        "evidence": drug.evidence,
        "note": drug.note,
        "sources": list(drug.sources),
        "unii": list(drug.unii),
    }


def render_drugs_json(drugs: Sequence[Drug]) -> str:
    """A JSON list with one object per drug."""
    return json.dumps([drug_record(d) for d in drugs], indent=2, ensure_ascii=False)


def render_drugs_csv(drugs: Sequence[Drug]) -> str:
    """CSV with one row per drug; list fields joined with '; '."""
    buf = io.StringIO()
    fields = ["drug", "names", "abbreviations", "drug_class", "evidence", "note", "sources", "unii"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for d in drugs:
        rec = drug_record(d)
        writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in rec.items()})
    return buf.getvalue().rstrip("\n")


def render_drugs_text(drugs: Sequence[Drug]) -> str:
    """A readable listing: name, class and evidence, then other names, note and sources, indented."""
    if not drugs:
        return "No catalog drug matches."
    blocks = []
    for d in drugs:
        lines = [f"{d.name}  ({d.drug_class}; evidence: {d.evidence})"]
        if d.names:
            shown = ", ".join(d.names[:12]) + (f", ... ({len(d.names) - 12} more)" if len(d.names) > 12 else "")
            lines.append(f"  also: {shown}")
        if d.abbreviations:
            lines.append(f"  abbreviations: {', '.join(d.abbreviations)}")
        if d.note:
            lines.append(f"  note: {d.note}")
        lines.append(f"  sources: {'; '.join(d.sources)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n{len(drugs)} drug(s)."


DRUG_FORMATTERS: dict[str, Callable[[Sequence[Drug]], str]] = {
    "text": render_drugs_text,
    "json": render_drugs_json,
    "csv": render_drugs_csv,
}
