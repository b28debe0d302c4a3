"""Text helpers every renderer shares: spreadsheet-safe cells, terminal styles, wrapped paragraphs."""

from __future__ import annotations

import textwrap

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.

    Applied to what medcheck writes into its own CSV columns; the user's own columns are never touched.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: dict[str, object]) -> dict[str, object]:
    return {k: spreadsheet_safe(v) for k, v in row.items()}


def style(text: str, color: bool, **codes: object) -> str:
    if not color:
        return text
    seq = {"bold": "1", "red": "31", "yellow": "33", "dim": "2"}
    on = ";".join(seq[k] for k, v in codes.items() if v)
    return f"\x1b[{on}m{text}\x1b[0m" if on else text


def wrapped(text: str, indent: str, width: int = 100) -> list[str]:
    """Text wrapped to `width` columns, every line indented (long notes stay readable on a terminal)."""
    return textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_long_words=False, break_on_hyphens=False)


def lines_word(n: int) -> str:
    return f"{n} line" if n == 1 else f"{n} lines"
