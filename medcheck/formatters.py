"""Render catalog listings and reports as text, JSON, CSV or Markdown: pure functions keyed by format name."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence

from decimal import Decimal

from . import anc
from .models import AncReading, Drug, DrugName, Finding, Label, Report, Risk
from .sources import citation, source_url


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
    fields = ["drug", "names", "abbreviations", "drug_class", "evidence", "note", "sources", "unii", "name_sources",
              "risk", "label", "label_source", "label_quote", "leaflet"]
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


DRUG_FORMATTERS: dict[str, Callable[[Sequence[Drug]], str]] = {
    "text": render_drugs_text,
    "json": render_drugs_json,
    "csv": render_drugs_csv,
}


# --- reports ---------------------------------------------------------------------------------

RISK_HEADINGS = {
    Risk.HIGH: "High risk: a known cause of agranulocytosis",
    Risk.EXPECTED: "Expected: low neutrophil counts come with this treatment (dose-related)",
    Risk.HIGH_DOSE: "At high doses or long courses",
    Risk.RARE: "Rarely reported",
}
LABEL_WORDS = {
    Label.BOXED_WARNING: "boxed warning",
    Label.WARNING: "warning",
    Label.ADVERSE_REACTIONS: "adverse reactions",
    Label.NOT_LISTED: "not listed",
    Label.NOT_READ: "not read",
}
CLOSING = ("Do not stop or change any medicine on your own: talk to the prescriber or pharmacist, and follow "
           "the medicine's own leaflet.")
CSV_FIELDS = [
    "line", "input", "drug", "drug_class", "evidence", "confidence", "context", "score",
    "matched_text", "matched_name", "advice", "risk", "label", "note", "advice_sources",
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
        "risk": str(finding.drug.risk),
        "label": str(finding.drug.label),
        "label_source": finding.drug.label_source,
        "note": finding.drug.note,
        "advice_sources": list(finding.advice_sources),
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
            record = {k: v for k, v in finding_record(f).items() if k in CSV_FIELDS}
            record["advice_sources"] = "; ".join(f.advice_sources)
            writer.writerow(_safe_row({"line": r.line, "input": r.input, **record, **extra}))
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


def _has_high(report: Report) -> bool:
    """Whether a finding that counts is of the high tier: the infection warning signs apply."""
    return any(f.counts and f.drug.risk == Risk.HIGH for r in report.results for f in r.findings)


def render_text(report: Report, color: bool = False) -> str:
    """What a pharmacist reads: flagged drugs grouped by risk tier (strongest first) with each tier's advice,
    past use and allergies apart, possible matches apart, unmatched lines named, and the closing reminder."""
    out: list[str] = []
    current = [(r, f) for r in report.results for f in r.findings if f.counts and f.context == "current"]
    past = [(r, f) for r in report.results for f in r.findings if f.counts and f.context in ("allergy", "history")]
    denied = [(r, f) for r in report.results for f in r.findings if f.confidence != "possible" and f.context == "negated"]
    possible = [(r, f) for r in report.results for f in r.findings if f.confidence == "possible"]
    section = [] if report.anc is None else ["", *anc_lines(report.anc, _has_high(report), color)]
    if not report.results:
        return "\n".join(["No medication lines to check.", *section, *([""] if section else []), CLOSING])
    if current or past:
        out.append(_style("Drugs known to cause neutropenia or agranulocytosis:", color, bold=True))
    for tier in Risk:
        group = [(r, f) for r, f in current if f.drug.risk == tier]
        if not group:
            continue
        out.append("")
        out.append(_style(RISK_HEADINGS[tier], color, bold=True, red=tier == Risk.HIGH))
        shared: list[str] = []  # the tier's advice, said once under its heading
        for r, f in group:
            how = "" if f.confidence == "exact" else f" (read as {f.matched_name!r}, {f.confidence})"
            label = f"; label: {LABEL_WORDS[f.drug.label]}" if f.drug.label != Label.NOT_READ else ""
            out.append(f"  line {r.line}: " + _style(f.drug.name, color, red=True, bold=True)
                       + f" - {f.drug.drug_class}{label}{how}")
            out.append(f"    {r.input.strip()}")
            if f.drug.note:
                out.extend(_wrapped(f"note: {f.drug.note}", "    "))
            if f.drug.leaflet:
                out.extend(_wrapped(f"advice: {f.advice} (leaflet: {source_url(f.drug.leaflet)})", "    "))
            elif f.advice not in shared:
                shared.append(f.advice)
        for advice in shared:
            out.extend(_wrapped(advice, "  "))
    for title, items, with_context in (
        ("Past use, allergies and reactions", past, True), ("Said not to be taken (not counted)", denied, False),
    ):
        if items:
            out.extend(["", _style(title, color, bold=True)])
        for r, f in items:
            detail = f" ({f.context}, risk: {f.drug.risk})" if with_context else ""
            out.append(f"  line {r.line}: " + _style(f.drug.name, color, bold=True) + f" - {f.drug.drug_class}{detail}")
            out.append(f"    {r.input.strip()}")
            if with_context:
                out.extend(_wrapped(f.advice, "    "))
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
    cited = dict.fromkeys(s for r, f in (*current, *past) if not f.drug.leaflet for s in f.advice_sources)
    if cited:
        out.extend(["", "Where the advice comes from:"])
        for source in cited:
            out.extend(_wrapped(citation(source), "  "))
    out.append("")
    out.append(f"{_lines_word(len(report.results))} checked. " + CLOSING)
    return "\n".join(out)


def _wrapped(text: str, indent: str, width: int = 100) -> list[str]:
    """Text wrapped to `width` columns, every line indented (long notes stay readable on a terminal)."""
    import textwrap

    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False)


def render_markdown(report: Report) -> str:
    """A Markdown table, one row per finding, then the closing reminder."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    head = ("line", "input", "drug", "class", "risk", "label", "confidence", "context", "note", "advice")
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in report.results:
        for f in r.findings:
            values = (r.line, r.input, f.drug.name, f.drug.drug_class, f.drug.risk, LABEL_WORDS[f.drug.label],
                      f.confidence, f.context, f.drug.note, f.advice)
            rows.append("| " + " | ".join(cell(v) for v in values) + " |")
        if not r.findings:
            rows.append(f"| {r.line} | {cell(r.input)} | | | | | not matched | | | |")
    section = [] if report.anc is None else ["", *anc_markdown(report.anc, _has_high(report))]
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
