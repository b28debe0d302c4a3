"""Render an absolute neutrophil count reading: the section reports add, and `medcheck anc` on its own."""

from __future__ import annotations

import json
from decimal import Decimal

from . import anc
from .cells import style
from .models import CLOSING, AncReading


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
    out = [style(_anc_heading(reading), color, bold=True, red=reading.low)]
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
