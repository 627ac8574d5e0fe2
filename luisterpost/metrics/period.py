"""Periods of local days in the municipality's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """A period of whole local days first_day..last_day, i.e. the instants [start, end)."""

    first_day: date
    last_day: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC (how the database and frames hold times)."""
        return datetime.combine(self.first_day, datetime.min.time(), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), self.tz).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @classmethod
    def month(cls, year: int, month: int, tz: ZoneInfo) -> Period:
        first = date(year, month, 1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(first, following - timedelta(days=1), tz)

    def previous_month(self) -> Period:
        last = self.first_day - timedelta(days=1)
        return Period.month(last.year, last.month, self.tz)

    def previous(self) -> Period:
        """The period of the same length just before this one (for a whole month: the previous month)."""
        if self.is_month:
            return self.previous_month()
        return Period(self.first_day - timedelta(days=self.days), self.first_day - timedelta(days=1), self.tz)

    def year_earlier(self) -> Period:
        """The same days one year earlier (29 February becomes 28 February)."""
        def shift(day: date) -> date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:
                return day.replace(year=day.year - 1, day=28)
        if self.is_month:
            return Period.month(self.first_day.year - 1, self.first_day.month, self.tz)
        return Period(shift(self.first_day), shift(self.last_day), self.tz)

    @property
    def is_month(self) -> bool:
        return self.first_day.day == 1 and (self.last_day + timedelta(days=1)).day == 1 and self.days <= 31

    @property
    def label(self) -> str:
        return f"{self.first_day:%Y-%m}" if self.is_month else f"{self.first_day}..{self.last_day}"


def last_full_month(today: date) -> tuple[int, int]:
    """The (year, month) before the month of `today`."""
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
