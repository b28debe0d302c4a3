"""Render the catalog listing (`medcheck drugs`) and a batch run's summary in each of their formats."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from .cells import safe_row
from .models import Drug, DrugName, Label, Risk
from .sources import source_url
from .summary import Summary

LABEL_WORDS = {
    Label.BOXED_WARNING: "boxed warning",
    Label.WARNING: "warning",
    Label.ADVERSE_REACTIONS: "adverse reactions",
    Label.NOT_LISTED: "not listed",
    Label.NOT_READ: "not read",
}


def drug_record(drug: Drug) -> dict[str, object]:
    """The JSON shape of one catalog entry (documented in README)."""
    return {
        "drug": drug.name,
        "names": list(drug.names),
        "abbreviations": list(drug.abbreviations),
        "drug_class": drug.drug_class,
        "evidence": drug.evidence,
        "risk": str(drug.risk),
        "label": str(drug.label),
        "label_source": drug.label_source,
        "label_quote": drug.label_quote,
        "leaflet": drug.leaflet,
        "note": drug.note,
        "sources": list(drug.sources),
        "unii": list(drug.unii),
        "name_sources": [
            {"name": n.name, "kind": n.kind, "match": _match_word(n), "sources": list(n.sources)}
            for n in drug.name_sources
        ],
    }


def _match_word(name: DrugName) -> str:
    return "possible" if name.possible else "fuzzy" if name.fuzzy else "exact"


def _name_source_text(name: DrugName) -> str:
    """'LEPONEX (brand, a misspelling may match: FDA UNII J60AR2IKIC, France BDPM 6123)'."""
    how = ("only a possible match" if name.possible else "a misspelling may match" if name.fuzzy
           else "exact only")
    return f"{name.name} ({name.kind}, {how}: {', '.join(name.sources)})"


def render_drugs_json(drugs: Sequence[Drug]) -> str:
    """A JSON list with one object per drug."""
    return json.dumps([drug_record(d) for d in drugs], indent=2, ensure_ascii=False)


def render_drugs_csv(drugs: Sequence[Drug]) -> str:
    """CSV with one row per drug; list fields joined with '; '."""
    buf = io.StringIO()
    fields = ["drug", "names", "abbreviations", "drug_class", "evidence", "note", "sources", "unii", "name_sources",
              "risk", "label", "label_source", "label_quote", "leaflet"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for d in drugs:
        rec = drug_record(d)
        rec["name_sources"] = " | ".join(_name_source_text(n) for n in d.name_sources)
        writer.writerow(safe_row({k: "; ".join(v) if isinstance(v, list) else v for k, v in rec.items()}))
    return buf.getvalue().rstrip("\n")


FULL_NAMES_UP_TO = 5  # a listing of this many drugs or fewer shows every name with where it comes from


def render_drugs_text(drugs: Sequence[Drug]) -> str:
    """A readable listing: name, class and evidence, then other names, note and sources, indented.

    A short listing (a query such as `medcheck drugs clozapine`) shows each name with the authorities
    that list it and whether a misspelling of it may match.
    """
    if not drugs:
        return "No catalog drug matches."
    blocks = []
    full = len(drugs) <= FULL_NAMES_UP_TO
    for d in drugs:
        lines = [f"{d.name}  ({d.drug_class}; risk: {d.risk}; label: {LABEL_WORDS[d.label]})"]
        if full and d.name_sources:
            lines.append("  names, and where each comes from:")
            lines.extend(f"    {_name_source_text(n)}" for n in d.name_sources)
        elif d.names:
            shown = ", ".join(d.names[:12]) + (f", ... ({len(d.names) - 12} more)" if len(d.names) > 12 else "")
            lines.append(f"  also: {shown}")
        if d.abbreviations and not full:
            lines.append(f"  abbreviations: {', '.join(d.abbreviations)}")
        if d.note:
            lines.append(f"  note: {d.note}")
        if d.label != Label.NOT_READ:
            lines.append(f"  label: \"{d.label_quote}\" ({source_url(d.label_source)})")
        lines.append(f"  sources: {'; '.join(d.sources)}")
        blocks.append("\n".join(lines))
    more = "" if full else " `medcheck drugs NAME` shows where each of a drug's names comes from."
    return "\n\n".join(blocks) + f"\n\n{len(drugs)} drug(s).{more}"


# --- a batch run's summary ---------------------------------------------------------------------

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
    out += ["", "| drug | risk | rows |" + (" patients |" if patients else ""),
            "|---|---|---|" + ("---|" if patients else "")]
    for drug, n in summary.drugs_by_tier():
        extra = f" {len(summary.patients[drug])} |" if patients else ""
        out.append(f"| {drug} | {summary.risk_of.get(drug, '')} | {n} |{extra}")
    out += ["", "| class | rows |", "|---|---|"]
    out += [f"| {cls} | {n} |" for cls, n in summary.by_class.most_common()]
    return "\n".join(out) + "\n"


def render_summary_json(summary: Summary) -> str:
    """The counts as one JSON object (Summary.as_dict)."""
    return json.dumps(summary.as_dict(), indent=2) + "\n"
