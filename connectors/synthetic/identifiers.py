"""Identifiers that are valid but never real, each issued once per partnership.

NHS numbers come from the 999 range reserved for testing and carry a modulus 11 check
digit; UPNs carry the DfE check letter; agency record ids follow each agency's shape.
"""

from __future__ import annotations

import random
from datetime import date

from connectors.synthetic import names
from connectors.synthetic.draws import _chance

#: Ages, on the reference date, of the children schools know (and hold a UPN for).
SCHOOL_AGES = range(4, 17)


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine NHS number digits; None if no number has them."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    return None if check == 10 else check % 11


def is_valid_nhs_number(value: str) -> bool:
    """Whether ``value`` is ten digits with a correct check digit."""
    return len(value) == 10 and value.isdigit() and nhs_check_digit(value[:9]) == int(value[9])


_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_check_letter(last_twelve: str) -> str:
    """The DfE check letter for the twelve digits of a UPN (weights 2 to 13, modulus 23)."""
    total = sum(
        int(digit) * weight for digit, weight in zip(last_twelve, range(2, 14), strict=True)
    )
    return _UPN_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    """Whether ``value`` is a permanent UPN: a correct check letter and twelve digits."""
    return len(value) == 13 and value[1:].isdigit() and value[0] == upn_check_letter(value[1:])


#: Wigan's LA number, and neighbours' for children who started school elsewhere.
_WIGAN_LA = 359
_OTHER_LAS = (350, 342, 352, 355, 888, 877)


class _Registry:
    """Issues each identifier once, so none repeats within a partnership."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._nhs_step = 0
        self._nhs_offset = rng.randrange(1_000_000)
        self._counters = {
            "police": rng.randrange(100_000, 2_000_000),
            "housing": rng.randrange(10_000, 90_000),
            "tenancy": rng.randrange(1_000, 9_000),
            "probation": rng.randrange(100_000, 300_000),
            "social_care": rng.randrange(10_000, 200_000),
        }
        self._upn_serials: dict[tuple[int, int, int], int] = {}

    def nhs_number(self) -> str:
        # A fixed permutation of the 999 range, so numbers look scattered yet never repeat.
        while self._nhs_step < 1_000_000:
            body = f"999{(self._nhs_step * 387_403 + self._nhs_offset) % 1_000_000:06d}"
            self._nhs_step += 1
            check = nhs_check_digit(body)
            if check is not None:
                return f"{body}{check}"
        raise ValueError("the 999 NHS number range is used up: generate fewer families")

    def _next(self, counter: str, most: int) -> int:
        self._counters[counter] += self._rng.randint(1, most)
        return self._counters[counter]

    def police_id(self) -> str:
        return f"GMP-P-{self._next('police', 29):07d}"

    def housing_person(self) -> str:
        return f"WHT-P-{self._next('housing', 9):08d}"

    def tenancy(self) -> str:
        return f"WHT-T-{self._next('tenancy', 5):06d}"

    def crn(self) -> str:
        return f"{self._rng.choice('DEFGH')}{self._next('probation', 9):06d}"

    def social_care_id(self) -> str:
        return f"LCS-{self._next('social_care', 11):07d}"

    def upn(self, born: date, town: str) -> str:
        """A permanent UPN: LA, school of entry, two-digit year of entry, serial."""
        entry_year = born.year + (5 if born.month >= 9 else 4)
        if _chance(self._rng, 0.85):
            la = _WIGAN_LA
            local = [s for s in names.SCHOOLS if s.phase == "primary" and s.town == town]
            school = self._rng.choice(local or [s for s in names.SCHOOLS if s.phase == "primary"])
            establishment = school.establishment
        else:
            la, establishment = self._rng.choice(_OTHER_LAS), self._rng.randrange(2000, 4000)
        while True:
            key = (la, establishment, entry_year % 100)
            serial = self._upn_serials.get(key, 0) + 1
            if serial <= 999:
                break
            establishment = 2000 + (establishment + 1) % 2000
        self._upn_serials[key] = serial
        digits = f"{la:03d}{establishment:04d}{entry_year % 100:02d}{serial:03d}"
        return upn_check_letter(digits) + digits
