"""Writing the export's rows to a file: xlsx and csv for a spreadsheet (Dutch Excel), jsonl and parquet for
analysis tools. A file is written beside its target and then moved there, so an interrupted export never
leaves half a file under the name."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from ..errors import UserError
from ..filemodes import OWNER_ONLY, set_mode

# Texts that start like a formula (=, +, -, @) are run as one by spreadsheet programs: a leading apostrophe
# makes them text (the apostrophe shows in the cell).
FORMULA_START = r"^[=+\-@\t\r]"
EXCEL_CELL_LIMIT = 32_767  # characters in one cell
EXCEL_ROW_LIMIT = 1_048_576  # rows on one sheet, the header included


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
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if frame.height >= EXCEL_ROW_LIMIT:
        raise UserError(f"{path.name.removeprefix('.').removesuffix('.part')}: {frame.height:,} rows do not fit on "
                        f"one Excel sheet ({EXCEL_ROW_LIMIT - 1:,} at most): use csv, jsonl or parquet, or a shorter "
                        "period")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("vermeldingen")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(frame.width)}{frame.height + 1}"

    def text_cell(value: str) -> WriteOnlyCell:
        found = WriteOnlyCell(sheet, value)
        found.data_type = "s"  # what starts with "=" stays text
        return found

    header = []
    for name in frame.columns:
        header.append(WriteOnlyCell(sheet, name))
        header[-1].font = Font(bold=True)
    sheet.append(header)
    texts = [name for name, kind in frame.schema.items() if kind == pl.String]
    # Control characters are not allowed in the file format; one cell holds at most 32,767 characters.
    shown = _spreadsheet(frame).with_columns(
        pl.col(pl.String).str.replace_all(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "").str.slice(0, EXCEL_CELL_LIMIT))
    # Only texts that start with "=" need a cell of their own (openpyxl would store them as formulas).
    formula_like = shown.select(pl.any_horizontal(pl.col(texts).str.starts_with("=").fill_null(False))).to_series()
    for row, careful in zip(shown.iter_rows(), formula_like):
        sheet.append([text_cell(v) if isinstance(v, str) and v.startswith("=") else v for v in row] if careful else row)
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
        # Made empty first: a folder that cannot be written is an OSError naming it here, before a writer is
        # half-way (openpyxl's, left half-way, adds its own errors at exit).
        part.open("wb").close()
        WRITERS[format](frame, part)
        # Rows with post texts: the owner's only, like the database they come from (filemodes.py).
        os.replace(set_mode(part, OWNER_ONLY), path)
    finally:
        part.unlink(missing_ok=True)
    return path
