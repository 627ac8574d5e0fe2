"""Exports from other listening and webcare tools, dropped in a folder: Coosto and Spotler Engage (OBI4wan)
CSV/XLSX exports, and an X (Twitter) archive. Each file is read once for its content and the source's mapping
(watermark: the file's SHA-256 and a digest of the mapping), so changing either reads it again.

Column names differ per tool and per export setting: the defaults below are what those exports call them;
`columns` in the [[sources]] table overrides any of them (docs/sources.md)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ..handles import platform_name
from ..strict import Strict
from .base import Batch, Query, RawItem, SourceBase, SourceContext
from .dropfolder import file_digest, folder_files


class ExportSettings(Strict):
    kind: Literal["export"]
    name: str | None = None
    format: Literal["coosto", "spotler", "x-archive"]
    path: str  # a folder: each new or changed export file in it is read once
    # Mentions field → the export's column, to override the defaults (docs/sources.md lists them).
    columns: dict[str, str] = {}
    date_format: str | None = None  # strptime format of the date column; default: ISO and d-m-yyyy H:MM
    timezone: str | None = None  # zone of dates without one; default: the municipality's
    platform: str | None = None  # platform of every row, when the export has no column saying it

    @property
    def source_name(self) -> str:
        return self.name or f"{self.format}:{self.path}"

# Mentions field → the column the export names it (matched without regard to case or surrounding spaces).
# The reply and conversation columns tie the municipality's answers to what they answer (webcare response);
# neither tool documents its export columns publicly, so these are assumed names (docs/sources.md).
DEFAULT_COLUMNS: dict[str, dict[str, str]] = {
    "coosto": {
        "id": "id", "created_at": "date", "author_handle": "author", "text": "message", "url": "url",
        "platform": "source", "author_followers": "followers", "lang": "language",
        "in_reply_to_id": "in reply to", "conversation_id": "conversation id",
    },
    "spotler": {
        "id": "bericht id", "created_at": "datum", "author_handle": "afzender", "text": "bericht", "url": "link",
        "platform": "kanaal", "in_reply_to_id": "reactie op", "author_name": "naam", "conversation_id": "gesprek id",
    },
}
REQUIRED = ("created_at", "author_handle", "text")
DATE_FORMATS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M", "%d-%m-%Y", "%Y-%m-%d")
X_DATE = "%a %b %d %H:%M:%S %z %Y"  # as X archives write created_at


def parse_date(value: Any, tz: ZoneInfo, date_format: str | None = None) -> str:
    """An export's date as ISO-8601 with a zone; dates without one are in `tz`. ValueError names the value."""
    if isinstance(value, datetime):
        when = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError("the date is empty")
        when = None
        formats = (date_format,) if date_format else DATE_FORMATS
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00")) if not date_format else None
        except ValueError:
            pass
        for fmt in formats if when is None else ():
            try:
                when = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if when is None:
            expected = f"date_format {date_format!r}" if date_format else "a known date format"
            raise ValueError(f"date {text!r} does not match {expected}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.isoformat()


class ExportSource(SourceBase):
    """Reads export files from a folder: each file a query, read as a batch when new or changed."""

    def __init__(self, settings: ExportSettings, ctx: SourceContext):
        self.name = settings.source_name
        self.settings = settings
        self.folder = ctx.config.resolve(settings.path) if ctx.config else Path(settings.path)
        tz = ctx.config.municipality.tz if ctx.config else ZoneInfo("Europe/Amsterdam")
        self.tz = ZoneInfo(settings.timezone) if settings.timezone else tz
        columns = {**DEFAULT_COLUMNS.get(settings.format, {}), **settings.columns}
        self.columns = {k: v.strip().lower() for k, v in columns.items()}
        self.mapping = self._mapping_digest()

    def open(self, watermarks: Mapping[str, str]) -> list[Query]:
        suffixes = {".zip", ".js"} if self.settings.format == "x-archive" else {".csv", ".xlsx"}
        return [Query(path.name, path.name, lambda watermark, path=path: self._file(path, watermark))
                for path in folder_files(self.folder, suffixes)]

    def _file(self, path: Path, watermark: str | None) -> Iterator[Batch]:
        current = f"{file_digest(path)}+{self.mapping}"
        if watermark == current:
            return
        try:
            items, problems = self._read(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            items, problems = [], [f"{path.name}: cannot be read: {exc}"]
        # A file rejected as a whole gave nothing to keep: left unmarked, it is read and reported again on
        # every run until the file or the mapping is fixed.
        yield Batch(path.name, items, current if items or not problems else None, problems)

    def _mapping_digest(self) -> str:
        """A short digest of everything that decides how a file's rows become mentions: the format, the columns
        (defaults included, so new defaults apply to files read before), date format, time zone and platform."""
        mapping = {"format": self.settings.format, "columns": sorted(self.columns.items()),
                   "date_format": self.settings.date_format, "timezone": self.tz.key, "platform": self.settings.platform}
        return hashlib.sha256(json.dumps(mapping).encode()).hexdigest()[:16]

    # --- CSV and XLSX -----------------------------------------------------------------------------------------

    def _read(self, path: Path) -> tuple[list[RawItem], list[str]]:
        if self.settings.format == "x-archive":
            return self._read_x(path)
        rows = self._rows_xlsx(path) if path.suffix.lower() == ".xlsx" else self._rows_csv(path)
        header = next(rows, None)
        if header is None:
            return [], [f"{path.name}: the file is empty"]
        index = {str(name or "").strip().lower(): i for i, name in enumerate(header)}
        missing = [f"{field} (column {self.columns.get(field, '?')!r})" for field in REQUIRED
                   if self.columns.get(field) not in index]
        if missing:
            return [], [f"{path.name}:1: missing column(s) {', '.join(missing)}; the header has "
                        f"{', '.join(repr(str(h)) for h in header)}; map them with columns = {{ field = \"column\" }}"]
        items: list[RawItem] = []
        problems: list[str] = []
        for line, row in enumerate(rows, start=2):
            if not any(cell not in (None, "") for cell in row):
                continue
            record = {str(header[i]).strip(): _cell(v) for i, v in enumerate(row) if i < len(header)}
            ref = f"{path.name}:{line}"
            key = self._value(record, "id") or self._value(record, "url")
            if not key:
                # No id in the export: the post's own words and time identify it.
                text = f"{self._value(record, 'author_handle')}|{self._value(record, 'created_at')}|{self._value(record, 'text')}"
                key = "x" + hashlib.sha256(text.encode()).hexdigest()[:24]
            platform = self._platform(record)
            items.append(RawItem(platform, str(key), record, ref))
        return items, problems

    def _rows_csv(self, path: Path) -> Iterator[list[Any]]:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if not raw.startswith(b"\xff\xfe") else raw.decode("utf-16")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(io.StringIO(text, newline=""), dialect)

    @staticmethod
    def _rows_xlsx(path: Path) -> Iterator[list[Any]]:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            for row in book.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            book.close()

    def _value(self, record: Mapping[str, Any], field: str) -> Any:
        column = self.columns.get(field)
        if column is None:
            return None
        for name, value in record.items():
            if name.strip().lower() == column:
                return None if value == "" else value
        return None

    def _platform(self, record: Mapping[str, Any]) -> str:
        # The configured platform is named as freely as the column: both are translated the same way.
        return platform_name(self.settings.platform or str(self._value(record, "platform") or ""))

    def _number(self, record: Mapping[str, Any], field: str) -> Any:
        value = self._value(record, field)
        if isinstance(value, str):
            value = value.replace(".", "").replace(" ", "") if re.fullmatch(r"\d{1,3}(\.\d{3})+", value) else value
        return value

    # --- X archive --------------------------------------------------------------------------------------------

    def _read_x(self, path: Path) -> tuple[list[RawItem], list[str]]:
        handle = None
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                account = next((n for n in names if n.endswith("data/account.js")), None)
                if account:
                    handle = _x_account(archive.read(account).decode("utf-8"))
                parts = [n for n in names if re.search(r"data/tweets?(-part\d+)?\.js$", n)]
                if not parts:
                    return [], [f"{path.name}: no data/tweets.js in the archive (is it an X archive?)"]
                texts = [(f"{path.name}:{n}", archive.read(n).decode("utf-8")) for n in parts]
        else:
            texts = [(path.name, path.read_text(encoding="utf-8"))]
        items: list[RawItem] = []
        problems: list[str] = []
        for ref, text in texts:
            try:
                records = json.loads(text[text.index("=") + 1:] if text.lstrip().startswith("window.") else text)
            except (ValueError, json.JSONDecodeError) as exc:
                problems.append(f"{ref}: not an X archive file ({exc.__class__.__name__})")
                continue
            for number, record in enumerate(records, start=1):
                tweet = record.get("tweet", record) if isinstance(record, dict) else None
                if not isinstance(tweet, dict) or not tweet.get("id_str"):
                    problems.append(f"{ref}: item {number} has no tweet.id_str")
                    continue
                payload = {**tweet, "_account": handle} if handle else tweet
                items.append(RawItem("twitter", tweet["id_str"], payload, f"{ref} tweet {tweet['id_str']}"))
        return items, problems

    def normalise(self, item: RawItem) -> dict[str, Any]:
        """An export row or archived tweet as a mention (Mentions JSONL v1)."""
        record = item.payload
        if self.settings.format == "x-archive":
            return {
                "platform": "twitter", "id": record["id_str"],
                "created_at": datetime.strptime(record["created_at"], X_DATE).isoformat(),
                "author_handle": record.get("_account") or self.settings.columns.get("author_handle") or "eigen-account",
                "text": record.get("full_text") or record["text"],
                "in_reply_to_id": record.get("in_reply_to_status_id_str"), "lang": record.get("lang"),
                "likes": record.get("favorite_count"), "reposts": record.get("retweet_count"),
                "url": f"https://x.com/i/web/status/{record['id_str']}",
            }
        mention = {field: self._value(record, field) for field in self.columns}
        mention.update({
            "platform": item.platform, "id": item.id,
            "created_at": parse_date(self._value(record, "created_at"), self.tz, self.settings.date_format),
            "text": str(mention.get("text") or ""),
            "author_followers": self._number(record, "author_followers"),
        })
        return mention


def _cell(value: Any) -> Any:
    # Spreadsheet cells come typed; JSON keeps text, numbers and ISO dates.
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _x_account(text: str) -> str | None:
    try:
        data = json.loads(text[text.index("=") + 1:])
        return data[0]["account"]["username"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
