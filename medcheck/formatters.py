"""The one formatter interface (`FORMATTERS[kind][format]`) and the reports of `medcheck check` in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .cells import lines_word, safe_row, spreadsheet_safe, style, wrapped
from .models import CLOSING, Finding, Format, Label, LineResult, Report, Risk
from .render_anc import anc_lines, anc_markdown, anc_record, render_anc_json, render_anc_text
from .render_catalog import (
    LABEL_WORDS,
    render_drugs_csv,
    render_drugs_json,
    render_drugs_text,
    render_summary_json,
    render_summary_markdown,
    render_summary_text,
)
from .sources import FDA_LIST, citation, elsewhere, only_country, source_url

__all__ = ["CLOSING", "FORMATTERS", "LABEL_WORDS", "spreadsheet_safe"]


RISK_HEADINGS = {
    Risk.HIGH: "High risk: a known cause of agranulocytosis",
    Risk.EXPECTED: "Expected: low neutrophil counts come with this treatment (dose-related)",
    Risk.HIGH_DOSE: "At high doses or long courses",
    Risk.RARE: "Rarely reported",
}


CSV_FIELDS = [
    "line", "input", "drug", "drug_class", "evidence", "confidence", "context", "score",
    "matched_text", "matched_name", "advice", "risk", "label", "note", "advice_sources", "status",
    "matched_name_kind", "matched_name_sources",
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
        "status": status_of(finding),
        "matched_name_kind": origin.kind if (origin := finding.name_origin) else "",
        "matched_name_sources": list(origin.sources) if origin else [],
    }


def local_brand(finding: Finding) -> str:
    """ "a brand medcheck knows only from Singapore" when the words were read as a brand or synonym that the
    registers of one country alone list (DOMIDE: thalidomide in Singapore, lenalidomide in Colombia), and
    "another medicine's name in Brazil" when a register gives it another medicine; else ""."""
    origin = finding.name_origin
    if origin is None or origin.kind not in ("brand", "synonym"):
        return ""
    country = only_country(origin.sources)
    said = [f"a {origin.kind} medcheck knows only from {country}"] if country else []
    others = elsewhere(origin.sources)
    if countries := [o for o in others if o != FDA_LIST]:  # TEFIN: ibuprofen in Ireland, butenafine in Brazil
        said.append(f"another medicine's name in {' and '.join(countries)}")
    if FDA_LIST in others:  # METHOCEL: methotrexate in Peru; METHOCEL E10M, K4M: hypromellose
        said.append(f"the first word of another substance's names in {FDA_LIST}")
    return ", and ".join(said)


POSSIBLE_HEADING = "Possible matches: check the spelling, or which medicine is meant"


def possible_words(finding: Finding) -> str:
    """How a possible match reads: a misspelling asks "did you mean ...?"; a name that another medicine or
    product bears too says so ("may be ibuprofen (nsaid): a brand medcheck knows only from Ireland, ...")."""
    drug = f"{finding.drug.name} ({finding.drug.drug_class})"
    local = local_brand(finding)
    if finding.shared_name:
        return f"may be {drug}: {local or 'a name another medicine or product bears too'}"
    return f"did you mean {drug}?" + (f" ({local})" if local else "")


NOT_MATCHED = "not matched"


def status_of(finding: Finding) -> str:
    """How a finding counts: `flagged`, `possible` (a did-you-mean only) or `negated` (said not taken)."""
    if finding.counts:
        return "flagged"
    return "possible" if finding.confidence == "possible" else "negated"


def counts_record(report: Report) -> dict[str, int]:
    """Lines checked and how many were flagged, possible only, denied only, or not matched (as stderr says)."""
    return {"lines": len(report.results), "flagged": len(report.flagged), "possible": len(report.possible),
            "negated": len(report.negated), "not_matched": len(report.unmatched)}


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
        "counts": counts_record(report),
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
            writer.writerow(safe_row({"line": r.line, "input": r.input, "status": NOT_MATCHED, **extra}))
        for f in r.findings:
            record = {k: v for k, v in finding_record(f).items() if k in CSV_FIELDS}
            record["advice_sources"] = "; ".join(f.advice_sources)
            record["matched_name_sources"] = "; ".join(f.name_origin.sources if f.name_origin else ())
            writer.writerow(safe_row({"line": r.line, "input": r.input, **record, **extra}))
    return buf.getvalue().rstrip("\n")


def summary_line(report: Report) -> str:
    """One line for stderr: how many lines were checked and what was found."""
    return (
        f"medcheck: {lines_word(len(report.results))} checked; {len(report.flagged)} flagged, "
        f"{len(report.possible)} possible, {len(report.unmatched)} not matched"
        + (f", {len(report.negated)} said not to be taken." if report.negated else ".")
    )


def shown_name(name: str) -> str:
    """A matched name as a report shows it: an upper-case brand from a register in title case ("Tegretol"),
    generic names and abbreviations (TMP-SMZ, 5-FU) as written."""
    if name.isupper() and name.replace(" ", "").isalpha() and len(name) > 5:
        return name.title()
    return name


def _has_high(report: Report) -> bool:
    """Whether a finding that counts is of the high tier: the infection warning signs apply."""
    return any(f.counts and f.drug.risk == Risk.HIGH for r in report.results for f in r.findings)


@dataclass(frozen=True)
class Sections:
    """A report's findings as every human-facing format shows them (text, the web page)."""

    current: list[tuple[LineResult, Finding]]  # sure, taken now
    past: list[tuple[LineResult, Finding]]  # sure, an allergy or past use
    denied: list[tuple[LineResult, Finding]]  # the line says it is not taken
    possible: list[tuple[LineResult, Finding]]  # did you mean...?
    cited: list[str]  # the advice's sources, once each (a leaflet is shown beside its drug instead)


