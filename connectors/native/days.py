"""Calendar days: how each export writes them, and ages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DayFormat:
    """How an export writes a calendar day: its name in errors, its shape and its reading."""

    label: str
    shape: re.Pattern[str]
    convert: Callable[[str], date]

    def read(self, value: str) -> date:
        """The day ``value`` writes; ValueError if it writes none."""
        if not self.shape.fullmatch(value):
            raise ValueError(value)
        return self.convert(value)


def _day_month_year(value: str) -> date:
    day, month, year = value.split("/")
    return date(int(year), int(month), int(day))


def _strptime_day(value: str) -> date:
    return datetime.strptime(value, "%d/%m/%Y").date()


ISO_DAY = DayFormat("YYYY-MM-DD", re.compile(r"\d{4}-\d{2}-\d{2}"), date.fromisoformat)
#: Any ten characters ``date.fromisoformat`` reads, so an ISO week day (2020-W01-1) too.
ISO_DAY_LOOSE = DayFormat("YYYY-MM-DD", re.compile(r".{10}", re.DOTALL), date.fromisoformat)
UK_DAY = DayFormat("DD/MM/YYYY", re.compile(r"\d{2}/\d{2}/\d{4}"), _strptime_day)
#: Read by ``int``, which also takes a sign or a space for a digit (+1/02/2020).
UK_DAY_LOOSE = DayFormat("DD/MM/YYYY", re.compile(r"[^/]{2}/[^/]{2}/[^/]{4}"), _day_month_year)


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
