"""Whether two identities are the same person, and finding a person among many records.

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

Given names are compared through a table of nicknames and transliterations
(``nicknames.txt``), a phonetic skeleton (vowels merged, consonants by sound: ph/f, x/ks,
c/k or s, z/s) and Jaro-Winkler for typos. A name in the table is a real name: two
different names from the table are different names, not a typo (Jack and Jake).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Generic, NamedTuple, TypeVar

from connectors.identity import Identity

MATCHED_AT = 0.9
POSSIBLE_AT = 0.6

_SHARED_SCHEMES = frozenset({"HOUSING_TENANCY_REFERENCE", "OTHER"})
# A given name starting with one of these is no given name: "Baby of Sarah Brown".
_PLACEHOLDER_GIVEN = frozenset({"baby", "unborn", "unknown", "infant", "newborn", "nk"})
_KNOWN_GENDERS = frozenset({"FEMALE", "MALE", "OTHER"})
_FUZZY_FROM = 0.85

_FAMILY, _FAMILY_DIFFERS, _GIVEN, _GIVEN_DIFFERS, _SWAPPED = 30, -15, 25, -25, 45
_VARIANT, _SOUNDS_ALIKE, _HYPHENATED = 0.84, 0.8, 0.8
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


class _Likeness(NamedTuple):
    """How alike two names are: a fraction of full agreement, and its field names."""

    fraction: float
    fields: tuple[str, ...]


class _Evidence(NamedTuple):
    points: int
    fields: tuple[str, ...]


_NEUTRAL = _Likeness(0.0, ())
_NO_EVIDENCE = _Evidence(0, ())


@dataclass(frozen=True, order=True)
class _Name:
    given: tuple[str, ...]
    family: tuple[str, ...]


@dataclass(frozen=True)
class _Profile:
    """An identity normalised once, for comparing many times."""

    names: tuple[_Name, ...]
    born: date | None
    precision: str
    postcodes: frozenset[str]
    districts: frozenset[str]
    person_ids: dict[str, frozenset[str]]
    shared_references: frozenset[tuple[str, str]]
    gender: str | None


@dataclass(frozen=True)
class _NameTable:
    groups: dict[str, frozenset[int]]
    members: tuple[frozenset[str], ...]
    transliteration: frozenset[int]


@functools.cache
def _name_table() -> _NameTable:
    text = (resources.files("connectors") / "nicknames.txt").read_text(encoding="utf-8")
    groups: defaultdict[str, set[int]] = defaultdict(set)
    members: list[frozenset[str]] = []
    transliteration: set[int] = set()
    section = "[nicknames]"
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        group = frozenset(_fold(name) for name in line.split(",") if _fold(name))
        for name in group:
            groups[name].add(len(members))
        if section == "[transliterations]":
            transliteration.add(len(members))
        members.append(group)
    return _NameTable(
        {name: frozenset(ids) for name, ids in groups.items()},
        tuple(members),
        frozenset(transliteration),
    )


# Latin letters that NFKD does not take apart.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})
_UNDECOMPOSED |= str.maketrans(
    {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "\u0131": "i", "ħ": "h"}
)


def _tokens(text: str) -> tuple[str, ...]:
    """The words of a name, lower case, accents dropped: apostrophes join, all else splits."""
    plain = re.sub(r"['\u2019`]", "", text).translate(_UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", plain)
    letters = (
        char if char.isalpha() else " " for char in decomposed if not unicodedata.combining(char)
    )
    return tuple("".join(letters).casefold().split())


def _fold(text: str) -> str:
    return "".join(_tokens(text))


# Spellings of one sound, in the order they are rewritten.
_SOUNDS: tuple[tuple[str, str], ...] = (
    ("sch", "s"),
    ("ph", "f"),
    ("gh", "g"),
    ("kh", "k"),
    ("dh", "d"),
    ("th", "t"),
    ("sh", "s"),
    ("ch", "k"),
    ("ck", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("z", "s"),
    ("v", "f"),
)


@functools.lru_cache(maxsize=1 << 16)
def _skeleton(token: str) -> str:
    """A phonetic key: consonants by sound, each run of vowels as one ``a``."""
    word = token
    for spelling, sound in _SOUNDS:
        word = word.replace(spelling, sound)
    word = re.sub(r"c(?=[eiy])", "s", word).replace("c", "k")
    if len(word) > 1 and word.endswith("h"):
        word = word[:-1]
    key: list[str] = []
    for position, char in enumerate(word):
        sound = "a" if char in "aeiou" or (position and char in "yw") else char
        if not key or key[-1] != sound:
            key.append(sound)
    return "".join(key)


@functools.lru_cache(maxsize=1 << 16)
def _jaro_winkler(first: str, second: str) -> float:
    """Jaro-Winkler similarity (prefix scale 0.1, up to 4 characters), 0.0 to 1.0."""
    if first > second:
        first, second = second, first
    if first == second:
        return 1.0
    if not first or not second:
        return 0.0
    window = max(max(len(first), len(second)) // 2 - 1, 0)
    taken = [False] * len(second)
    matched: list[str] = []
    for position, char in enumerate(first):
        end = min(len(second), position + window + 1)
        other = second.find(char, max(0, position - window), end)
        while other != -1 and taken[other]:
            other = second.find(char, other + 1, end)
        if other != -1:
            taken[other] = True
            matched.append(char)
    if not matched:
        return 0.0
    in_second = [char for char, used in zip(second, taken, strict=True) if used]
    transpositions = sum([a != b for a, b in zip(matched, in_second, strict=True)]) // 2
    common = len(matched)
    jaro = (common / len(first) + common / len(second) + (common - transpositions) / common) / 3
    prefix = 0
    for a, b in zip(first[:4], second[:4], strict=False):
        if a != b:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _fuzzy_fraction(similarity: float) -> float:
    """0.6 of full agreement at the fuzzy threshold, rising to 0.85 at identical."""
    return 0.6 + 0.25 * (similarity - _FUZZY_FROM) / (1 - _FUZZY_FROM)


def _given_token_likeness(x: str, y: str) -> _Likeness | None:
    """Symmetric: how alike two given names are, or None when they differ."""
    return _ordered_given_likeness(*sorted((x, y)))


@functools.lru_cache(maxsize=1 << 16)
def _ordered_given_likeness(x: str, y: str) -> _Likeness | None:
    if len(x) == 1 or len(y) == 1:
        # An initial fits or it does not; two equal initials still say little.
        return _NEUTRAL if x[0] == y[0] else None
    if x == y:
        return _Likeness(1.0, ("given_name",))
    table = _name_table()
    in_x, in_y = table.groups.get(x, frozenset()), table.groups.get(y, frozenset())
    if shared := in_x & in_y:
        kind = "transliteration" if shared <= table.transliteration else "nickname"
        return _Likeness(_VARIANT, (f"given_name~{kind}",))
    if in_x and in_y:
        return None
    # One keystroke apart is a typo; a different spelling of the same sounds is not.
    sounds_alike = _skeleton(x) == _skeleton(y) and len(_skeleton(x)) >= 4
    if sounds_alike and not _one_keystroke_apart(x, y):
        return _Likeness(_SOUNDS_ALIKE, ("given_name~transliteration",))
    if (similarity := _jaro_winkler(x, y)) >= _FUZZY_FROM:
        return _Likeness(_fuzzy_fraction(similarity), ("given_name~fuzzy",))
    known, typed, groups = (x, y, in_x) if in_x else (y, x, in_y)
    # A typo of a variant: only variants with the same initial, to keep this cheap.
    variants = {name for group in groups for name in table.members[group] if name[0] == typed[0]}
    similarity = max((_jaro_winkler(typed, name) for name in variants - {known}), default=0.0)
    if similarity >= _FUZZY_FROM:
        fraction = _VARIANT * _fuzzy_fraction(similarity)
        return _Likeness(fraction, ("given_name~fuzzy", "given_name~nickname"))
    return None


def _given_likeness(a: tuple[str, ...], b: tuple[str, ...]) -> _Likeness | None:
    """Each side's first given name against all the other's, or the names written together."""
    if not a or not b:
        return _NEUTRAL
    pairs = [(a[0], name) for name in b] + [(name, b[0]) for name in a]
    if len(a) > 1 or len(b) > 1:
        pairs.append(("".join(a), "".join(b)))
    found = [likeness for x, y in pairs if (likeness := _given_token_likeness(x, y))]
    return max(found, default=None)


@functools.lru_cache(maxsize=1 << 16)
def _family_likeness(a: tuple[str, ...], b: tuple[str, ...]) -> _Likeness | None:
    if not a or not b:
        return _NEUTRAL
    whole_a, whole_b = "".join(a), "".join(b)
    if whole_a == whole_b:
        return _Likeness(1.0, ("family_name",))
    if (len(a) > 1 or len(b) > 1) and {part for part in a if len(part) > 1} & set(b):
        return _Likeness(_HYPHENATED, ("family_name~hyphenated",))
    table = _name_table()
    in_a, in_b = table.groups.get(whole_a, frozenset()), table.groups.get(whole_b, frozenset())
    if in_a & in_b & table.transliteration:
        return _Likeness(_VARIANT, ("family_name~fuzzy",))
    similarity = _jaro_winkler(whole_a, whole_b)
    fraction = _fuzzy_fraction(similarity) if similarity >= _FUZZY_FROM else 0.0
    if len(_skeleton(whole_a)) >= 3 and _skeleton(whole_a) == _skeleton(whole_b):
        fraction = max(fraction, 0.75)
    return _Likeness(fraction, ("family_name~fuzzy",)) if fraction else None


def _pair_evidence(x: _Name, y: _Name) -> _Evidence:
    """Symmetric: one name of each identity, as recorded and with given and family swapped."""
    if x > y:
        x, y = y, x
    return _ordered_pair_evidence(x, y)


@functools.lru_cache(maxsize=1 << 16)
def _ordered_pair_evidence(x: _Name, y: _Name) -> _Evidence:
    given = _given_likeness(x.given, y.given)
    family = _family_likeness(*sorted((x.family, y.family))) if x.family and y.family else _NEUTRAL
    points = _GIVEN_DIFFERS if given is None else round(_GIVEN * given.fraction)
    points += _FAMILY_DIFFERS if family is None else round(_FAMILY * family.fraction)
    fields = (given.fields if given else ()) + (family.fields if family else ())
    recorded = _Evidence(points, tuple(sorted(fields)))
    # Swapped names score at most _SWAPPED: no need to look when already past it.
    if recorded.points >= _SWAPPED or not (x.given and x.family and y.given and y.family):
        return recorded
    one = _given_token_likeness(x.given[0], "".join(y.family))
    other = _given_token_likeness("".join(x.family), y.given[0])
    if one and other and one.fraction and other.fraction:
        swapped = _Evidence(
            round(_SWAPPED * (one.fraction + other.fraction) / 2), ("names~swapped",)
        )
        return max(recorded, swapped)
    return recorded


def _names_evidence(a: _Profile, b: _Profile) -> _Evidence:
    return max((_pair_evidence(x, y) for x in a.names for y in b.names), default=_NO_EVIDENCE)


def _precision_rank(precision: str) -> int:
    return {"DAY": 0, "MONTH": 1}.get(precision, 2)


def _dob_evidence(a: _Profile, b: _Profile) -> _Evidence:
    if a.born is None or b.born is None:
        return _NO_EVIDENCE
    first, second = sorted((a.born, b.born))
    if "EXPECTED" in (a.precision, b.precision):
        apart = (second - first).days
        if apart <= 90:
            return _Evidence(15, ("date_of_birth~near",))
        return _Evidence(-10 if apart > 366 else 0, ())
    rank = max(_precision_rank(a.precision), _precision_rank(b.precision))
    years = second.year - first.year
    if rank == 2:
        points = {0: 15, 1: 10, 2: 0}.get(years, -15)
        return _Evidence(points, {0: ("date_of_birth",), 1: ("date_of_birth~near",)}.get(years, ()))
    if rank == 1:
        months = years * 12 + second.month - first.month
        if months == 0:
            return _Evidence(25, ("date_of_birth",))
        near = months == 1 or (years == 1 and first.month == second.month)
        return _Evidence(10, ("date_of_birth~near",)) if near else _Evidence(-15, ())
    if first == second:
        return _Evidence(35, ("date_of_birth",))
    if first.year == second.year and (first.day, first.month) == (second.month, second.day):
        return _Evidence(25, ("date_of_birth~transposed",))
    parts = [
        (x, y) for x, y in zip(first.timetuple()[:3], second.timetuple()[:3], strict=True) if x != y
    ]
    one_digit = len(parts) == 1 and _digits_apart(*parts[0]) == 1
    year_out = years == 1 and (first.month, first.day) == (second.month, second.day)
    if one_digit or year_out:
        return _Evidence(20, ("date_of_birth~near",))
    return _Evidence(-30, ())


def _digits_apart(x: int, y: int) -> int:
    return sum([a != b for a, b in zip(f"{x:04d}", f"{y:04d}", strict=True)])


def _place_evidence(a: _Profile, b: _Profile) -> _Evidence:
    fields: tuple[str, ...]
    if a.postcodes & b.postcodes:
        points, fields = _POSTCODE, ("postcode",)
    elif a.districts & b.districts:
        points, fields = _DISTRICT, ("postcode~district",)
    else:
        points, fields = 0, ()
    shared = sorted({scheme for scheme, _ in a.shared_references & b.shared_references})
    return _Evidence(points + _SHARED_REFERENCE * bool(shared), fields + tuple(shared))


def _gender_evidence(a: _Profile, b: _Profile) -> _Evidence:
    if a.gender is None or b.gender is None:
        return _NO_EVIDENCE
    return (
        _Evidence(_GENDER_AGREES, ("gender",))
        if a.gender == b.gender
        else _Evidence(_GENDER_DIFFERS, ())
    )


def _one_keystroke_apart(x: str, y: str) -> bool:
    if len(x) == len(y):
        differ = [i for i in range(len(x)) if x[i] != y[i]]
        swapped = len(differ) == 2 and differ[1] == differ[0] + 1
        return len(differ) == 1 or (
            swapped and x[differ[0]] == y[differ[1]] and x[differ[1]] == y[differ[0]]
        )
    short, long = sorted((x, y), key=len)
    return len(long) - len(short) == 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def _compare_profiles(a: _Profile, b: _Profile) -> MatchResult:
    evidence = (
        _names_evidence(a, b),
        _dob_evidence(a, b),
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
            _one_keystroke_apart(x, y)
            for scheme in conflicts
            for x in a.person_ids[scheme]
            for y in b.person_ids[scheme]
        )
        near_miss = typos and points >= round(MATCHED_AT * 100)
        points = min(points, round(POSSIBLE_AT * 100) if near_miss else _CONFLICT_CAP)
    return MatchResult(points / 100, tuple(sorted(fields)))


def _normalised_identifier(scheme: str, value: str) -> str:
    if scheme == "NHS_NUMBER":
        return "".join(char for char in value if char.isdigit())
    return "".join(value.split()).upper()


def _build_profile(identity: Identity) -> _Profile:
    names = []
    for given, family in identity.names:
        given_tokens = _tokens(given)
        if given_tokens and given_tokens[0] in _PLACEHOLDER_GIVEN:
            given_tokens = ()
        if given_tokens or _tokens(family):
            names.append(_Name(given_tokens, _tokens(family)))
    postcodes = {"".join(postcode.split()).upper() for postcode in identity.postcodes}
    person_ids: defaultdict[str, set[str]] = defaultdict(set)
    shared_references = set()
    for scheme, value in identity.identifiers:
        if not (normalised := _normalised_identifier(scheme, value)):
            continue
        if scheme in _SHARED_SCHEMES:
            shared_references.add((scheme, normalised))
        else:
            person_ids[scheme].add(normalised)
    return _Profile(
        names=tuple(names),
        born=identity.date_of_birth,
        precision=identity.dob_precision,
        postcodes=frozenset(postcode for postcode in postcodes if len(postcode) >= 5),
        districts=frozenset(
            postcode[:-3] if len(postcode) >= 5 else postcode for postcode in postcodes
        ),
        person_ids={scheme: frozenset(values) for scheme, values in person_ids.items()},
        shared_references=frozenset(shared_references),
        gender=identity.gender if identity.gender in _KNOWN_GENDERS else None,
    )


_profile = functools.lru_cache(maxsize=4096)(_build_profile)


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
    return _compare_profiles(_profile(a), _profile(b))


def _name_keys(profile: _Profile) -> Iterator[str]:
    """Phonetic keys of every name part and given-name variant group."""
    table = _name_table()
    for name in profile.names:
        for part in (*name.given, "".join(name.given), *name.family, "".join(name.family)):
            if len(part) > 1:
                yield _skeleton(part)
                yield from (f"#{group}" for group in table.groups.get(part, ()))


def _blocks(profile: _Profile, *, probe: bool) -> set[tuple[object, ...]]:
    """The blocks a record is filed under, or (``probe``) those a query looks in."""
    blocks: set[tuple[object, ...]] = {("postcode", postcode) for postcode in profile.postcodes}
    blocks |= {
        ("id", scheme, value) for scheme, values in profile.person_ids.items() for value in values
    }
    blocks |= {("id", scheme, value) for scheme, value in profile.shared_references}
    born = profile.born
    if born is None:
        # Without a date of birth only an identifier or a postcode can reach POSSIBLE_AT.
        return blocks
    if profile.precision == "DAY":
        blocks.add(("born", born))
        if probe and born.day <= 12 and born.day != born.month:
            blocks.add(("born", born.replace(month=born.day, day=born.month)))
    years = (born.year - 1, born.year, born.year + 1) if probe else (born.year,)
    blocks |= {("name", key, year) for key in _name_keys(profile) for year in years}
    return blocks


K = TypeVar("K", bound=Hashable)


class PersonIndex(Generic[K]):
    """Many identities under caller's keys, searched through blocks rather than a scan.

    A search compares the query only with records that share a block with it: an
    identifier, the date of birth (or its day-month transposition), a postcode, or a
    phonetic key of any name part or nickname group together with the birth year (or
    the year either side). Every pair ``compare`` puts at ``MATCHED_AT`` or above shares
    a block: without an identifier or a postcode in common it needs the exact date.
    """

    def __init__(self) -> None:
        self._keys: list[K] = []
        self._key_order: dict[K, int] = {}
        self._record_key: list[int] = []
        self._profiles: list[_Profile] = []
        self._blocks: defaultdict[tuple[object, ...], list[int]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._profiles)

    def add(self, key: K, identity: Identity) -> None:
        """File ``identity`` under ``key``; a key added twice is found by either identity."""
        if key not in self._key_order:
            self._key_order[key] = len(self._keys)
            self._keys.append(key)
        record = len(self._profiles)
        self._record_key.append(self._key_order[key])
        profile = _build_profile(identity)
        self._profiles.append(profile)
        for block in _blocks(profile, probe=False):
            self._blocks[block].append(record)

    def search(self, query: Identity, limit: int = 5) -> list[tuple[K, MatchResult]]:
        """The keys whose identity may be ``query``'s person, best first.

        Args:
            query: who to look for.
            limit: the most results to return.

        Returns:
            Up to ``limit`` (key, result) pairs with confidence at least
            ``POSSIBLE_AT``, by confidence, then by the order keys were first added.
        """
        probe = _build_profile(query)
        records: set[int] = set()
        for block in _blocks(probe, probe=True):
            records.update(self._blocks.get(block, ()))
        best: dict[int, MatchResult] = {}
        for record in sorted(records):
            result = _compare_profiles(probe, self._profiles[record])
            order = self._record_key[record]
            if result.confidence >= POSSIBLE_AT and (
                order not in best or result.confidence > best[order].confidence
            ):
                best[order] = result
        ranked = sorted(best.items(), key=lambda item: (-item[1].confidence, item[0]))
        return [(self._keys[order], result) for order, result in ranked[: max(limit, 0)]]
