"""Render catalog listings and reports as text, JSON, CSV or Markdown: pure functions keyed by format name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence

from decimal import Decimal

from . import anc
from .models import EVIDENCE_LEVELS, AncReading, Drug, DrugName, Finding, Report


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
        "name_sources": [
            {"name": n.name, "kind": n.kind, "match": _match_word(n), "sources": list(n.sources)}
            for n in drug.name_sources
        ],
    }


def _match_word(name: DrugName) -> str:
    return "fuzzy" if name.fuzzy else "exact"


def _name_source_text(name: DrugName) -> str:
    """'LEPONEX (brand, a misspelling may match: FDA UNII J60AR2IKIC, France BDPM 6123)'."""
    how = "a misspelling may match" if name.fuzzy else "exact only"
    return f"{name.name} ({name.kind}, {how}: {', '.join(name.sources)})"


def render_drugs_json(drugs: Sequence[Drug]) -> str:
    """A JSON list with one object per drug."""
    return json.dumps([drug_record(d) for d in drugs], indent=2, ensure_ascii=False)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.

    Applied to what medcheck writes into its own CSV columns; the user's own columns are never touched.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_row(row: dict[str, object]) -> dict[str, object]:
    return {k: spreadsheet_safe(v) for k, v in row.items()}


def render_drugs_csv(drugs: Sequence[Drug]) -> str:
    """CSV with one row per drug; list fields joined with '; '."""
    buf = io.StringIO()
    fields = ["drug", "names", "abbreviations", "drug_class", "evidence", "note", "sources", "unii", "name_sources"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for d in drugs:
        rec = drug_record(d)
        rec["name_sources"] = " | ".join(_name_source_text(n) for n in d.name_sources)
        writer.writerow(_safe_row({k: "; ".join(v) if isinstance(v, list) else v for k, v in rec.items()}))
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
        lines = [f"{d.name}  ({d.drug_class}; evidence: {d.evidence})"]
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
        lines.append(f"  sources: {'; '.join(d.sources)}")
        blocks.append("\n".join(lines))
    more = "" if full else " `medcheck drugs NAME` shows where each of a drug's names comes from."
    return "\n\n".join(blocks) + f"\n\n{len(drugs)} drug(s).{more}"


DRUG_FORMATTERS: dict[str, Callable[[Sequence[Drug]], str]] = {
    "text": render_drugs_text,
    "json": render_drugs_json,
    "csv": render_drugs_csv,
}


# --- reports ---------------------------------------------------------------------------------

EVIDENCE_HEADINGS = {
    "labeled": "US label warning (boxed warning or monitoring requirement)",
    "frequent": "Frequently reported",
    "case-reports": "Case reports",
    "cytotoxic": "Chemotherapy: low neutrophil counts are expected and dose-related",
}
CLOSING = "Do not stop or change any medicine on your own: talk to the prescriber or pharmacist."
CSV_FIELDS = [
    "line", "input", "drug", "drug_class", "evidence", "confidence", "context", "score",
    "matched_text", "matched_name", "advice",
]
ANC_CSV_FIELDS = ["anc_value", "anc_unit", "anc_category", "anc_threshold", "anc_source"]


def finding_record(finding: Finding) -> dict[str, object]:
    """The JSON shape of one finding (the output contract in DESIGN.md)."""
    return {
        "drug": finding.drug.name,
        "drug_class": finding.drug.drug_class,
        "evidence": finding.drug.evidence,
        "matched_text": finding.matched_text,
        "matched_name": finding.matched_name,
        "score": finding.score,
        "confidence": finding.confidence,
        "context": finding.context,
        "advice": finding.advice,
    }


def render_json(report: Report) -> str:
    """One JSON object: versions and one result per non-empty input line, in input order."""
    from . import __version__

    doc: dict[str, object] = {
        "medcheck_version": __version__,
        "catalog_version": report.catalog_version,
        "results": [
            {"line": r.line, "input": r.input, "matches": [finding_record(f) for f in r.findings]}
            for r in report.results
        ],
    }
    if report.anc is not None:
        doc["anc"] = anc_record(report.anc)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def render_csv(report: Report) -> str:
    """One row per finding; a line with no finding still gets a row, with the drug fields empty.

    With an ANC, every row also carries the ANC_CSV_FIELDS columns, after the usual ones.
    Text copied from the input (input, matched_text) is made spreadsheet-safe (see spreadsheet_safe)."""
    buf = io.StringIO()
    extra: dict[str, object] = {}
    if report.anc is not None:
        record = anc_record(report.anc)
        extra = {f"anc_{key}": record[key] for key in ("value", "unit", "category", "threshold", "source")}
    writer = csv.DictWriter(buf, fieldnames=[*CSV_FIELDS, *extra], lineterminator="\n")
    writer.writeheader()
    for r in report.results:
        if not r.findings:
            writer.writerow(_safe_row({"line": r.line, "input": r.input, **extra}))
        for f in r.findings:
            writer.writerow(_safe_row({"line": r.line, "input": r.input, **finding_record(f), **extra}))
    return buf.getvalue().rstrip("\n")


def _style(text: str, color: bool, **codes: object) -> str:
    if not color:
        return text
    seq = {"bold": "1", "red": "31", "yellow": "33", "dim": "2"}
    on = ";".join(seq[k] for k, v in codes.items() if v)
    return f"\x1b[{on}m{text}\x1b[0m" if on else text


def _lines_word(n: int) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"


def summary_line(report: Report) -> str:
    """One line for stderr: how many lines were checked and what was found."""
    return (
        f"medcheck: {_lines_word(len(report.results))} checked; {len(report.flagged)} flagged, "
        f"{len(report.possible)} possible, {len(report.unmatched)} not matched"
        + (f", {len(report.negated)} said not to be taken." if report.negated else ".")
    )


def render_text(report: Report, color: bool = False) -> str:
    """What a pharmacist reads: flagged drugs grouped by evidence, past use and allergies apart,
    possible matches apart, unmatched lines named, and the closing reminder."""
    out: list[str] = []
    current = [(r, f) for r in report.results for f in r.findings if f.confidence != "possible" and f.context == "current"]
    past = [(r, f) for r in report.results for f in r.findings
            if f.confidence != "possible" and f.context in ("allergy", "history")]
    denied = [(r, f) for r in report.results for f in r.findings if f.confidence != "possible" and f.context == "negated"]
    possible = [(r, f) for r in report.results for f in r.findings if f.confidence == "possible"]
    section = [] if report.anc is None else ["", *anc_lines(report.anc, bool(report.flagged), color)]
    if not report.results:
        return "\n".join(["No medication lines to check.", *section, *([""] if section else []), CLOSING])
    if current or past:
        out.append(_style("Drugs known to cause neutropenia or agranulocytosis:", color, bold=True))
    for level in EVIDENCE_LEVELS:
        group = [(r, f) for r, f in current if f.drug.evidence == level]
        if not group:
            continue
        out.append("")
        out.append(_style(EVIDENCE_HEADINGS[level], color, bold=True))
        for r, f in group:
            how = "" if f.confidence == "exact" else f" (read as {f.matched_name!r}, {f.confidence})"
            out.append(f"  line {r.line}: " + _style(f.drug.name, color, red=True, bold=True) + f" - {f.drug.drug_class}{how}")
            out.append(f"    {r.input.strip()}")
            if f.drug.note:
                out.append(f"    note: {f.drug.note}")
    for title, items, with_context in (
        ("Past use, allergies and reactions", past, True), ("Said not to be taken (not counted)", denied, False),
    ):
        if items:
            out.extend(["", _style(title, color, bold=True)])
        for r, f in items:
            detail = f" ({f.context}, evidence: {f.drug.evidence})" if with_context else ""
            out.append(f"  line {r.line}: " + _style(f.drug.name, color, bold=True) + f" - {f.drug.drug_class}{detail}")
            out.append(f"    {r.input.strip()}")
    if possible:
        out.append("")
        out.append(_style("Possible matches: check the spelling", color, bold=True, yellow=True))
        for r, f in possible:
            where = "" if f.context == "current" else f" [{f.context}]"
            out.append(f"  line {r.line}: {f.matched_text!r} - did you mean {f.drug.name} ({f.drug.drug_class})?{where}")
    if report.unmatched:
        numbers = ", ".join(str(r.line) for r in report.unmatched)
        out.append("")
        out.append(f"No catalog drug found on line(s) {numbers}. That is not a guarantee: check spelling and names.")
    if not (current or past or denied or possible):
        out.insert(0, "No drug known to cause neutropenia or agranulocytosis was found.")
    out.extend(section)
    if report.anc is None and report.flagged:  # with an ANC, its section lists them
        out.append("")
        out.extend(warning_signs_paragraph())
    out.append("")
    out.append(f"{_lines_word(len(report.results))} checked. " + CLOSING)
    return "\n".join(out)


def warning_signs_paragraph(width: int = 100) -> list[str]:
    """Seed 003's infection warning signs, as a short wrapped paragraph."""
    import textwrap

    text = f"{anc.WARNING_SIGNS_INTRO} {'; '.join(anc.WARNING_SIGNS)}."
    return textwrap.wrap(text, width)


