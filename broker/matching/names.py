"""How alike two names are: normalisation, the nickname table, sounds and typos.

Given names are compared through a table of nicknames and transliterations
(``connectors/nicknames.txt``), a phonetic skeleton (vowels merged, consonants by sound:
ph/f, x/ks, c/k or s, z/s) and Jaro-Winkler for typos. A name in the table is a real
name: two different names from the table are different names, not a typo (Jack and Jake).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from typing import NamedTuple

_FUZZY_FROM = 0.85
_VARIANT, _SOUNDS_ALIKE, _HYPHENATED = 0.84, 0.8, 0.8


class Likeness(NamedTuple):
    """How alike two names are: a fraction of full agreement, and its field names."""

    fraction: float
    fields: tuple[str, ...]


NEUTRAL = Likeness(0.0, ())


@dataclass(frozen=True)
class NameTable:
    groups: dict[str, frozenset[int]]
    members: tuple[frozenset[str], ...]
    transliteration: frozenset[int]


@functools.cache
def name_table() -> NameTable:
    text = (resources.files("broker.matching") / "nicknames.txt").read_text(encoding="utf-8")
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
    return NameTable(
        {name: frozenset(ids) for name, ids in groups.items()},
        tuple(members),
        frozenset(transliteration),
    )


# Latin letters that NFKD does not take apart.
_UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})
_UNDECOMPOSED |= str.maketrans(
    {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "\u0131": "i", "ħ": "h"}
)


def tokens(text: str) -> tuple[str, ...]:
    """The words of a name, lower case, accents dropped: apostrophes join, all else splits."""
    plain = re.sub(r"['\u2019`]", "", text).translate(_UNDECOMPOSED)
    decomposed = unicodedata.normalize("NFKD", plain)
    letters = (
        char if char.isalpha() else " " for char in decomposed if not unicodedata.combining(char)
    )
    return tuple("".join(letters).casefold().split())


def _fold(text: str) -> str:
    return "".join(tokens(text))


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
def skeleton(token: str) -> str:
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


def given_token_likeness(x: str, y: str) -> Likeness | None:
    """Symmetric: how alike two given names are, or None when they differ."""
    return _ordered_given_likeness(*sorted((x, y)))


@functools.lru_cache(maxsize=1 << 16)
def _ordered_given_likeness(x: str, y: str) -> Likeness | None:
    if len(x) == 1 or len(y) == 1:
        # An initial fits or it does not; two equal initials still say little.
        return NEUTRAL if x[0] == y[0] else None
    if x == y:
        return Likeness(1.0, ("given_name",))
    table = name_table()
    in_x, in_y = table.groups.get(x, frozenset()), table.groups.get(y, frozenset())
    if shared := in_x & in_y:
        kind = "transliteration" if shared <= table.transliteration else "nickname"
        return Likeness(_VARIANT, (f"given_name~{kind}",))
    if in_x and in_y:
        return None
    # One keystroke apart is a typo; a different spelling of the same sounds is not.
    sounds_alike = skeleton(x) == skeleton(y) and len(skeleton(x)) >= 4
    if sounds_alike and not one_keystroke_apart(x, y):
        return Likeness(_SOUNDS_ALIKE, ("given_name~transliteration",))
    if (similarity := _jaro_winkler(x, y)) >= _FUZZY_FROM:
        return Likeness(_fuzzy_fraction(similarity), ("given_name~fuzzy",))
    known, typed, groups = (x, y, in_x) if in_x else (y, x, in_y)
    # A typo of a variant: only variants with the same initial, to keep this cheap.
    variants = {name for group in groups for name in table.members[group] if name[0] == typed[0]}
    similarity = max((_jaro_winkler(typed, name) for name in variants - {known}), default=0.0)
    if similarity >= _FUZZY_FROM:
        fraction = _VARIANT * _fuzzy_fraction(similarity)
        return Likeness(fraction, ("given_name~fuzzy", "given_name~nickname"))
    return None


def given_likeness(a: tuple[str, ...], b: tuple[str, ...]) -> Likeness | None:
    """Each side's first given name against all the other's, or the names written together."""
    if not a or not b:
        return NEUTRAL
    pairs = [(a[0], name) for name in b] + [(name, b[0]) for name in a]
    if len(a) > 1 or len(b) > 1:
        pairs.append(("".join(a), "".join(b)))
    found = [likeness for x, y in pairs if (likeness := given_token_likeness(x, y))]
    return max(found, default=None)


@functools.lru_cache(maxsize=1 << 16)
def family_likeness(a: tuple[str, ...], b: tuple[str, ...]) -> Likeness | None:
    if not a or not b:
        return NEUTRAL
    whole_a, whole_b = "".join(a), "".join(b)
    if whole_a == whole_b:
        return Likeness(1.0, ("family_name",))
    if (len(a) > 1 or len(b) > 1) and {part for part in a if len(part) > 1} & set(b):
        return Likeness(_HYPHENATED, ("family_name~hyphenated",))
    table = name_table()
    in_a, in_b = table.groups.get(whole_a, frozenset()), table.groups.get(whole_b, frozenset())
    if in_a & in_b & table.transliteration:
        return Likeness(_VARIANT, ("family_name~fuzzy",))
    similarity = _jaro_winkler(whole_a, whole_b)
    fraction = _fuzzy_fraction(similarity) if similarity >= _FUZZY_FROM else 0.0
    if len(skeleton(whole_a)) >= 3 and skeleton(whole_a) == skeleton(whole_b):
        fraction = max(fraction, 0.75)
    return Likeness(fraction, ("family_name~fuzzy",)) if fraction else None


def one_keystroke_apart(x: str, y: str) -> bool:
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
