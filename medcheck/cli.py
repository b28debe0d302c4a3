"""The medcheck command line: parse arguments, call the library, render, set the exit code."""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from . import __version__
from .anc import UNIT_HELP, anc_from_differential, read_anc
from .catalog import load_catalog
from .errors import InputError, MedcheckError
from .formatters import FORMATTERS, render_text, summary_line
from .models import RISKS, Report, Risk, risks_from

F = TypeVar("F", bound=Callable[..., Any])


class UsageFailure(click.ClickException):
    """A MedcheckError shown as one line on stderr, with exit code 2."""

    exit_code = 2


def reports_errors(func: F) -> F:
    """Turn every MedcheckError into a one-line message and exit code 2; Ctrl-C into one line and 130."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MedcheckError as exc:
            raise UsageFailure(str(exc)) from None
        except KeyboardInterrupt:
            after = "; no output file was written." if func.__name__ == "batch" else "."
            click.echo(f"medcheck: interrupted{after}", err=True)
            raise SystemExit(130) from None

    return wrapper  # type: ignore[return-value]


class OneLineErrors(click.Group):
    """A click group whose usage errors are one line on stderr, naming the command and where help is."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:  # a bad option, a missing argument, a bad value
            where = exc.ctx.command_path if exc.ctx is not None else "medcheck"
            click.echo(f"Error: {exc.format_message()} (see: {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("medcheck: interrupted.", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)


def drug_list_option(func: F) -> F:
    """--drug-list PATH: use a user's catalog CSV of the same schema instead of the packaged one."""
    return click.option(
        "--drug-list",
        "drug_list",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Use this catalog CSV (same columns as data/drug_list.csv) instead of the packaged one.",
    )(func)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="medcheck")
def cli() -> None:
    """Check medication lists for drugs known to cause neutropenia or agranulocytosis.

    medcheck informs; it does not advise. Never stop or change a medicine without
    talking to the prescriber.
    """


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS["drugs"])), default="text", show_default=True)
@drug_list_option
@reports_errors
def drugs(query: str, fmt: str, drug_list: Path | None) -> None:
    """List the catalog, or the entries matching QUERY (a name, brand, abbreviation or class).

    Example:

        medcheck drugs clozapine --format json
    """
    catalog = load_catalog(drug_list)
    click.echo(FORMATTERS["drugs"][fmt](catalog.find(query)))


def _stderr_is_terminal() -> bool:
    """Whether a person watches stderr (progress is drawn only then)."""
    return sys.stderr.isatty()


def exit_code_for(report: Report, strict: bool = False, min_risk: str | None = None) -> int:
    """0 nothing flagged, 1 something flagged at min_risk or above (with strict: also possible or unmatched lines)."""
    tiers = frozenset(Risk) if min_risk is None else risks_from(min_risk)
    if report.flagged_at(tiers):
        return 1
    if strict and (report.possible or report.unmatched):
        return 1
    return 0


def min_risk_option(func: F) -> F:
    """--min-risk TIER: which risk tiers count as flagged (this one and the stronger ones)."""
    return click.option(
        "--min-risk", "min_risk", type=click.Choice(RISKS), default=None,
        help="Count as flagged only drugs of this risk tier or a stronger one (high, expected, high-dose, rare: "
             "strongest first). Default: every tier.",
    )(func)


def unit_option(what: str) -> Callable[[F], F]:
    """--unit UNIT: the unit of the count named `what` (cells per microlitre when absent)."""
    return click.option(
        "--unit", default=None, metavar="UNIT",
        help=f"Unit of {what}: {UNIT_HELP}. Required for a bare number of 100 or less, which could be either.",
    )


@cli.command()
@click.argument("source", type=click.Path(path_type=Path, allow_dash=True), default="-")
@click.option("--format", "fmt", type=click.Choice(sorted(str(f) for f in FORMATTERS["report"])), default="text",
              show_default=True)
@click.option("--strict", is_flag=True, help="Exit 1 also when a line is only a possible match or not matched.")
@click.option("--anc", "anc_value", default=None, metavar="VALUE",
              help="The person's absolute neutrophil count, cells per microlitre (see --unit): adds its sourced "
                   "interpretation to the output. It does not change the exit code.")
