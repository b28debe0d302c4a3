"""The medcheck command line: parse arguments, call the library, render, set the exit code."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from . import __version__
from .catalog import Catalog, load_catalog
from .errors import MedcheckError
from .formatters import DRUG_FORMATTERS, FORMATTERS, render_text, summary_line
from .models import Report

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


def exit_code_for(report: Report, strict: bool = False) -> int:
    """0 nothing flagged, 1 something flagged (with strict: also possible or unmatched lines)."""
    if report.flagged:
        return 1
    if strict and (report.possible or report.unmatched):
        return 1
    return 0


@cli.command()
@click.argument("source", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS)), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 also when a line is only a possible match or not matched.")
@drug_list_option
@reports_errors
def check(source: TextIO, fmt: str, strict: bool, drug_list: Path | None) -> None:
    """Check a medication list, one medicine per line, from SOURCE or pasted on stdin.

    Exit codes: 0 nothing flagged, 1 something flagged, 2 the check could not run.

    Example:

        medcheck check examples/meds.txt --format json
    """
    from .matcher import check_lines  # keeps `medcheck drugs` and --help fast

    catalog = catalog_for(drug_list)
    if source is sys.stdin and sys.stdin.isatty():
        click.echo("Paste the medication list, one medicine per line; end with Ctrl-D.", err=True)
    report = check_lines(source.read().splitlines(), catalog)
    output = render_text(report, color=True) if fmt == "text" else FORMATTERS[fmt](report)
    click.echo(output)  # click drops the colour codes when stdout is not a terminal
    click.echo(summary_line(report), err=True)
    raise SystemExit(exit_code_for(report, strict))
