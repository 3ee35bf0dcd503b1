"""CSV that is safe to open in a spreadsheet: every CSV the project writes goes through
`csv_writer()`, so a learner's text is never run as a formula (OWASP's CSV injection guidance).

A text cell that starts with = + - @, a tab or a carriage return, or with one of them after
leading whitespace (some spreadsheets trim it on import), gets a single quote in front: the
spreadsheet shows the text, never evaluates it ("=HYPERLINK(...)" in a note, "=cmd|' /C calc'!A0"
as a company). Every cell is also quoted, so a comma or semicolon inside one cannot start a new
cell in a spreadsheet that splits on either.

Numbers stored as numbers (int, Decimal, float) are written as they are, so -3.5 stays a number;
text that looks like a number ("-5" typed in a note) is text and gets the quote, as OWASP says.
The JSON export keeps every value exact: this is for CSV only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value: Any) -> str:
    """`value` as a CSV cell a spreadsheet reads as text: numbers unchanged, text that could
    start a formula behind a single quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class SafeCSVWriter:
    """csv.writer's writerow/writerows, with every cell through `csv_safe_cell` and quoted."""

    def __init__(self, file) -> None:
        self._writer = csv.writer(file, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file) -> SafeCSVWriter:
    """The project's one way to write CSV (use it instead of csv.writer)."""
    return SafeCSVWriter(file)