@unit_option("--anc")
@min_risk_option
@drug_list_option
@reports_errors
def check(
    source: Path, fmt: str, strict: bool, anc_value: str | None, unit: str | None, min_risk: str | None,
    drug_list: Path | None,
) -> None:
    """Check a medication list, one medicine per line, from SOURCE or pasted on stdin.

    Exit codes: 0 nothing flagged, 1 something flagged (with --min-risk: of that tier or a stronger
    one), 2 the check could not run. A low --anc alone does not make it 1.

    Example:

        medcheck check examples/meds.txt --format json

        medcheck check examples/meds.txt --anc 0.8 --unit 10^9/L
    """
    from .exports import read_text
    from .matcher import check_lines  # keeps `medcheck drugs` and --help fast

    if unit is not None and anc_value is None:
        raise InputError("--unit is the unit of --anc; give --anc too")
    reading = None if anc_value is None else read_anc(anc_value, unit)  # checked before reading the list
    catalog = load_catalog(drug_list)
    path = None if str(source) == "-" else source
    if path is None and sys.stdin.isatty():
        click.echo("Paste the medication list, one medicine per line; end with Ctrl-D.", err=True)
    listed = read_text(path)  # any encoding batch reads; binary refused, gzip decompressed
    if listed.note:
        click.echo(f"medcheck: {listed.note}", err=True)
    report = dataclasses.replace(check_lines(listed.text.splitlines(), catalog), anc=reading)
    output = render_text(report, color=True) if fmt == "text" else FORMATTERS["report"][fmt](report)
    click.echo(output)  # click drops the colour codes when stdout is not a terminal
    click.echo(summary_line(report), err=True)
    raise SystemExit(exit_code_for(report, strict, min_risk))


@cli.command("anc")
@click.option("--wbc", required=True, metavar="COUNT", help="White blood cell count, per microlitre (see --unit).")
@click.option("--neutrophils", required=True, metavar="PCT",
              help="Segmented neutrophils (\"segs\"), percent of the white count.")
@click.option("--bands", default="0", show_default=True, metavar="PCT",
              help="Band neutrophils, percent of the white count, when the differential reports them.")
@unit_option("--wbc")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATTERS["anc"])), default="text", show_default=True)
@reports_errors
def anc_command(wbc: str, neutrophils: str, bands: str, unit: str | None, fmt: str) -> None:
    """Compute the absolute neutrophil count (ANC) from a white count and differential, and say what the
    sources say about it.

    ANC = WBC × (neutrophils % + bands %) / 100, from the Severe Chronic Neutropenia International
    Registry (University of Washington):

    \b
    https://scnir-neutropenia.uw.edu/?p=220

    Exit codes: 0 not below 1,500/µL, 1 below it (neutropenia in adults, Mayo Clinic), 2 bad input.

    Example:

        medcheck anc --wbc 3500 --neutrophils 30 --bands 1
    """
    reading = anc_from_differential(wbc, neutrophils, bands, unit)
    click.echo(FORMATTERS["anc"][fmt](reading))
    raise SystemExit(1 if reading.low else 0)


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output file, its format from its name: .csv; .tsv or .txt (tab-separated); .csv.gz or .tsv.gz "
                   "(gzip-compressed); .parquet. CSV on stdout when absent. With --engine dask, a "
                   "folder of part files: Parquet if its name ends in .parquet, TSV in .tsv, else CSV.")
@click.option("--column", default=None,
              help="The medication column (default: DESCRIPTION, medication, drug_name, ...).")
@click.option("--id-column", default=None,
              help="A patient id column, to count distinct patients per drug in --summary or --summary-file.")
@click.option("--summary", "show_summary", is_flag=True, help="Print counts by drug and class to stderr.")
@click.option("--summary-file", type=click.Path(path_type=Path), default=None,
              help="Write the counts to this .json or .md file (neither the input nor the output).")
@click.option("--engine", type=click.Choice(["default", "dask"]), default="default", show_default=True,
              help="dask: INPUT may be a folder or a quoted glob of many files, checked in parallel on Dask "
                   "(needs: pip install \"medcheck[dask]\").")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="With --engine dask: the address of a running dask.distributed scheduler (tcp://host:8786). "
                   "Without it, a local cluster of worker processes is started and stopped.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="With --engine dask and no --scheduler: how many local worker processes (default: one per core, "
                   "at most one per file).")
@min_risk_option
@click.option("--context", "context", type=click.Choice(["allergy", "history"]), default=None,
              help="The whole column is an allergy list or a past-medication list (every finding gets this context).")
