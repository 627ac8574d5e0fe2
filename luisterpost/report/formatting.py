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
        if not hours:
            return f"{minutes} min"
        return f"{self.number(hours)} {'u' if self.lang == 'nl' else 'h'} {minutes} min"

    def day(self, value: date) -> str:
        return format_date(value, format="d MMMM y", locale=self.locale)

    def short_day(self, value: date) -> str:
        return format_date(value, format="d MMM", locale=self.locale)

    def month(self, value: date) -> str:
        return format_date(value, format="LLLL y", locale=self.locale)

    def moment(self, value: datetime) -> str:
        return format_datetime(value, format="d MMMM y HH:mm", locale=self.locale)
