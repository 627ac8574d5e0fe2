"""The analyst export: the rows behind a report's figures, one per mention, in xlsx, csv, jsonl or parquet."""

from .rows import COLUMNS, export_rows, mention_rows
from .write import write_export

__all__ = ["COLUMNS", "export_rows", "mention_rows", "write_export"]