def render_markdown(report: Report) -> str:
    """A Markdown table, one row per finding, then the closing reminder."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    rows = ["| line | input | drug | class | evidence | confidence | context |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in report.results:
        for f in r.findings:
            rows.append(
                "| " + " | ".join(cell(v) for v in (r.line, r.input, f.drug.name, f.drug.drug_class, f.drug.evidence, f.confidence, f.context)) + " |"
            )
        if not r.findings:
            rows.append(f"| {r.line} | {cell(r.input)} | | | | not matched | |")
    section = [] if report.anc is None else ["", *anc_markdown(report.anc, bool(report.flagged))]
    return "\n".join([*rows, *section, "", f"_{_lines_word(len(report.results))} checked. {CLOSING}_"])


# --- the neutrophil count ----------------------------------------------------------------------


def _number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when it is whole."""
    return int(value) if value == value.to_integral_value() else float(value)


def anc_record(reading: AncReading) -> dict[str, object]:
    """The JSON shape of an ANC reading, the top-level `anc` object (documented in README)."""
    d = reading.differential
    record: dict[str, object] = {
        "value": _number(reading.value),
        "unit": anc.PER_UL,
        **({"entered": reading.entered} if reading.entered and d is None else {}),
        "category": reading.category,
        "threshold": reading.threshold,
        "source": anc.SOURCES[anc.band_of(reading.value).source].citation,
        "interpretation": anc.interpretation(reading),
        "notes": list(anc.notes(reading)),
    }
    if d is not None:
        record["computed_from"] = {
            "wbc": _number(d.wbc),
            **({"wbc_entered": reading.entered} if reading.entered else {}),
            "neutrophils_percent": _number(d.neutrophils),
            "bands_percent": _number(d.bands),
            "formula": anc.FORMULA,
            "formula_source": anc.SOURCES["SCNIR"].citation,
        }
    return record


