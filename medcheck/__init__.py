"""medcheck: flag medicines known to cause drug-induced neutropenia or agranulocytosis, offline."""

from __future__ import annotations

from collections.abc import Iterable

from .anc import anc_from_differential, read_anc
from .catalog import Catalog, load_catalog
from .errors import CatalogError, InputError, MedcheckError
from .matcher import check_lines, check_text
from .models import AncReading, Differential, Drug, Finding, LineResult, Report

__version__ = "0.1.0"


def check(lines: Iterable[str | None] | str, catalog: Catalog | None = None) -> Report:
    """Check a medication list: an iterable of lines (one medicine per line), or one pasted string.

    Missing entries (None, NaN) are blank lines; they keep their numbers but are not checked.
    """
    return check_lines(lines, catalog)


def __getattr__(name: str) -> object:
    """check_frame lives in medcheck.annotate, imported on first use (pandas and pyarrow are slow to import)."""
    if name == "check_frame":
        from .annotate import check_frame

        return check_frame
    raise AttributeError(f"module 'medcheck' has no attribute {name!r}")


__all__ = [
    "AncReading",
    "Catalog",
    "CatalogError",
    "Differential",
    "Drug",
    "Finding",
    "InputError",
    "LineResult",
    "MedcheckError",
    "Report",
    "__version__",
    "anc_from_differential",
    "check",
    "check_frame",
    "check_lines",
    "check_text",
    "load_catalog",
    "read_anc",
]
