"""Run the command line interface as `python -m medcheck`."""

from .cli import cli

cli(prog_name="medcheck")
