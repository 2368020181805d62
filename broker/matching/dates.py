"""Date of birth evidence: to the day, the month or the year, expected, transposed or near."""

from __future__ import annotations

from broker.matching.profile import NO_EVIDENCE, Evidence, Profile


def _precision_rank(precision: str) -> int:
    return {"DAY": 0, "MONTH": 1}.get(precision, 2)


def dob_evidence(a: Profile, b: Profile) -> Evidence:
    if a.born is None or b.born is None:
        return NO_EVIDENCE
    first, second = sorted((a.born, b.born))
    if "EXPECTED" in (a.precision, b.precision):
        apart = (second - first).days
        if apart <= 90:
            return Evidence(15, ("date_of_birth~near",))
        return Evidence(-10 if apart > 366 else 0, ())
    rank = max(_precision_rank(a.precision), _precision_rank(b.precision))
    years = second.year - first.year
    if rank == 2:
        points = {0: 15, 1: 10, 2: 0}.get(years, -15)
        return Evidence(points, {0: ("date_of_birth",), 1: ("date_of_birth~near",)}.get(years, ()))
    if rank == 1:
        months = years * 12 + second.month - first.month
        if months == 0:
            return Evidence(25, ("date_of_birth",))
        near = months == 1 or (years == 1 and first.month == second.month)
        return Evidence(10, ("date_of_birth~near",)) if near else Evidence(-15, ())
    if first == second:
        return Evidence(35, ("date_of_birth",))
    if first.year == second.year and (first.day, first.month) == (second.month, second.day):
        return Evidence(25, ("date_of_birth~transposed",))
    parts = [
        (x, y) for x, y in zip(first.timetuple()[:3], second.timetuple()[:3], strict=True) if x != y
    ]
    one_digit = len(parts) == 1 and _digits_apart(*parts[0]) == 1
    year_out = years == 1 and (first.month, first.day) == (second.month, second.day)
    if one_digit or year_out:
        return Evidence(20, ("date_of_birth~near",))
    return Evidence(-30, ())


def _digits_apart(x: int, y: int) -> int:
    return sum([a != b for a, b in zip(f"{x:04d}", f"{y:04d}", strict=True)])
