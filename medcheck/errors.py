"""Exceptions raised by medcheck; the CLI turns each into a one-line message and exit code 2."""

from __future__ import annotations


class MedcheckError(Exception):
    """Base class for every error medcheck reports to a user."""


class CatalogError(MedcheckError):
    """A drug list or generated name file is missing, malformed or inconsistent."""

    def __init__(self, path: object, problem: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class InputError(MedcheckError):
    """An input file or argument cannot be read as a medication list or export."""
