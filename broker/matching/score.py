"""The score for two identities: evidence added up as points, with identifiers first.

``compare`` is symmetric and deterministic: it adds up integer points for each kind of
evidence, so ``compare(a, b) == compare(b, a)`` exactly, and confidence is points / 100.

Identifiers come first. Within a person-level scheme (every scheme but
HOUSING_TENANCY_REFERENCE, which names a tenancy several household members share, and
OTHER, whose issuer is not known here), values are normalised (NHS number: digits only;
others: upper case, no spaces) and then:

* the same value is decisive: confidence 1.0;
* a different value in the same scheme is strong evidence against: confidence is capped
  at 0.30, except that when every conflicting pair is one keystroke apart (one character
  changed, added, dropped or two neighbours swapped) and everything else scores at least
  ``MATCHED_AT``, it is capped at ``POSSIBLE_AT`` instead: probably a mistyped id, for a
  person to check;
* one scheme agreeing while another conflicts is held between ``POSSIBLE_AT`` and just
  below ``MATCHED_AT``: contradictory records are for a person to check.

Otherwise the points below are added, the total clamped to 0..99 (only an identifier
gives 1.0). Names score the best (given, family) pair of the two identities.

============================  ======  ==================================================
evidence                      points  notes
============================  ======  ==================================================
family_name                       30  accents, case and punctuation ignored
family_name~hyphenated            24  a part in common: Smith-Jones and Jones
family_name~fuzzy              18-25  Jaro-Winkler >= 0.85, the same phonetic key, or a
                                      transliteration line of nicknames.txt: Chen, Chan
(family names differ)            -15  marriage and step-families change surnames
given_name                        25  first given name against any of the other's
given_name~nickname               21  on one line of nicknames.txt: Bill, William
given_name~transliteration     20-21  a transliteration line, or the same phonetic key
given_name~fuzzy               15-21  Jaro-Winkler >= 0.85; never two known names
given_name~fuzzy + ~nickname   13-18  a typo of a nickname's variant: Wiliam, Bill
(given names differ)             -25  an initial that fits is neither for nor against
names~swapped                  36-45  replaces the two above: given and family swapped
date_of_birth                     35  both known to the day
date_of_birth~transposed          25  day and month swapped
date_of_birth~near                20  one digit wrong, or the year one out
(dates of birth differ)          -30
date_of_birth (to the month)      25  either known only to the month; near (a month
                                      or a year out) 10, otherwise -15
date_of_birth (to the year)       15  YEAR, APPROXIMATE or UNKNOWN: a year out is near,
                                      10; three or more out, -15
date_of_birth~near (unborn)       15  EXPECTED: within 90 days; over a year out, -10
postcode                          15  any postcode in common
postcode~district                  3  only an outward code in common
HOUSING_TENANCY_REFERENCE         10  or OTHER: a household-level reference in common
gender                             1  both known and equal; known and different, -10
============================  ======  ==================================================

Why these numbers: full name and date of birth make 90, a match; a nickname or a typo
needs the postcode as well. A household shares surname (30) and postcode (15): siblings
lose on given name and date of birth, twins (30 + 35 + 15 + 1 = 81) lose 25 on the given
name and stay below ``POSSIBLE_AT``, a junior and senior of the same name lose 30 on the
date of birth (41). Without a date of birth, an identifier or a full postcode, the most
is 30 + 25 + 3 + 1 = 59, below ``POSSIBLE_AT``: ``PersonIndex`` relies on that.

"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from broker.identity import Identity
from broker.matching.dates import dob_evidence
from broker.matching.names import (
    NEUTRAL,
    family_likeness,
    given_likeness,
    given_token_likeness,
    one_keystroke_apart,
)
from broker.matching.profile import NO_EVIDENCE, Evidence, Name, Profile, build_profile

MATCHED_AT = 0.9
POSSIBLE_AT = 0.6

_FAMILY, _FAMILY_DIFFERS, _GIVEN, _GIVEN_DIFFERS, _SWAPPED = 30, -15, 25, -25, 45
_POSTCODE, _DISTRICT, _SHARED_REFERENCE = 15, 3, 10
_GENDER_AGREES, _GENDER_DIFFERS = 1, -10
_MOST_WITHOUT_IDENTIFIER, _CONFLICT_CAP = 99, 30


@dataclass(frozen=True)
class MatchResult:
    """How sure ``compare`` is that two identities are one person, and why.

    Attributes:
        confidence: 0.0 to 1.0; ``MATCHED_AT`` and above is a match, ``POSSIBLE_AT`` and
            above a possible match.
        matched_fields: the evidence for the match, sorted: identifier schemes and
            field names such as ``family_name~fuzzy`` (see the module docstring).
    """

    confidence: float
    matched_fields: tuple[str, ...]


def _pair_evidence(x: Name, y: Name) -> Evidence:
    """Symmetric: one name of each identity, as recorded and with given and family swapped."""
    if x > y:
        x, y = y, x
    return _ordered_pair_evidence(x, y)


@functools.lru_cache(maxsize=1 << 16)
def _ordered_pair_evidence(x: Name, y: Name) -> Evidence:
    given = given_likeness(x.given, y.given)
    family = family_likeness(*sorted((x.family, y.family))) if x.family and y.family else NEUTRAL
    points = _GIVEN_DIFFERS if given is None else round(_GIVEN * given.fraction)
    points += _FAMILY_DIFFERS if family is None else round(_FAMILY * family.fraction)
    fields = (given.fields if given else ()) + (family.fields if family else ())
    recorded = Evidence(points, tuple(sorted(fields)))
    # Swapped names score at most _SWAPPED: no need to look when already past it.
    if recorded.points >= _SWAPPED or not (x.given and x.family and y.given and y.family):
        return recorded
    one = given_token_likeness(x.given[0], "".join(y.family))
    other = given_token_likeness("".join(x.family), y.given[0])
    if one and other and one.fraction and other.fraction:
        swapped = Evidence(
            round(_SWAPPED * (one.fraction + other.fraction) / 2), ("names~swapped",)
        )
        return max(recorded, swapped)
    return recorded


def _names_evidence(a: Profile, b: Profile) -> Evidence:
    return max((_pair_evidence(x, y) for x in a.names for y in b.names), default=NO_EVIDENCE)


def _place_evidence(a: Profile, b: Profile) -> Evidence:
    fields: tuple[str, ...]
    if a.postcodes & b.postcodes:
        points, fields = _POSTCODE, ("postcode",)
    elif a.districts & b.districts:
        points, fields = _DISTRICT, ("postcode~district",)
    else:
        points, fields = 0, ()
    shared = sorted({scheme for scheme, _ in a.shared_references & b.shared_references})
    return Evidence(points + _SHARED_REFERENCE * bool(shared), fields + tuple(shared))


def _gender_evidence(a: Profile, b: Profile) -> Evidence:
    if a.gender is None or b.gender is None:
        return NO_EVIDENCE
    return (
        Evidence(_GENDER_AGREES, ("gender",))
        if a.gender == b.gender
        else Evidence(_GENDER_DIFFERS, ())
    )


def compare_profiles(a: Profile, b: Profile) -> MatchResult:
    evidence = (
        _names_evidence(a, b),
        dob_evidence(a, b),
        _place_evidence(a, b),
        _gender_evidence(a, b),
    )
    points = min(max(sum(item.points for item in evidence), 0), _MOST_WITHOUT_IDENTIFIER)
    fields = {field for item in evidence for field in item.fields}
    shared_schemes = a.person_ids.keys() & b.person_ids.keys()
    agreed = {scheme for scheme in shared_schemes if a.person_ids[scheme] & b.person_ids[scheme]}
    conflicts = shared_schemes - agreed
    if agreed and not conflicts:
        return MatchResult(1.0, tuple(sorted(fields | agreed)))
    if agreed:
        points = min(max(points, round(POSSIBLE_AT * 100)), round(MATCHED_AT * 100) - 1)
        fields |= agreed
    elif conflicts:
        typos = all(
            one_keystroke_apart(x, y)
            for scheme in conflicts
            for x in a.person_ids[scheme]
            for y in b.person_ids[scheme]
        )
        near_miss = typos and points >= round(MATCHED_AT * 100)
        points = min(points, round(POSSIBLE_AT * 100) if near_miss else _CONFLICT_CAP)
    return MatchResult(points / 100, tuple(sorted(fields)))


_profile = functools.lru_cache(maxsize=4096)(build_profile)


def compare(a: Identity, b: Identity) -> MatchResult:
    """How sure we are that ``a`` and ``b`` are the same person.

    Symmetric (``compare(a, b) == compare(b, a)``) and deterministic; the module
    docstring gives the rules and points.

    Args:
        a: one identity, say a request's subject.
        b: the other, say an agency's record.

    Returns:
        The confidence and the fields that supported it.
    """
    return compare_profiles(_profile(a), _profile(b))
