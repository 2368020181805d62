"""Dates and lists worded as the findings' sentences write them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def spoken(day: date | None) -> str:
    """A date as a sentence writes it: 18 January 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else "an unknown date"


def month(day: date | None) -> str:
    """A month as a sentence writes it: January 2026."""
    return f"{MONTHS[day.month - 1]} {day.year}" if day else "an unknown month"


def listed(items: Sequence[str]) -> str:
    """Items joined as in a sentence: a, b and c."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def upper_first(text: str) -> str:
    """``text`` with its first letter in upper case, the rest as it is."""
    return text[:1].upper() + text[1:]