@drug_list_option
@reports_errors
def batch(
    input_path: Path, output: Path | None, column: str | None, id_column: str | None, show_summary: bool,
    summary_file: Path | None, engine: str, scheduler: str | None, workers: int | None, min_risk: str | None,
    context: str | None, drug_list: Path | None,
) -> None:
    """Check every row of an EHR export (CSV, TSV, .csv.gz, Parquet) and write it back with medcheck_* columns.

    Every input row and column is kept unchanged and in order. Exit codes: 0 nothing flagged,
    1 something flagged, 2 the check could not run.

    With --engine dask, INPUT is a file, a folder or a quoted glob, and -o names a folder: part
    N holds the rows of the N-th input file (sorted by name), in order.

    Examples:

        medcheck batch medications.csv -o flagged.csv --summary

        medcheck batch 'exports/*.csv' --engine dask -o flagged/
    """

    from .batch import run_batch
    from .files import Atomic, check_summary_file, write_text

    if id_column is not None and not show_summary and summary_file is None:
        raise UsageFailure("--id-column counts distinct patients for --summary or --summary-file; add one of them")
    if engine == "dask":
        from .dask_engine import input_paths, require_dask
        from .dask_engine import run_batch as run_dask

        require_dask()
        if output is None:
            raise UsageFailure("--engine dask writes a folder of part files; name it with -o")
        if scheduler is not None and workers is not None:
            raise UsageFailure("--workers starts a local cluster; it cannot go with --scheduler")
        if summary_file is not None:
            check_summary_file(summary_file, input_paths(input_path), output, output_is_folder=True)
        progress = Progress(sys.stderr) if _stderr_is_terminal() else None
        run = functools.partial(
            run_dask, input_path, output, column=column, id_column=id_column, catalog=load_catalog(drug_list),
            scheduler=scheduler, workers=workers, progress=progress, min_risk=min_risk, context=context,
        )
    else:
        if scheduler is not None or workers is not None:
            raise UsageFailure("--scheduler and --workers need --engine dask")
        if input_path.is_dir():
            raise UsageFailure(f"{input_path}: is a folder; give a file, or check a folder with --engine dask")
        if output is not None and output.is_dir():
            raise UsageFailure(f"{output}: is a folder; give a file name with -o (--engine dask writes folders)")
        source = None if str(input_path) == "-" else input_path
        if summary_file is not None:
            check_summary_file(summary_file, [] if source is None else [source], output)
        catalog = load_catalog(drug_list)
        progress = Progress(sys.stderr) if _stderr_is_terminal() else None
        run = functools.partial(
            run_batch, source, output, column=column, id_column=id_column, catalog=catalog,
            stdout=sys.stdout.buffer if output is None else None, progress=progress, min_risk=min_risk,
            context=context,
        )
    # The summary's temporary file is made before the run, so a summary that cannot be written stops it
    # before any output is; it takes the summary file's name only once the summary is written whole.
    with Atomic(summary_file, option="--summary-file") as summary_tmp:
        summary = run()
        if progress is not None:
            progress.done()
        for note in summary.notes:
            click.echo(f"medcheck: {note}", err=True)
        if show_summary and (counts := FORMATTERS["summary"]["text"](summary)):
            click.echo(counts, err=True)  # the headline closes stderr below, once
        if summary_file is not None and summary_tmp is not None:
            text = FORMATTERS["summary"]["markdown" if summary_file.suffix.lower() == ".md" else "json"](summary)
            write_text(summary_tmp, text, summary_file, "--summary-file")
    click.echo(f"medcheck: {summary.headline()}", err=True)
    raise SystemExit(1 if summary.flagged_rows else 0)


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="The port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Anything but this computer's own address lets other computers "
                   "on the network reach the page and the lists pasted into it.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default web browser.")
@drug_list_option
@reports_errors
def serve(port: int, host: str, open_browser: bool, drug_list: Path | None) -> None:
    """Start the local web page: paste a list or upload an export in a browser; nothing leaves the machine.

    Stop it with Ctrl-C. Needs the web extra: pip install "medcheck[web]".

    Example:

        medcheck serve --open
    """
    from .web import LOOPBACK, WebServer

    if host not in LOOPBACK:
        click.echo(f"medcheck: warning: listening on {host}, not on this computer only: anyone who can reach it "
                   "can use the page and see what is checked.", err=True)
    try:
        server = WebServer(host, port, load_catalog(drug_list))
    except OSError as exc:
        raise UsageFailure(f"cannot listen on {host}:{port} ({exc.strerror or exc}); try another --port") from None
    click.echo(f"medcheck: the page is at {server.url} (Ctrl-C stops it)", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()  # returns on Ctrl-C (werkzeug's server takes the KeyboardInterrupt)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    click.echo("medcheck: stopped.", err=True)


class Progress:
    """Rows done and rows per second, redrawn on one stderr line."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.rows = 0
        self.start = time.perf_counter()
        self.width = 0

    def __call__(self, rows: int) -> None:
        if rows < 0:  # the run started again (a file that was not UTF-8 after all): time it afresh
            self.start = time.perf_counter()
        self.rows += rows
        rate = self.rows / max(time.perf_counter() - self.start, 1e-9)
        text = f"{self.rows:,} row{'' if self.rows == 1 else 's'}, {rate:,.0f} rows/s"
        self.stream.write("\r" + text.ljust(self.width))  # spaces cover the end of a longer line before
        self.width = len(text)
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
