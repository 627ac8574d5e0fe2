"""What a user may ask a report, the metrics or an export for, checked once for the command line and every flow:
platform, theme, woonkern, post language, report kind and language, output formats and the period.

Each check returns the canonical value (the platform as stored, the theme and woonkern as the config spells
them) or raises UserError naming the option, the value and what is allowed. `flag` is how the caller names its
options: "--" on the command line, "" for flow parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import duckdb

from .config import Config
from .errors import UserError
from .handles import PLATFORMS, platform_name
from .metrics.compute import Filters
from .metrics.period import Period, last_full_month
from .sql import query

REPORT_KINDS = ("monthly", "alderman")  # reports on a period of days (report.render)
# The command line also writes the crisis brief on a window of hours (report.crisis).
COMMAND_REPORT_KINDS = (*REPORT_KINDS, "crisis")
CRISIS_MAX_DAYS = 14  # a crisis brief covers hours to days; longer is what the monthly report is for
REPORT_LANGUAGES = ("nl", "en")
REPORT_FORMATS = ("html", "pdf")
EXPORT_FORMATS = ("xlsx", "csv", "jsonl", "parquet")
KNOWN_PLATFORMS = tuple(sorted(set(PLATFORMS.values())))


def _one_of(flag: str, name: str, value: str, allowed: Iterable[str], what: str) -> str:
    """The entry of `allowed` that equals `value` ignoring case and surrounding spaces."""
    allowed = list(allowed)
    by_key = {a.casefold(): a for a in allowed}
    found = by_key.get(value.strip().casefold())
    if found is None:
        raise UserError(f"{flag}{name} {value!r}: {what} (known: {', '.join(allowed) or 'none'})")
    return found


def platform(value: str | None, stored: Iterable[str] = (), flag: str = "--") -> str | None:
    """The platform as mentions store it ("Mastodon" → "mastodon", "X" → "twitter"), for a platform this
    program knows or one found in `stored` (platforms the database holds, e.g. from an imported file)."""
    if not value:
        return None
    known = sorted({*KNOWN_PLATFORMS, *stored})
    name = platform_name(value)
    if name not in known:
        raise UserError(f"{flag}platform {value!r}: not a known platform (known: {', '.join(known)})")
    return name


def theme(config: Config, value: str | None, flag: str = "--") -> str | None:
    """The portfolio as the config names it (any case)."""
    return _one_of(flag, "theme", value, config.terms.portfolios, "not a portfolio in the config") if value else None


def woonkern(config: Config, value: str | None, flag: str = "--") -> str | None:
    """The woonkern as the config names it (any case)."""
    return _one_of(flag, "woonkern", value, config.terms.woonkernen, "not a woonkern in the config") if value else None


def language(value: str | None, flag: str = "--") -> str | None:
    """A post language: an ISO 639 code in lower case ("NL" → "nl"; "und" for posts without one)."""
    if not value:
        return None
    code = value.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise UserError(f"{flag}language {value!r}: not a language code like nl or en")
    return code


def filters(config: Config, platform_value: str | None = None, theme_value: str | None = None,
            woonkern_value: str | None = None, language_value: str | None = None, *,
            stored_platforms: Iterable[str] = (), flag: str = "--") -> Filters:
    """Checked filters with their canonical values (see the functions above)."""
    return Filters(platform(platform_value, stored_platforms, flag), theme(config, theme_value, flag),
                   woonkern(config, woonkern_value, flag), language(language_value, flag))


def kind(value: str, flag: str = "--", allowed: Iterable[str] = REPORT_KINDS) -> str:
    """A report kind among `allowed`: monthly (management), alderman (one portfolio), and where the caller
    writes it, crisis (a window of hours: COMMAND_REPORT_KINDS)."""
    return _one_of(flag, "kind", value, allowed, "not a report kind")


def report_language(value: str, flag: str = "--") -> str:
    """The language a report is written in: nl or en."""
    return _one_of(flag, "lang", value, REPORT_LANGUAGES, "not a report language")


def formats(value: str | Iterable[str], flag: str = "--") -> tuple[str, ...]:
    """The report formats asked for ("pdf,html" or a list of them), without repeats."""
    given = value.split(",") if isinstance(value, str) else list(value)
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in given if f.strip()))
    if not wanted or set(wanted) - set(REPORT_FORMATS):
        shown = value if isinstance(value, str) else ",".join(given)
        raise UserError(f"{flag}format {shown!r}: use html, pdf or both (html,pdf)")
    return wanted


def export_format(value: str, flag: str = "--") -> str:
    """One export format: xlsx, csv, jsonl or parquet."""
    return _one_of(flag, "format", value, EXPORT_FORMATS, "not an export format")


def day(value: str, name: str, flag: str = "--") -> date:
    """A day written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        hint = " (hours only for --kind crisis)" if _WITH_HOUR.fullmatch(value.strip()) else ""
        raise UserError(f"{flag}{name} {value!r}: not a date like 2026-10-01{hint}") from None


