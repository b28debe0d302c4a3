"""The medcheck command line: parse arguments, call the library, render, set the exit code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .catalog import Catalog, load_catalog
from .errors import MedcheckError
from .formatters import DRUG_FORMATTERS

F = TypeVar("F", bound=Callable[..., Any])


class UsageFailure(click.ClickException):
    """A MedcheckError shown as one line on stderr, with exit code 2."""

    exit_code = 2


def reports_errors(func: F) -> F:
    """Turn every MedcheckError into a one-line message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MedcheckError as exc:
            raise UsageFailure(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def drug_list_option(func: F) -> F:
    """--drug-list PATH: use a user's catalog CSV of the same schema instead of the packaged one."""
    return click.option(
        "--drug-list",
        "drug_list",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Use this catalog CSV (same columns as data/drug_list.csv) instead of the packaged one.",
    )(func)


def catalog_for(drug_list: Path | None) -> Catalog:
    """The packaged catalog, or the user's list when --drug-list is given."""
    return load_catalog(drug_list)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="medcheck")
def cli() -> None:
    """Check medication lists for drugs known to cause neutropenia or agranulocytosis.

    medcheck informs; it does not advise. Never stop or change a medicine without
    talking to the prescriber.
    """


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--format", "fmt", type=click.Choice(sorted(DRUG_FORMATTERS)), default="text", show_default=True)
@drug_list_option
@reports_errors
def drugs(query: str, fmt: str, drug_list: Path | None) -> None:
    """List the catalog, or the entries matching QUERY (a name, brand, abbreviation or class).

    Example:

        medcheck drugs clozapine --format json
    """
    catalog = catalog_for(drug_list)
    click.echo(DRUG_FORMATTERS[fmt](catalog.find(query)))
