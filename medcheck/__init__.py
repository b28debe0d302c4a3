"""medcheck: flag medicines known to cause drug-induced neutropenia or agranulocytosis, offline."""

from __future__ import annotations

from .catalog import Catalog, load_catalog
from .errors import CatalogError, InputError, MedcheckError
from .models import Drug, Finding, LineResult, Report

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "CatalogError",
    "Drug",
    "Finding",
    "InputError",
    "LineResult",
    "MedcheckError",
    "Report",
    "__version__",
    "load_catalog",
]
