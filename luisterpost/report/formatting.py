"""Dutch (or English) number, percentage, duration and date formats, through Babel."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


class Formatter:
    """Formats values for one report language; '–' stands for a value that does not exist."""

    def __init__(self, lang: str = "nl"):
        if lang not in LOCALES:
            raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LOCALES)}")
        self.lang = lang
        self.locale = LOCALES[lang]

    def number(self, value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        return format_decimal(value, format=f"#,##0{'.' + '0' * digits if digits else ''}", locale=self.locale)

    def percent(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        return format_percent(value, format=f"#,##0{'.' + '0' * digits if digits else ''}%", locale=self.locale)

    def minutes(self, value: float | None) -> str:
        """A duration in minutes as '45 min' or '3 u 59 min' ('3 h 59 min' in English)."""
        if value is None:
            return "–"
        total = round(value)
        hours, minutes = divmod(total, 60)
        unit = "u" if self.lang == "nl" else "h"
        if not hours:
            return f"{minutes} min"
        return f"{self.number(hours)} {unit}" + (f" {minutes} min" if minutes else "")

    def day(self, value: date) -> str:
        return format_date(value, format="d MMMM y", locale=self.locale)

    def day_month(self, value: date) -> str:
        """'28 november' / '28 November'."""
        return format_date(value, format="d MMMM", locale=self.locale)

    def short_day(self, value: date) -> str:
        return format_date(value, format="d MMM", locale=self.locale)

    def short_month(self, value: date) -> str:
        """'okt 2025' / 'Oct 2025'."""
        return format_date(value, format="LLL y", locale=self.locale).replace(".", "")

    def month(self, value: date) -> str:
        return format_date(value, format="LLLL y", locale=self.locale)

    def moment(self, value: datetime) -> str:
        return format_datetime(value, format="d MMMM y HH:mm", locale=self.locale)

    def signed(self, value: float | None, digits: int = 2) -> str:
        """'+0,12' / '−0,05' (a real minus sign); '–' for no value."""
        if value is None:
            return "–"
        text = self.number(abs(value), digits)
        return ("−" if value < 0 and text.strip("0,.") else "+") + text

    def relative(self, value: float | None) -> str:
        """A relative change as '+48%' / '−5%'."""
        if value is None:
            return "–"
        text = self.percent(abs(value))
        return ("−" if value < 0 and text.strip("0%  ") else "+") + text  # noqa: B005 - strips a set of characters: anything but zeros?

    def points(self, value: float | None) -> str:
        """A change of a share in percentage points: '+3 pp' / '−5 pp' ('pp' in both languages)."""
        if value is None:
            return "–"
        text = self.number(abs(100 * value))
        return ("−" if value < 0 and text != "0" else "+") + text + " pp"

    def hours(self, value: float) -> str:
        """A number of hours as '4 uur' / '4 hours' (or '½ uur', '30 min' below an hour)."""
        if value < 1:
            return f"{self.number(value * 60)} min"
        unit = ("uur" if self.lang == "nl" else ("hour" if value == 1 else "hours"))
        return f"{self.number(value, 0 if value == int(value) else 1)} {unit}"
