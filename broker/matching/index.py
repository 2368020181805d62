"""Finding a person among many records: ``PersonIndex`` and the blocks it searches."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

from broker.identity import Identity
from broker.matching.names import name_table, skeleton
from broker.matching.profile import Profile, build_profile
from broker.matching.score import POSSIBLE_AT, MatchResult, compare_profiles


def _name_keys(profile: Profile) -> Iterator[str]:
    """Phonetic keys of every name part and given-name variant group."""
    table = name_table()
    for name in profile.names:
        for part in (*name.given, "".join(name.given), *name.family, "".join(name.family)):
            if len(part) > 1:
                yield skeleton(part)
                yield from (f"#{group}" for group in table.groups.get(part, ()))


def _blocks(profile: Profile, *, probe: bool) -> set[tuple[object, ...]]:
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
        self._profiles: list[Profile] = []
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
        profile = build_profile(identity)
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
        probe = build_profile(query)
        records: set[int] = set()
        for block in _blocks(probe, probe=True):
            records.update(self._blocks.get(block, ()))
        best: dict[int, MatchResult] = {}
        for record in sorted(records):
            result = compare_profiles(probe, self._profiles[record])
            order = self._record_key[record]
            if result.confidence >= POSSIBLE_AT and (
                order not in best or result.confidence > best[order].confidence
            ):
                best[order] = result
        ranked = sorted(best.items(), key=lambda item: (-item[1].confidence, item[0]))
        return [(self._keys[order], result) for order, result in ranked[: max(limit, 0)]]