def sections(report: Report) -> Sections:
    """Split a report's findings into the sections the text report and the web page show."""
    pairs = [(r, f) for r in report.results for f in r.findings]
    current = [(r, f) for r, f in pairs if f.counts and f.context == "current"]
    past = [(r, f) for r, f in pairs if f.counts and f.context in ("allergy", "history")]
    cited = dict.fromkeys(s for _, f in (*current, *past) if not f.drug.leaflet for s in f.advice_sources)
    return Sections(
        current, past, [(r, f) for r, f in pairs if f.confidence != "possible" and f.context == "negated"],
        [(r, f) for r, f in pairs if f.confidence == "possible"], list(cited),
    )


def render_text(report: Report, color: bool = False) -> str:
    """What a pharmacist reads: flagged drugs grouped by risk tier (strongest first) with each tier's advice,
    past use and allergies apart, possible matches apart, unmatched lines named, and the closing reminder."""
    out: list[str] = []
    parts = sections(report)
    current, past, denied, possible = parts.current, parts.past, parts.denied, parts.possible
    section = [] if report.anc is None else ["", *anc_lines(report.anc, _has_high(report), color)]
    if not report.results:
        return "\n".join(["No medication lines to check.", *section, *([""] if section else []), CLOSING])
    if current or past:
        out.append(style("Drugs known to cause neutropenia or agranulocytosis:", color, bold=True))
    for tier in Risk:
        group = [(r, f) for r, f in current if f.drug.risk == tier]
        if not group:
            continue
        out.append("")
        out.append(style(RISK_HEADINGS[tier], color, bold=True, red=tier == Risk.HIGH))
        shared: list[str] = []  # the tier's advice, said once under its heading
        for r, f in group:
            how = "" if f.confidence == "exact" else f"{f.confidence}"
            if local := local_brand(f):
                how = f"{how}; {local}" if how else local
            how = f" (read as {shown_name(f.matched_name)!r}, {how})" if how else ""
            label = f"; label: {LABEL_WORDS[f.drug.label]}" if f.drug.label != Label.NOT_READ else ""
            out.append(f"  line {r.line}: " + style(f.drug.name, color, red=True, bold=True)
                       + f" - {f.drug.drug_class}{label}{how}")
            out.append(f"    {r.input.strip()}")
            if f.drug.note:
                out.extend(wrapped(f"note: {f.drug.note}", "    "))
            if f.drug.leaflet:
                out.extend(wrapped(f"advice: {f.advice} (leaflet: {source_url(f.drug.leaflet)})", "    "))
            elif f.advice not in shared:
                shared.append(f.advice)
        for advice in shared:
            out.extend(wrapped(advice, "  "))
    for title, items, with_context in (
        ("Past use, allergies and reactions", past, True), ("Said not to be taken (not counted)", denied, False),
    ):
        if items:
            out.extend(["", style(title, color, bold=True)])
        for r, f in items:
            detail = f" ({f.context}, risk: {f.drug.risk})" if with_context else ""
            out.append(f"  line {r.line}: " + style(f.drug.name, color, bold=True) + f" - {f.drug.drug_class}{detail}")
            out.append(f"    {r.input.strip()}")
            if with_context:
                out.extend(wrapped(f.advice, "    "))
    if possible:
        out.append("")
        out.append(style(POSSIBLE_HEADING, color, bold=True, yellow=True))
        for r, f in possible:
            where = "" if f.context == "current" else f" [{f.context}]"
            out.append(f"  line {r.line}: {f.matched_text!r} - {possible_words(f)}{where}")
    if report.unmatched:
        numbers = ", ".join(str(r.line) for r in report.unmatched)
        out.append("")
        out.append(f"No catalog drug found on line(s) {numbers}. That is not a guarantee: check spelling and names.")
    if not (current or past or denied or possible):
        out.insert(0, "No drug known to cause neutropenia or agranulocytosis was found.")
    out.extend(section)
    if parts.cited:
        out.extend(["", "Where the advice comes from:"])
        for source in parts.cited:
            out.extend(wrapped(citation(source), "  "))
    out.append("")
    out.append(f"{lines_word(len(report.results))} checked. " + CLOSING)
    return "\n".join(out)


