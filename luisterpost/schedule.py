"""Weekly office-hours schedules such as ``"mon-fri 08:30-17:00"`` or ``"24/7"``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    # Dutch abbreviations, so a Dutch config reads naturally.
    "ma": 0, "di": 1, "wo": 2, "do": 3, "vr": 4, "za": 5, "zo": 6,
}
_ENTRY = re.compile(
    r"^(?P<days>[a-z]{2,3}(?:-[a-z]{2,3})?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


@dataclass(frozen=True)
class WeeklySchedule:
    """Opening intervals per weekday (0 = Monday), in minutes after local midnight, end exclusive."""

    intervals: tuple[tuple[tuple[int, int], ...], ...]
    text: str

    def is_open(self, weekday: int, minute_of_day: int) -> bool:
        """Return whether the schedule is open at that weekday and minute (local time)."""
        return any(start <= minute_of_day < end for start, end in self.intervals[weekday])


def _minutes(text: str, entry: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} in {entry!r} is not a time of day")
    return hours * 60 + minutes


def parse_schedule(text: str) -> WeeklySchedule:
    """Parse ``"mon-fri 08:30-17:00; sat 10:00-12:00"`` (or ``"24/7"``) into a schedule.

    Raises ValueError with a message that names the part that could not be read.
    """
    cleaned = text.strip().lower()
    if cleaned in {"24/7", "always"}:
        return WeeklySchedule(tuple(((0, 1440),) for _ in range(7)), text)
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    entries = [part.strip() for part in re.split(r"[;,]", cleaned) if part.strip()]
    if not entries:
        raise ValueError('is empty; write e.g. "mon-fri 08:30-17:00" or "24/7"')
    for entry in entries:
        match = _ENTRY.match(entry)
        if not match:
            raise ValueError(
                f'cannot read {entry!r}; write days and hours like "mon-fri 08:30-17:00" or "24/7"'
            )
        first, _, last = match["days"].partition("-")
        for name in (first, last or first):
            if name not in _DAYS:
                raise ValueError(f"unknown day {name!r} in {entry!r} (use mon..sun or ma..zo)")
        start, end = _minutes(match["start"], entry), _minutes(match["end"], entry)
        if end <= start:
            raise ValueError(f"closing time is not after opening time in {entry!r}")
        day, stop = _DAYS[first], _DAYS[last or first]
        while True:
            days[day].append((start, end))
            if day == stop:
                break
            day = (day + 1) % 7
    return WeeklySchedule(tuple(tuple(sorted(d)) for d in days), text)


class BusinessCalendar:
    """Office hours in a time zone, minus public holidays and extra closed dates."""

    def __init__(self, schedule: WeeklySchedule, tz: ZoneInfo, closed: Callable[[date], bool]):
        self.schedule = schedule
        self.tz = tz
        self._closed = closed

    def is_open(self, moment: datetime) -> bool:
        """Return whether the office is open at `moment` (an aware datetime)."""
        local = moment.astimezone(self.tz)
        if self._closed(local.date()):
            return False
        return self.schedule.is_open(local.weekday(), local.hour * 60 + local.minute)

    def next_opening(self, moment: datetime) -> datetime:
        """Return `moment` if the office is open then, else the next moment it opens (aware, local zone)."""
        local = moment.astimezone(self.tz)
        if self.is_open(local):
            return local
        day = local.date()
        for _ in range(400):  # a year of closed days would be a broken calendar, not a real one
            if not self._closed(day):
                for start, _end in self.schedule.intervals[day.weekday()]:
                    opening = datetime.combine(day, time(0), self.tz) + timedelta(minutes=start)
                    # Re-localise: adding minutes across a DST change must land on wall-clock time.
                    opening = opening.replace(tzinfo=None).replace(tzinfo=self.tz)
                    if opening > local:
                        return opening
            day += timedelta(days=1)
        raise ValueError("the office-hours calendar never opens")


def business_calendar(schedule: WeeklySchedule, tz: ZoneInfo, country: str | None, closed: list[date]) -> BusinessCalendar:
    """Build the calendar for `schedule` in `tz`, closed on `country`'s public holidays and on `closed` dates."""
    extra = set(closed)
    if country:
        import holidays

        public = holidays.country_holidays(country)
        return BusinessCalendar(schedule, tz, lambda day: day in extra or day in public)
    return BusinessCalendar(schedule, tz, lambda day: day in extra)


def open_intervals(calendar: BusinessCalendar, first_day: date, last_day: date) -> list[tuple[datetime, datetime]]:
    """Return the calendar's opening intervals [open, close) on local days first_day..last_day, in UTC.

    Wall-clock times are taken in the local zone on each day, so a DST change moves them correctly."""
    intervals: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        if not calendar._closed(day):
            for start, end in calendar.schedule.intervals[day.weekday()]:
                intervals.append((_local(day, start, calendar.tz), _local(day, end, calendar.tz)))
        day += timedelta(days=1)
    # Touching intervals (24/7, or "08:00-12:00; 12:00-17:00") are merged into one.
    merged: list[tuple[datetime, datetime]] = []
    for start, end in intervals:
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of `minute` after local midnight on `day` (1440 is the next midnight)."""
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    return datetime.combine(day, time(minute // 60, minute % 60), tz).astimezone(UTC)