def _anc_heading(reading: AncReading) -> str:
    head = f"Neutrophil count (ANC): {anc.format_count(reading.value)}/µL"
    d = reading.differential
    if d is not None:
        wbc = f"{anc.format_count(d.wbc)}/µL" + (f" (entered as {reading.entered})" if reading.entered else "")
        return (f"{head}, from WBC {wbc} × ({anc.format_count(d.neutrophils)}% neutrophils + "
                f"{anc.format_count(d.bands)}% bands) / 100")
    return head + (f" (entered as {reading.entered})" if reading.entered else "")


def anc_lines(reading: AncReading, flagged: bool, color: bool = False) -> list[str]:
    """The text section for an ANC: interpretation, notes, the infection warning signs when the count is low
    or a drug was flagged, and the sources."""
    out = [_style(_anc_heading(reading), color, bold=True, red=reading.low)]
    if reading.differential is not None:
        out.append(f"  Formula: {anc.FORMULA} (SCNIR).")
    out.append("  " + anc.interpretation(reading))
    out.extend("  " + note for note in anc.notes(reading))
    warn = reading.low or flagged
    if warn:
        out.append("  " + anc.WARNING_SIGNS_INTRO)
        out.extend(f"    - {sign}" for sign in anc.WARNING_SIGNS)
    out.append("  Sources:")
    out.extend(f"    {source.citation}" for source in anc.cited(reading, warn))
    return out


def anc_markdown(reading: AncReading, flagged: bool) -> list[str]:
    """The Markdown section for an ANC: the same content as anc_lines, as a heading and a list."""
    out = [f"### {_anc_heading(reading)}", "", anc.interpretation(reading), ""]
    if reading.differential is not None:
        out.append(f"- Formula: {anc.FORMULA} (SCNIR).")
    out.extend(f"- {note}" for note in anc.notes(reading))
    warn = reading.low or flagged
    if warn:
        out.append(f"- {anc.WARNING_SIGNS_INTRO} {'; '.join(anc.WARNING_SIGNS)}.")
    out.append("- Sources: " + "; ".join(source.citation for source in anc.cited(reading, warn)) + ".")
    return out


def render_anc_text(reading: AncReading) -> str:
    """`medcheck anc` as text: the ANC section, then the closing reminder."""
    return "\n".join([*anc_lines(reading, flagged=False), "", CLOSING])


def render_anc_json(reading: AncReading) -> str:
    """`medcheck anc` as JSON: the version and the same `anc` object `check --anc` adds."""
    from . import __version__

    return json.dumps({"medcheck_version": __version__, "anc": anc_record(reading)}, indent=2, ensure_ascii=False)


ANC_FORMATTERS: dict[str, Callable[[AncReading], str]] = {
    "text": render_anc_text,
    "json": render_anc_json,
}


FORMATTERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "csv": render_csv,
    "markdown": render_markdown,
}