def render_markdown(report: Report) -> str:
    """A Markdown table, one row per finding, then the closing reminder."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    head = ("line", "input", "drug", "class", "risk", "label", "confidence", "context", "status", "note", "advice",
            "read as")
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in report.results:
        for f in r.findings:
            read_as = ", ".join(x for x in (shown_name(f.matched_name), local_brand(f)) if x)
            values = (r.line, r.input, f.drug.name, f.drug.drug_class, f.drug.risk, LABEL_WORDS[f.drug.label],
                      f.confidence, f.context, status_of(f), f.drug.note, f.advice, read_as)
            rows.append("| " + " | ".join(cell(v) for v in values) + " |")
        if not r.findings:
            rows.append(f"| {r.line} | {cell(r.input)} | | | | | | | {NOT_MATCHED} | | | |")
    section = [] if report.anc is None else ["", *anc_markdown(report.anc, _has_high(report))]
    return "\n".join([*rows, *section, "", f"_{lines_word(len(report.results))} checked. {CLOSING}_"])


REPORT_FORMATTERS: dict[str, Callable[[Report], str]] = {
    Format.TEXT: render_text,
    Format.JSON: render_json,
    Format.CSV: render_csv,
    Format.MARKDOWN: render_markdown,
}
FORMATTERS: dict[str, dict[str, Callable[[Any], str]]] = {
    "report": dict(REPORT_FORMATTERS),
    "drugs": {"text": render_drugs_text, "json": render_drugs_json, "csv": render_drugs_csv},
    "anc": {"text": render_anc_text, "json": render_anc_json},
    "summary": {"text": render_summary_text, "json": render_summary_json, "markdown": render_summary_markdown},
}
"""Every output medcheck renders, by kind and format: FORMATTERS["report"]["json"](report) and so on."""