_WITH_HOUR = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}(:\d{2})?")


def moment(config: Config, value: str, name: str, flag: str = "--", *, end: bool = False) -> datetime:
    """A local moment in the municipality's time zone, written 2026-10-08T06:00 (or with a space, or the hour
    alone: 2026-10-08T06); a day alone is its start, or for the window's `end` the start of the next day (so
    --to 2026-10-09 takes in all of 9 October)."""
    text = value.strip()
    if _WITH_HOUR.fullmatch(text):
        written = text.replace(" ", "T")
        if ":" not in written:
            written += ":00"
        try:
            local = datetime.fromisoformat(written)
        except ValueError:
            raise UserError(f"{flag}{name} {value!r}: not a moment like 2026-10-08T06:00 (hours 00–23)") from None
    else:
        try:
            local = datetime.combine(date.fromisoformat(text) + timedelta(days=1 if end else 0), time())
        except ValueError:
            raise UserError(f"{flag}{name} {value!r}: not a moment like 2026-10-08T06:00 or a date like "
                            "2026-10-08") from None
    # fold=0: an hour that occurs twice when the clocks go back is taken the first time.
    return local.replace(tzinfo=config.municipality.tz)


def crisis_window(config: Config, from_value: str | None, to_value: str | None,
                  flag: str = "--") -> tuple[datetime, datetime]:
    """The crisis brief's window [start, end) in UTC, from local moments (`moment`): both given, the end after
    the start, at most CRISIS_MAX_DAYS long."""
    names = (f"{flag}from", f"{flag}to")
    if not (from_value and to_value):
        raise UserError(f"a crisis brief needs {names[0]} and {names[1]}, e.g. {names[0]} 2026-10-08T06:00 "
                        f"{names[1]} 2026-10-09T12:00 (local time)")
    start = moment(config, from_value, "from", flag).astimezone(UTC)
    end = moment(config, to_value, "to", flag, end=True).astimezone(UTC)
    if end <= start:
        raise UserError(f"{names[1]} {to_value} is not after {names[0]} {from_value}")
    if end - start > timedelta(days=CRISIS_MAX_DAYS):
        raise UserError(f"{names[0]} {from_value} {names[1]} {to_value}: {(end - start).days} days; a crisis brief "
                        f"covers at most {CRISIS_MAX_DAYS} days (use --kind monthly for longer periods)")
    return start, end


def month(value: str, flag: str = "--") -> tuple[int, int]:
    """(year, month) of a month written YYYY-MM."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value.strip()):
        raise UserError(f"{flag}month {value!r}: not a month like 2026-10")
    year, number = value.strip().split("-")
    return int(year), int(number)


def period(config: Config, today: date, month_value: str | None = None, from_day: str | None = None,
           to_day: str | None = None, flag: str = "--") -> Period:
    """The period asked for, in the municipality's time zone: from_day..to_day (both needed, in order), else
    the month, else the last full month before `today`."""
    tz = config.municipality.tz
    names = (f"{flag}from", f"{flag}to", f"{flag}month")
    if from_day or to_day:
        if month_value:
            raise UserError(f"give either {names[2]} or {names[0]}/{names[1]}, not both")
        if not (from_day and to_day):
            raise UserError(f"give both {names[0]} and {names[1]}")
        first, last = day(from_day, "from", flag), day(to_day, "to", flag)
        if last < first:
            raise UserError(f"{names[1]} {to_day} is before {names[0]} {from_day}")
        return Period(first, last, tz)
    year, number = month(month_value, flag) if month_value else last_full_month(today)
    return Period.month(year, number, tz)


def stored_platforms(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The platforms the database holds mentions of (an imported file may bring platforms of its own)."""
    return [name for (name,) in con.execute(query("report/stored_platforms")).fetchall()]
