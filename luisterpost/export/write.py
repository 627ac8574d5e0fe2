"""Writing the export's rows to a file: xlsx and csv for a spreadsheet (Dutch Excel), jsonl and parquet for
analysis tools. A file is written beside its target and then moved there, so an interrupted export never
leaves half a file under the name."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

# Texts that start like a formula (=, +, -, @) are run as one by spreadsheet programs: a leading apostrophe
# makes them text (the apostrophe shows in the cell).
FORMULA_START = r"^[=+\-@\t\r]"
EXCEL_CELL_LIMIT = 32_767  # characters in one cell


def _spreadsheet(frame: pl.DataFrame) -> pl.DataFrame:
    """Values as a spreadsheet holds them: local times without a zone, lists as "a, b"."""
    return frame.with_columns(
        pl.col(pl.Datetime).dt.replace_time_zone(None),
        pl.col(pl.List(pl.String)).list.join(", "),
    )


def _csv(frame: pl.DataFrame, path: Path) -> None:
    """';'-separated UTF-8 with a BOM and decimal commas: what Dutch Excel opens as columns of numbers.
    Yes/no as ja/nee, times as 2026-10-05 14:03:00."""
    text_columns = [name for name, kind in frame.schema.items() if kind == pl.String]
    shown = _spreadsheet(frame).with_columns(
        pl.col(pl.Boolean).replace_strict({True: "ja", False: "nee"}, return_dtype=pl.String),
        *[pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
          for c in text_columns],
    )
    shown.write_csv(path, separator=";", include_bom=True, decimal_comma=True, float_precision=3,
                    datetime_format="%Y-%m-%d %H:%M:%S")


def _xlsx(frame: pl.DataFrame, path: Path) -> None:
    """One sheet, the header row frozen and filterable; every text a text cell (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("vermeldingen")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(frame.width)}{frame.height + 1}"
    bold = Font(bold=True)

    def cell(value: object) -> WriteOnlyCell:
        if isinstance(value, str):
            # Control characters are not allowed in the file format; one cell holds at most 32,767 characters.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_CELL_LIMIT]
        found = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            found.data_type = "s"  # a text that starts with "=" stays text
        return found

    def header(name: str) -> WriteOnlyCell:
        found = WriteOnlyCell(sheet, name)
        found.font = bold
        return found

    sheet.append([header(name) for name in frame.columns])
    for row in _spreadsheet(frame).iter_rows():
        sheet.append([cell(value) for value in row])
    book.save(path)


WRITERS = {
    "xlsx": _xlsx,
    "csv": _csv,
    "jsonl": lambda frame, path: frame.write_ndjson(path),
    "parquet": lambda frame, path: frame.write_parquet(path),
}


def write_export(frame: pl.DataFrame, path: Path, format: str) -> Path:
    """Write `frame` to `path` as `format` (xlsx, csv, jsonl or parquet); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.part")
    try:
        WRITERS[format](frame, part)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    return path
